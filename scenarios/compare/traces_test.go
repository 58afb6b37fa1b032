package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/scenarios"
)

// traceDirs hold the normalised traces of real Label Studio 1.23.2 over
// the scenario library (labelhook compare --record): the default server,
// and one started with WEBHOOK_BATCH_SIZE=2 for the chunking scenarios.
var traceDirs = []string{"testdata/labelstudio-1.23.2", "testdata/labelstudio-1.23.2-batch2"}

// liveTraces names folders of traces just recorded from a running Label
// Studio (CI's live stage sets it, separated by commas; each folder has
// the name of the committed one it stands for). Unset, the committed
// traces are used.
const liveTraces = "LABELHOOK_LIVE_TRACES"

func traceFolders(t *testing.T) []string {
	v := os.Getenv(liveTraces)
	if v == "" {
		return traceDirs
	}
	var dirs []string
	for _, d := range strings.Split(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	t.Logf("%s: comparing the mock with live traces %v", liveTraces, dirs)
	return dirs
}

// TestLiveTracesMatchRecorded checks, when live traces are given, that
// the real server still does what the committed traces say: a
// difference means Label Studio changed (or the recording is stale:
// record it again with labelhook compare --record).
func TestLiveTracesMatchRecorded(t *testing.T) {
	if os.Getenv(liveTraces) == "" {
		t.Skip(liveTraces + " not set: no live Label Studio run to check the recorded traces against")
	}
	for _, live := range traceFolders(t) {
		committed := filepath.Join("testdata", filepath.Base(live))
		lt, err := Load(live)
		if err != nil {
			t.Fatal(err)
		}
		ct, err := Load(committed)
		if err != nil {
			t.Fatalf("live traces %s have no committed counterpart: %v", live, err)
		}
		recorded := map[string]Scenario{}
		for _, tr := range ct {
			for _, sc := range tr.Scenarios {
				recorded[sc.Name] = sc
			}
		}
		for _, tr := range lt {
			for _, sc := range tr.Scenarios {
				old, ok := recorded[sc.Name]
				if !ok || old.Skipped != sc.Skipped {
					t.Errorf("%s: scenario %q: recorded in %s: %v, skipped %q then, %q now", live, sc.Name, committed, ok, old.Skipped, sc.Skipped)
					continue
				}
				for _, d := range Diff(sc, old) {
					t.Errorf("%s: %q step %d: live vs recorded: %s", live, sc.Name, d.Step, d)
				}
			}
		}
	}
}

// TestMockMatchesRealTraces runs every recorded scenario against the
// in-process mock and compares it with the recorded real trace. Every
// difference must be in knownDifferences, and every entry there must
// still differ: fixing the mock means deleting its entry here.
func TestMockMatchesRealTraces(t *testing.T) {
	lib, err := scenarios.Load("../library")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*scenarios.Scenario{}
	for _, sc := range lib {
		byName[sc.Name] = sc
	}
	seen := map[string]Difference{}
	compared := 0
	for _, dir := range traceFolders(t) {
		traces, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range traces {
			if tr.LabelStudio != "1.23.2" {
				t.Errorf("%s: traces of Label Studio %q, want 1.23.2", dir, tr.LabelStudio)
			}
			var settings Settings
			for k, v := range tr.Settings {
				if err := settings.Set(k, v); err != nil {
					t.Fatalf("%s: %v", dir, err)
				}
			}
			var run []*scenarios.Scenario
			real := map[string]Scenario{}
			for _, rec := range tr.Scenarios {
				if rec.Skipped != "" {
					continue
				}
				sc := byName[rec.Name]
				if sc == nil {
					t.Errorf("%s: recorded scenario %q is not in the library any more: record the traces again", dir, rec.Name)
					continue
				}
				if settings.mismatch(sc.Server) != "" {
					continue // compare skips it too: the real server cannot run it (record again)
				}
				run = append(run, sc)
				real[rec.Name] = rec
			}
			if len(run) == 0 {
				continue
			}
			rep, err := scenarios.Run(context.Background(), run, scenarios.Options{Trace: true, Settle: -1, ConfigureServer: settings.apply})
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range rep.Results {
				compared++
				for _, d := range Diff(real[res.Name], Normalize(res)) {
					if _, ok := seen[d.Key()]; !ok {
						seen[d.Key()] = d
					}
				}
			}
		}
	}
	if compared == 0 {
		t.Fatal("no recorded scenario was compared")
	}
	var unknown []string
	for k, d := range seen {
		if _, ok := knownDifferences[k]; !ok {
			unknown = append(unknown, fmt.Sprintf("%q: %q, // e.g. %s step %d: %s", k, "why", d.Scenario, d.Step, d))
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("%d difference(s) between the mock and real Label Studio 1.23.2 that knownDifferences does not list (fix the mock, or add them with the reason):\n%s",
			len(unknown), strings.Join(unknown, "\n"))
	}
	var gone []string
	for k := range knownDifferences {
		if _, ok := seen[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		t.Errorf("%d listed difference(s) no longer differ: delete them from knownDifferences:\n%s", len(gone), strings.Join(gone, "\n"))
	}
}
