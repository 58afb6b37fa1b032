package server

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMaximumAnnotationsChangeRelabelsTasks(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Overlap")
	tid := e.importTasks(pid, 1)[0]
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"maximum_annotations": 2}, 200)
	task := e.must("GET", "/api/tasks/"+itoa(tid), nil, 200)
	if task["is_labeled"] != false || task["completed_at"] != nil || task["overlap"].(float64) != 2 {
		t.Errorf("after raising maximum_annotations: is_labeled %v completed_at %v overlap %v", task["is_labeled"], task["completed_at"], task["overlap"])
	}
	p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200)
	if p["finished_task_number"].(float64) != 0 {
		t.Errorf("finished_task_number %v, want 0", p["finished_task_number"])
	}
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"maximum_annotations": 1}, 200)
	if task := e.must("GET", "/api/tasks/"+itoa(tid), nil, 200); task["is_labeled"] != true || task["completed_at"] == nil {
		t.Errorf("after lowering it again: is_labeled %v completed_at %v", task["is_labeled"], task["completed_at"])
	}
	if newTask := e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201); newTask["overlap"].(float64) != 1 {
		t.Errorf("new task overlap %v, want the project's maximum_annotations", newTask["overlap"])
	}
}

func TestPredictionsToAnnotationsOnePerPrediction(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	for _, v := range []string{"v1", "v2", "v3"} {
		e.must("POST", "/api/predictions", map[string]any{"task": tid, "result": []any{}, "model_version": v}, 201)
	}
	h.take()
	out := e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{}}, "model_version": []string{"v1", "v2"}}, 200)
	if out["detail"] != "Created 2 annotations" {
		t.Errorf("answer %v", out)
	}
	got := h.take()
	if len(got) != 1 {
		t.Fatalf("events %v", actions(got))
	}
	anns := got[0].JSON(t)["annotation"].([]any)
	if len(anns) != 2 || anns[0].(map[string]any)["last_action"] != nil { // 1.23.2: null
		t.Errorf("annotations %v", anns)
	}
	out = e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	if out["detail"] != "Created 1 annotations" {
		t.Errorf("second run converts only the v3 prediction left: %v", out)
	}
	if status, _ := e.call("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}, "model_version": 3}); status != 400 {
		t.Errorf("model_version 3: status %d, want 400", status)
	}
}

func TestResetFencesQueuedDeliveries(t *testing.T) {
	slow := newHookReceiver(t)
	release := make(chan struct{})
	slow.setRespond(func(int) (int, time.Duration) { <-release; return 500, 0 })
	fresh := newHookReceiver(t)
	e := newAPI(t, Config{AsyncDelivery: true, MaxConsecutiveFailures: 50})
	pid := e.project("Before reset")
	e.hookOn(pid, slow.URL, nil)
	for range 4 {
		e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"description": "x"}, 200)
	}
	slow.waitFor(t, 1, 10*time.Second) // the worker is inside the first delivery
	e.must("POST", "/_labelhook/reset", nil, 200)
	pid = e.project("After reset")
	hid := e.hookOn(pid, fresh.URL, nil)
	close(release)
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"description": "y"}, 200)
	fresh.waitFor(t, 1, 10*time.Second)
	if n := len(slow.all()); n != 1 {
		t.Errorf("the old webhook's queued deliveries went out after the reset: %d", n)
	}
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["consecutive_failures"].(float64) != 0 {
		t.Errorf("the new webhook inherited failures: %v", w["consecutive_failures"])
	}
}

func TestDeepLabelConfigIsRejected(t *testing.T) {
	e := newAPI(t, Config{})
	cfg := "<View>" + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + "</View>"
	status, body := e.call("POST", "/api/projects", map[string]any{"label_config": cfg})
	if status != 400 || !strings.Contains(string(body), "deeper than") {
		t.Errorf("status %d: %s", status, body)
	}
}

func TestSmallAPIEdges(t *testing.T) {
	e := newAPI(t, Config{})
	a, b, c := e.project("First"), e.project("Second"), e.project("Third")
	out := e.must("GET", "/api/projects?ids="+itoa(a)+"&ids="+itoa(c), nil, 200)
	if diff := cmp.Diff([]int{a, c}, ids(t, out["results"])); diff != "" {
		t.Errorf("repeated ids (-want +got):\n%s", diff)
	}
	if status, body := e.call("HEAD", "/api/projects/"+itoa(b), nil); status != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d %q", status, body)
	}
	if status, _ := e.call("GET", "/api/projects//", nil); status != 404 {
		t.Errorf("double slash: %d, want 404", status)
	}
	e.importTasks(a, 3)
	if status, body := e.call("GET", "/api/projects/"+itoa(a)+"/tasks?page=1000000000000000001&page_size=10", nil); status != 404 {
		t.Errorf("huge page: %d %s, want 404", status, body)
	}
	status, body := e.call("POST", "/api/projects/"+itoa(a)+"/import", []any{})
	if status != 400 || !strings.Contains(string(body), "No tasks added") {
		t.Errorf("empty import: %d %s", status, body)
	}
}

// TestStrayCloserAfterTheBodyIsRefused: a body with a stray ] or } after
// its JSON value is a 400 that imports nothing (parseJSON let "[...]}" in,
// since json.Decoder.More says false before a closer).
func TestStrayCloserAfterTheBodyIsRefused(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Stray")
	for _, tc := range []struct{ name, body string }{
		{"list then }", `[{"text": "a"}]}`},
		{"list then ]", `[{"text": "a"}]]`},
		{"object then }", `{"text": "a"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", "/api/projects/"+itoa(pid)+"/import", tc.body)
			if status != 400 || !strings.Contains(string(body), "extra data after the JSON value") {
				t.Errorf("import of %s: %d %s, want 400 extra data", tc.body, status, body)
			}
		})
	}
	if p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200); p["task_number"].(float64) != 0 {
		t.Errorf("task_number %v after refused imports, want 0", p["task_number"])
	}
}
