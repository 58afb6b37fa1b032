package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// check verifies every invariant of a loaded state that the API keeps, so
// a state that loads is one the API could have made: counters in range,
// ids positive and below their counters, references that resolve, values
// the API would accept. The first problem is returned, naming the object.
// Projects and webhooks go through the API's own field validation.
func (l *loaded) check() error {
	if err := checkCounters(l.next); err != nil {
		return err
	}
	for _, id := range idsOf(l.projects) {
		if err := checkID("project", id, l.next.Project); err != nil {
			return err
		}
		if err := checkProject(l.projects[id]); err != nil {
			return fmt.Errorf("project %d: %w", id, err)
		}
	}
	// Tasks, annotations and predictions are many and each is checked on
	// its own: on every CPU, the first problem in id order reported, as a
	// check going through them one by one would. Each is also put in its
	// place in id order (l.sorted), which the rest of the check and build
	// go through instead of sorting and looking up again.
	tasks := idsOf(l.tasks)
	l.sorted.tasks = make([]*task, len(tasks))
	bad, err := firstFailure(len(tasks), func(i int) error {
		id := tasks[i]
		t := l.tasks[id]
		l.sorted.tasks[i] = t
		if err := checkID("task", id, l.next.Task); err != nil {
			return err
		}
		if err := checkTask(t, l.projects[t.ProjectID]); err != nil {
			return fmt.Errorf("task %d: %w", id, err)
		}
		return nil
	})
	// Up to the first bad task, an inner_id out of order comes first: a
	// project's inner ids grow with its task ids (each task is made with
	// the highest + 1, which is how the next one is found).
	last := map[int]*task{} // project -> its last task so far
	good := len(tasks)
	if bad >= 0 {
		good = bad
	}
	for _, t := range l.sorted.tasks[:good] {
		prev, seen := last[t.ProjectID]
		switch {
		case seen && prev.InnerID == t.InnerID:
			return fmt.Errorf("task %d: inner_id %d is also task %d's (project %d)", t.ID, t.InnerID, prev.ID, t.ProjectID)
		case seen && prev.InnerID > t.InnerID:
			return fmt.Errorf("task %d: inner_id %d is below task %d's %d (project %d): a project's inner ids grow with its task ids", t.ID, t.InnerID, prev.ID, prev.InnerID, t.ProjectID)
		}
		last[t.ProjectID] = t
	}
	if err != nil {
		return err
	}
	// The annotations and predictions find their tasks by slot, and the
	// store built from these tables keeps the slots (taskslots.go).
	l.fillSlots(l.sorted.tasks)
	anns := idsOf(l.annotations)
	l.sorted.annotations = make([]*annotation, len(anns))
	if _, err := firstFailure(len(anns), func(i int) error {
		id := anns[i]
		a := l.annotations[id]
		l.sorted.annotations[i] = a
		if err := checkID("annotation", id, l.next.Annotation); err != nil {
			return err
		}
		if err := checkAnnotation(a, &l.tables); err != nil {
			return fmt.Errorf("annotation %d: %w", id, err)
		}
		return nil
	}); err != nil {
		return err
	}
	preds := idsOf(l.predictions)
	l.sorted.predictions = make([]*prediction, len(preds))
	if _, err := firstFailure(len(preds), func(i int) error {
		id := preds[i]
		p := l.predictions[id]
		l.sorted.predictions[i] = p
		if err := checkID("prediction", id, l.next.Prediction); err != nil {
			return err
		}
		if err := checkPrediction(p, &l.tables); err != nil {
			return fmt.Errorf("prediction %d: %w", id, err)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, id := range idsOf(l.webhooks) {
		if err := checkID("webhook", id, l.next.Webhook); err != nil {
			return err
		}
		if err := checkWebhook(l.webhooks[id], l.projects); err != nil {
			return fmt.Errorf("webhook %d: %w", id, err)
		}
	}
	for _, id := range idsOf(l.views) {
		if err := checkID("view", id, l.next.View); err != nil {
			return err
		}
		if err := checkView(l.views[id], l.projects); err != nil {
			return fmt.Errorf("view %d: %w", id, err)
		}
	}
	return l.checkSurface()
}

func checkCounters(c counters) error {
	for _, n := range []struct {
		name string
		v    int
	}{{"project", c.Project}, {"task", c.Task}, {"annotation", c.Annotation}, {"prediction", c.Prediction},
		{"webhook", c.Webhook}, {"view", c.View}, {"drafts", c.Drafts}, {"file_upload", c.FileUpload}, {"label", c.Label},
		{"label_link", c.LabelLink}, {"storage", c.Storage}, {"export", c.Export}, {"converted_format", c.Converted}} {
		if n.v < 0 {
			return fmt.Errorf("next.%s is %d, below zero", n.name, n.v)
		}
		if n.v > maxID {
			return fmt.Errorf("next.%s is %d, above %d: new ids would overflow", n.name, n.v, maxID)
		}
	}
	return nil
}

// checkID: ids are positive and at most their counter, so a new object
// never reuses one.
func checkID(kind string, id, last int) error {
	switch {
	case id <= 0:
		return fmt.Errorf("%s id %d is not positive", kind, id)
	case id > last:
		return fmt.Errorf("%s %d is above next.%s = %d, so a new %s would reuse its id", kind, id, kind, last, kind)
	}
	return nil
}

// checkProject runs the API's own validation of the writable fields over
// the stored project, then what the API sets itself.
func checkProject(p *project) error {
	raw, err := marshal(p)
	if err != nil {
		return err
	}
	f, err := objectForm(raw)
	if err != nil {
		return err
	}
	scratch := *p
	applyProjectFields(f, &scratch)
	if err := f.errs.err(); err != nil {
		return stateFieldError(err)
	}
	p.parsed = scratch.parsed
	if p.parsed == nil {
		return fmt.Errorf("label_config: is empty")
	}
	if p.NextInnerID < 1 {
		return fmt.Errorf("next_inner_id is %d, want 1 or more", p.NextInnerID)
	}
	if err := checkStamps(p.CreatedAt, p.UpdatedAt); err != nil {
		return err
	}
	if len(p.ControlWeights) == 0 {
		p.ControlWeights = json.RawMessage("{}")
	}
	return nil
}

func checkTask(t *task, p *project) error {
	if p == nil {
		return fmt.Errorf("project %d does not exist", t.ProjectID)
	}
	if jsonKind(t.Data) != '{' { // valid JSON: decoded
		return fmt.Errorf("data must be a JSON object")
	}
	if len(t.Meta) > 0 && jsonKind(t.Meta) != '{' && jsonKind(t.Meta) != 'n' {
		return fmt.Errorf("meta must be a JSON object or null")
	}
	if t.InnerID < 1 || t.InnerID >= p.NextInnerID {
		return fmt.Errorf("inner_id %d is outside 1..%d (project %d's next_inner_id - 1)", t.InnerID, p.NextInnerID-1, p.ID)
	}
	if t.Overlap < 1 {
		return fmt.Errorf("overlap is %d, want 1 or more", t.Overlap)
	}
	if t.IsLabeled != (t.CompletedAt != nil) {
		return fmt.Errorf("is_labeled is %v but completed_at is %v", t.IsLabeled, t.CompletedAt)
	}
	return checkStamps(t.CreatedAt, t.UpdatedAt)
}

func checkAnnotation(a *annotation, tb *tables) error {
	if err := belongs(a.TaskID, a.ProjectID, tb); err != nil {
		return err
	}
	var err error
	if a.Result, err = rawOr(a.Result, "[]", '['); err != nil {
		return fmt.Errorf("result: %w", err)
	}
	if a.Prediction, err = rawOr(a.Prediction, "{}", '{'); err != nil {
		return fmt.Errorf("prediction: %w", err)
	}
	if a.LeadTime != nil && (math.IsNaN(*a.LeadTime) || math.IsInf(*a.LeadTime, 0)) {
		return fmt.Errorf("lead_time is not a number")
	}
	a.resultN = countItems(a.Result) // valid, as rawOr checked
	return checkStamps(a.CreatedAt, a.UpdatedAt)
}

func checkPrediction(p *prediction, tb *tables) error {
	if err := belongs(p.TaskID, p.ProjectID, tb); err != nil {
		return err
	}
	if len(p.Result) > 0 && !json.Valid(p.Result) {
		return fmt.Errorf("result is not valid JSON")
	}
	if len(p.Neighbors) > 0 && !json.Valid(p.Neighbors) {
		return fmt.Errorf("neighbors is not valid JSON")
	}
	if p.Score != nil && (math.IsNaN(*p.Score) || math.IsInf(*p.Score, 0)) {
		return fmt.Errorf("score is not a number")
	}
	return checkStamps(p.CreatedAt, p.UpdatedAt)
}

// belongs checks that an object of a task names the task's project.
func belongs(taskID, projectID int, tb *tables) error {
	t := tb.taskAt(taskID)
	if t == nil {
		return fmt.Errorf("task %d does not exist", taskID)
	}
	if t.ProjectID != projectID {
		return fmt.Errorf("project is %d, but its task %d is in project %d", projectID, taskID, t.ProjectID)
	}
	return nil
}

// checkWebhook runs the API's own validation over the webhook as the API
// shows it, then the rules on its project and failure count.
func checkWebhook(w *webhook, projects map[int]*project) error {
	if w.ProjectID != nil && projects[*w.ProjectID] == nil {
		return fmt.Errorf("project %d does not exist", *w.ProjectID)
	}
	if w.URL == "" {
		return fmt.Errorf("url is empty")
	}
	for _, a := range w.Actions {
		if _, ok := schemas.Lookup(a); !ok {
			return fmt.Errorf("unknown action %q", a)
		}
	}
	raw, err := marshal(webhookObjectOf(w, true))
	if err != nil {
		return err
	}
	f, err := objectForm(raw)
	if err != nil {
		return err
	}
	scratch := *w
	readWebhookFields(f, &scratch)
	if err := f.errs.err(); err != nil {
		return stateFieldError(err)
	}
	if w.ProjectID != nil && hasOrgOnly(w.Actions) {
		return fmt.Errorf("a project webhook cannot have an organization-only action")
	}
	if w.ConsecutiveFailures < 0 {
		return fmt.Errorf("consecutive_failures is %d, below zero", w.ConsecutiveFailures)
	}
	if w.Headers == nil {
		w.Headers = []header{}
	}
	if w.Actions == nil {
		w.Actions = []string{}
	}
	return checkStamps(w.CreatedAt, w.UpdatedAt)
}

func checkView(v *view, projects map[int]*project) error {
	if projects[v.ProjectID] == nil {
		return fmt.Errorf("project %d does not exist", v.ProjectID)
	}
	var err error
	if v.Data, err = rawOr(v.Data, "{}", '{'); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := parseDMQuery(v.Data, "data"); err != nil {
		return stateFieldError(err)
	}
	return nil
}

// checkStamps refuses a missing (zero) created_at or updated_at.
func checkStamps(created, updated time.Time) error {
	if created.IsZero() {
		return fmt.Errorf("created_at is missing")
	}
	if updated.IsZero() {
		return fmt.Errorf("updated_at is missing")
	}
	return nil
}

// stateFieldError turns the API's validation error into one line for a
// state file problem: "title: Ensure this field has ...".
func stateFieldError(err error) error {
	ae, ok := asAPIError(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	keys := slices.Sorted(maps.Keys(ae.Fields))
	return fmt.Errorf("%s: %s", keys[0], ae.Fields[keys[0]][0])
}

// rawOr returns raw, or def when raw is absent; raw must start with kind.
// (A raw value in a loaded state is valid JSON: the decoder that read it
// checked it.)
func rawOr(raw json.RawMessage, def string, kind byte) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage(def), nil
	}
	if jsonKind(raw) != kind {
		want := map[byte]string{'{': "a JSON object", '[': "a JSON list"}[kind]
		return nil, fmt.Errorf("want %s, got %.40s", want, raw)
	}
	return raw, nil
}

// firstFailure runs check(i) for every i in [0, n), spread over the CPUs
// in contiguous spans, and returns the smallest i whose check fails with
// its error, or -1 and nil. check must be safe to run concurrently for
// different i.
func firstFailure(n int, check func(i int) error) (int, error) {
	workers := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	bad := make([]int, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		bad[w] = -1
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if err := check(i); err != nil {
					bad[w], errs[w] = i, err
					return
				}
			}
		})
	}
	wg.Wait()
	for w := range workers {
		if bad[w] >= 0 {
			return bad[w], errs[w]
		}
	}
	return -1, nil
}

// countItems is the number of items of a valid JSON list.
func countItems(raw []byte) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' {
		return 0
	}
	n := 0
	for i := 1; i < len(raw); {
		switch raw[i] {
		case ' ', '\t', '\n', '\r', ',':
			i++
			continue
		case ']':
			return n
		}
		end, err := scanValue(raw, i, true)
		if err != nil || end < 0 {
			return 0
		}
		n++
		i = end
	}
	return n
}
