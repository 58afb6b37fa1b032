package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/junit"
	"github.com/labelhook/labelhook/server"
)

// The text report: a first line naming the URL and the number of cases,
// one row per case (verdict, case, answers, slowest time), the reason and
// advice under every warning and failure, then the counts and what the
// failures would do in Label Studio. Plain text, so it reads the same in
// a terminal and in a CI log.

// nameWidth bounds the case column.
const nameWidth = 52

func (r *Report) writeHead(n int) {
	if r.cfg.Out == nil {
		return
	}
	fmt.Fprintf(r.cfg.Out, "labelhook check %s: %d cases, sent as Label Studio sends them (timeout %s, warn over %s, seed %d)\n\n",
		r.URL, n, r.cfg.Timeout, r.cfg.SlowAfter, r.cfg.Seed)
}

// add counts a result and writes its row.
func (r *Report) add(res Result) {
	r.Results = append(r.Results, res)
	switch res.Verdict {
	case Pass:
		r.Passed++
	case Warn:
		r.Warned++
	case Fail:
		r.Failed++
	}
	if r.cfg.Out == nil {
		return
	}
	var b strings.Builder
	label := map[Verdict]string{Pass: "pass", Warn: "WARN", Fail: "FAIL"}[res.Verdict]
	name := res.Name
	if utf8.RuneCountInString(name) > nameWidth {
		name = string([]rune(name)[:nameWidth-1]) + "…"
	}
	answer, took := "-", ""
	if len(res.Answers) > 0 {
		answer = statuses(res.Answers)
		slowest := res.Answers[0].took()
		for _, a := range res.Answers {
			slowest = max(slowest, a.took())
		}
		took = round(slowest).String()
	}
	fmt.Fprintf(&b, "%-4s  %s%s  %-18s %8s\n", label, name, strings.Repeat(" ", nameWidth-utf8.RuneCountInString(name)), answer, took)
	if res.Verdict != Pass {
		fmt.Fprintf(&b, "      %s\n", res.Reason)
		if res.Advice != "" {
			fmt.Fprintf(&b, "      advice: %s\n", res.Advice)
		}
	}
	if res.Note != "" {
		fmt.Fprintf(&b, "      note: %s\n", res.Note)
	}
	_, _ = io.WriteString(r.cfg.Out, b.String()) // best effort, as the scenario runner's output
}

// Summary is the counts line: "33 passed, 2 warnings, 1 failed".
func (r *Report) Summary() string {
	w := "warnings"
	if r.Warned == 1 {
		w = "warning"
	}
	return fmt.Sprintf("%d passed, %d %s, %d failed", r.Passed, r.Warned, w, r.Failed)
}

func (r *Report) writeSummary() {
	if r.cfg.Out == nil {
		return
	}
	fmt.Fprintf(r.cfg.Out, "\n%s (%.2fs)\n", r.Summary(), r.Duration.Seconds())
	for _, c := range r.Consequences() {
		fmt.Fprintf(r.cfg.Out, "%s\n", c)
	}
}

// Consequences says, one sentence each, what the failures and warnings
// would do in Label Studio (none when every case passed).
func (r *Report) Consequences() []string {
	var out []string
	timeouts, slow := false, r.Warned > 0 && r.slowWarnings()
	for _, res := range r.Results {
		for _, a := range res.Answers {
			timeouts = timeouts || a.timeout
		}
	}
	if r.Failed > 0 {
		out = append(out, "In Label Studio a failed delivery is not retried: that event never reaches your pipeline.")
		if n := server.DefaultMaxConsecutiveFailures; n > 0 {
			out = append(out, fmt.Sprintf("Each failure counts toward the webhook's consecutive_failures: after %d in a row Label Studio sets is_active=false "+
				"and stops sending until someone turns the webhook back on.", n))
		} else {
			out = append(out, "Label Studio's newest code also counts failures: after 50 in a row (WEBHOOK_MAX_CONSECUTIVE_FAILURES) it sets is_active=false "+
				"and stops sending until someone turns the webhook back on (the releases labelhook verified do not yet).")
		}
	}
	if timeouts {
		out = append(out, fmt.Sprintf("A delivery without an answer within %s fails the same way, after holding the annotator's save request that long.", r.cfg.Timeout))
	}
	if slow {
		out = append(out, "Slow answers slow every save in the labeling UI: with sync delivery (the default) Label Studio waits for your answer inside the annotator's request.")
	}
	return out
}

func (r *Report) slowWarnings() bool {
	for _, res := range r.Results {
		if res.Verdict == Warn && res.Advice == adviceSlow {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as one JSON object: the URL, every case
// with its verdict, reason, advice and answers, the counts and the
// consequences.
func (r *Report) WriteJSON(w io.Writer) error {
	v := struct {
		URL          string   `json:"url"`
		Passed       int      `json:"passed"`
		Warned       int      `json:"warned"`
		Failed       int      `json:"failed"`
		Seconds      float64  `json:"seconds"`
		Consequences []string `json:"consequences"`
		Cases        []Result `json:"cases"`
	}{r.URL, r.Passed, r.Warned, r.Failed, r.Duration.Seconds(), r.Consequences(), r.Results}
	if v.Consequences == nil {
		v.Consequences = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteJUnit writes the report as JUnit XML for CI test reporters: one
// testsuite, one testcase per case; a failure is a <failure>, a warning
// passes with its reason in <system-out>.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := junit.Suite{Name: "labelhook check " + r.URL, Totals: junit.Totals{Time: junit.Seconds(r.Duration)}}
	for _, res := range r.Results {
		var total time.Duration
		for _, a := range res.Answers {
			total += a.took()
		}
		c := junit.Case{Name: res.Name, Classname: "labelhook.check", Time: junit.Seconds(total)}
		switch res.Verdict {
		case Fail:
			c.Failure = &junit.Failure{Message: res.Reason, Type: "CheckFailed", Text: "advice: " + res.Advice}
		case Warn:
			c.SystemOut = "warning: " + res.Reason + "\nadvice: " + res.Advice
		}
		if res.Note != "" {
			c.SystemOut = strings.TrimPrefix(c.SystemOut+"\nnote: "+res.Note, "\n")
		}
		s.Cases = append(s.Cases, c)
	}
	return junit.Write(w, junit.Suites{Name: "labelhook check", Totals: junit.Totals{Time: s.Time}, Suites: []junit.Suite{s}})
}
