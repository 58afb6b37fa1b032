package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gofrs/flock"
	"github.com/labelhook/labelhook/internal/journal"
)

// openDurable starts a server on the state file at path.
func openDurable(t *testing.T, path string) *apiEnv {
	t.Helper()
	e := newAPI(t, stateConfig(t))
	if _, err := e.srv.OpenState(path); err != nil {
		t.Fatalf("OpenState(%s): %v", path, err)
	}
	return e
}

// crashCopy copies what the state files hold on disk right now into a new
// directory, as a crash of the process at this moment would leave them.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dir := t.TempDir()
	for _, suffix := range []string{"", ".journal"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "s.json"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "s.json")
}

func TestAcknowledgedWritesSurviveACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	e := openDurable(t, path)
	richState(t, e) // every kind of object, with deletes
	want := reads(e)
	snap, _ := e.srv.Snapshot()

	again := openDurable(t, crashCopy(t, path)) // no Close: a crash
	if diff := cmpReads(want, reads(again)); diff != "" {
		t.Errorf("after a crash the API shows another state:\n%s", diff)
	}
	snap2, _ := again.srv.Snapshot()
	if !bytes.Equal(snap, snap2) {
		t.Errorf("after a crash the snapshot differs:\n%s\n%s", snap, snap2)
	}
}

func TestIDsAreNeverReusedAfterACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	e := openDurable(t, path)
	pid := e.project("Project")
	var last int
	for range 3 {
		out := e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
		last = int(out["id"].(float64))
	}
	e.must("DELETE", "/api/tasks/"+itoa(last), nil, 204) // the highest id is gone, not free

	again := openDurable(t, crashCopy(t, path))
	out := again.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": "y"}}, 201)
	if id := int(out["id"].(float64)); id != last+1 {
		t.Errorf("new task id after a crash %d, want %d (ids are never handed out twice)", id, last+1)
	}
}

func TestConcurrentWritersAllSurvive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	e := openDurable(t, path)
	pid := e.project("Project")
	var mu sync.Mutex
	var acked []int
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				out := e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"w": w, "i": i}}, 201)
				mu.Lock()
				acked = append(acked, int(out["id"].(float64)))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	again := openDurable(t, crashCopy(t, path))
	for _, id := range acked {
		if status, _ := again.call("GET", "/api/tasks/"+itoa(id), nil); status != 200 {
			t.Errorf("acknowledged task %d: status %d after a crash", id, status)
		}
	}
}

func TestCompactionKeepsEveryChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	cfg := stateConfig(t)
	cfg.StateCompactBytes = 2 << 10 // compact after every few requests
	e := newAPI(t, cfg)
	if _, err := e.srv.OpenState(path); err != nil {
		t.Fatal(err)
	}
	pid := e.project("Project")
	for i := range 60 {
		e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": strings.Repeat("x", 100), "i": i}}, 201)
		if i%3 == 0 {
			e.must("DELETE", "/api/tasks/"+itoa(i+1), nil, 204)
		}
	}
	e.srv.persist.done.Wait() // let a running compaction finish
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("no snapshot written by compaction: %v", err)
	}
	var first uint64
	if _, _, err := journal.Read(path+".journal", func(seq uint64, _ []byte) error {
		if first == 0 {
			first = seq
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Journal uint64 `json:"journal"`
	}
	b, _ := os.ReadFile(path)
	_ = json.Unmarshal(b, &snap)
	if snap.Journal == 0 || first == 1 {
		t.Errorf("snapshot holds journal records up to %d and the journal starts at %d: want a compaction that dropped the journal's head", snap.Journal, first)
	}
	want, _ := e.srv.Snapshot()
	again := openDurable(t, crashCopy(t, path))
	got, _ := again.srv.Snapshot()
	if !bytes.Equal(want, got) {
		t.Errorf("state after compactions and a crash differs:\n%s\n%s", want, got)
	}
}

func TestCleanCloseFoldsTheJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	srv := mustNew(t, stateConfig(t))
	if _, err := srv.OpenState(path); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	e := &apiEnv{t: t, srv: srv, url: ts.URL}
	e.project("Folded")
	want, _ := srv.Snapshot()
	ts.Close()
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path + ".journal"); fi.Size() != 0 {
		t.Errorf("journal holds %d bytes after a clean close, want 0", fi.Size())
	}
	b, _ := os.ReadFile(path)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil || !bytes.Contains(b, []byte("Folded")) {
		t.Errorf("state file after close: %s (%v)", b, err)
	}
	// The snapshot alone restores the same state.
	s2 := mustNew(t, stateConfig(t))
	if err := s2.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Snapshot(); !bytes.Equal(stripJournal(want), stripJournal(got)) {
		t.Errorf("the folded file restores to\n%s\nwant\n%s", got, want)
	}
}

// stripJournal drops the snapshot's journal sequence number.
func stripJournal(b []byte) []byte {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "journal")
	out, _ := json.Marshal(m)
	return out
}

func TestSecondServerOnTheSameStateIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twin.json")
	first := openDurable(t, path)
	first.project("Mine")
	second := mustNew(t, Config{})
	_, err := second.OpenState(path)
	var inUse *StateInUseError
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second OpenState = %v, want a StateInUseError naming pid %d", err, os.Getpid())
	}
	// The first keeps working, its data intact.
	first.project("Still mine")
	if status, _ := first.call("GET", "/api/projects/2", nil); status != 200 {
		t.Errorf("first server after the refused twin: status %d", status)
	}
}

// Every state a file could hold that the API could not have made is
// refused, and the files are left byte for byte as they were.
func TestBadStateFilesAreRefusedAndLeftAlone(t *testing.T) {
	good := func(t *testing.T) map[string]any {
		e := newAPI(t, stateConfig(t))
		richState(t, e)
		snap, _ := e.srv.Snapshot()
		var m map[string]any
		if err := json.Unmarshal(snap, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := func(m map[string]any, list string) map[string]any { return m[list].([]any)[0].(map[string]any) }
	for _, tc := range []struct {
		name    string
		edit    func(m map[string]any)
		journal string
		want    string
	}{
		{name: "missing tasks key", edit: func(m map[string]any) { delete(m, "tasks") }, want: `no "tasks"`},
		{name: "counter near the int64 maximum", edit: func(m map[string]any) { m["next"].(map[string]any)["task"] = int64(9223372036854775000) }, want: "next.task"},
		{name: "maximum_annotations -3", edit: func(m map[string]any) { first(m, "projects")["maximum_annotations"] = -3 }, want: "maximum_annotations"},
		{name: "duplicate inner_id", edit: func(m map[string]any) {
			ts := m["tasks"].([]any)
			ts[1].(map[string]any)["inner_id"] = ts[0].(map[string]any)["inner_id"]
		}, want: "inner_id"},
		{name: "task overlap 0", edit: func(m map[string]any) { first(m, "tasks")["overlap"] = 0 }, want: "overlap"},
		{name: "title too long", edit: func(m map[string]any) { first(m, "projects")["title"] = strings.Repeat("t", 51) }, want: "title"},
		{name: "webhook url not http", edit: func(m map[string]any) { first(m, "webhooks")["url"] = "gopher://x" }, want: "url"},
		{name: "missing created_at", edit: func(m map[string]any) { delete(first(m, "annotations"), "created_at") }, want: "created_at"},
		{name: "journal with a gap", journal: "5\t{\"next\":{}}\t", want: "records are missing"},
		{name: "journal damaged before whole records", journal: "1\tgarbage\t00000000\n", want: "corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := good(t)
			if tc.edit != nil {
				tc.edit(m)
			}
			b, _ := json.Marshal(m)
			path := filepath.Join(t.TempDir(), "s.json")
			os.WriteFile(path, b, 0o600)
			var jb []byte
			if tc.journal != "" {
				jb = []byte(tc.journal)
				if !strings.HasSuffix(tc.journal, "\n") {
					jb = journalLine(t, tc.journal)
				}
				jb = append(jb, journalLine(t, "6\t{\"next\":{}}\t")...)
				os.WriteFile(path+".journal", jb, 0o600)
			}
			srv := mustNew(t, Config{OrganizationWebhooks: true})
			_, err := srv.OpenState(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("OpenState = %v, want an error containing %q", err, tc.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
				t.Error("the state file was changed")
			}
			if tc.journal != "" {
				if after, _ := os.ReadFile(path + ".journal"); !bytes.Equal(after, jb) {
					t.Error("the journal was changed")
				}
			}
			// The lock was released: a later start may try again.
			lk := flock.New(path + ".lock")
			if ok, err := lk.TryLock(); !ok || err != nil {
				t.Fatalf("the refused start kept its lock on %s: %v", path, err)
			}
			lk.Unlock()
		})
	}
}

// journalLine completes "SEQ\tPAYLOAD\t" with its checksum and newline.
func journalLine(t *testing.T, s string) []byte {
	t.Helper()
	body := strings.TrimSuffix(s, "\t")
	return fmt.Appendf(nil, "%s\t%08x\n", body, crc32c([]byte(body)))
}

func cmpReads(want, got map[string]string) string {
	var out strings.Builder
	for k, w := range want {
		if got[k] != w {
			fmt.Fprintf(&out, "%s:\n want %.300s\n  got %.300s\n", k, w, got[k])
		}
	}
	return out.String()
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
