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
	if fi, _ := os.Stat(path); fi.Size() != end || end != j.Size() {
		t.Errorf("end %d, file size %d, Size() %d: want all equal", end, fi.Size(), j.Size())
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
	firstEnd := int64(strings.IndexByte(string(whole), '\n') + 1)
	for cut := firstEnd; cut < int64(len(whole)); cut++ {
		p := filepath.Join(t.TempDir(), "j")
		if err := os.WriteFile(p, whole[:cut], 0o600); err != nil {
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
