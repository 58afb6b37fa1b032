package compare

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// <scenario file name>.json (.json.gz above bigTrace) per scenario
// file, and returns the files
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
		p, err := writeTrace(filepath.Join(dir, base), append(b, '\n'))
		if err != nil {
			return written, fmt.Errorf("record: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}

// bigTrace is the size above which a trace file is written gzipped: the
// 12000-task import (its body, task ids and events) is 15 MB of JSON, 2 MB
// gzipped.
const bigTrace = 1 << 20

// writeTrace writes one trace file at stem.json, or stem.json.gz when it
// is big, removes the other form, and returns the path written. The gzip
// header has no name or time, so a re-recording of the same traces writes
// the same bytes.
func writeTrace(stem string, b []byte) (string, error) {
	p, stale := stem+".json", stem+".json.gz"
	if len(b) > bigTrace {
		p, stale = stale, p
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			return "", err
		}
		if err := zw.Close(); err != nil {
			return "", err
		}
		b = buf.Bytes()
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", err
	}
	if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return p, nil
}

// readTrace reads a trace file, gunzipping a .json.gz.
func readTrace(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil || !strings.HasSuffix(p, ".gz") {
		return b, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// Load reads the traces Record wrote into dir (*.json and *.json.gz).
func Load(dir string) ([]Traces, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	zipped, err := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if err != nil {
		return nil, err
	}
	paths = append(paths, zipped...)
	if len(paths) == 0 {
		return nil, fmt.Errorf("load traces: no *.json or *.json.gz in %s", dir)
	}
	sort.Strings(paths)
	var out []Traces
	for _, p := range paths {
		b, err := readTrace(p)
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
