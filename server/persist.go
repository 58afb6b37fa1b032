package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/labelhook/labelhook/internal/journal"
)

// Durable state (`labelhook serve --state FILE`). The state is two files:
// FILE, a snapshot in the state format (state.go), and FILE.journal, the
// changes made since, one record per request (changes.go), written ahead
// of the answer: a request is answered (and its webhooks sent) only once
// its record is on disk, so every acknowledged write survives a crash of
// the process or the machine, and ids are never handed out twice. When
// the journal has grown past the snapshot's size (at least
// Config.StateCompactBytes) it is folded into a new snapshot; a clean Close does
// that too, so FILE alone is then the whole state. FILE.lock keeps a
// second labelhook off the same state.

// persister keeps the server's state in its files.
type persister struct {
	path string
	lock *flock.Flock
	j    *journal.Journal

	mu         sync.Mutex // guards the fields below
	snapSize   int64      // bytes of the last snapshot written
	compacting bool
	closed     bool  // close has begun: no compaction starts any more
	retryAt    int64 // after a failed compaction: the journal size to try again at
	failed     error // a write failed: nothing more can be acknowledged
	done       sync.WaitGroup
}

// StateInUseError is returned by OpenState when another process holds
// the state file.
type StateInUseError struct {
	Path   string
	Holder string // what the holder wrote in the lock file, if anything
}

func (e *StateInUseError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "another process"
	}
	return fmt.Sprintf("state file %s is in use by %s (one labelhook per state file)", e.Path, holder)
}

// OpenState makes path the server's durable state: it locks the state,
// loads the snapshot and replays the journal, checks every invariant of
// the result, and from then on journals every change before answering.
// A missing file is a fresh state (loaded is false). A state that cannot
// be loaded whole is an error naming the problem, and no file is changed.
// The server must be new (no requests served yet). Close releases it.
func (s *Server) OpenState(path string) (loaded bool, err error) {
	lk := flock.New(path + ".lock")
	ok, err := lk.TryLock()
	if err != nil {
		return false, fmt.Errorf("lock state file %s: %w", path, err)
	}
	if !ok {
		b, _ := os.ReadFile(path + ".lock")
		return false, &StateInUseError{Path: path, Holder: strings.TrimSpace(string(b))}
	}
	defer func() {
		if err != nil {
			_ = lk.Unlock()
		}
	}()
	host, _ := os.Hostname()
	holder := fmt.Sprintf("labelhook pid %d on %s since %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(path+".lock", []byte(holder+"\n"), 0o644); err != nil {
		return false, fmt.Errorf("lock state file %s: %w", path, err)
	}

	restoreGC := lenientGC()
	ld, err := loadState(path)
	if err != nil {
		restoreGC()
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	l, jpath := ld.l, path+".journal"
	err = s.install(l)
	restoreGC()
	if err != nil {
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	j, err := journal.Open(jpath, ld.end, max(ld.last, l.journal))
	if err != nil {
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	s.st.mu.Lock()
	s.st.trackChanges()
	s.st.recorded = s.st.next
	s.st.mu.Unlock()
	s.persist = &persister{path: path, lock: lk, j: j, snapSize: ld.snapSize}
	s.log.Info("state loaded", "file", path, "snapshot", ld.found, "journal_records", ld.applied)
	return ld.found || ld.applied > 0, nil
}

// stateOnDisk is a state as loaded from its files, before its checks.
type stateOnDisk struct {
	l        *loaded
	snapSize int64  // bytes of the snapshot
	found    bool   // the snapshot exists
	applied  int    // journal records replayed onto it
	end      int64  // where the journal's whole records end
	last     uint64 // the journal's last sequence number
}

// loadState reads the snapshot at path and replays the journal beside it
// (path + ".journal"), record by record. The two files are read at once:
// the snapshot's items are split on one core, and the journal's records
// are decoded meanwhile on the others; a record is applied only once the
// snapshot is whole. The errors are those of reading one after the other:
// the snapshot's first, then a record's, then the journal's own.
func loadState(path string) (stateOnDisk, error) {
	snap := make(chan snapshotRead, 1)
	go func() {
		var r snapshotRead
		r.l, r.size, r.found, r.err = readStateFile(path)
		snap <- r
	}()
	rp := &replay{jpath: path + ".journal", snap: snap}
	end, last, err := journal.Read(rp.jpath, rp.submit)
	// A record's error comes before whatever the reading met further on,
	// and the snapshot's before both.
	if rerr := rp.wait(); rerr != nil {
		err = rerr
	}
	s := rp.snapshot()
	if s.err != nil {
		return stateOnDisk{}, s.err
	}
	return stateOnDisk{l: s.l, snapSize: s.size, found: s.found, applied: rp.applied, end: end, last: last}, err
}

// snapshotRead is the snapshot as readStateFile read it.
type snapshotRead struct {
	l     *loaded
	size  int64
	found bool
	err   error
}

// replay decodes journal records on every CPU and applies them in order
// onto the snapshot, once it is read.
type replay struct {
	jpath    string
	snap     <-chan snapshotRead
	read     *snapshotRead // the snapshot, once it is read
	applied  int           // records applied
	inflight []*recordJob
	bytes    int // of the payloads in flight
	err      error
}

type recordJob struct {
	seq  uint64
	size int
	done chan struct{}
	cs   *changeSet
	err  error
}

// Records in flight: at most replayWindow, and past replayBytes of them
// the oldest is waited for first.
var replayWindow = 2 * runtime.GOMAXPROCS(0)

const replayBytes = 64 << 20

// snapshot waits for the snapshot to be read.
func (r *replay) snapshot() *snapshotRead {
	if r.read == nil {
		s := <-r.snap
		r.read = &s
	}
	return r.read
}

func (r *replay) submit(seq uint64, payload []byte) error {
	for len(r.inflight) > 0 && (len(r.inflight) >= replayWindow || r.bytes+len(payload) > replayBytes) {
		r.finishOldest()
	}
	if r.err != nil {
		return r.err
	}
	j := &recordJob{seq: seq, size: len(payload), done: make(chan struct{})}
	r.inflight = append(r.inflight, j)
	r.bytes += j.size
	go func() {
		defer close(j.done)
		j.cs, j.err = decodeChangeSet(payload)
	}()
	return nil
}

// finishOldest applies the oldest record in flight, unless an error came
// first; a record the snapshot already holds is skipped, decoded or not.
func (r *replay) finishOldest() {
	j := r.inflight[0]
	r.inflight = r.inflight[1:]
	r.bytes -= j.size
	<-j.done
	if r.err != nil {
		return
	}
	s := r.snapshot()
	if s.err != nil {
		r.err = s.err
		return
	}
	l := s.l
	if j.seq <= l.journal {
		return // already in the snapshot
	}
	if r.applied == 0 && j.seq != l.journal+1 {
		r.err = fmt.Errorf("journal %s starts at record %d but the snapshot ends at %d: records are missing", r.jpath, j.seq, l.journal)
		return
	}
	if j.err != nil {
		r.err = fmt.Errorf("journal %s record %d: %w", r.jpath, j.seq, j.err)
		return
	}
	r.applied++
	l.applySet(j.cs)
}

// wait applies every record in flight and returns the first error.
func (r *replay) wait() error {
	for len(r.inflight) > 0 {
		r.finishOldest()
	}
	return r.err
}

// readStateFile reads the snapshot at path; a missing file is an empty
// state.
func readStateFile(path string) (*loaded, int64, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return newLoaded(), 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, false, err
	}
	l, err := readState(f)
	if err != nil {
		return nil, 0, false, err
	}
	return l, fi.Size(), true, nil
}

// errNotSaved answers a change that could not be made durable. The
// change is already in memory: reads may show it until the restart, and
// the state file may or may not hold it.
func errNotSaved(err error) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable,
		Detail: fmt.Sprintf("labelhook could not save this change to its state file (%v): it is not acknowledged and may be gone after a restart; labelhook refuses every change from now on: restart it", err)}
}

// record journals what changed under the store lock (held by the caller)
// and returns the record's sequence number, 0 when nothing changed or
// nothing is persisted.
func (s *Server) record() (uint64, error) {
	p := s.persist
	if p == nil && s.shadow != nil {
		s.verifyRecord() // also when nothing seems changed: was it?
		return 0, nil
	}
	if p == nil || !s.st.pending() {
		return 0, nil
	}
	seq, err := p.j.Append(s.st.writeChanges)
	if err != nil {
		p.fail(s, err)
		return 0, err
	}
	return seq, nil
}

// durable waits until record seq is on disk, then starts a compaction if
// the journal has grown enough.
func (s *Server) durable(seq uint64) error {
	p := s.persist
	if p == nil || seq == 0 {
		return nil
	}
	if err := p.j.Sync(seq); err != nil {
		p.fail(s, err)
		return err
	}
	p.maybeCompact(s)
	return nil
}

// broken returns the write failure that stops changes, if any.
func (p *persister) broken() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// fail logs the first write failure: from then on no change is
// acknowledged.
func (p *persister) fail(s *Server, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
		if errors.Is(err, journal.ErrClosed) {
			// A change that came while the server stopped, not a disk fault.
			s.log.Info("state file closed: a change after shutdown began is refused", "file", p.path)
			return
		}
		s.log.Error("state file can no longer be written; changes are refused until labelhook restarts", "file", p.path, "err", err)
	}
}

func (p *persister) maybeCompact(s *Server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.compacting || p.closed || p.failed != nil || p.j.Size() < max(s.cfg.StateCompactBytes, p.snapSize, p.retryAt) {
		return
	}
	p.compacting = true
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		err := p.compact(s)
		p.mu.Lock()
		p.compacting = false
		p.retryAt = 0
		if err != nil {
			// Not again on the next write: each try writes the whole
			// state under the store lock. Wait until the journal doubles.
			p.retryAt = 2 * p.j.Size()
		}
		p.mu.Unlock()
		if err != nil {
			s.log.Error("compact state journal", "file", p.path, "err", err)
		}
	}()
}

// compact writes a new snapshot holding every journal record so far and
// drops those records from the journal. The snapshot is written under the
// store lock (it must be one moment's state); the file work after that is
// not.
func (p *persister) compact(s *Server) error {
	dir, base := filepath.Dir(p.path), filepath.Base(p.path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing to remove
	s.st.mu.Lock()
	seq, off := p.j.Mark()
	err = s.st.writeState(tmp, seq)
	s.st.mu.Unlock()
	if err == nil {
		err = tmp.Sync()
	}
	size, _ := tmp.Seek(0, io.SeekCurrent)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.path)
	}
	if err == nil {
		err = journal.SyncDir(p.path)
	}
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	p.mu.Lock()
	p.snapSize = size
	p.mu.Unlock()
	return p.j.DropBefore(off)
}

// close folds the journal into the snapshot, so the state file alone is
// the whole state, and releases the lock. It runs once; no compaction
// starts after it has begun.
func (p *persister) close(s *Server) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.done.Wait()
	var err error
	p.mu.Lock()
	failed := p.failed
	p.mu.Unlock()
	if failed == nil {
		err = p.compact(s)
	}
	if jerr := p.j.Close(); err == nil {
		err = jerr
	}
	if uerr := p.lock.Unlock(); err == nil && uerr != nil {
		err = fmt.Errorf("unlock state file: %w", uerr)
	}
	return err
}

// live reports whether webhook id still exists, is active, and no reset
// happened since generation gen (hookStore).
func (st *store) live(id, gen int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	w := st.webhooks[id]
	return w != nil && w.IsActive && st.gen == gen
}

// withWebhook runs fn on webhook id under the store lock (nil when it is
// gone or a reset happened since gen) and journals the change when fn
// reports one (hookStore).
func (st *store) withWebhook(id, gen int, fn func(*webhook) bool) {
	st.mu.Lock()
	w := st.webhooks[id]
	if st.gen != gen {
		w = nil
	}
	var seq uint64
	if fn(w) && w != nil {
		st.changed(kindWebhook, id)
		seq, _ = st.persist() // a failure is logged and stops later changes
	}
	st.mu.Unlock()
	_ = st.durable(seq)
}
