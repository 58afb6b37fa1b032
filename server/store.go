package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// store is the mock's whole state. One mutex guards it: handlers change
// state and build webhook bodies under the lock, then deliver outside it.
type store struct {
	mu sync.Mutex

	next counters
	// gen counts resets; deliveries planned before a reset carry an older
	// gen and are skipped, since ids start over.
	gen int

	tables

	// dirty holds the ids of tasks whose share of their project's counts
	// is out of project.counts (see touch and settle).
	dirty map[int]struct{}

	// changes are the objects changed since the last journal record (nil:
	// not kept; changes.go); wasReset says the store was emptied since;
	// recorded are the counters the last record holds.
	changes  map[ref]struct{}
	wasReset bool
	recorded counters
	// persist journals the pending changes (under mu) and durable waits
	// for a record (outside mu): the Server's record and durable, for
	// changes the delivery engine makes.
	persist func() (uint64, error)
	durable func(uint64) error

	// profile is the Label Studio release the views imitate.
	profile *Profile

	// version counts changes to the data the task lists read: every
	// change to a stored object goes through changed (changes.go), which
	// bumps it for those kinds (listed: not webhooks, whose failure counts
	// every delivery changes). What is derived from them and kept for
	// reads (selections) is valid while it holds.
	version uint64
	// selections are the task lists recently read (selection.go).
	selections selections
	// renders accounts for the tasks' kept JSON (rendercache.go).
	renders renderCache
}

func newStore() *store {
	return &store{tables: newTables(), dirty: map[int]struct{}{}}
}

// tables are every stored object by id: the store's, and a state file's
// as it is read (state.go).
type tables struct {
	projects    map[int]*project
	tasks       map[int]*task
	slots       []*task // tasks again, indexed by id (taskslots.go)
	annotations map[int]*annotation
	predictions map[int]*prediction
	webhooks    map[int]*webhook
	views       map[int]*view
	uploads     map[int]*fileUpload
	labels      map[int]*label
	links       map[int]*labelLink
	storages    map[int]*storage
	exports     map[int]*exportSnapshot
}

func newTables() tables {
	return tables{projects: map[int]*project{}, tasks: map[int]*task{}, annotations: map[int]*annotation{},
		predictions: map[int]*prediction{}, webhooks: map[int]*webhook{}, views: map[int]*view{},
		uploads: map[int]*fileUpload{}, labels: map[int]*label{}, links: map[int]*labelLink{},
		storages: map[int]*storage{}, exports: map[int]*exportSnapshot{}}
}

func (t *tables) empty() bool {
	return len(t.projects)+len(t.tasks)+len(t.annotations)+len(t.predictions)+len(t.webhooks)+len(t.views)+
		len(t.uploads)+len(t.labels)+len(t.links)+len(t.storages)+len(t.exports) == 0
}

// The organization and user the mock serves.
const (
	orgID  = 1
	userID = 1
)

// taskCounts are a task's live counters.
type taskCounts struct {
	total, cancelled, predictions, groundTruth int
}

func (st *store) countsOf(t *task) taskCounts {
	var c taskCounts
	for _, id := range t.annIDs {
		a := st.annotations[id]
		if a.WasCancelled {
			c.cancelled++
		} else {
			c.total++
		}
		if a.GroundTruth {
			c.groundTruth++
		}
	}
	c.predictions = len(t.predIDs)
	return c
}

// projectCounts are a project's live counters.
type projectCounts struct {
	taskNumber, finishedTasks, predictions, annotations, tasksWithAnnotations,
	usefulAnnotations, groundTruth, skipped, resultCount int
}

// projectCountsOf returns p's live counters. Recounting every task on each
// payload made an event cost O(tasks in the project) under the store lock
// (about 300 µs at 10 000 tasks, serialising every API call), so the
// counts are kept incrementally: every change to a task's share (its
// annotations, predictions, is_labeled, the task itself) first calls
// touch, and the touched tasks are added back here.
func (st *store) projectCountsOf(p *project) projectCounts {
	st.settle()
	if verifyCounts {
		if full := st.recount(p); full != p.counts {
			panic(fmt.Sprintf("project %d: incremental counts %+v, recount %+v", p.ID, p.counts, full))
		}
	}
	return p.counts
}

// verifyCounts makes projectCountsOf check the incremental counts against
// a full recount; the package's tests turn it on.
var verifyCounts = false

// touch must be called before a task's share of its project's counts
// changes (or before a task is created or deleted): it takes the task's
// current share out of the counts, once, until settle adds it back.
func (st *store) touch(id int) {
	st.changed(kindTask, id)
	if _, ok := st.dirty[id]; ok {
		return
	}
	st.dirty[id] = struct{}{}
	if t := st.tasks[id]; t != nil {
		if p := st.projects[t.ProjectID]; p != nil {
			p.counts.add(st.share(t), -1)
		}
	}
}

// settle adds the current share of every touched task that still exists.
func (st *store) settle() {
	if len(st.dirty) == 0 {
		return // and no write, for the parallel payload encoders of events.go
	}
	for id := range st.dirty {
		if t := st.tasks[id]; t != nil {
			if p := st.projects[t.ProjectID]; p != nil {
				p.counts.add(st.share(t), 1)
			}
		}
	}
	st.dirty = emptied(st.dirty)
}

// emptied empties m; a map that grew big (a large import) is replaced, as
// clear keeps its buckets.
func emptied[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > 4096 {
		return map[K]V{}
	}
	clear(m)
	return m
}

// recountAll sets every project's counts from scratch (after a restore).
func (st *store) recountAll() {
	clear(st.dirty)
	for _, p := range st.projects {
		p.counts = st.recount(p)
	}
}

func (c *projectCounts) add(d projectCounts, sign int) {
	c.taskNumber += sign * d.taskNumber
	c.finishedTasks += sign * d.finishedTasks
	c.predictions += sign * d.predictions
	c.annotations += sign * d.annotations
	c.tasksWithAnnotations += sign * d.tasksWithAnnotations
	c.usefulAnnotations += sign * d.usefulAnnotations
	c.groundTruth += sign * d.groundTruth
	c.skipped += sign * d.skipped
	c.resultCount += sign * d.resultCount
}

// recount counts p's tasks one by one.
func (st *store) recount(p *project) projectCounts {
	var c projectCounts
	for _, tid := range p.taskIDs {
		c.add(st.share(st.taskAt(tid)), 1)
	}
	return c
}

// share is one task's part of its project's counters.
func (st *store) share(t *task) projectCounts {
	c := projectCounts{taskNumber: 1, predictions: len(t.predIDs)}
	if t.IsLabeled {
		c.finishedTasks = 1
	}
	withAnn := false
	for _, aid := range t.annIDs {
		a := st.annotations[aid]
		if a.WasCancelled {
			c.skipped++
			continue
		}
		c.annotations++
		if a.GroundTruth {
			c.groundTruth++
		} else {
			c.usefulAnnotations++
			withAnn = true // num_tasks_with_annotations counts no ground truth (1.23.2)
		}
		c.resultCount += a.resultN
	}
	if withAnn {
		c.tasksWithAnnotations = 1
	}
	return c
}

// relabel recomputes a task's is_labeled and completed_at after its
// annotations changed: it is labeled once it has at least overlap
// non-cancelled annotations (overlap follows the project's
// maximum_annotations).
func (st *store) relabel(t *task, now time.Time) {
	st.touch(t.ID)
	need := max(t.Overlap, 1)
	labeled := st.countsOf(t).total >= need
	switch {
	case labeled && !t.IsLabeled:
		t.IsLabeled = true
		t.CompletedAt = &now
	case !labeled && t.IsLabeled:
		t.IsLabeled = false
		t.CompletedAt = nil
	}
}

// annotatedBy records that user changed a task's annotations at now: the
// task is updated by them then, and relabelled.
func (st *store) annotatedBy(t *task, user int, now time.Time) {
	t.UpdatedBy = &user
	t.UpdatedAt = now
	st.relabel(t, now)
}

// deleteTask removes a task with its annotations and predictions.
func (st *store) deleteTask(t *task) {
	st.deleteTasks(t.ProjectID, []int{t.ID})
}

// deleteTasks removes tasks of one project with their annotations and
// predictions, in one pass over the project's task list.
func (st *store) deleteTasks(projectID int, ids []int) {
	drop := make(map[int]bool, len(ids))
	for _, id := range ids {
		t := st.tasks[id]
		if t == nil {
			continue
		}
		st.touch(id)
		for _, aid := range t.annIDs {
			delete(st.annotations, aid)
		}
		for _, pid := range t.predIDs {
			delete(st.predictions, pid)
		}
		st.changedIDs(kindAnnotation, t.annIDs)
		st.changedIDs(kindPrediction, t.predIDs)
		st.dropTask(id)
		drop[id] = true
	}
	if p := st.projects[projectID]; p != nil {
		p.taskIDs = removeIDs(p.taskIDs, drop)
	}
}

// removeIDs removes every id in drop from an ascending list.
func removeIDs(ids []int, drop map[int]bool) []int {
	return slices.DeleteFunc(ids, func(id int) bool { return drop[id] })
}

// resultCount is the number of regions in an annotation result.
func resultCount(result json.RawMessage) int {
	if jsonKind(result) != '[' {
		return 0
	}
	return countItems(result) // stored JSON is valid: a scan counts
}

// hasProject reports whether a project of that id exists.
func (st *store) hasProject(id int) bool { return st.projects[id] != nil }
