package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkLoadState: what `serve --state` does before it listens, on a
// state of 100 000 tasks with one annotation each (labelhook bench P7
// times the whole restart): read the snapshot, replay the journal, check
// every invariant and install the result. Half the tasks are in the
// snapshot, half in the journal, as after a crash.
func BenchmarkLoadState(b *testing.B) {
	path := crashedState(b, 100000)
	b.ReportAllocs()
	cpu := cpuTime()
	var last *Server
	for b.Loop() {
		if last != nil {
			_ = last.Close(context.Background())
		}
		ld, err := loadState(path)
		if err != nil {
			b.Fatal(err)
		}
		last = mustNew(b, Config{Token: testToken})
		if err := last.install(ld.l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	// What the loaded state keeps: the heap in use after a collection,
	// with the last server still open.
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MiB")
	_ = last.Close(context.Background())
	fi, _ := os.Stat(path)
	ji, _ := os.Stat(path + ".journal")
	b.ReportMetric(float64(fi.Size()+ji.Size())/(1<<20), "MiB")
}

// crashedState makes a state of n annotated tasks in a temporary
// directory and returns its path: the first half imported and folded into
// the snapshot by a clean close, the second half left in the journal.
func crashedState(b *testing.B, n int) string {
	b.Helper()
	verifyCounts, verifyJournal, verifyRendered, verifySlots = false, false, false, false
	b.Cleanup(func() { verifyCounts, verifyJournal, verifyRendered, verifySlots = true, true, true, true })
	dir := b.TempDir()
	path := filepath.Join(dir, "state.json")
	var pid int
	for half := range 2 {
		s := mustNew(b, Config{Token: testToken, StateCompactBytes: 1 << 40}) // no compaction while the copy is taken
		if _, err := s.OpenState(path); err != nil {
			b.Fatal(err)
		}
		if half == 0 {
			var p struct {
				ID int `json:"id"`
			}
			benchCall(b, s, "POST", "/api/projects", fmt.Sprintf(`{"title":"Bench","label_config":%q}`, benchConfig), &p)
			pid = p.ID
		}
		for done := 0; done < n/2; done += 10000 {
			benchCall(b, s, "POST", fmt.Sprintf("/api/projects/%d/import", pid), annotatedRows(done+half*n/2, min(10000, n/2-done)), nil)
		}
		if half == 0 {
			if err := s.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			continue
		}
		// A crash: the files as they are, every answered import in them.
		crash := filepath.Join(b.TempDir(), "state.json")
		for _, suffix := range []string{"", ".journal"} {
			copyFile(b, path+suffix, crash+suffix)
		}
		path = crash
		_ = s.Close(context.Background())
	}
	return path
}

// annotatedRows is an import body of n tasks from number first on, each
// with one annotation.
func annotatedRows(first, n int) string {
	var body strings.Builder
	body.WriteByte('[')
	for i := first; i < first+n; i++ {
		if i > first {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"data": {"text": "Review %d: the delivery was late, the box was dented and support took three days to answer, but the product itself works as described."}, `+
			`"annotations": [{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["%s"]}}], "lead_time": %d.5}]}`,
			i, []string{"Positive", "Negative"}[i%2], i%60)
	}
	body.WriteByte(']')
	return body.String()
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImportAnnotatedWithState: one import of 10 000 tasks with one
// annotation each into a project on a durable state (the journal record
// written and synced before the answer), per task; labelhook bench builds
// its restart state this way.
func BenchmarkImportAnnotatedWithState(b *testing.B) {
	const n = 10000
	verifyCounts, verifyJournal, verifyRendered, verifySlots = false, false, false, false
	b.Cleanup(func() { verifyCounts, verifyJournal, verifyRendered, verifySlots = true, true, true, true })
	body := annotatedRows(0, n)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := mustNew(b, Config{Token: testToken})
		if _, err := s.OpenState(filepath.Join(b.TempDir(), "state.json")); err != nil {
			b.Fatal(err)
		}
		var p struct {
			ID int `json:"id"`
		}
		benchCall(b, s, "POST", "/api/projects", fmt.Sprintf(`{"title":"Bench","label_config":%q}`, benchConfig), &p)
		b.StartTimer()
		benchCall(b, s, "POST", fmt.Sprintf("/api/projects/%d/import", p.ID), body, nil)
		b.StopTimer()
		_ = s.Close(context.Background())
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
}
