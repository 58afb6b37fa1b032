package junit

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteCountsAndEscapes(t *testing.T) {
	doc := Suites{Name: "n", Totals: Totals{Time: Seconds(1500 * time.Millisecond)}, Suites: []Suite{
		{Name: "a", Cases: []Case{
			{Name: `passes <&> "quoted"`, Classname: "a", Time: "0.001"},
			{Name: "fails", Classname: "a", Time: "0.002", Failure: &Failure{Message: "m", Type: "T", Text: "line <1>\nline 2"}},
		}},
		{Name: "b", Cases: []Case{{Name: "skipped", Classname: "b", Time: "0.000", Skipped: &Skipped{Message: "why"}}}},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), xml.Header+"<testsuites") || !strings.HasSuffix(buf.String(), "</testsuites>\n") {
		t.Errorf("no XML header or final newline:\n%s", buf.String())
	}
	var got Suites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not valid XML: %v\n%s", err, buf.String())
	}
	want := doc
	want.XMLName = xml.Name{Local: "testsuites"}
	want.Tests, want.Failures, want.Skipped = 3, 1, 1
	want.Suites = []Suite{doc.Suites[0], doc.Suites[1]}
	want.Suites[0].Tests, want.Suites[0].Failures = 2, 1
	want.Suites[1].Tests, want.Suites[1].Skipped = 1, 1
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read back (-want +got):\n%s", d)
	}
	if doc.Tests != 0 || doc.Suites[0].Tests != 0 {
		t.Errorf("Write changed the caller's counts: %d, %d", doc.Tests, doc.Suites[0].Tests)
	}
}
