package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/schemas"
)

// TestEmittedPayloadsMatchSchemas drives every trigger the mock has and
// checks each delivered body against the JSON Schemas in schemas/.
func TestEmittedPayloadsMatchSchemas(t *testing.T) {
	full, bare := newHookReceiver(t), newHookReceiver(t)
	e := newAPI(t, Config{OrganizationWebhooks: true, BatchSize: 3})
	e.hookOn(0, full.URL, nil)
	e.hookOn(0, bare.URL, map[string]any{"send_payload": false})

	pid := e.project("Contract")
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"title": "Contract v2", "task_data_password": "secret"}, 200)
	e.must("PUT", "/api/projects/"+itoa(pid), map[string]any{"pinned_at": "2026-01-02T03:04:05Z"}, 200)
	tids := e.importTasks(pid, 7)
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", []any{map[string]any{"data": map[string]any{"text": "ü <b>"}, "meta": nil,
		"annotations": []any{map[string]any{"result": []any{}}}}}, 201)
	e.mustList("POST", "/api/projects/"+itoa(pid)+"/tasks", []any{map[string]any{"data": map[string]any{"text": "a"}}, map[string]any{"data": map[string]any{"text": "b"}}}, 201)
	e.must("POST", "/api/projects/"+itoa(pid)+"/tasks", map[string]any{"data": map[string]any{"text": "c"}}, 201)
	res := []any{map[string]any{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Positive"}}}}
	a := e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations/", map[string]any{"result": res, "lead_time": 3.25, "draft_created_at": "2026-01-01T00:00:00Z"}, 201)
	e.must("POST", "/api/tasks/"+itoa(tids[1])+"/annotations/?was_cancelled=1", nil, 201)
	e.must("PATCH", "/api/annotations/"+itoa(int(a["id"].(float64))), map[string]any{"ground_truth": true, "lead_time": nil}, 200)
	for _, tid := range tids[2:6] {
		e.must("POST", "/api/predictions", map[string]any{"task": tid, "result": res, "score": 0.5}, 201)
	}
	e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	e.must("DELETE", "/api/annotations/"+itoa(int(a["id"].(float64))), nil, 204)
	e.must("POST", "/api/dm/actions?id=delete_tasks_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	e.must("DELETE", "/api/tasks/"+itoa(tids[0]), nil, 204)
	e.must("POST", "/api/dm/actions?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": false, "included": tids[1:3]}}, 200)
	e.must("DELETE", "/api/projects/"+itoa(pid)+"/tasks", nil, 204)
	e.must("DELETE", "/api/projects/"+itoa(pid), nil, 204)

	seen := map[string]bool{}
	for _, h := range []*hookReceiver{full, bare} {
		for _, r := range h.all() {
			action, problems := schemas.Validate(r.Body)
			seen[string(action)] = true
			for _, p := range problems {
				t.Errorf("%s body breaks the contract: %s\n%s", action, p, r.Body)
			}
		}
	}
	for _, a := range schemas.Catalog {
		if strings.HasPrefix(string(a.Action), "LABEL_LINK") {
			continue
		}
		if !seen[string(a.Action)] {
			t.Errorf("no %s was emitted; the test no longer covers it", a.Action)
		}
	}
}

// TestGoldenFilesMatchSchemas keeps testdata/golden and schemas/ in step.
func TestGoldenFilesMatchSchemas(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, problems := schemas.Validate(body); len(problems) > 0 {
			t.Errorf("%s: %v", f, problems)
		}
	}
}
