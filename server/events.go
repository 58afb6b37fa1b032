package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
	// item returns payload item i (a task, annotation, {"id": N}, …).
	item func(i int) any
	// nested returns the nested key's value for item i (the "task" of an
	// annotation event); nil when the action has no nested key.
	nested func(i int) any
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
	if ev.n == 0 {
		return nil // an empty collection makes no call at all
	}
	hooks := s.matching(ev.action, ev.projectID)
	if len(hooks) == 0 {
		return nil
	}
	anyPayload := slices.ContainsFunc(hooks, func(w *webhook) bool { return w.SendPayload })
	actionOnly, _ := marshal(map[string]string{"action": string(ev.action)})

	var projectJSON []byte
	if anyPayload && ev.projectID != 0 && info.Key != "project" {
		if p := s.st.projects[ev.projectID]; p != nil {
			projectJSON, _ = marshal(s.st.projectPayload(p))
		}
	}
	size := ev.n
	if info.List {
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
			dl := delivery{id: "msg_" + strings.ReplaceAll(s.cfg.NewUUID(), "-", ""), gen: s.st.gen, webhookID: w.ID,
				action: ev.action, url: w.URL, headers: w.Headers, body: actionOnly}
			if w.SendPayload {
				dl.body, dl.full = nil, full
				full.users++
			}
			out = append(out, dl)
		}
	}
	return out
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

// body builds one chunk's full payload with Label Studio's key order:
// action, main key, project, nested key.
func (s *Server) body(info schemas.ActionInfo, ev event, lo, hi int, projectJSON []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{"action":`)
	writeValue(&b, string(ev.action))
	b.WriteString(`,"` + info.Key + `":`)
	if info.List {
		writeList(&b, lo, hi, ev.item)
	} else {
		writeValue(&b, ev.item(lo))
	}
	if projectJSON != nil {
		b.WriteString(`,"project":`)
		b.Write(projectJSON)
	}
	if info.Nested != "" && ev.nested != nil {
		b.WriteString(`,"` + info.Nested + `":`)
		if info.NestedList {
			writeList(&b, lo, hi, ev.nested)
		} else {
			writeValue(&b, ev.nested(lo))
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeList writes items lo..hi; an item that is nil (its object was
// deleted before a lazily built chunk was sent) is left out.
func writeList(b *bytes.Buffer, lo, hi int, item func(int) any) {
	b.WriteByte('[')
	first := true
	for i := lo; i < hi; i++ {
		v := item(i)
		if v == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeValue(b, v)
	}
	b.WriteByte(']')
}

// writeValue appends v as marshal would, encoding straight into b rather
// than through a buffer of its own (one copy and allocation less per
// item of a 5000-item chunk).
func writeValue(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("encode payload: %v", err)) // payload types always encode
	}
	b.Truncate(b.Len() - 1) // Encode's newline
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
		item: func(i int) any {
			if t := st.tasks[ids[i]]; t != nil {
				return st.taskPayload(t)
			}
			return nil
		}}
}

func idsEvent(action schemas.Action, projectID int, ids []int) event {
	return event{action: action, projectID: projectID, n: len(ids),
		item: func(i int) any { return idOnly{ID: ids[i]} }}
}

func annotationEvent(st *store, action schemas.Action, a *annotation) event {
	return event{action: action, projectID: a.ProjectID, n: 1,
		item:   func(int) any { return annotationPayloadOf(a) },
		nested: func(int) any { return st.taskPayload(st.tasks[a.TaskID]) }}
}

func annotationsCreated(st *store, projectID int, ids []int) event {
	return event{action: schemas.AnnotationsCreated, projectID: projectID, n: len(ids),
		item: func(i int) any {
			if a := st.annotations[ids[i]]; a != nil {
				return annotationPayloadOf(a)
			}
			return nil
		},
		nested: func(i int) any {
			if a := st.annotations[ids[i]]; a != nil {
				if t := st.tasks[a.TaskID]; t != nil {
					return st.taskPayload(t)
				}
			}
			return nil
		}}
}

func projectEvent(st *store, action schemas.Action, p *project) event {
	ev := event{action: action, n: 1, item: func(int) any { return st.projectPayload(p) }}
	if action == schemas.ProjectUpdated {
		ev.projectID = p.ID
	}
	return ev
}
