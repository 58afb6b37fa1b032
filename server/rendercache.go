package server

import (
	"bytes"
	"fmt"
	"sync/atomic"
)

// The render cache: a task's JSON in the two shapes that big reads write
// for every task (the plain JSON export and the default task list), kept
// on the task after its first read. Encoding is most of what those reads
// cost: an export of 50 000 annotated tasks spent about 350 ns a task
// writing bytes that had not changed since the last export, four times
// what writing the same bytes from a buffer costs. With the cache, the
// second and later reads of an unchanged task copy its bytes.
//
// A kept rendering is dropped by changed (changes.go), which every change
// to a stored object goes through: a change to the task, or to one of
// its annotations or predictions while it still exists (their deletes
// touch the task first). Nothing else a rendering shows can change: the
// user is the one user, comments are not kept, and a task's file upload
// is never renamed (its delete changes the tasks). The package's tests
// turn on verifyRendered, which checks every kept rendering against a
// fresh one, so a change that forgets to say so fails them.

// renderShape names a shape the cache keeps.
type renderShape uint8

const (
	shapeExport   renderShape = iota // exportTask: GET /api/projects/{id}/export
	shapeTaskOnly                    // taskOnly: GET /api/tasks without fields=all
	renderShapes
)

// renderings is a task's kept JSON, one per shape; nil when not kept.
type renderings [renderShapes][]byte

// renderCache is the store's account of what it keeps.
type renderCache struct {
	// bytes counts the kept bytes. Encoders of one list run at once on
	// different tasks (stream.go), so it is the one shared word.
	bytes atomic.Int64
	// budget bounds bytes (Config.RenderCacheBytes, 1 GiB by default: a
	// 500 000-task project's export and task list fit). Past it, tasks are
	// encoded on every read, as without the cache.
	budget int64
}

// verifyRendered makes every kept rendering be checked against a fresh
// one before it is used; the package's tests turn it on.
var verifyRendered = false

// appendRendered appends t's JSON in shape to b: the kept bytes, or a
// fresh rendering that is kept while the budget allows. Call under st.mu;
// calls for different tasks may run at once.
func (st *store) appendRendered(b []byte, t *task, shape renderShape, stamps *stampCache) []byte {
	if t.rendered != nil {
		if kept := t.rendered[shape]; kept != nil {
			if verifyRendered {
				if fresh := st.render(nil, t, shape, stamps); !bytes.Equal(fresh, kept) {
					panic(fmt.Sprintf("task %d: kept rendering is stale (a change did not call changed)\nkept:  %s\nfresh: %s", t.ID, kept, fresh))
				}
			}
			return append(b, kept...)
		}
	}
	start := len(b)
	b = st.render(b, t, shape, stamps)
	n := int64(len(b) - start)
	if st.renders.bytes.Add(n) > st.renders.budget {
		st.renders.bytes.Add(-n)
		return b
	}
	if t.rendered == nil {
		t.rendered = new(renderings)
	}
	t.rendered[shape] = bytes.Clone(b[start:])
	return b
}

// render appends t's JSON in shape, encoded now.
func (st *store) render(b []byte, t *task, shape renderShape, stamps *stampCache) []byte {
	switch shape {
	case shapeExport:
		v := exportTask{st: st, t: t, stamps: stamps}
		return v.appendJSON(b)
	default:
		v := taskOnly{st: st, t: t, stamps: stamps}
		return v.appendJSON(b)
	}
}

// isRendered reports whether t's JSON in shape is kept.
func isRendered(t *task, shape renderShape) bool {
	return t.rendered != nil && t.rendered[shape] != nil
}

// dropRendered forgets what is kept for the task that object id of kind
// k belongs to. Call under st.mu.
func (st *store) dropRendered(k kind, id int) {
	var t *task
	switch k {
	case kindTask:
		t = st.tasks[id]
	case kindAnnotation:
		if a := st.annotations[id]; a != nil {
			t = st.tasks[a.TaskID]
		}
	case kindPrediction:
		if p := st.predictions[id]; p != nil {
			t = st.tasks[p.TaskID]
		}
	}
	if t == nil || t.rendered == nil {
		return
	}
	// Emptied in place, not unset: a handler that copies the task, changes
	// the copy and stores it back (next := *t ... *t = next) would put an
	// unset pointer back, but it shares this one.
	var n int
	for i, kept := range t.rendered {
		n += len(kept)
		t.rendered[i] = nil
	}
	st.renders.bytes.Add(-int64(n))
}
