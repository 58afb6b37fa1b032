package server

import (
	"encoding/json"
	"slices"
)

// A Data Manager list (GET /api/tasks) is read page by page: the SDKs
// page through a project 100 tasks at a time, so a page must cost what
// its tasks cost, not what the project costs. The whole project in id
// order needs no work (the project's id list and its counters are kept
// as tasks change); a filtered, ordered or hand-picked selection is made
// once and kept, with its totals, until the store changes (st.version),
// so the next page is a lookup and a slice.

// selection is the ids a list shows, in its order, and their totals. ids
// is never changed once made (pages are read outside the store lock).
type selection struct {
	ids         []int
	annotations int
	predictions int
	// whole says ids is the project's own id list, which changes in
	// place: a page of it must be copied under the lock.
	whole bool
}

// selectionKey names a selection: a project (nil: every project), the
// query as JSON, and only_annotated.
type selectionKey struct {
	project       *project
	query         string
	onlyAnnotated bool
}

// selections keeps the last few selections made, each valid while the
// store is at the version and generation it was made at.
type selections struct {
	entries []selectionEntry // the most recent last
}

type selectionEntry struct {
	key          selectionKey
	version, gen uint64
	sel          *selection
}

// keptSelections bounds how many selections are kept: each holds up to a
// project's worth of ids.
const keptSelections = 8

// everything reports whether sel selects every task: no selection, all
// without exclusions, or an empty included list (1.23.2 treats that as no
// filter at all).
func (sel *selectedItems) everything() bool {
	return sel == nil || (sel.All && len(sel.Excluded) == 0) || (!sel.All && len(sel.Included) == 0)
}

// listSelection returns what a task list of p (every project when nil)
// shows for q. Call under st.mu.
func (s *Server) listSelection(p *project, q dmQuery, onlyAnnotated bool) *selection {
	st := s.st
	plain := (q.Filters == nil || len(q.Filters.Items) == 0) && len(q.Ordering) == 0 && q.Selected.everything() && !onlyAnnotated
	if plain && p != nil {
		c := st.projectCountsOf(p)
		return &selection{ids: p.taskIDs, annotations: c.annotations, predictions: c.predictions, whole: true}
	}
	raw, _ := json.Marshal(q)
	key := selectionKey{project: p, query: string(raw), onlyAnnotated: onlyAnnotated}
	cache := &st.selections
	for i, e := range cache.entries {
		if e.key == key {
			if e.version == st.version && e.gen == uint64(st.gen) {
				return e.sel
			}
			cache.entries = slices.Delete(cache.entries, i, i+1)
			break
		}
	}
	var keep func(*task) bool
	if onlyAnnotated {
		keep = func(t *task) bool { return st.countsOf(t).total > 0 }
	}
	sel := &selection{ids: s.selectTasks(p, q, keep)}
	for _, id := range sel.ids {
		c := st.countsOf(st.taskAt(id))
		sel.annotations += c.total
		sel.predictions += c.predictions
	}
	if len(cache.entries) == keptSelections {
		cache.entries = slices.Delete(cache.entries, 0, 1)
	}
	cache.entries = append(cache.entries, selectionEntry{key: key, version: st.version, gen: uint64(st.gen), sel: sel})
	return sel
}

// page returns ids [lo, hi) of the selection as a list of its own.
func (sel *selection) page(lo, hi int) []int {
	if sel.whole {
		return slices.Clone(sel.ids[lo:hi])
	}
	return sel.ids[lo:hi]
}
