// Package junit writes JUnit XML as Jenkins, GitLab and GitHub test
// reporters read it: `labelhook run --junit` (one suite per scenario
// file) and `labelhook check --junit` (one suite) both write it here. It
// does not read JUnit, beyond what its tests need.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"time"
)

// Suites is the document. Write fills in its counts and its suites'.
type Suites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	Totals
	Suites []Suite `xml:"testsuite"`
}

// Suite is one testsuite.
type Suite struct {
	Name string `xml:"name,attr"`
	Totals
	Cases []Case `xml:"testcase"`
}

// Totals are the attributes a document and each suite carry: how many
// cases, failed, in error and skipped, and the time taken (Seconds).
type Totals struct {
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
}

// Case is one testcase: passed, or failed (Failure) or skipped (Skipped).
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Line      int      `xml:"line,attr,omitempty"`
	Time      string   `xml:"time,attr"`
	Failure   *Failure `xml:"failure,omitempty"`
	Skipped   *Skipped `xml:"skipped,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Failure is why a case failed: Message in short, Text in full.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Skipped is why a case did not run.
type Skipped struct {
	Message string `xml:"message,attr"`
}

// count adds case c to t.
func (t *Totals) count(c Case) {
	t.Tests++
	switch {
	case c.Failure != nil:
		t.Failures++
	case c.Skipped != nil:
		t.Skipped++
	}
}

// Seconds is d as a time attribute: seconds with three decimals.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// Write counts the cases of every suite (tests, failures, skipped) and
// the suites', then writes doc as indented XML after the XML header.
func Write(w io.Writer, doc Suites) error {
	doc.Tests, doc.Failures, doc.Skipped = 0, 0, 0
	doc.Suites = slices.Clone(doc.Suites) // the caller's stay as they are
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Tests, s.Failures, s.Skipped = 0, 0, 0
		for _, c := range s.Cases {
			s.count(c)
			doc.count(c)
		}
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
