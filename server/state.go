package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// The state file is labelhook's own format: one JSON object with every id
// counter and every stored object, each list in ascending id, each object
// exactly as its entity's JSON keys say (entities.go). Version 2 adds
// "journal", the last journal record the snapshot holds; version 1 files
// (labelhook before the journal) are read as version 2 with no journal
// record (a migration that changes nothing else). Version 3 adds file
// uploads, labels, label links, storages and export snapshots; an older
// file has none of them. A change that older
// labelhooks could misread bumps stateVersion and adds a step to migrate.
const (
	stateFormat  = "labelhook-state"
	stateVersion = 3
)

// migrate brings a decoded state of an older version to stateVersion, one
// step per version. Version 1 differs only in lacking "journal".
var migrate = map[int]func(*loaded) error{
	1: func(*loaded) error { return nil },
	2: func(*loaded) error { return nil },
}

// counters are the last id handed out of each kind. Ids are never reused,
// also across a restart (a reset starts them over on purpose).
type counters struct {
	Project    int `json:"project"`
	Task       int `json:"task"`
	Annotation int `json:"annotation"`
	Prediction int `json:"prediction"`
	Webhook    int `json:"webhook"`
	View       int `json:"view"`
	Drafts     int `json:"drafts"`
	FileUpload int `json:"file_upload,omitempty"`
	Label      int `json:"label,omitempty"`
	LabelLink  int `json:"label_link,omitempty"`
	Storage    int `json:"storage,omitempty"`
	Export     int `json:"export,omitempty"`
	Converted  int `json:"converted_format,omitempty"`
}

// maxID bounds the counters a state may hold: the largest integer every
// JSON client reads exactly (2^53 - 1), far beyond what any sandbox
// reaches, so an id can never wrap around.
const maxID = 1<<53 - 1

// Snapshot returns the whole state of the server (every id counter,
// project, task, annotation, prediction, webhook and saved view) as JSON
// that Restore reads back. It is consistent: it is taken under the store
// lock, between two requests' changes.
func (s *Server) Snapshot() ([]byte, error) {
	var buf bytes.Buffer
	s.st.mu.Lock()
	err := s.st.writeState(&buf, 0)
	s.st.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// writeState streams the store to w in the state file format, one object
// at a time (a big store is never held twice in memory). journal is the
// last journal record it holds. Call under st.mu.
func (st *store) writeState(w io.Writer, journal uint64) error {
	ew := newEntityWriter(w)
	ew.raw(fmt.Sprintf(`{"format":%q,"version":%d,"journal":%d,"next":`, stateFormat, stateVersion, journal))
	ew.value(st.next)
	writeKind(ew, "projects", st.projects)
	writeKind(ew, "tasks", st.tasks)
	writeKind(ew, "annotations", st.annotations)
	writeKind(ew, "predictions", st.predictions)
	writeKind(ew, "webhooks", st.webhooks)
	writeKind(ew, "views", st.views)
	writeKind(ew, "file_uploads", st.uploads)
	writeKind(ew, "labels", st.labels)
	writeKind(ew, "label_links", st.links)
	writeKind(ew, "storages", st.storages)
	writeKind(ew, "exports", st.exports)
	ew.raw("}")
	return ew.flush()
}

// writeKind writes `,"key":[...]` with m's objects in ascending id.
func writeKind[T any](ew *entityWriter, key string, m map[int]*T) {
	ew.raw(`,"` + key + `":[`)
	for i, id := range idsOf(m) {
		if i > 0 {
			ew.raw(",")
		}
		ew.value(m[id])
	}
	ew.raw("]")
}

// entityWriter writes JSON values one by one through a buffer, without
// HTML escaping, keeping the first error. Its buffers are pooled: a
// journal record is one entityWriter, written once per request.
type entityWriter struct {
	w       *bufio.Writer
	buf     bytes.Buffer
	enc     *json.Encoder
	scratch []byte // for stateAppenders
	err     error
}

var entityWriters = sync.Pool{New: func() any {
	ew := &entityWriter{w: bufio.NewWriterSize(nil, 64<<10)}
	ew.enc = json.NewEncoder(&ew.buf)
	ew.enc.SetEscapeHTML(false)
	return ew
}}

func newEntityWriter(w io.Writer) *entityWriter {
	ew := entityWriters.Get().(*entityWriter)
	ew.w.Reset(w)
	ew.err = nil
	return ew
}

func (ew *entityWriter) raw(s string) {
	if ew.err == nil {
		_, ew.err = ew.w.WriteString(s)
	}
}

func (ew *entityWriter) value(v any) {
	if ew.err != nil {
		return
	}
	if sa, ok := v.(stateAppender); ok {
		ew.scratch, ew.err = sa.appendState(ew.scratch[:0])
		if ew.err == nil {
			_, ew.err = ew.w.Write(ew.scratch)
		}
		return
	}
	ew.buf.Reset()
	if ew.err = ew.enc.Encode(v); ew.err != nil {
		return
	}
	_, ew.err = ew.w.Write(bytes.TrimSuffix(ew.buf.Bytes(), []byte("\n")))
}

// flush writes what is buffered and gives the writer back to the pool;
// it must not be used after.
func (ew *entityWriter) flush() error {
	err := ew.err
	if err == nil {
		err = ew.w.Flush()
	}
	ew.w.Reset(nil)
	if ew.buf.Cap() <= 1<<20 && cap(ew.scratch) <= 1<<20 {
		ew.buf.Reset()
		entityWriters.Put(ew)
	}
	return err
}

// ErrNotEmpty is returned by Restore into a server that already has state.
var ErrNotEmpty = errors.New("the server already has state; restore into a new server")

// Restore loads a Snapshot into a new, empty server, checking it first:
// a file that is not JSON, of another format or version, or whose objects
// break an invariant the API keeps (a task of a missing project, an id
// above its counter, a duplicate inner_id, a maximum_annotations below 1,
// a label config that does not parse) is an error naming the problem, and
// the server is left unchanged. No webhook is sent.
func (s *Server) Restore(data []byte) error {
	l, err := readState(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("restore state: %w", err)
	}
	return s.install(l)
}

// install checks l and makes it the server's state; the server must be
// empty.
func (s *Server) install(l *loaded) error {
	st, err := l.build()
	if err != nil {
		return fmt.Errorf("restore state: %w", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := s.st
	if cur.next != (counters{}) || !cur.tables.empty() {
		return fmt.Errorf("restore state: %w", ErrNotEmpty)
	}
	cur.next = st.next
	cur.tables = st.tables
	cur.version++ // what was kept for reads of the empty store is stale
	cur.recountAll()
	cur.recorded = cur.next
	if s.shadow != nil {
		var buf bytes.Buffer
		if err := cur.writeState(&buf, 0); err != nil {
			panic(err)
		}
		if s.shadow, err = readState(&buf); err != nil {
			panic(err)
		}
	}
	return nil
}

// loaded is a state file as read, before its invariants are checked:
// every object by id, so journal records can replace and delete them.
type loaded struct {
	journal uint64
	next    counters
	tables
	// sorted are the many objects in ascending id, as check went through
	// them (set by check, for build).
	sorted struct {
		tasks       []*task
		annotations []*annotation
		predictions []*prediction
	}
}

func newLoaded() *loaded {
	return &loaded{tables: newTables()}
}

// stateKeys are the keys a state file must have (format and version are
// checked as they are read); stateKeysV3 are those version 3 added, which
// an older file lacks.
var (
	stateKeys   = []string{"next", "projects", "tasks", "annotations", "predictions", "webhooks", "views"}
	stateKeysV3 = []string{"file_uploads", "labels", "label_links", "storages", "exports"}
)

// readState decodes a state file list item by list item, in parallel
// batches (stateread.go); a big file is never held whole in memory. Every
// key of stateKeys must be present; unknown keys, in the file or in an
// object, are errors.
func readState(r io.Reader) (*loaded, error) {
	sr := &stateReader{s: newJSONStream(r), l: newLoaded(), seen: map[string]bool{}}
	if err := sr.open(); err != nil {
		return nil, err
	}
	if err := sr.s.members(notState, sr.member); err != nil {
		return nil, err
	}
	if err := sr.finish(); err != nil {
		return nil, err
	}
	for v := sr.version; v < stateVersion; v++ {
		if err := migrate[v](sr.l); err != nil {
			return nil, fmt.Errorf("migrate state from version %d: %w", v, err)
		}
	}
	return sr.l, nil
}

// stateReader is one read of a state file: the stream, what it has read
// so far and which top-level keys it has met.
type stateReader struct {
	s       *jsonStream
	l       *loaded
	seen    map[string]bool
	version int
}

// notState says the input is not a state file, and why.
func notState(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("it ends too early (a half-written file?)")
	}
	return fmt.Errorf("not a labelhook state file: %w", err)
}

// open reads up to the opening brace of the state object.
func (sr *stateReader) open() error {
	c, err := sr.s.peek()
	if errors.Is(err, io.EOF) {
		return errors.New("the state is empty")
	}
	if err != nil {
		return notState(err)
	}
	if c != '{' {
		return notState(fmt.Errorf("want a JSON object, got %q", c))
	}
	sr.s.pos++
	return nil
}

// member reads the value of the top-level key.
func (sr *stateReader) member(key string) error {
	if sr.seen[key] {
		return fmt.Errorf("key %q appears twice", key)
	}
	sr.seen[key] = true
	s, l := sr.s, sr.l
	var err error
	switch key {
	case "format":
		return sr.readFormat()
	case "version":
		return sr.readVersion()
	case "journal":
		err = s.decode(&l.journal)
	case "next":
		err = s.decode(&l.next)
	case "projects":
		err = readKind(s, "project", l.projects, func(p *project) int { return p.ID })
	case "tasks":
		err = readKind(s, "task", l.tasks, func(t *task) int { return t.ID })
	case "annotations":
		err = readKind(s, "annotation", l.annotations, func(a *annotation) int { return a.ID })
	case "predictions":
		err = readKind(s, "prediction", l.predictions, func(p *prediction) int { return p.ID })
	case "webhooks":
		err = readKind(s, "webhook", l.webhooks, func(w *webhook) int { return w.ID })
	case "views":
		err = readKind(s, "view", l.views, func(v *view) int { return v.ID })
	case "file_uploads":
		err = readKind(s, "file upload", l.uploads, func(u *fileUpload) int { return u.ID })
	case "labels":
		err = readKind(s, "label", l.labels, func(x *label) int { return x.ID })
	case "label_links":
		err = readKind(s, "label link", l.links, func(x *labelLink) int { return x.ID })
	case "storages":
		err = readKind(s, "storage", l.storages, func(x *storage) int { return x.ID })
	case "exports":
		err = readKind(s, "export", l.exports, func(x *exportSnapshot) int { return x.ID })
	default:
		return notState(fmt.Errorf("json: unknown field %q", key))
	}
	if err != nil {
		var dup duplicateError
		if errors.As(err, &dup) {
			return err
		}
		return notState(fmt.Errorf("%s: %w", key, err))
	}
	return nil
}

// readFormat reads "format", which must name the state file format.
func (sr *stateReader) readFormat() error {
	var f string
	if err := sr.s.decode(&f); err != nil {
		return notState(err)
	}
	if f != stateFormat {
		return fmt.Errorf("not a labelhook state file: format is %q, want %q", f, stateFormat)
	}
	return nil
}

// readVersion reads "version", which must be this one or one it migrates.
func (sr *stateReader) readVersion() error {
	if err := sr.s.decode(&sr.version); err != nil {
		return notState(err)
	}
	if sr.version != stateVersion && migrate[sr.version] == nil {
		return fmt.Errorf("state format version %d is not supported (this labelhook reads versions 1 to %d)", sr.version, stateVersion)
	}
	return nil
}

// finish checks, after the object, that nothing follows it and that every
// key its version must have was there.
func (sr *stateReader) finish() error {
	if _, err := sr.s.peek(); !errors.Is(err, io.EOF) {
		if err != nil {
			return notState(err)
		}
		return errors.New("not a labelhook state file: data after the end of the JSON object")
	}
	if !sr.seen["format"] || !sr.seen["version"] {
		return errors.New("not a labelhook state file: no format and version")
	}
	want := stateKeys
	if sr.version >= 3 {
		want = append(slices.Clone(stateKeys), stateKeysV3...)
	}
	for _, k := range want {
		if !sr.seen[k] {
			return fmt.Errorf("the state has no %q (a file cut or edited by hand?); refusing to start from it", k)
		}
	}
	return nil
}

// duplicateError is an id that appears twice in one list.
type duplicateError struct {
	kind string
	id   int
}

func (e duplicateError) Error() string { return fmt.Sprintf("%s %d appears twice", e.kind, e.id) }

// readKind reads a list (or null) of one kind into m; an id that appears
// twice is an error.
func readKind[T any](s *jsonStream, kind string, m map[int]*T, id func(*T) int) error {
	return readEntityList(s, func(vs []*T) error {
		for _, v := range vs {
			n := id(v)
			if m[n] != nil {
				return duplicateError{kind, n}
			}
			m[n] = v
		}
		return nil
	})
}

// build checks every invariant of l and returns it as a store (without
// its mutex in use). The checks are those the API keeps (statecheck.go).
func (l *loaded) build() (*store, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	st := newStore()
	st.next = l.next
	st.tables = l.tables // with the task slots check filled
	// In ascending id, so each list comes out ascending, as the store
	// keeps it, without sorting.
	for _, t := range l.sorted.tasks {
		p := st.projects[t.ProjectID]
		p.taskIDs = append(p.taskIDs, t.ID)
	}
	for _, a := range l.sorted.annotations {
		t := st.taskAt(a.TaskID)
		t.annIDs = append(t.annIDs, a.ID)
	}
	for _, p := range l.sorted.predictions {
		t := st.taskAt(p.TaskID)
		t.predIDs = append(t.predIDs, p.ID)
	}
	return st, nil
}

// idsOf returns a map's keys in ascending order.
func idsOf[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
