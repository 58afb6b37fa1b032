package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dmQuery is the Data Manager's query: filters, ordering and the selection.
type dmQuery struct {
	Filters  *dmFilters     `json:"filters"`
	Ordering []string       `json:"ordering"`
	Selected *selectedItems `json:"selectedItems"`
}

type dmFilters struct {
	Conjunction string     `json:"conjunction"`
	Items       []dmFilter `json:"items"`
}

type dmFilter struct {
	Filter   string          `json:"filter"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
	Type     string          `json:"type"`
}

// selectedItems is {"all": true, "excluded": [...]} or
// {"all": false, "included": [...]}.
type selectedItems struct {
	All      bool  `json:"all"`
	Included []int `json:"included"`
	Excluded []int `json:"excluded"`
}

var filterOperators = []string{"contains", "ends_with", "equal", "exists", "greater", "greater_or_equal",
	"in", "less", "less_or_equal", "not_contains", "not_equal", "not_exists", "not_in", "starts_with", "empty"}

// parseDMQuery decodes and checks a query; where names the parameter for
// error messages.
func parseDMQuery(raw []byte, where string) (dmQuery, error) {
	var q dmQuery
	if len(bytes.TrimSpace(raw)) == 0 {
		return q, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&q); err != nil {
		return q, errValidation(where, "Invalid query JSON: "+err.Error())
	}
	if err := q.check(where); err != nil {
		return q, err
	}
	return q, nil
}

// queryCache keeps the last task list queries parsed: the SDKs send the
// same query with every page of a listing, and decoding it was a sixth
// of a page's allocations. A parsed query is only read afterwards.
type queryCache struct {
	mu      sync.Mutex
	entries []queryEntry // the most recent last
}

type queryEntry struct {
	raw string
	q   dmQuery
}

const keptQueries = 16

var parsedQueries queryCache

// parse is parseDMQuery(raw, "query"), from the cache when it can.
func (c *queryCache) parse(raw string) (dmQuery, error) {
	c.mu.Lock()
	for i := len(c.entries) - 1; i >= 0; i-- {
		if c.entries[i].raw == raw {
			q := c.entries[i].q
			c.mu.Unlock()
			return q, nil
		}
	}
	c.mu.Unlock()
	q, err := parseDMQuery([]byte(raw), "query")
	if err != nil {
		return q, err
	}
	c.mu.Lock()
	if len(c.entries) == keptQueries {
		c.entries = slices.Delete(c.entries, 0, 1)
	}
	c.entries = append(c.entries, queryEntry{raw, q})
	c.mu.Unlock()
	return q, nil
}

func (q dmQuery) check(where string) error {
	if q.Filters != nil {
		switch strings.ToLower(q.Filters.Conjunction) {
		case "", "and", "or":
		default:
			return errValidation(where, fmt.Sprintf("conjunction must be \"and\" or \"or\", got %q", q.Filters.Conjunction))
		}
		for i, it := range q.Filters.Items {
			if !strings.HasPrefix(it.Filter, "filter:tasks:") {
				return errValidation(where, fmt.Sprintf("filters.items[%d].filter must start with \"filter:tasks:\", got %q", i, it.Filter))
			}
			if !slices.Contains(filterOperators, it.Operator) {
				return errValidation(where, fmt.Sprintf("filters.items[%d].operator %q is not one of %s", i, it.Operator, strings.Join(filterOperators, ", ")))
			}
		}
	}
	for i, o := range q.Ordering {
		if !strings.HasPrefix(strings.TrimPrefix(o, "-"), "tasks:") {
			return errValidation(where, fmt.Sprintf("ordering[%d] must look like \"tasks:id\" or \"-tasks:id\", got %q", i, o))
		}
	}
	return nil
}

// selectTasks returns the ids of p's tasks (all projects when p is nil)
// that match q's filters and selection, in q's order (ascending id by
// default). keep, when not nil, is one more condition. Call under st.mu.
func (s *Server) selectTasks(p *project, q dmQuery, keep func(*task) bool) []int {
	st := s.st
	var ids []int
	if p != nil {
		ids = p.taskIDs
	} else {
		ids = make([]int, 0, len(st.tasks))
		for id := range st.tasks {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	if q.Selected == nil && (q.Filters == nil || len(q.Filters.Items) == 0) && keep == nil && len(q.Ordering) == 0 {
		return slices.Clone(ids) // all of them, in id order
	}
	var included map[int]bool
	var excluded map[int]bool
	if sel := q.Selected; sel != nil {
		switch {
		case sel.All:
			excluded = toSet(sel.Excluded)
		case len(sel.Included) > 0:
			included = toSet(sel.Included)
		}
		// An empty included list is no filter at all: every task (1.23.2).
	}
	var filters *taskFilters
	if q.Filters != nil && len(q.Filters.Items) > 0 {
		filters = compileFilters(q.Filters)
	}
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		if included != nil && !included[id] {
			continue
		}
		if excluded[id] {
			continue
		}
		if filters != nil && !s.matchFilters(st.tasks[id], filters) {
			continue
		}
		if keep != nil && !keep(st.tasks[id]) {
			continue
		}
		out = append(out, id)
	}
	if len(q.Ordering) > 0 {
		s.orderTasks(out, q.Ordering[0])
	}
	return out
}

func toSet(ids []int) map[int]bool {
	m := make(map[int]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// taskFilters are a query's filters with each value decoded once, not
// once per task.
type taskFilters struct {
	or    bool
	items []taskFilter
}

type taskFilter struct {
	field, op string
	want      any
	// needle is the text operators' lower-cased value; wantEmpty is
	// what "empty" asks for.
	needle    string
	wantEmpty bool
}

func compileFilters(f *dmFilters) *taskFilters {
	out := &taskFilters{or: strings.EqualFold(f.Conjunction, "or"), items: make([]taskFilter, len(f.Items))}
	for i, it := range f.Items {
		tf := taskFilter{field: strings.TrimPrefix(it.Filter, "filter:tasks:"), op: it.Operator}
		_ = json.Unmarshal(it.Value, &tf.want)
		tf.needle = strings.ToLower(fmt.Sprint(tf.want))
		tf.wantEmpty, _ = tf.want.(bool)
		if s, ok := tf.want.(string); ok {
			tf.wantEmpty, _ = parseBool(s)
		}
		out.items[i] = tf
	}
	return out
}

func (s *Server) matchFilters(t *task, f *taskFilters) bool {
	for i := range f.items {
		ok := s.matchFilter(t, &f.items[i])
		if f.or && ok {
			return true
		}
		if !f.or && !ok {
			return false
		}
	}
	return !f.or
}

func (s *Server) matchFilter(t *task, f *taskFilter) bool {
	v := s.fieldValue(t, f.field)
	_, absent := v.(missing)
	if absent {
		v = nil
	}
	want := f.want
	switch f.op {
	case "empty":
		isEmpty := v == nil || v == "" || v == false
		return isEmpty == f.wantEmpty
	case "exists":
		return !absent && v != nil
	case "not_exists":
		return absent || v == nil
	case "equal":
		return compareValues(v, want) == 0
	case "not_equal":
		return compareValues(v, want) != 0
	case "greater":
		return v != nil && compareValues(v, want) > 0
	case "greater_or_equal":
		return v != nil && compareValues(v, want) >= 0
	case "less":
		return v != nil && compareValues(v, want) < 0
	case "less_or_equal":
		return v != nil && compareValues(v, want) <= 0
	case "in", "not_in":
		in := inRange(v, want)
		if f.op == "in" {
			return in
		}
		return !in
	case "contains", "not_contains", "starts_with", "ends_with":
		var hay string
		switch x := v.(type) {
		case nil:
		case string:
			hay = strings.ToLower(x)
		default:
			hay = strings.ToLower(fmt.Sprint(v))
		}
		needle := f.needle
		switch f.op {
		case "contains":
			return strings.Contains(hay, needle)
		case "not_contains":
			return !strings.Contains(hay, needle)
		case "starts_with":
			return strings.HasPrefix(hay, needle)
		default:
			return strings.HasSuffix(hay, needle)
		}
	}
	return false
}

// inRange reads {"min": a, "max": b} (inclusive) or a list of values.
func inRange(v, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		if v == nil {
			return false
		}
		if lo, ok := w["min"]; ok && lo != nil && compareValues(v, lo) < 0 {
			return false
		}
		if hi, ok := w["max"]; ok && hi != nil && compareValues(v, hi) > 0 {
			return false
		}
		return true
	case []any:
		for _, x := range w {
			if compareValues(v, x) == 0 {
				return true
			}
		}
	}
	return false
}

// compareValues compares a task value with a filter value: numbers as
// numbers, datetimes as datetimes, the rest as text. nil sorts first.
func compareValues(v, want any) int {
	switch {
	case v == nil && want == nil:
		return 0
	case v == nil:
		return -1
	case want == nil:
		return 1
	}
	switch x := v.(type) {
	case float64:
		if y, ok := asNumber(want); ok {
			return cmpFloat(x, y)
		}
	case time.Time:
		if s, ok := want.(string); ok {
			if y, ok := parseStamp(s); ok {
				return x.Compare(y)
			}
		}
	case bool:
		if y, ok := want.(bool); ok {
			if x == y {
				return 0
			}
			if !x {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(fmt.Sprint(v), fmt.Sprint(want))
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// orderTasks sorts ids by one Data Manager ordering key ("tasks:id",
// "-tasks:total_annotations", "tasks:data.text"), id breaking ties.
func (s *Server) orderTasks(ids []int, key string) {
	desc := strings.HasPrefix(key, "-")
	field := strings.TrimPrefix(strings.TrimPrefix(key, "-"), "tasks:")
	type idValue struct {
		id int
		v  any
	}
	vals := make([]idValue, len(ids))
	for i, id := range ids {
		v := s.fieldValue(s.st.tasks[id], field)
		if _, ok := v.(missing); ok {
			v = nil
		}
		vals[i] = idValue{id, v}
	}
	slices.SortStableFunc(vals, func(a, b idValue) int {
		c := compareValues(a.v, b.v)
		if c == 0 {
			c = a.id - b.id
		}
		if desc {
			return -c
		}
		return c
	})
	for i := range vals {
		ids[i] = vals[i].id
	}
}

// handleTaskList serves GET /api/tasks, the Data Manager list: 100 per
// page, 404 "Invalid page." past the last page (the SDKs stop on it).
func (s *Server) handleTaskList(w http.ResponseWriter, r *http.Request) error {
	qs := r.URL.Query()
	q, err := parsedQueries.parse(qs.Get("query"))
	if err != nil {
		return err
	}
	return s.answerList(w, http.StatusOK, func() (*listAnswer, error) {
		st := s.st
		// Both ids are read before either is looked up; a bad view is
		// reported before a bad project, as Label Studio does.
		vid, byView, err := queryDigits(qs, "view")
		if err != nil {
			return nil, err
		}
		pid, byProject, err := queryDigits(qs, "project")
		if err != nil {
			return nil, err
		}
		var p *project
		if byProject {
			if p, err = st.project(pid); err != nil {
				return nil, err
			}
		}
		if byView {
			vw := st.views[vid]
			if vw == nil {
				return nil, notFoundError{"View"}
			}
			if p == nil {
				p = st.projects[vw.ProjectID]
			}
			if q.Filters == nil || q.Ordering == nil {
				vq := viewQuery(vw)
				if q.Filters == nil {
					q.Filters = vq.Filters
				}
				if q.Ordering == nil {
					q.Ordering = vq.Ordering
				}
			}
		}
		sel := s.listSelection(p, q, valuesBool(qs, "only_annotated", false))
		pg, _, _, err := pageBounds(qs, len(sel.ids), 100)
		if err != nil {
			return nil, err
		}
		include := splitFields(qs.Get("include"))
		// A key that include= drops is not worth rendering: the legacy
		// SDK's id listing asks fields=all&include=id.
		withRelated := qs.Get("fields") == "all" && (include == nil || hasAny(include, relatedKeys))
		idOnly := len(include) == 1 && include["id"]
		// One view of each kind, rendered again for each task (encodeChunk
		// writes it before asking for the next).
		var (
			ft   fullTask
			only taskOnly
			tid  taskID
		)
		la := &listAnswer{
			// The keys in 1.23.2's order: the counts, then the page.
			head: fmt.Sprintf(`{"total_annotations":%d,"total_predictions":%d,"total":%d,"tasks":[`, sel.annotations, sel.predictions, len(sel.ids)),
			tail: `]}`,
			ids:  sel.page(pg.lo, pg.hi),
			item: func(id int) (any, bool) {
				t := st.tasks[id]
				if t == nil {
					return nil, false
				}
				switch {
				case idOnly:
					tid = taskID{ID: t.ID}
					return &tid, true
				case !withRelated:
					only = taskOnly{st: st, t: t}
					return &only, true
				}
				ft = s.fullTaskOf(t, withRelated)
				return &ft, true
			},
			appendTask: func(b []byte, t *task, stamps *stampCache) []byte {
				switch {
				case idOnly:
					v := taskID{ID: t.ID}
					return v.appendJSON(b)
				case !withRelated:
					return st.appendRendered(b, t, shapeTaskOnly, stamps)
				}
				v := s.fullTaskOf(t, withRelated)
				return v.appendJSON(b)
			},
		}
		switch {
		case idOnly:
		case withRelated:
			la.warm = func(ts []*task) { st.warmTasks(ts, renderShapes) }
		default:
			la.warm = func(ts []*task) { st.warmTasks(ts, shapeTaskOnly) }
		}
		if include != nil && !idOnly {
			la.edit = func(raw []byte) []byte { return pickKeys(raw, include) }
		}
		return la, nil
	})
}

// byUpdatedDesc returns a new slice of the task ids (ascending, as a
// project keeps them) ordered newest updated_at first, ties by higher id:
// the order of Label Studio's order_by('-updated_at') on the project task
// list. Tasks no one changed since their import are already in
// updated_at order, so the common case is a reversal without a sort.
func (st *store) byUpdatedDesc(ids []int) []int {
	out := slices.Clone(ids)
	sorted := true
	for i := 1; i < len(out) && sorted; i++ {
		sorted = !st.tasks[out[i]].UpdatedAt.Before(st.tasks[out[i-1]].UpdatedAt)
	}
	if sorted {
		slices.Reverse(out)
		return out
	}
	slices.SortStableFunc(out, func(a, b int) int {
		if c := st.tasks[b].UpdatedAt.Compare(st.tasks[a].UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	return out
}

// relatedKeys are the keys of the full task that only fields=all renders
// (fullTaskOf's withRelated).
var relatedKeys = []string{"annotations", "predictions", "completed_at", "draft_exists", "predictions_score", "avg_lead_time"}

func hasAny(set map[string]bool, keys []string) bool {
	for _, k := range keys {
		if set[k] {
			return true
		}
	}
	return false
}

// taskID is a task listed with include=id.
type taskID struct {
	ID int `json:"id"`
}

func (t *taskID) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(t.ID), 10)
	return append(b, '}')
}
