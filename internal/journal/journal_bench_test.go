package journal

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkAppendSync is the journal under a durable server's load: 16
// writers (8 per CPU on the bench machine's 2), each appending a record
// the size of an annotation write's and waiting for it to be on disk.
// writes/sync is how many writes shared each fsync.
func BenchmarkAppendSync(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), "j"), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	payload := strings.Repeat("x", 1500)
	write := func(w io.Writer) error { _, err := io.WriteString(w, payload); return err }
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			seq, err := j.Append(write)
			if err == nil {
				err = j.Sync(seq)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	j.mu.Lock()
	syncs := j.syncs
	j.mu.Unlock()
	b.ReportMetric(float64(b.N)/float64(max(syncs, 1)), "writes/sync")
}
