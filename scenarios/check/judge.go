package check

import (
	"fmt"
	"strings"
	"time"
)

// judge turns a case's answers into its verdict, reason and advice.
//
// A case fails when any delivery gets no answer within the timeout, no
// answer at all, or a status other than 2xx (all of which Label Studio
// counts as failed deliveries); it warns when an answer takes longer than
// SlowAfter. The not-JSON case wants a 4xx: a 2xx or 5xx warns.
func judge(cfg Config, c caseDef, answers []Answer) Result {
	res := Result{Name: c.name, Action: c.action, Answers: answers, Note: c.note}
	fail := func(reason, advice string) Result {
		res.Verdict, res.Reason, res.Advice = Fail, reason, advice
		return res
	}
	var bad []Answer
	for _, a := range answers {
		if a.Error != "" || (c.mode != garbage && !a.ok()) {
			bad = append(bad, a)
		}
	}
	if len(bad) > 0 {
		first := bad[0]
		reason := describe(first)
		if len(answers) > 1 {
			reason = fmt.Sprintf("%d of %d failed: %s", len(bad), len(answers), statuses(answers))
			if first.Error != "" {
				reason += ": " + first.Error
			}
		}
		switch {
		case first.timeout:
			return fail(reason, adviceTimeout)
		case first.Error != "":
			return fail(reason, adviceDown)
		}
		return fail(reason, c.advice)
	}
	slowest := answers[0]
	for _, a := range answers {
		if a.took() > slowest.took() {
			slowest = a
		}
	}
	if c.mode == garbage {
		a := answers[0]
		if a.Status >= 400 && a.Status <= 499 {
			res.Verdict, res.Reason = Pass, fmt.Sprintf("answered %d to a body that is not JSON", a.Status)
			return res
		}
		res.Verdict, res.Reason, res.Advice = Warn, fmt.Sprintf("answered %d to a body that is not JSON", a.Status), c.advice
		return res
	}
	if slowest.took() > cfg.SlowAfter {
		res.Verdict, res.Reason, res.Advice = Warn,
			fmt.Sprintf("answered %d in %s, over %s", slowest.Status, round(slowest.took()), cfg.SlowAfter), adviceSlow
		return res
	}
	res.Verdict = Pass
	if len(answers) == 1 {
		res.Reason = fmt.Sprintf("answered %d in %s", slowest.Status, round(slowest.took()))
	} else {
		res.Reason = fmt.Sprintf("answered %s, the slowest in %s", statuses(answers), round(slowest.took()))
	}
	return res
}

// describe says what one failed delivery got.
func describe(a Answer) string {
	if a.Error != "" {
		return "no answer: " + a.Error
	}
	return fmt.Sprintf("answered %d", a.Status)
}

// statuses lists the answers' statuses, runs of one collapsed: "200 x9,
// 500", "200, then 409".
func statuses(answers []Answer) string {
	var parts []string
	for i := 0; i < len(answers); {
		j := i
		for j < len(answers) && statusText(answers[j]) == statusText(answers[i]) {
			j++
		}
		p := statusText(answers[i])
		if j-i > 1 {
			p += fmt.Sprintf(" x%d", j-i)
		}
		parts = append(parts, p)
		i = j
	}
	if len(parts) == 2 && len(answers) == 2 {
		return parts[0] + ", then " + parts[1]
	}
	return strings.Join(parts, ", ")
}

func statusText(a Answer) string {
	switch {
	case a.timeout:
		return "timeout"
	case a.Error != "":
		return "error"
	}
	return fmt.Sprint(a.Status)
}

// round shortens a duration for a report: 3.1ms, 1.52s.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}
