package server

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// Change tracking: every place that creates, changes or deletes a stored
// object calls st.changed for it, under st.mu. What one request changed
// becomes one journal record (persist.go): the objects as they are now,
// and the ids of those that are gone. Saying too much is harmless (the
// object is written as it is); saying too little loses a change on
// restart, which the package's tests catch by replaying every record into
// a shadow copy and comparing it with the store (verifyJournal).

// kind names a kind of stored object.
type kind uint8

const (
	kindProject kind = iota
	kindTask
	kindAnnotation
	kindPrediction
	kindWebhook
	kindView
	kindUpload
	kindLabel
	kindLabelLink
	kindStorage
	kindExport
	kinds
)

// listed are the kinds the task lists' kept selections are made from
// (selection.go). A webhook is not one: every delivery outcome changes its
// failure count, and must not drop the selections a reader pages through.
var listed = [kinds]bool{kindProject: true, kindTask: true, kindAnnotation: true, kindPrediction: true, kindUpload: true}

// ref names one stored object.
type ref struct {
	kind kind
	id   int
}

// changed notes that object id of kind k was created, changed or deleted.
// It also bumps st.version, which what is kept for reads checks, when k is
// data the task lists read (listed).
func (st *store) changed(k kind, id int) {
	if listed[k] {
		st.version++
	}
	st.dropRendered(k, id)
	if st.changes != nil {
		st.changes[ref{k, id}] = struct{}{}
	}
}

// changedIDs notes many objects of one kind.
func (st *store) changedIDs(k kind, ids []int) {
	if listed[k] {
		st.version++
	}
	for _, id := range ids {
		st.dropRendered(k, id)
	}
	if st.changes == nil {
		return
	}
	for _, id := range ids {
		st.changes[ref{k, id}] = struct{}{}
	}
}

// trackChanges turns change tracking on.
func (st *store) trackChanges() {
	if st.changes == nil {
		st.changes = map[ref]struct{}{}
	}
}

// pending reports whether anything changed since the last takeChanges.
func (st *store) pending() bool {
	return st.wasReset || len(st.changes) > 0 || st.next != st.recorded
}

// changeSet is one journal record: what one request changed.
type changeSet struct {
	// Reset empties the store first (POST /_labelhook/reset).
	Reset       bool              `json:"reset,omitempty"`
	Next        counters          `json:"next"`
	Projects    []*project        `json:"projects,omitempty"`
	Tasks       []*task           `json:"tasks,omitempty"`
	Annotations []*annotation     `json:"annotations,omitempty"`
	Predictions []*prediction     `json:"predictions,omitempty"`
	Webhooks    []*webhook        `json:"webhooks,omitempty"`
	Views       []*view           `json:"views,omitempty"`
	Uploads     []*fileUpload     `json:"file_uploads,omitempty"`
	Labels      []*label          `json:"labels,omitempty"`
	Links       []*labelLink      `json:"label_links,omitempty"`
	Storages    []*storage        `json:"storages,omitempty"`
	Exports     []*exportSnapshot `json:"exports,omitempty"`
	Deleted     *deletions        `json:"deleted,omitempty"`
}

// deletions are the ids of the objects a change removed.
type deletions struct {
	Projects    []int `json:"projects,omitempty"`
	Tasks       []int `json:"tasks,omitempty"`
	Annotations []int `json:"annotations,omitempty"`
	Predictions []int `json:"predictions,omitempty"`
	Webhooks    []int `json:"webhooks,omitempty"`
	Views       []int `json:"views,omitempty"`
	Uploads     []int `json:"file_uploads,omitempty"`
	Labels      []int `json:"labels,omitempty"`
	Links       []int `json:"label_links,omitempty"`
	Storages    []int `json:"storages,omitempty"`
	Exports     []int `json:"exports,omitempty"`
}

func (d *deletions) empty() bool {
	return len(d.Projects)+len(d.Tasks)+len(d.Annotations)+len(d.Predictions)+len(d.Webhooks)+len(d.Views)+
		len(d.Uploads)+len(d.Labels)+len(d.Links)+len(d.Storages)+len(d.Exports) == 0
}

// writeChanges writes what changed since the last call as one record (a
// changeSet's JSON, streamed object by object) and forgets it. Call under
// st.mu, only when pending.
func (st *store) writeChanges(w io.Writer) error {
	byKind := make([][]int, kinds)
	for r := range st.changes {
		byKind[r.kind] = append(byKind[r.kind], r.id)
	}
	for _, ids := range byKind {
		slices.Sort(ids)
	}
	ew := newEntityWriter(w)
	ew.raw("{")
	if st.wasReset {
		ew.raw(`"reset":true,`)
	}
	ew.raw(`"next":`)
	ew.value(st.next)
	var gone deletions
	gone.Projects = writeChanged(ew, "projects", st.projects, byKind[kindProject])
	gone.Tasks = writeChanged(ew, "tasks", st.tasks, byKind[kindTask])
	gone.Annotations = writeChanged(ew, "annotations", st.annotations, byKind[kindAnnotation])
	gone.Predictions = writeChanged(ew, "predictions", st.predictions, byKind[kindPrediction])
	gone.Webhooks = writeChanged(ew, "webhooks", st.webhooks, byKind[kindWebhook])
	gone.Views = writeChanged(ew, "views", st.views, byKind[kindView])
	gone.Uploads = writeChanged(ew, "file_uploads", st.uploads, byKind[kindUpload])
	gone.Labels = writeChanged(ew, "labels", st.labels, byKind[kindLabel])
	gone.Links = writeChanged(ew, "label_links", st.links, byKind[kindLabelLink])
	gone.Storages = writeChanged(ew, "storages", st.storages, byKind[kindStorage])
	gone.Exports = writeChanged(ew, "exports", st.exports, byKind[kindExport])
	if !gone.empty() {
		ew.raw(`,"deleted":`)
		ew.value(gone)
	}
	ew.raw("}")
	st.changes = emptied(st.changes)
	st.wasReset = false
	st.recorded = st.next
	return ew.flush()
}

// writeChanged writes `,"key":[...]` with the objects of ids that exist
// and returns the ids that are gone.
func writeChanged[T any](ew *entityWriter, key string, m map[int]*T, ids []int) (gone []int) {
	n := 0
	for _, id := range ids {
		v := m[id]
		if v == nil {
			gone = append(gone, id)
			continue
		}
		if n == 0 {
			ew.raw(`,"` + key + `":[`)
		} else {
			ew.raw(",")
		}
		ew.value(v)
		n++
	}
	if n > 0 {
		ew.raw("]")
	}
	return gone
}

// apply replays one journal record onto a loaded state.
func (l *loaded) apply(payload []byte) error {
	cs, err := decodeChangeSet(payload)
	if err != nil {
		return err
	}
	l.applySet(cs)
	return nil
}

// decodeChangeSet decodes one journal record. A big one (an import) has
// its lists decoded in parallel batches, as the state file's are.
func decodeChangeSet(payload []byte) (*changeSet, error) {
	var cs changeSet
	var err error
	if len(payload) < bigRecord {
		err = decodeStrict(payload, &cs)
	} else {
		err = readChangeSet(newJSONBytes(payload), &cs)
	}
	if err == nil && cs.hasNull() {
		err = errNullItem
	}
	if err != nil {
		return nil, fmt.Errorf("not a labelhook journal record: %w", err)
	}
	return &cs, nil
}

// errNullItem refuses a null where a list of a state or a journal record
// must hold objects.
var errNullItem = errors.New("a list item is null, not an object")

// hasNull reports whether any of the record's lists holds a null.
func (cs *changeSet) hasNull() bool {
	return slices.Contains(cs.Projects, nil) || slices.Contains(cs.Tasks, nil) ||
		slices.Contains(cs.Annotations, nil) || slices.Contains(cs.Predictions, nil) ||
		slices.Contains(cs.Webhooks, nil) || slices.Contains(cs.Views, nil) ||
		slices.Contains(cs.Uploads, nil) || slices.Contains(cs.Labels, nil) ||
		slices.Contains(cs.Links, nil) || slices.Contains(cs.Storages, nil) ||
		slices.Contains(cs.Exports, nil)
}

// bigRecord is the size from which a record's lists are decoded in
// parallel.
const bigRecord = 1 << 20

// readChangeSet reads a record key by key, with the same rules as
// decoding it whole (decodeStrict): keys match exactly, and an unknown key
// or a key given twice is an error.
func readChangeSet(s *jsonStream, cs *changeSet) error {
	if err := s.expect('{', "looking for beginning of value"); err != nil {
		return err
	}
	// A syntax error is returned as it is, as a decoder returns it.
	seen := map[string]bool{}
	err := s.members(func(err error) error { return err }, func(key string) (err error) {
		if seen[key] {
			return fmt.Errorf("json: duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "reset":
			err = s.decode(&cs.Reset)
		case "next":
			err = s.decode(&cs.Next)
		case "deleted":
			err = s.decode(&cs.Deleted)
		case "projects":
			cs.Projects, err = listOf[project](s)
		case "tasks":
			cs.Tasks, err = listOf[task](s)
		case "annotations":
			cs.Annotations, err = listOf[annotation](s)
		case "predictions":
			cs.Predictions, err = listOf[prediction](s)
		case "webhooks":
			cs.Webhooks, err = listOf[webhook](s)
		case "views":
			cs.Views, err = listOf[view](s)
		case "file_uploads":
			cs.Uploads, err = listOf[fileUpload](s)
		case "labels":
			cs.Labels, err = listOf[label](s)
		case "label_links":
			cs.Links, err = listOf[labelLink](s)
		case "storages":
			cs.Storages, err = listOf[storage](s)
		case "exports":
			cs.Exports, err = listOf[exportSnapshot](s)
		default:
			err = fmt.Errorf("json: unknown field %q", key)
		}
		return err
	})
	if err != nil {
		return err
	}
	if _, err := s.peek(); !errors.Is(err, io.EOF) {
		return errors.New("invalid character after top-level value")
	}
	return nil
}

// listOf reads a list of one kind whole.
func listOf[T any](s *jsonStream) ([]*T, error) {
	var out []*T
	err := readEntityList(s, func(vs []*T) error {
		out = append(out, vs...)
		return nil
	})
	return out, err
}

// applySet applies a decoded record.
func (l *loaded) applySet(cs *changeSet) {
	if cs.Reset {
		j := l.journal
		*l = *newLoaded()
		l.journal = j
	}
	l.next = cs.Next
	l.slots = nil // the map changes by hand below; check fills them again
	if d := cs.Deleted; d != nil {
		drop(l.projects, d.Projects)
		drop(l.tasks, d.Tasks)
		drop(l.annotations, d.Annotations)
		drop(l.predictions, d.Predictions)
		drop(l.webhooks, d.Webhooks)
		drop(l.views, d.Views)
		drop(l.uploads, d.Uploads)
		drop(l.labels, d.Labels)
		drop(l.links, d.Links)
		drop(l.storages, d.Storages)
		drop(l.exports, d.Exports)
	}
	put(l.projects, cs.Projects, func(p *project) int { return p.ID })
	put(l.tasks, cs.Tasks, func(t *task) int { return t.ID })
	put(l.annotations, cs.Annotations, func(a *annotation) int { return a.ID })
	put(l.predictions, cs.Predictions, func(p *prediction) int { return p.ID })
	put(l.webhooks, cs.Webhooks, func(w *webhook) int { return w.ID })
	put(l.views, cs.Views, func(v *view) int { return v.ID })
	put(l.uploads, cs.Uploads, func(u *fileUpload) int { return u.ID })
	put(l.labels, cs.Labels, func(x *label) int { return x.ID })
	put(l.links, cs.Links, func(x *labelLink) int { return x.ID })
	put(l.storages, cs.Storages, func(x *storage) int { return x.ID })
	put(l.exports, cs.Exports, func(x *exportSnapshot) int { return x.ID })
}

func drop[T any](m map[int]*T, ids []int) {
	for _, id := range ids {
		delete(m, id)
	}
}

func put[T any](m map[int]*T, vs []*T, id func(*T) int) {
	for _, v := range vs {
		m[id(v)] = v
	}
}
