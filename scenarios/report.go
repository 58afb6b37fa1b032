package scenarios

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
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

// JUnit XML, as Jenkins, GitLab and GitHub test reporters read it: one
// testsuite per scenario file, one testcase per scenario.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Time      string        `xml:"time,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "labelhook", Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	index := map[string]int{}
	var spent []time.Duration
	for _, res := range r.Results {
		i, ok := index[res.File]
		if !ok {
			i = len(doc.Suites)
			index[res.File] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: res.File})
			spent = append(spent, 0)
		}
		c := junitCase{Name: res.Name, Classname: strings.TrimSuffix(res.File, ".yaml"), File: res.File, Line: res.Line,
			Time: fmt.Sprintf("%.3f", res.Duration.Seconds()), SystemOut: strings.Join(res.Log, "\n")}
		s := &doc.Suites[i]
		s.Tests++
		spent[i] += res.Duration
		switch res.Status {
		case Failed:
			s.Failures++
			text := res.Message
			if res.Detail != "" {
				text += "\n" + res.Detail
			}
			c.Failure = &junitFailure{Message: res.Message, Type: "ScenarioFailed", Text: text}
		case Skipped:
			s.Skipped++
			c.Skipped = &junitSkipped{Message: res.Message}
		}
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Time = fmt.Sprintf("%.3f", spent[i].Seconds())
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	if _, err := io.WriteString(w, xml.Header+string(out)+"\n"); err != nil {
		return fmt.Errorf("write JUnit XML: %w", err)
	}
	return nil
}
