package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The snapshot and the journal are read at once (loadState), but what is
// applied and which error is reported are those of reading the snapshot
// first and the journal after it.
func TestStateLoadsAsIfReadInOrder(t *testing.T) {
	e := newAPI(t, stateConfig(t))
	richState(t, e)
	snap, _ := e.srv.Snapshot()
	// The snapshot, marked as holding the journal up to record seq.
	withJournal := func(seq int) []byte {
		if !bytes.Contains(snap, []byte(`"journal":0,`)) {
			t.Fatalf("the snapshot does not start with journal 0: %.100s", snap)
		}
		return bytes.Replace(snap, []byte(`"journal":0,`), fmt.Appendf(nil, `"journal":%d,`, seq), 1)
	}
	lines := func(ls ...string) []byte {
		var b []byte
		for _, l := range ls {
			b = append(b, journalLine(t, l)...)
		}
		return b
	}
	open := func(t *testing.T, state, journal []byte) (*Server, error) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "s.json")
		if state != nil {
			os.WriteFile(path, state, 0o600)
		}
		if journal != nil {
			os.WriteFile(path+".journal", journal, 0o600)
		}
		srv := mustNew(t, Config{OrganizationWebhooks: true})
		_, err := srv.OpenState(path)
		if err == nil {
			t.Cleanup(func() { srv.Close(context.Background()) })
		}
		return srv, err
	}
	// The error text without the temporary directory's name.
	text := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		s := err.Error()
		if i := strings.Index(s, "s.json"); i >= 0 {
			s = s[i:]
		}
		return s
	}

	t.Run("a bad snapshot's error comes before a bad record's", func(t *testing.T) {
		state := snap[:len(snap)/2]
		_, alone := open(t, state, nil)
		_, both := open(t, state, lines("1\tnot json\t", "2\t{\"next\":{}}\t"))
		if alone == nil || text(both) != text(alone) {
			t.Fatalf("with a bad record after it: %v; the snapshot alone: %v", both, alone)
		}
	})
	t.Run("records the snapshot holds are skipped, decodable or not", func(t *testing.T) {
		var m struct{ Next json.RawMessage }
		json.Unmarshal(snap, &m)
		same := `4	{"next":` + string(m.Next) + "}\t" // changes nothing
		srv, err := open(t, withJournal(3), lines("2\tnot json\t", "3\talso not\t", same))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := srv.Snapshot()
		if want := snap; !bytes.Equal(bytes.Replace(got, []byte(`"journal":0`), nil, 1), bytes.Replace(want, []byte(`"journal":0`), nil, 1)) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("state after skipping held records differs at byte %d:\n got %.200s\nwant %.200s", i, got[max(i-100, 0):], want[max(i-100, 0):])
		}
	})
	t.Run("a bad record's error comes before the journal's own", func(t *testing.T) {
		_, err := open(t, snap, lines("1\tnot json\t", `3	{"next":{}}	`))
		if !strings.Contains(text(err), "record 1: not a labelhook journal record") {
			t.Fatalf("OpenState = %v, want record 1's error", err)
		}
	})
	t.Run("the first record after the snapshot must follow it", func(t *testing.T) {
		_, err := open(t, withJournal(3), lines(`5	{"next":{}}	`))
		if !strings.Contains(text(err), "starts at record 5 but the snapshot ends at 3") {
			t.Fatalf("OpenState = %v", err)
		}
	})
}
