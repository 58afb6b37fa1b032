package scenarios

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestWriteJUnit(t *testing.T) {
	src := `- name: passes <&> "quoted"
  steps: [{create_project: {title: Fine}}]
- name: fails
  steps:
    - create_project: {title: "Bad \u0001 char <x>"}
      response: {title: Other}
- name: skipped
  server: {webhook_batch_size: 1}
  steps: [{create_project: {title: Never}}]
`
	rep, out := runYAML(t, src, Options{Verbose: true})
	// A skip only happens against an external server; mark it by hand to
	// keep this test in-process.
	rep.Results[2] = Result{Name: "skipped", File: "other.yaml", Line: 1, Status: Skipped, Message: "other.yaml:1: needs an in-process mock", Duration: time.Millisecond}
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML header:\n%s", buf.String())
	}

	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not valid XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d skipped %d suites %d, want 3 1 1 2\n%s", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites), buf.String())
	}
	s := doc.Suites[0]
	if s.Name != "t.yaml" || s.Tests != 2 || s.Failures != 1 || len(s.Cases) != 2 || s.Time == "" {
		t.Errorf("suite t.yaml: %+v", s)
	}
	if c := s.Cases[0]; c.Name != `passes <&> "quoted"` || c.Classname != "t" || c.Failure != nil || !strings.Contains(c.SystemOut, "step 1 (create_project)") {
		t.Errorf("passing case: %+v", c)
	}
	f := s.Cases[1].Failure
	if f == nil || !strings.HasPrefix(f.Message, "t.yaml:5: step 1 (create_project): POST /api/projects: the answer does not match response") {
		t.Fatalf("failing case: %+v\n%s", s.Cases[1], out)
	}
	if !strings.Contains(f.Text, `"Other"`) || !strings.Contains(f.Text, "char <x>") {
		t.Errorf("failure text lacks the diff:\n%s", f.Text)
	}
	if c := doc.Suites[1].Cases[0]; c.Skipped == nil || c.Skipped.Message != "other.yaml:1: needs an in-process mock" {
		t.Errorf("skipped case: %+v", c)
	}
}
