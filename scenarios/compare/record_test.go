package compare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRecordGzipsBigTraces: a scenario file whose traces pass bigTrace is
// written as <name>.json.gz (the same bytes on a second recording), a
// small one as <name>.json, each replacing the other form, and Load reads
// both back as recorded.
func TestRecordGzipsBigTraces(t *testing.T) {
	dir := t.TempDir()
	big := Scenario{Name: "big", File: "big.yaml", Steps: []Step{{Step: 1, Kind: "request", Answer: strings.Repeat("task ", bigTrace/4)}}}
	small := Scenario{Name: "small", File: "small.yaml", Steps: []Step{{Step: 1, Kind: "request", Status: 200}}}
	rep := &Report{Version: "1.23.2", Results: []Result{{Name: "big", File: "big.yaml", Real: big}, {Name: "small", File: "small.yaml", Real: small}}}
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	written, err := Record(dir, rep, Settings{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "big.json.gz"), filepath.Join(dir, "small.json")}, written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "big.json.gz"))
	if len(first) == 0 || len(first) > bigTrace/10 {
		t.Errorf("big.json.gz is %d bytes, want a compressed file", len(first))
	}
	if _, err := Record(dir, rep, Settings{}, now); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "big.json.gz")); string(again) != string(first) {
		t.Error("a second recording of the same traces wrote other bytes")
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range got {
		for _, sc := range tr.Scenarios {
			names = append(names, sc.Name)
			if sc.Name == "big" && sc.Steps[0].Answer != big.Steps[0].Answer {
				t.Errorf("big's answer came back as %d characters, want %d", len(sc.Steps[0].Answer.(string)), len(big.Steps[0].Answer.(string)))
			}
		}
	}
	if diff := cmp.Diff([]string{"big", "small"}, names); diff != "" {
		t.Errorf("loaded scenarios (-want +got):\n%s", diff)
	}

	// The big file shrinks below the limit: the .json replaces the .json.gz.
	rep.Results[0].Real.Steps[0].Answer = "small now"
	if _, err := Record(dir, rep, Settings{}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.json.gz")); !os.IsNotExist(err) {
		t.Errorf("big.json.gz left beside big.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.json")); err != nil {
		t.Error(err)
	}
}
