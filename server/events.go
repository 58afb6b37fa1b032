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
	body      []byte
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
	if anyPayload {
		fulls = s.bodies(info, ev, size, projectJSON)
	}
	var out []delivery
	for lo := 0; lo < ev.n; lo += size {
		var full []byte
		if anyPayload {
			full = fulls[lo/size]
		}
		for _, w := range hooks {
			body := actionOnly
			if w.SendPayload {
				body = full
			}
			out = append(out, delivery{id: "msg_" + strings.ReplaceAll(randomUUID(), "-", ""), gen: s.st.gen, webhookID: w.ID,
				action: ev.action, url: w.URL, headers: w.Headers, body: body})
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

func writeList(b *bytes.Buffer, lo, hi int, item func(int) any) {
	b.WriteByte('[')
	for i := lo; i < hi; i++ {
		if i > lo {
			b.WriteByte(',')
		}
		writeValue(b, item(i))
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
		item: func(i int) any { return st.taskPayload(st.tasks[ids[i]]) }}
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
		item:   func(i int) any { return annotationPayloadOf(st.annotations[ids[i]]) },
		nested: func(i int) any { return st.taskPayload(st.tasks[st.annotations[ids[i]].TaskID]) }}
}

func projectEvent(st *store, action schemas.Action, p *project) event {
	ev := event{action: action, n: 1, item: func(int) any { return st.projectPayload(p) }}
	if action == schemas.ProjectUpdated {
		ev.projectID = p.ID
	}
	return ev
}
