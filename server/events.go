package server

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/schemas"
)

// event is one emission, as Label Studio's emit_webhooks_for_instance
// receives it: an action, the project it belongs to (0 = emitted with
// project None, so only organization-level webhooks match) and n payload
// items produced on demand.
type event struct {
	action    schemas.Action
	projectID int
	n         int
	// item writes payload item i (a task, annotation, {"id": N}, …) and
	// reports whether it did: false when its object was deleted before a
	// lazily built chunk was sent (it is left out).
	item func(w *jsonw, i int) bool
	// nested writes the nested key's value for item i (the "task" of an
	// annotation event); nil when the action has no nested key.
	nested func(w *jsonw, i int) bool
	// project, if set, is the project payload to send, rendered earlier
	// (Label Studio serializes some bulk events before it updates the
	// project's counters).
	project []byte
}

// delivery is one POST to one webhook.
type delivery struct {
	// id names this delivery (one event chunk to one webhook); it is the
	// webhook-id header when signing, the same on every retry.
	id  string
	gen int // store generation the event was planned in
	// planned and reordered: --fault-reorder moved it from its place.
	planned   int
	reordered bool
	webhookID int
	action    schemas.Action
	url       string
	headers   headerList
	// body is what is sent; when it is nil, full builds it (deliver sets
	// body from full for the time of one delivery).
	body []byte
	full *chunkBody
}

// chunkBody is the full payload of one event chunk, shared by the
// deliveries of that chunk to every webhook that wants payloads. In sync
// mode it is built when the chunk is sent, as Label Studio serializes
// each chunk in its send loop, so a 1,000,000-task import never holds
// more than one chunk's payload; it is dropped once every delivery of the
// chunk is done.
type chunkBody struct {
	mu    sync.Mutex
	build func() []byte
	body  []byte
	users int
}

// get returns the body, building it the first time.
func (c *chunkBody) get() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.body == nil {
		c.body = c.build()
	}
	return c.body
}

// done says one delivery no longer needs the body.
func (c *chunkBody) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users--; c.users <= 0 {
		c.body = nil
	}
}

// plan turns events into the deliveries Label Studio would make, in order:
// for each event, each chunk of BatchSize items, each matching webhook in
// ascending id. It must run under st.mu, after the state change, so the
// payloads show the saved state (counters included).
func (s *Server) plan(events ...event) []delivery {
	var out []delivery
	for _, ev := range events {
		out = append(out, s.planOne(ev)...)
	}
	return out
}

func (s *Server) planOne(ev event) []delivery {
	info, ok := schemas.Lookup(string(ev.action))
	if !ok {
		panic(fmt.Sprintf("plan: unknown action %q", ev.action))
	}
	if info.OrgOnly && ev.projectID != 0 {
		panic(fmt.Sprintf("plan: organization-only action %s emitted with project %d", ev.action, ev.projectID))
	}
	prof := s.st.profile
	if ev.n == 0 && !(info.List && prof.EmptyBulkEvent) {
		return nil // an empty collection makes no call at all
	}
	hooks := s.matching(ev.action, ev.projectID)
	if len(hooks) == 0 {
		return nil
	}
	actionOnly, _ := pyjson.Dumps(nil, []byte(`{"action":"`+string(ev.action)+`"}`))
	if ev.n == 0 {
		// 1.20.0 sends a bulk delete that deleted nothing as the action alone.
		out := make([]delivery, 0, len(hooks))
		for _, w := range hooks {
			out = append(out, s.deliveryTo(w, ev.action, actionOnly))
		}
		return out
	}
	anyPayload := slices.ContainsFunc(hooks, func(w *webhook) bool { return w.SendPayload })

	projectJSON := ev.project
	if anyPayload && ev.projectID != 0 && info.Key != "project" && projectJSON == nil {
		if p := s.st.projects[ev.projectID]; p != nil {
			projectJSON = s.st.projectJSON(p)
		}
	}
	size := ev.n
	if info.List && prof.Chunked {
		size = s.cfg.BatchSize
	}
	var fulls [][]byte
	if anyPayload && (s.cfg.AsyncDelivery || !info.List) {
		// A queued emission carries its payload, built now (Label Studio
		// with RQ enqueues the serialized payload); so does a one-object
		// event (small, and it must show the object as the request left it).
		fulls = s.bodies(info, ev, size, projectJSON)
	}
	var out []delivery
	for lo := 0; lo < ev.n; lo += size {
		var full *chunkBody
		if anyPayload {
			full = &chunkBody{}
			if fulls != nil {
				full.body = fulls[lo/size]
			} else {
				lo, hi := lo, min(lo+size, ev.n)
				full.build = func() []byte {
					s.st.mu.Lock()
					defer s.st.mu.Unlock()
					return s.body(info, ev, lo, hi, projectJSON)
				}
			}
		}
		for _, w := range hooks {
			dl := s.deliveryTo(w, ev.action, actionOnly)
			if w.SendPayload {
				dl.body, dl.full = nil, full
				full.users++
			}
			out = append(out, dl)
		}
	}
	return out
}

// deliveryTo is one delivery of body to w.
func (s *Server) deliveryTo(w *webhook, action schemas.Action, body []byte) delivery {
	return delivery{id: "msg_" + strings.ReplaceAll(s.cfg.NewUUID(), "-", ""), gen: s.st.gen, webhookID: w.ID,
		action: action, url: w.URL, headers: w.Headers, body: body}
}

// bodies builds the full payload of every chunk of size items. The chunks
// of a big list event are encoded in parallel, one worker per CPU (a
// 100 000-task import is 20 chunks, and encoding them was the largest
// part of its time under the store lock). The item funcs of list events
// only read the store, which the caller's lock keeps still meanwhile.
func (s *Server) bodies(info schemas.ActionInfo, ev event, size int, projectJSON []byte) [][]byte {
	n := (ev.n + size - 1) / size
	out := make([][]byte, n)
	one := func(c int) {
		out[c] = s.body(info, ev, c*size, min((c+1)*size, ev.n), projectJSON)
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for c := range n {
			one(c)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < n; c = int(next.Add(1) - 1) {
				one(c)
			}
		})
	}
	wg.Wait()
	return out
}

// body builds one chunk's full payload with Label Studio's key order
// (action, main key, project, nested key), laid out as Python's
// json.dumps writes it (python-requests' json=).
func (s *Server) body(info schemas.ActionInfo, ev event, lo, hi int, projectJSON []byte) []byte {
	w := payloadWriters.Get().(*jsonw)
	defer putPayloadWriter(w)
	if info.List {
		// The pool is emptied by every collection, which a big import
		// makes often: size the buffer from the last list's items.
		if want := (hi-lo)*int(listItemBytes.Load()) + 1024; cap(w.b) < want {
			w.b = make([]byte, 0, min(want, maxPooledPayload))
		}
		defer func() {
			if hi > lo {
				listItemBytes.Store(int64(len(w.b) / (hi - lo)))
			}
		}()
	}
	w.b = append(w.b, `{"action":`...)
	w.str(string(ev.action))
	w.b = append(w.b, `,"`+info.Key+`":`...)
	if info.List {
		writeList(w, lo, hi, ev.item)
	} else {
		ev.item(w, lo)
	}
	if projectJSON != nil {
		w.b = append(w.b, `,"project":`...)
		w.b = append(w.b, projectJSON...)
	}
	if info.Nested != "" && ev.nested != nil {
		w.b = append(w.b, `,"`+info.Nested+`":`...)
		if info.NestedList {
			writeList(w, lo, hi, ev.nested)
		} else if !ev.nested(w, lo) {
			w.null()
		}
	}
	w.b = append(w.b, '}')
	out, err := pyjson.Dumps(make([]byte, 0, len(w.b)+len(w.b)/8), w.b)
	if err != nil {
		panic(fmt.Sprintf("payload is not JSON: %v", err)) // shapes always write JSON
	}
	return out
}

// payloadWriters hold the compact JSON of a body before pyjson lays it
// out: a chunk of 5000 tasks is megabytes, which a fresh buffer reached by
// doubling, copying each time. One that grew past maxPooledPayload is
// left to the collector.
var payloadWriters = sync.Pool{New: func() any { return &jsonw{b: make([]byte, 0, 4<<10)} }}

const maxPooledPayload = 16 << 20

// listItemBytes is how many compact bytes an item of the last list event
// took: the size hint of the next list's buffer.
var listItemBytes atomic.Int64

func putPayloadWriter(w *jsonw) {
	if cap(w.b) <= maxPooledPayload {
		w.b = w.b[:0]
		payloadWriters.Put(w)
	}
}

// writeList writes items lo..hi, leaving out those that are gone.
func writeList(w *jsonw, lo, hi int, item func(*jsonw, int) bool) {
	w.b = append(w.b, '[')
	first := true
	for i := lo; i < hi; i++ {
		mark := len(w.b)
		if !first {
			w.b = append(w.b, ',')
		}
		if item(w, i) {
			first = false
		} else {
			w.b = w.b[:mark]
		}
	}
	w.b = append(w.b, ']')
}

// matching returns the webhooks an event reaches, in ascending id: same
// organization, the event's project or organization-level, active, and
// subscribed to the action.
func (s *Server) matching(action schemas.Action, projectID int) []*webhook {
	var hooks []*webhook
	for _, w := range s.st.webhooks {
		if !w.IsActive {
			continue
		}
		if w.ProjectID != nil && (projectID == 0 || *w.ProjectID != projectID) {
			continue
		}
		if !w.SendForAllActions && !slices.Contains(w.Actions, string(action)) {
			continue
		}
		hooks = append(hooks, w)
	}
	slices.SortFunc(hooks, func(a, b *webhook) int { return a.ID - b.ID })
	return hooks
}

// Helpers that build the events of each trigger.

func tasksCreated(st *store, projectID int, ids []int) event {
	return event{action: schemas.TasksCreated, projectID: projectID, n: len(ids),
		item: func(w *jsonw, i int) bool {
			t := st.tasks[ids[i]]
			if t != nil {
				st.writeTask(w, t)
			}
			return t != nil
		}}
}

func idsEvent(action schemas.Action, projectID int, ids []int) event {
	return event{action: action, projectID: projectID, n: len(ids),
		item: func(w *jsonw, i int) bool { writeIDOnly(w, ids[i]); return true }}
}

func annotationEvent(st *store, action schemas.Action, a *annotation) event {
	return event{action: action, projectID: a.ProjectID, n: 1,
		item: func(w *jsonw, _ int) bool { st.writeAnnotation(w, a); return true },
		nested: func(w *jsonw, _ int) bool {
			t := st.tasks[a.TaskID]
			if t != nil {
				st.writeTask(w, t)
			}
			return t != nil
		}}
}

func annotationsCreated(st *store, projectID int, ids []int) event {
	return event{action: schemas.AnnotationsCreated, projectID: projectID, n: len(ids),
		item: func(w *jsonw, i int) bool {
			a := st.annotations[ids[i]]
			if a != nil {
				st.writeAnnotation(w, a)
			}
			return a != nil
		},
		nested: func(w *jsonw, i int) bool {
			a := st.annotations[ids[i]]
			if a == nil || st.tasks[a.TaskID] == nil {
				return false
			}
			st.writeTask(w, st.tasks[a.TaskID])
			return true
		}}
}

func projectEvent(st *store, action schemas.Action, p *project) event {
	ev := event{action: action, n: 1, item: func(w *jsonw, _ int) bool { st.writeProject(w, p); return true }}
	if action == schemas.ProjectUpdated {
		ev.projectID = p.ID
	}
	return ev
}

// taskSnap is a task's counters and is_labeled before a bulk change.
type taskSnap struct {
	c       taskCounts
	labeled bool
}

// staleAnnotationsCreated is predictions_to_annotations' ANNOTATIONS_CREATED
// as 1.23.2 sends it: serialized before the stored counters are updated,
// so the annotations show result_count 0, the tasks their counters and
// is_labeled from before, and the project (rendered by the caller) its
// finished_task_number from before.
func staleAnnotationsCreated(st *store, projectID int, ids []int, project []byte, before map[int]taskSnap) event {
	ev := annotationsCreated(st, projectID, ids)
	ev.project = project
	ev.item = func(w *jsonw, i int) bool {
		a := st.annotations[ids[i]]
		if a == nil {
			return false
		}
		cp := *a
		cp.resultN = 0
		st.writeAnnotation(w, &cp)
		return true
	}
	ev.nested = func(w *jsonw, i int) bool {
		a := st.annotations[ids[i]]
		if a == nil || st.tasks[a.TaskID] == nil {
			return false
		}
		t := st.tasks[a.TaskID]
		snap, ok := before[t.ID]
		if !ok {
			st.writeTask(w, t)
			return true
		}
		cp := *t
		cp.IsLabeled = snap.labeled
		taskHook.writeTo(w, &taskCtx{&cp, snap.c}, st.profile)
		return true
	}
	return ev
}
