package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// appendAll writes payloads as records and syncs them.
func appendAll(t *testing.T, j *Journal, payloads ...string) {
	t.Helper()
	for _, p := range payloads {
		seq, err := j.Append(func(w io.Writer) error { _, err := io.WriteString(w, p); return err })
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(seq); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll returns the payloads Read finds, with the offset and last seq.
func readAll(t *testing.T, path string) ([]string, int64, uint64, error) {
	t.Helper()
	var got []string
	end, last, err := Read(path, func(seq uint64, payload []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", seq, payload))
		return nil
	})
	return got, end, last, err
}

func openNew(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func TestRecordsReadBackInOrder(t *testing.T) {
	j, path := openNew(t)
	appendAll(t, j, `{"a":1}`, `{"b":"x\ty"}`, `{}`)
	got, end, last, err := readAll(t, path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`1:{"a":1}`, `2:{"b":"x\ty"}`, `3:{}`}
	if !slices.Equal(got, want) || last != 3 {
		t.Errorf("read %q (last %d), want %q (last 3)", got, last, want)
	}
	if end != j.Size() {
		t.Errorf("end %d, Size() %d: want them equal", end, j.Size())
	}
	// Open, the file holds zeros past the records (a torn tail to Read);
	// closed, it ends with the last record.
	if fi, _ := os.Stat(path); fi.Size() < end+zeroChunk/2 {
		t.Errorf("open journal's file is %d bytes, want the %d of records and at least %d of zeros", fi.Size(), end, zeroChunk/2)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != end {
		t.Errorf("closed journal's file is %d bytes, want %d", fi.Size(), end)
	}
	if got2, _, _, err := readAll(t, path); err != nil || !slices.Equal(got2, want) {
		t.Errorf("after Close: %q, %v", got2, err)
	}
}

func TestMissingFileHasNoRecords(t *testing.T) {
	got, end, last, err := readAll(t, filepath.Join(t.TempDir(), "none"))
	if err != nil || len(got) != 0 || end != 0 || last != 0 {
		t.Errorf("Read of a missing file = %v, %d, %d, %v; want nothing", got, end, last, err)
	}
}

// A crash while a record was written leaves it torn at any byte: every
// cut point reads back the whole records before it, and reopening cuts
// the torn part so the next record follows cleanly.
func TestTornTailIsCutAtEveryByte(t *testing.T) {
	j, path := openNew(t)
	appendAll(t, j, `{"first":true}`, `{"second":true}`)
	whole, _ := os.ReadFile(path)
	whole = whole[:j.Size()] // the records; zeros follow them
	firstEnd := int64(strings.IndexByte(string(whole), '\n') + 1)
	for cut := firstEnd; cut < int64(len(whole)); cut++ {
		p := filepath.Join(t.TempDir(), "j")
		// The torn record as a crash leaves it: cut short, alone or
		// followed by the zeros the journal wrote past its records.
		torn := whole[:cut]
		if cut%2 == 0 {
			torn = append(slices.Clone(torn), make([]byte, 100)...)
		}
		if err := os.WriteFile(p, torn, 0o600); err != nil {
			t.Fatal(err)
		}
		got, end, last, err := readAll(t, p)
		if err != nil || !slices.Equal(got, []string{`1:{"first":true}`}) || end != firstEnd || last != 1 {
			t.Fatalf("cut at %d: %q end %d last %d err %v; want the first record only, end %d", cut, got, end, last, err, firstEnd)
		}
		j2, err := Open(p, end, last)
		if err != nil {
			t.Fatal(err)
		}
		appendAll(t, j2, `{"third":true}`)
		j2.Close()
		if got, _, _, err := readAll(t, p); err != nil || !slices.Equal(got, []string{`1:{"first":true}`, `2:{"third":true}`}) {
			t.Fatalf("cut at %d, then appended: %q, %v", cut, got, err)
		}
	}
}

func TestDamageBeforeWholeRecordsIsCorruption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(string) string
	}{
		{"flipped payload byte", func(s string) string { return strings.Replace(s, `"a"`, `"b"`, 1) }},
		{"lost line", func(s string) string { lines := strings.SplitAfter(s, "\n"); return lines[0] + lines[2] }},
		{"garbage line", func(s string) string { return "garbage\n" + s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, path := openNew(t)
			appendAll(t, j, `{"a":1}`, `{"b":2}`, `{"c":3}`)
			b, _ := os.ReadFile(path)
			p := filepath.Join(t.TempDir(), "j")
			damaged := tc.damage(string(b))
			os.WriteFile(p, []byte(damaged), 0o600)
			_, _, _, err := readAll(t, p)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Read = %v, want ErrCorrupt", err)
			}
			if after, _ := os.ReadFile(p); string(after) != damaged {
				t.Error("Read changed a corrupt file")
			}
		})
	}
}

func TestNewlineInPayloadBreaksTheJournal(t *testing.T) {
	j, _ := openNew(t)
	if _, err := j.Append(func(w io.Writer) error { _, err := io.WriteString(w, "a\nb"); return err }); err == nil {
		t.Fatal("a payload with a newline was accepted")
	}
	if _, err := j.Append(func(w io.Writer) error { return nil }); err == nil {
		t.Error("the journal still takes records after a broken one")
	}
}

// Concurrent writers each get every record they synced, in one order.
func TestConcurrentAppendAndSync(t *testing.T) {
	j, path := openNew(t)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				appendAll(t, j, fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))
			}
		})
	}
	wg.Wait()
	got, _, last, err := readAll(t, path)
	if err != nil || len(got) != 400 || last != 400 {
		t.Errorf("read %d records (last %d, err %v), want 400", len(got), last, err)
	}
}

func TestDropBeforeKeepsLaterRecords(t *testing.T) {
	j, path := openNew(t)
	appendAll(t, j, `{"a":1}`, `{"b":2}`)
	seq, off := j.Mark()
	appendAll(t, j, `{"c":3}`)
	if err := j.DropBefore(off); err != nil {
		t.Fatal(err)
	}
	appendAll(t, j, `{"d":4}`)
	got, end, last, err := readAll(t, path)
	if want := []string{`3:{"c":3}`, `4:{"d":4}`}; err != nil || !slices.Equal(got, want) || last != 4 || seq != 2 {
		t.Errorf("after DropBefore: %q last %d err %v (mark %d); want %q", got, last, err, seq, want)
	}
	if end != j.Size() {
		t.Errorf("Size() %d, file ends at %d", j.Size(), end)
	}
}

// A crash leaves the zeros past the records: Read gives every record and
// ends where they end, and the journal opened on that file goes on after
// the last one.
func TestCrashLeavesZerosThatAreCut(t *testing.T) {
	j, path := openNew(t)
	appendAll(t, j, `{"a":1}`, `{"b":2}`)
	crashed, err := os.ReadFile(path) // the file as a SIGKILL now leaves it
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(crashed)) <= j.Size() {
		t.Fatalf("file of %d bytes, want zeros past the %d of records", len(crashed), j.Size())
	}
	p := filepath.Join(t.TempDir(), "j")
	if err := os.WriteFile(p, crashed, 0o600); err != nil {
		t.Fatal(err)
	}
	got, end, last, err := readAll(t, p)
	if err != nil || !slices.Equal(got, []string{`1:{"a":1}`, `2:{"b":2}`}) || end != j.Size() || last != 2 {
		t.Fatalf("read of the crashed file: %q end %d last %d err %v; want both records, end %d", got, end, last, err, j.Size())
	}
	j2, err := Open(p, end, last)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, j2, `{"c":3}`)
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := readAll(t, p); err != nil || !slices.Equal(got, []string{`1:{"a":1}`, `2:{"b":2}`, `3:{"c":3}`}) {
		t.Errorf("after reopening: %q, %v", got, err)
	}
}

// Records past the zeros (a record bigger than what was left of them) are
// appended and read back like any.
func TestRecordsPastTheZeros(t *testing.T) {
	j, path := openNew(t)
	big := strings.Repeat("x", zeroChunk) // more than all the zeros
	appendAll(t, j, `"`+big+`"`, `{"after":true}`, `"`+big+`"`)
	got, end, last, err := readAll(t, path)
	if err != nil || len(got) != 3 || got[1] != `2:{"after":true}` || last != 3 || end != j.Size() {
		t.Fatalf("read %d records (last %d, end %d of %d), err %v", len(got), last, end, j.Size(), err)
	}
}

// After a power cut, a later unsynced page can reach the disk before an
// earlier one: zeros, then pieces of records. The zeros start the torn
// tail, so the journal still opens with every record before them.
func TestRecordsAfterTheZerosAreATornTail(t *testing.T) {
	j, path := openNew(t)
	appendAll(t, j, `{"a":1}`)
	whole, _ := os.ReadFile(path)
	records := whole[:j.Size()]
	p := filepath.Join(t.TempDir(), "j")
	damaged := append(slices.Clone(records), make([]byte, 64)...)
	damaged = append(damaged, "7\t{\"late\":true}\t00000000\n3\t{}\tffffffff\n"...)
	if err := os.WriteFile(p, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	got, end, last, err := readAll(t, p)
	if err != nil || !slices.Equal(got, []string{`1:{"a":1}`}) || end != int64(len(records)) || last != 1 {
		t.Errorf("read %q end %d last %d err %v; want the first record, end %d", got, end, last, err, len(records))
	}
}

// A closed journal refuses appends and syncs instead of hanging, and a
// writer waiting when it closes gets its record synced by Close.
func TestCloseEndsEveryWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for i := range 20 {
		seq, err := j.Append(func(w io.Writer) error { _, err := fmt.Fprintf(w, `{"i":%d}`, i); return err })
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	errs := make(chan error, len(seqs))
	for _, seq := range seqs {
		go func() { errs <- j.Sync(seq) }()
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	for range seqs {
		if err := <-errs; err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Sync during Close: %v", err)
		}
	}
	if _, err := j.Append(func(w io.Writer) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if err := j.Sync(seqs[len(seqs)-1] + 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v, want ErrClosed", err)
	}
	if err := j.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	got, _, last, err := readAll(t, path)
	if err != nil || len(got) != 20 || last != 20 {
		t.Errorf("read %d records (last %d, err %v), want 20", len(got), last, err)
	}
}

// A failed append's torn half is never synced into the file, even when
// the syncer was about to sync as it failed.
func TestFailedAppendIsNeverWritten(t *testing.T) {
	for round := range 100 {
		path := filepath.Join(t.TempDir(), "j")
		j, err := Open(path, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					seq, err := j.Append(func(w io.Writer) error {
						if g == 0 && i == 20 {
							io.WriteString(w, "TORN-HALF")
							return errors.New("injected")
						}
						_, err := fmt.Fprintf(w, "g%di%d", g, i)
						return err
					})
					if err == nil {
						err = j.Sync(seq)
					}
					if err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		j.Close()
		if b, _ := os.ReadFile(path); strings.Contains(string(b), "TORN-HALF") {
			t.Fatalf("round %d: the failed record's half is in the file", round)
		}
	}
}

// Records are not acknowledged by a compaction whose rename could not be
// made durable: the old file at the path may come back after a crash.
func TestCompactionThatCannotSyncItsRenameAcksNothing(t *testing.T) {
	j, _ := openNew(t)
	var last uint64
	for i := range 3 {
		seq, err := j.Append(func(w io.Writer) error { _, err := fmt.Fprintf(w, "r%d", i); return err })
		if err != nil {
			t.Fatal(err)
		}
		last = seq
	}
	syncDir = func(string) error { return errors.New("injected EIO") }
	defer func() { syncDir = SyncDir }()
	_, off := j.Mark()
	derr := j.DropBefore(off / 2)
	if err := j.Sync(last); err == nil {
		t.Errorf("DropBefore failed (%v), yet Sync(%d) = nil", derr, last)
	}
}
