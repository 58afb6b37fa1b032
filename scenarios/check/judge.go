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
// SlowAfter. The not-JSON case wants a 4xx: anything else warns.
func judge(cfg Config, c caseDef, answers []Answer) Result {
	res := Result{Name: c.name, Action: c.action, Answers: answers, Note: c.note}
	fail := func(reason, advice string) Result {
		res.Verdict, res.Reason, res.Advice = Fail, reason, advice
		return res
	}
	if c.mode == garbage {
		return judgeGarbage(res, c, answers[0])
	}
	var bad []Answer
	for _, a := range answers {
		if !a.ok() {
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
		case first.timeout && c.mode == together: // one at a time would have passed
			return fail(reason, c.advice)
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

// judgeGarbage judges the answer to a body that is not JSON: Label Studio
// never sends one, so anything but a 4xx only warns.
func judgeGarbage(res Result, c caseDef, a Answer) Result {
	switch {
	case a.Error != "":
		res.Verdict, res.Reason, res.Advice = Warn, describe(a), c.advice
	case a.Status >= 400 && a.Status <= 499:
		res.Verdict, res.Reason = Pass, fmt.Sprintf("answered %d to a body that is not JSON", a.Status)
	default:
		res.Verdict, res.Reason, res.Advice = Warn, fmt.Sprintf("answered %d to a body that is not JSON", a.Status), c.advice
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

// statuses sums up the answers' statuses: "200", "200 x9, 500", "200,
// then 409" (two answers keep their order), "200 x7, timeout x3".
func statuses(answers []Answer) string {
	if len(answers) == 2 && statusText(answers[0]) != statusText(answers[1]) {
		return statusText(answers[0]) + ", then " + statusText(answers[1])
	}
	var order []string
	count := map[string]int{}
	for _, a := range answers {
		t := statusText(a)
		if count[t] == 0 {
			order = append(order, t)
		}
		count[t]++
	}
	parts := make([]string, len(order))
	for i, t := range order {
		parts[i] = t
		if count[t] > 1 {
			parts[i] += fmt.Sprintf(" x%d", count[t])
		}
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
