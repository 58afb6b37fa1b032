package scenarios

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/junit"
)

// printer writes results in scenario order as soon as each one and all
// before it are done, so parallel runs print like serial ones.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
	results []Result
	done    []bool
	next    int
}

func (p *printer) finish(i int, r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[i], p.done[i] = r, true
	for p.next < len(p.done) && p.done[p.next] {
		writeResult(p.w, p.results[p.next], p.verbose)
		p.next++
	}
}

// writeResult prints one scenario as go test -v prints a test.
func writeResult(w io.Writer, r Result, verbose bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "=== RUN   %s\n", r.Name)
	if verbose {
		for _, l := range r.Log {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	fmt.Fprintf(&b, "--- %s: %s (%s)\n", r.Status, r.Name, seconds(r.Duration))
	if r.Message != "" {
		fmt.Fprintf(&b, "    %s\n", r.Message)
	}
	if r.Detail != "" {
		for _, l := range strings.Split(r.Detail, "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	_, _ = io.WriteString(w, b.String()) // the output is best effort, as go test's
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// WriteJUnit writes the report as JUnit XML: one testsuite per scenario
// file, one testcase per scenario.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junit.Suites{Name: "labelhook", Totals: junit.Totals{Time: junit.Seconds(r.Duration)}}
	index := map[string]int{}
	var spent []time.Duration
	for _, res := range r.Results {
		i, ok := index[res.File]
		if !ok {
			i = len(doc.Suites)
			index[res.File] = i
			doc.Suites = append(doc.Suites, junit.Suite{Name: res.File})
			spent = append(spent, 0)
		}
		c := junit.Case{Name: res.Name, Classname: strings.TrimSuffix(res.File, ".yaml"), File: res.File, Line: res.Line,
			Time: junit.Seconds(res.Duration), SystemOut: strings.Join(res.Log, "\n")}
		spent[i] += res.Duration
		switch res.Status {
		case Failed:
			text := res.Message
			if res.Detail != "" {
				text += "\n" + res.Detail
			}
			c.Failure = &junit.Failure{Message: res.Message, Type: "ScenarioFailed", Text: text}
		case Skipped:
			c.Skipped = &junit.Skipped{Message: res.Message}
		}
		doc.Suites[i].Cases = append(doc.Suites[i].Cases, c)
	}
	for i := range doc.Suites {
		doc.Suites[i].Time = junit.Seconds(spent[i])
	}
	return junit.Write(w, doc)
}
