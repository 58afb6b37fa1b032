package compare

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Traces are the normalised traces of one scenario file, as Record
// writes them: the truth the mock is tested against.
type Traces struct {
	// LabelStudio is the release the traces come from; Recorded the day.
	LabelStudio string `json:"label_studio"`
	Recorded    string `json:"recorded"`
	// Settings are the external server's settings (--server-setting).
	Settings  map[string]string `json:"settings,omitempty"`
	Scenarios []Scenario        `json:"scenarios"`
}

// Record writes the external side of rep into dir, one
// <scenario file name>.json per scenario file, and returns the files
// written. Skipped scenarios are kept, with the reason.
func Record(dir string, rep *Report, settings Settings, now time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	byFile := map[string]*Traces{}
	var files []string
	for _, res := range rep.Results {
		base := strings.TrimSuffix(filepath.Base(res.File), filepath.Ext(res.File))
		t := byFile[base]
		if t == nil {
			t = &Traces{LabelStudio: rep.Version, Recorded: now.UTC().Format("2006-01-02"), Settings: settings.Map(), Scenarios: []Scenario{}}
			if len(t.Settings) == 0 {
				t.Settings = nil
			}
			byFile[base] = t
			files = append(files, base)
		}
		sc := res.Real
		if res.Skipped != "" {
			sc = Scenario{Name: res.Name, File: res.File, Skipped: res.Skipped, Steps: []Step{}}
		}
		sc.File = filepath.Base(sc.File)
		t.Scenarios = append(t.Scenarios, sc)
	}
	sort.Strings(files)
	var written []string
	for _, base := range files {
		b, err := json.MarshalIndent(byFile[base], "", " ")
		if err != nil {
			return written, fmt.Errorf("record %s: %w", base, err)
		}
		p := filepath.Join(dir, base+".json")
		if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			return written, fmt.Errorf("record: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}

// Load reads the traces Record wrote into dir.
func Load(dir string) ([]Traces, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("load traces: no *.json in %s", dir)
	}
	sort.Strings(paths)
	var out []Traces
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("load traces: %w", err)
		}
		var t Traces
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(&t); err != nil {
			return nil, fmt.Errorf("load traces %s: %w", p, err)
		}
		out = append(out, t)
	}
	return out, nil
}
