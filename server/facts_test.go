package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/schemas"
)

// The tests in this file pin the numbered facts of
// docs/label-studio-behaviour.md#facts; each name carries the fact's
// number (TestFact03_… pins #fact-3).

func ids(t *testing.T, list any) []int {
	t.Helper()
	var out []int
	for _, it := range list.([]any) {
		out = append(out, int(it.(map[string]any)["id"].(float64)))
	}
	return out
}

func TestFact01_EveryDeliveryIsPOSTWithKnownAction(t *testing.T) {
	ts := newHookReceiver(t)
	e := newAPI(t, Config{OrganizationWebhooks: true})
	pid, _ := hookedProject(t, e, ts)
	e.hookOn(0, ts.URL, nil)
	tids := e.importTasks(pid, 2)
	a := e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("PATCH", "/api/annotations/"+itoa(int(a["id"].(float64)))+"/", map[string]any{"lead_time": 1.5}, 200)
	e.must("PATCH", "/api/projects/"+itoa(pid)+"/", map[string]any{"title": "Renamed"}, 200)
	e.call("DELETE", "/api/tasks/"+itoa(tids[1])+"/", nil)
	e.call("DELETE", "/api/projects/"+itoa(pid)+"/", nil)
	got := ts.all()
	if len(got) == 0 {
		t.Fatal("no deliveries")
	}
	for _, r := range got {
		if r.Method != http.MethodPost {
			t.Errorf("%s delivered with %s, want POST", r.Action(), r.Method)
		}
		if _, ok := schemas.Lookup(r.Action()); !ok {
			t.Errorf("delivery with action %q, not one of the 12", r.Action())
		}
	}
}

func TestFact02_ImportOfThreeSendsOneTasksCreated(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	e.importTasks(pid, 3)
	got := h.takeActions(t, "TASKS_CREATED")
	body := got[0].JSON(t)
	if n := len(body["tasks"].([]any)); n != 3 {
		t.Errorf("tasks has %d items, want 3", n)
	}
	proj, ok := body["project"].(map[string]any)
	if !ok || int(proj["id"].(float64)) != pid {
		t.Errorf("project = %v, want the full project %d", body["project"], pid)
	}
	if n := proj["task_number"].(float64); n != 3 {
		t.Errorf("project.task_number = %v, want 3 (counters after the import)", n)
	}
}

func TestFact03_ImportOf12000SendsChunks5000_5000_2000(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	e.importTasks(pid, 12000)
	got := h.take()
	var sizes []int
	for _, r := range got {
		if r.Action() != "TASKS_CREATED" {
			t.Fatalf("unexpected action %s", r.Action())
		}
		b := r.JSON(t)
		sizes = append(sizes, len(b["tasks"].([]any)))
		p := b["project"].(map[string]any)
		if p["task_number"].(float64) != 12000 || p["label_config"] == nil {
			t.Errorf("chunk's project is not the full project after import: task_number=%v", p["task_number"])
		}
	}
	if diff := cmp.Diff([]int{5000, 5000, 2000}, sizes); diff != "" {
		t.Fatalf("chunk sizes (-want +got):\n%s", diff)
	}
}

func TestFact03_BatchSizeIsConfigurable(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{BatchSize: 2})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 5)
	var sizes []int
	for _, r := range h.take() {
		sizes = append(sizes, len(r.JSON(t)["tasks"].([]any)))
	}
	if diff := cmp.Diff([]int{2, 2, 1}, sizes); diff != "" {
		t.Fatalf("chunk sizes (-want +got):\n%s", diff)
	}
}

func TestFact04_ImportWithoutCommitSendsNothing(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import?commit_to_project=false", []any{map[string]any{"text": "a"}}, 201)
	if got := h.all(); len(got) != 0 {
		t.Fatalf("got %d deliveries, want none", len(got))
	}
	if out["annotation_count"] != nil || out["prediction_count"] != nil {
		t.Errorf("counts = %v/%v, want null/null", out["annotation_count"], out["prediction_count"])
	}
	p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200)
	if p["task_number"].(float64) != 0 {
		t.Errorf("task_number = %v, want 0", p["task_number"])
	}
}

func TestFact05_SingleTaskCreateSendsTasksCreatedWithOneTask(t *testing.T) {
	for _, path := range []string{"/api/tasks/", "/api/tasks", "/api/projects/{P}/tasks/"} {
		t.Run(path, func(t *testing.T) {
			e, h, pid := newHookedAPI(t)
			task := e.must("POST", strings.ReplaceAll(path, "{P}", itoa(pid)), map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
			got := h.takeActions(t, "TASKS_CREATED")
			tasks := got[0].JSON(t)["tasks"].([]any)
			if len(tasks) != 1 || tasks[0].(map[string]any)["id"] != task["id"] {
				t.Errorf("tasks = %v, want exactly the new task %v", tasks, task["id"])
			}
		})
	}
}

func TestFact06_TaskDeleteSendsTasksDeletedWithID(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 2)[0]
	h.take()
	e.must("DELETE", "/api/tasks/"+itoa(tid)+"/", nil, 204)
	got := h.takeActions(t, "TASKS_DELETED")
	b := got[0].JSON(t)
	if diff := cmp.Diff([]any{map[string]any{"id": float64(tid)}}, b["tasks"]); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if p, ok := b["project"].(map[string]any); !ok || p["task_number"].(float64) != 1 {
		t.Errorf("project = %v, want the full project with task_number 1", b["project"])
	}
}

func TestFact07_DeleteTasksActionAllSendsOneEvent(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tids := e.importTasks(pid, 7)
	h.take()
	out := e.must("POST", "/api/dm/actions?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{}}, "project": pid}, 200)
	if out["processed_items"].(float64) != 7 || out["reload"] != true {
		t.Errorf("answer = %v, want processed_items 7 and reload true", out)
	}
	got := h.takeActions(t, "TASKS_DELETED")
	if diff := cmp.Diff(tids, ids(t, got[0].JSON(t)["tasks"])); diff != "" {
		t.Errorf("deleted ids (-want +got):\n%s", diff)
	}
}

func TestFact07_DeleteTasksActionIncludedAndExcluded(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tids := e.importTasks(pid, 5)
	h.take()
	e.must("POST", "/api/dm/actions?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": false, "included": []int{tids[1], tids[3]}}}, 200)
	e.must("POST", "/api/dm/actions/?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{tids[0]}}}, 200)
	got := h.take()
	if len(got) != 2 {
		t.Fatalf("got %d events, want 2", len(got))
	}
	if diff := cmp.Diff([]int{tids[1], tids[3]}, ids(t, got[0].JSON(t)["tasks"])); diff != "" {
		t.Errorf("included delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{tids[2], tids[4]}, ids(t, got[1].JSON(t)["tasks"])); diff != "" {
		t.Errorf("all-but-excluded delete (-want +got):\n%s", diff)
	}
}

func TestFact08_DeleteAllTasksReachesOnlyOrgWebhooksWithoutProject(t *testing.T) {
	e, projHook, orgHook, pid := newOrgHookedAPI(t)
	tids := e.importTasks(pid, 3)
	projHook.take()
	orgHook.take()
	e.must("DELETE", "/api/projects/"+itoa(pid)+"/tasks/", nil, 204)
	projHook.takeNone(t, "project-level webhook")
	got := orgHook.takeActions(t, "TASKS_DELETED")
	b := got[0].JSON(t)
	if _, has := b["project"]; has {
		t.Errorf("body has a project key: %s", got[0].Body)
	}
	if diff := cmp.Diff(tids, ids(t, b["tasks"])); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestFact09_DeletePayloadsCarryOnlyIDs(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tids := e.importTasks(pid, 3)
	a := e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("POST", "/api/tasks/"+itoa(tids[1])+"/annotations/", map[string]any{"result": []any{}}, 201)
	h.take()
	e.must("DELETE", "/api/annotations/"+itoa(int(a["id"].(float64))), nil, 204)
	e.must("POST", "/api/dm/actions?id=delete_tasks_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	e.must("DELETE", "/api/tasks/"+itoa(tids[2]), nil, 204)
	e.must("POST", "/api/dm/actions?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	got := h.takeActions(t, "ANNOTATIONS_DELETED", "ANNOTATIONS_DELETED", "TASKS_DELETED", "TASKS_DELETED")
	for _, r := range got {
		b := r.JSON(t)
		key := "tasks"
		if strings.HasPrefix(r.Action(), "ANNOTATIONS") {
			key = "annotations"
		}
		for _, it := range b[key].([]any) {
			if m := it.(map[string]any); len(m) != 1 || m["id"] == nil {
				t.Errorf("%s item %v has more than an id", r.Action(), m)
			}
		}
	}
}

func TestFact10_AnnotationCreateSendsAnnotationCreated(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	h.take()
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{
		map[string]any{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Positive"}}}}}, 201)
	got := h.takeActions(t, "ANNOTATION_CREATED")
	b := got[0].JSON(t)
	keys := topKeys(t, got[0].Body)
	if diff := cmp.Diff([]string{"action", "annotation", "project", "task"}, keys); diff != "" {
		t.Errorf("body keys in order (-want +got):\n%s", diff)
	}
	if b["annotation"].(map[string]any)["task"].(float64) != float64(tid) || b["task"].(map[string]any)["id"].(float64) != float64(tid) {
		t.Errorf("annotation.task / task.id do not name task %d: %s", tid, got[0].Body)
	}
	task := b["task"].(map[string]any)
	if task["is_labeled"] != true || task["total_annotations"].(float64) != 1 {
		t.Errorf("task counters not updated before emission: %v", task)
	}
	if _, has := task["annotations"]; has {
		t.Errorf("payload task carries annotations")
	}
}

// topKeys returns a JSON object's keys in order.
func topKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestFact11_SkipSendsAnnotationCreatedCancelled(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		body        map[string]any
	}{
		{"query", "?was_cancelled=1", map[string]any{"result": []any{}}},
		{"body", "", map[string]any{"result": []any{}, "was_cancelled": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, h, pid := newHookedAPI(t)
			tid := e.importTasks(pid, 1)[0]
			h.take()
			e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/"+tc.query, tc.body, 201)
			got := h.takeActions(t, "ANNOTATION_CREATED")
			b := got[0].JSON(t)
			if b["annotation"].(map[string]any)["was_cancelled"] != true {
				t.Errorf("was_cancelled = %v, want true", b["annotation"].(map[string]any)["was_cancelled"])
			}
			if p := b["project"].(map[string]any); p["skipped_annotations_number"].(float64) != 1 || p["total_annotations_number"].(float64) != 0 {
				t.Errorf("project counters = skipped %v total %v, want 1 and 0", p["skipped_annotations_number"], p["total_annotations_number"])
			}
		})
	}
}

func TestFact12_PutThenPatchSendTwoAnnotationUpdated(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	a := e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	h.take()
	aid := itoa(int(a["id"].(float64)))
	e.must("PUT", "/api/annotations/"+aid+"/", map[string]any{"result": []any{}, "lead_time": 3}, 200)
	e.must("PATCH", "/api/annotations/"+aid+"/", map[string]any{"ground_truth": true}, 200)
	got := h.takeActions(t, "ANNOTATION_UPDATED", "ANNOTATION_UPDATED")
	for _, r := range got {
		if diff := cmp.Diff([]string{"action", "annotation", "project", "task"}, topKeys(t, r.Body)); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
	}
	if got[1].JSON(t)["annotation"].(map[string]any)["ground_truth"] != true {
		t.Errorf("second update does not show ground_truth true")
	}
}

func TestFact13_AnnotationDeleteSendsAnnotationsDeleted(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	a := e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	h.take()
	aid := int(a["id"].(float64))
	e.must("DELETE", "/api/annotations/"+itoa(aid)+"/", nil, 204)
	got := h.takeActions(t, "ANNOTATIONS_DELETED")
	b := got[0].JSON(t)
	if diff := cmp.Diff([]any{map[string]any{"id": float64(aid)}}, b["annotations"]); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	task := e.must("GET", "/api/tasks/"+itoa(tid), nil, 200)
	if task["is_labeled"] != false || task["completed_at"] != nil || task["total_annotations"].(float64) != 0 {
		t.Errorf("task not unlabeled after its only annotation was deleted: %v", task)
	}
}

func TestFact14_DeleteTasksAnnotationsSendsOneEventWithAllIDs(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tids := e.importTasks(pid, 3)
	var want []int
	for _, tid := range tids {
		for range 2 {
			a := e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
			want = append(want, int(a["id"].(float64)))
		}
	}
	h.take()
	out := e.must("POST", "/api/dm/actions?id=delete_tasks_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{}}}, 200)
	if out["processed_items"].(float64) != 6 {
		t.Errorf("processed_items = %v, want 6", out["processed_items"])
	}
	got := h.takeActions(t, "ANNOTATIONS_DELETED")
	gotIDs := ids(t, got[0].JSON(t)["annotations"])
	slices.Sort(gotIDs)
	if diff := cmp.Diff(want, gotIDs); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestFact15_PredictionsToAnnotationsSendsAnnotationsCreatedList(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tids := e.importTasks(pid, 3)
	res := []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Negative"}}}}
	for _, tid := range tids[:2] {
		e.must("POST", "/api/predictions/", map[string]any{"task": tid, "result": res, "score": 0.5, "model_version": "v1"}, 201)
	}
	if got := h.take(); len(got) != 1 { // only the import's TASKS_CREATED
		t.Fatalf("predictions sent events: %v", actions(got))
	}
	e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{}}, "model_version": "v1"}, 200)
	got := h.takeActions(t, "ANNOTATIONS_CREATED")
	b := got[0].JSON(t)
	if diff := cmp.Diff([]string{"action", "annotation", "project", "task"}, topKeys(t, got[0].Body)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	anns, ok := b["annotation"].([]any)
	tasks, ok2 := b["task"].([]any)
	if !ok || !ok2 || len(anns) != 2 || len(tasks) != 2 {
		t.Fatalf("annotation/task are not parallel lists of 2: %s", got[0].Body)
	}
	for i := range anns {
		if anns[i].(map[string]any)["task"] != tasks[i].(map[string]any)["id"] {
			t.Errorf("annotation %d is for task %v but task[%d] is %v", i, anns[i].(map[string]any)["task"], i, tasks[i].(map[string]any)["id"])
		}
	}
	// Running it again converts nothing: each prediction already has its annotation.
	e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	h.takeNone(t, "second conversion (empty collection)")
}

func TestFact16_ProjectCreatedReachesOnlyOrgWebhooks(t *testing.T) {
	projHook, orgHook := newHookReceiver(t), newHookReceiver(t)
	e := newAPI(t, Config{OrganizationWebhooks: true})
	first := e.project("First project")
	e.hookOn(first, projHook.URL, nil)
	e.hookOn(0, orgHook.URL, nil)
	second := e.project("Second project")
	projHook.takeNone(t, "project-level webhook")
	got := orgHook.takeActions(t, "PROJECT_CREATED")
	p := got[0].JSON(t)["project"].(map[string]any)
	if int(p["id"].(float64)) != second || p["title"] != "Second project" || p["created_by"].(float64) != 1 {
		t.Errorf("project = %v, want the full new project %d with created_by as an int", p, second)
	}
}

func TestFact17_ProjectPatchSendsProjectUpdatedWithNewTitle(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	e.must("PATCH", "/api/projects/"+itoa(pid)+"/", map[string]any{"title": "New title"}, 200)
	got := h.takeActions(t, "PROJECT_UPDATED")
	if diff := cmp.Diff([]string{"action", "project"}, topKeys(t, got[0].Body)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if title := got[0].JSON(t)["project"].(map[string]any)["title"]; title != "New title" {
		t.Errorf("project.title = %v", title)
	}
}

func TestFact18_ProjectDeleteSendsIDOnlyProjectDeletedAndNoCascade(t *testing.T) {
	e, projHook, orgHook, pid := newOrgHookedAPI(t)
	tid := e.importTasks(pid, 2)[0]
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	projHook.take()
	orgHook.take()
	e.must("DELETE", "/api/projects/"+itoa(pid)+"/", nil, 204)
	projHook.takeNone(t, "project-level webhook")
	got := orgHook.takeActions(t, "PROJECT_DELETED")
	if diff := cmp.Diff(map[string]any{"action": "PROJECT_DELETED", "project": map[string]any{"id": float64(pid)}}, got[0].JSON(t)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestFact19_SendPayloadFalseSendsOnlyAction(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Payloadless")
	e.hookOn(pid, h.URL, map[string]any{"send_payload": false})
	tid := e.importTasks(pid, 2)[0]
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("DELETE", "/api/tasks/"+itoa(tid), nil, 204)
	got := h.takeActions(t, "TASKS_CREATED", "ANNOTATION_CREATED", "TASKS_DELETED")
	for _, r := range got {
		if diff := cmp.Diff(map[string]any{"action": r.Action()}, r.JSON(t)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	}
}

func TestFact20_ActionFilterDeliversOnlyChosenActions(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Filtered")
	e.hookOn(pid, h.URL, map[string]any{"send_for_all_actions": false, "actions": []string{"ANNOTATION_CREATED"}})
	tid := e.importTasks(pid, 1)[0]
	a := e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("PATCH", "/api/annotations/"+itoa(int(a["id"].(float64))), map[string]any{"result": []any{}}, 200)
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/?was_cancelled=true", map[string]any{}, 201)
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"title": "Other title"}, 200)
	if diff := cmp.Diff([]string{"ANNOTATION_CREATED", "ANNOTATION_CREATED"}, actions(h.take())); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
}

func TestFact21_InactiveWebhookReceivesNothing(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{OrganizationWebhooks: true})
	pid := e.project("Inactive")
	e.hookOn(pid, h.URL, map[string]any{"is_active": false})
	e.hookOn(0, h.URL, map[string]any{"is_active": false})
	tid := e.importTasks(pid, 1)[0]
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.project("Another")
	if got := h.all(); len(got) != 0 {
		t.Fatalf("inactive webhooks got %v", actions(got))
	}
}

// deliveryWithHeaders is the one request that a project webhook with
// these custom headers sends for a task imported into its project.
func deliveryWithHeaders(t *testing.T, headers map[string]string) received {
	t.Helper()
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Headers")
	e.hookOn(pid, h.URL, map[string]any{"headers": headers})
	e.importTasks(pid, 1)
	got := h.take()
	if len(got) != 1 {
		t.Fatalf("got %d deliveries, want 1", len(got))
	}
	return got[0]
}

func TestFact22_CustomHeadersVerbatimNoSignature(t *testing.T) {
	hd := deliveryWithHeaders(t, map[string]string{"Authorization": "Token abc", "X-Pipeline_Key": "k 1"}).Header
	if hd.Get("Authorization") != "Token abc" || hd.Get("X-Pipeline_Key") != "k 1" {
		t.Errorf("custom headers not sent verbatim: %v", hd)
	}
	if hd.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", hd.Get("Content-Type"))
	}
	for k := range hd {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "signature") || strings.Contains(lk, "secret") || strings.HasPrefix(lk, "webhook-") || strings.Contains(lk, "event-id") {
			t.Errorf("unexpected header %s: %v", k, hd[k])
		}
	}
}

func TestFact23_FailedDeliveryIsNotRetriedAndCallSucceeds(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 500, 0 })
	e := newAPI(t, Config{})
	pid, _ := hookedProject(t, e, h)
	tid := e.importTasks(pid, 1)[0]
	e.must("POST", "/api/tasks/"+itoa(tid)+"/annotations/", map[string]any{"result": []any{}}, 201)
	if diff := cmp.Diff([]string{"TASKS_CREATED", "ANNOTATION_CREATED"}, actions(h.take())); diff != "" {
		t.Fatalf("each event must be attempted exactly once (-want +got):\n%s", diff)
	}
}

func TestFact24_FailuresCountAndSuccessResets(t *testing.T) {
	h := newHookReceiver(t)
	statuses := []int{500, 404, 200, 503}
	h.setRespond(func(n int) (int, time.Duration) { return statuses[(n-1)%len(statuses)], 0 })
	e := newAPI(t, Config{MaxConsecutiveFailures: 50})
	pid, hid := hookedProject(t, e, h)
	want := []float64{1, 2, 0, 1}
	for i := range statuses {
		e.must("POST", "/api/tasks/", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
		w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
		if w["consecutive_failures"].(float64) != want[i] {
			t.Errorf("after answer %d: consecutive_failures = %v, want %v", statuses[i], w["consecutive_failures"], want[i])
		}
	}
}

func TestFact24_TransportErrorCountsAsFailure(t *testing.T) {
	e := newAPI(t, Config{MaxConsecutiveFailures: 50})
	pid := e.project("Unreachable")
	// Nothing listens on port 1: connection refused.
	hid := e.hookOn(pid, "http://127.0.0.1:1/hook", nil)
	e.importTasks(pid, 1)
	w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
	if w["consecutive_failures"].(float64) != 1 {
		t.Errorf("consecutive_failures = %v, want 1", w["consecutive_failures"])
	}
}

func TestFact25_AutoDisableAfterThreshold(t *testing.T) {
	for _, tc := range []struct {
		name      string
		threshold int
		events    int
		wantCount float64
		wantOn    bool
		wantCalls int
	}{
		{"threshold 3 reached", 3, 5, 3, false, 3},
		{"below threshold", 3, 2, 2, true, 2},
		{"off by default (Label Studio 1.23.2 counts nothing)", 0, 60, -1, true, 60},
		{"switched off", -1, 60, -1, true, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookReceiver(t)
			h.setRespond(func(int) (int, time.Duration) { return 500, 0 })
			e := newAPI(t, Config{MaxConsecutiveFailures: tc.threshold})
			pid, hid := hookedProject(t, e, h)
			for range tc.events {
				e.must("POST", "/api/tasks/", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
			}
			w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
			count, shown := w["consecutive_failures"].(float64)
			if !shown {
				count = -1 // not counted: the key is not there
			}
			if count != tc.wantCount || w["is_active"] != tc.wantOn {
				t.Errorf("consecutive_failures=%v is_active=%v, want %v %v", w["consecutive_failures"], w["is_active"], tc.wantCount, tc.wantOn)
			}
			if n := len(h.all()); n != tc.wantCalls {
				t.Errorf("receiver got %d calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestFact26_ReactivationAndURLChangeResetCounter(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 500, 0 })
	e := newAPI(t, Config{MaxConsecutiveFailures: 2})
	pid, hid := hookedProject(t, e, h)
	for range 2 {
		e.importTasks(pid, 1)
	}
	w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
	if w["is_active"] != false || w["consecutive_failures"].(float64) != 2 {
		t.Fatalf("not auto-disabled: %v", w)
	}
	w = e.must("PATCH", "/api/webhooks/"+itoa(hid)+"/", map[string]any{"is_active": true}, 200)
	if w["is_active"] != true || w["consecutive_failures"].(float64) != 0 {
		t.Errorf("re-activation: %v, want active with 0 failures", w)
	}
	e.importTasks(pid, 1)
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["consecutive_failures"].(float64) != 1 {
		t.Fatalf("consecutive_failures = %v, want 1", w["consecutive_failures"])
	}
	w = e.must("PATCH", "/api/webhooks/"+itoa(hid)+"/", map[string]any{"url": h.URL + "/v2"}, 200)
	if w["consecutive_failures"].(float64) != 0 {
		t.Errorf("url change: consecutive_failures = %v, want 0", w["consecutive_failures"])
	}
}

func TestFact27_SyncCallReturnsAfterDelivery(t *testing.T) {
	h := newHookReceiver(t)
	const delay = 300 * time.Millisecond
	h.setRespond(func(int) (int, time.Duration) { return 200, delay })
	e := newAPI(t, Config{})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	returned := time.Now()
	got := h.all()
	if len(got) != 1 {
		t.Fatalf("delivery had not arrived when the call returned: %d", len(got))
	}
	// The answer left the receiver delay after the request arrived; the
	// API call can only have returned after that.
	if returned.Sub(got[0].At) < delay {
		t.Errorf("API call returned %s after the delivery arrived, before the receiver answered (%s)", returned.Sub(got[0].At), delay)
	}
}

func TestFact27_AsyncCallReturnsBeforeDelivery(t *testing.T) {
	h := newHookReceiver(t)
	release := make(chan struct{})
	h.setRespond(func(int) (int, time.Duration) { <-release; return 200, 0 })
	e := newAPI(t, Config{AsyncDelivery: true})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 1) // returns while the receiver is still blocked
	close(release)
	got := h.waitFor(t, 1, 10*time.Second)
	if got[0].Action() != "TASKS_CREATED" {
		t.Errorf("action %s", got[0].Action())
	}
}

func TestFact37_FailedRequestSendsNothing(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	h.take()
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/tasks/" + itoa(tid) + "/annotations/", map[string]any{"result": "not a list"}},
		{"POST", "/api/tasks/" + itoa(tid) + "/annotations/", "{broken json"},
		{"POST", "/api/tasks/999999/annotations/", map[string]any{"result": []any{}}},
		{"POST", "/api/projects/" + itoa(pid) + "/import", []any{map[string]any{"wrong": "key"}}},
		{"POST", "/api/projects/" + itoa(pid) + "/import", []any{map[string]any{"text": "ok"}, 7}},
		{"POST", "/api/tasks/", map[string]any{"data": map[string]any{"text": "no project"}}},
		{"PATCH", "/api/projects/" + itoa(pid), map[string]any{"title": "ab"}},
		{"PATCH", "/api/projects/" + itoa(pid), map[string]any{"label_config": "<View><Text"}},
		{"DELETE", "/api/tasks/999999", nil},
		{"DELETE", "/api/annotations/999999", nil},
		{"POST", "/api/dm/actions?id=delete_tasks&project=" + itoa(pid), map[string]any{"selectedItems": "all"}},
	} {
		status, body := e.call(c.method, c.path, c.body)
		if status < 400 || status >= 500 {
			t.Errorf("%s %s: status %d, want 4xx: %s", c.method, c.path, status, body)
		}
	}
	if got := h.all(); len(got) != 0 {
		t.Errorf("failed requests sent %v", actions(got))
	}
	p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200)
	if p["task_number"].(float64) != 1 || p["title"] != "Facts project" {
		t.Errorf("failed requests changed state: %v", p)
	}
}

func TestFact39_OrgWebhookSeesEveryProjectProjectWebhookOnlyItsOwn(t *testing.T) {
	projHook, orgHook := newHookReceiver(t), newHookReceiver(t)
	e := newAPI(t, Config{OrganizationWebhooks: true})
	p := e.project("Project P")
	q := e.project("Project Q")
	e.hookOn(p, projHook.URL, nil)
	e.hookOn(0, orgHook.URL, nil)
	e.importTasks(p, 1)
	e.importTasks(q, 1)
	var gotProjects []float64
	for _, r := range orgHook.take() {
		gotProjects = append(gotProjects, r.JSON(t)["project"].(map[string]any)["id"].(float64))
	}
	if diff := cmp.Diff([]float64{float64(p), float64(q)}, gotProjects); diff != "" {
		t.Errorf("org-level webhook projects (-want +got):\n%s", diff)
	}
	got := projHook.take()
	if len(got) != 1 || got[0].JSON(t)["project"].(map[string]any)["id"].(float64) != float64(p) {
		t.Errorf("project-level webhook got %d events, want only P's", len(got))
	}
}

func TestFact41_CustomContentTypeAndUserAgentReplaceDefaults(t *testing.T) {
	hd := deliveryWithHeaders(t, map[string]string{"content-type": "application/vnd.test+json", "User-Agent": "pipeline-test"}).Header
	if ct := hd.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/vnd.test+json" {
		t.Errorf("Content-Type = %v", ct)
	}
	if ua := hd.Values("User-Agent"); len(ua) != 1 || ua[0] != "pipeline-test" {
		t.Errorf("User-Agent = %v", ua)
	}
}

func TestFact42_DeliveriesAreSerial(t *testing.T) {
	a, b := newHookReceiver(t), newHookReceiver(t)
	const d = 200 * time.Millisecond
	a.setRespond(func(int) (int, time.Duration) { return 200, d })
	b.setRespond(func(int) (int, time.Duration) { return 200, d })
	e := newAPI(t, Config{})
	pid := e.project("Serial")
	e.hookOn(pid, a.URL, nil)
	e.hookOn(pid, b.URL, nil)
	e.importTasks(pid, 1)
	ga, gb := a.all(), b.all()
	if len(ga) != 1 || len(gb) != 1 {
		t.Fatalf("deliveries %d/%d, want 1/1", len(ga), len(gb))
	}
	// The second webhook (higher id) is only called once the first answered.
	if gap := gb[0].At.Sub(ga[0].At); gap < d {
		t.Errorf("second delivery started %s after the first, want at least %s (serial)", gap, d)
	}
}

func TestFact43_TimeoutCountsOneFailureNoRetry(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 200, time.Hour })
	e := newAPI(t, Config{MaxConsecutiveFailures: 50, WebhookTimeout: 150 * time.Millisecond})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	if n := len(h.all()); n != 1 {
		t.Errorf("receiver got %d requests, want 1 (no retry)", n)
	}
	w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
	if w["consecutive_failures"].(float64) != 1 {
		t.Errorf("consecutive_failures = %v, want 1", w["consecutive_failures"])
	}
}

func TestFact44_TaskPatchAndPredictionsSendNothing(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	tid := e.importTasks(pid, 1)[0]
	h.take()
	e.must("PATCH", "/api/tasks/"+itoa(tid)+"/", map[string]any{"meta": map[string]any{"x": 1}}, 200)
	pr := e.must("POST", "/api/predictions/", map[string]any{"task": tid, "result": []any{}, "score": 0.1}, 201)
	e.must("PATCH", "/api/predictions/"+itoa(int(pr["id"].(float64))), map[string]any{"score": 0.2}, 200)
	e.must("DELETE", "/api/predictions/"+itoa(int(pr["id"].(float64))), nil, 204)
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import/predictions", []any{map[string]any{"task": tid, "result": []any{}, "score": 0.1}}, 201)
	if out["created"].(float64) != 1 {
		t.Errorf("created = %v", out["created"])
	}
	if got := h.all(); len(got) != 0 {
		t.Errorf("got %v, want nothing", actions(got))
	}
}

func TestFact45_DeletedWebhooksReceiveNothing(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid, hid := hookedProject(t, e, h)
	e.must("DELETE", "/api/webhooks/"+itoa(hid)+"/", nil, 204)
	e.importTasks(pid, 1)
	if got := h.all(); len(got) != 0 {
		t.Errorf("deleted webhook got %v", actions(got))
	}
	hid2 := e.hookOn(pid, h.URL, nil)
	e.must("DELETE", "/api/projects/"+itoa(pid), nil, 204)
	if status, _ := e.call("GET", "/api/webhooks/"+itoa(hid2)+"/", nil); status != http.StatusNotFound {
		t.Errorf("project webhook after project delete: status %d, want 404", status)
	}
}

func TestFact49_EmptyCollectionMakesNoCall(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	e.must("POST", "/api/dm/actions?id=delete_tasks&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": false, "included": []int{}}}, 200)
	e.must("POST", "/api/dm/actions?id=delete_tasks_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", []any{}, 400)
	e.must("DELETE", "/api/projects/"+itoa(pid)+"/tasks", nil, 204)
	if got := h.all(); len(got) != 0 {
		t.Errorf("empty collections sent %v", actions(got))
	}
}

func TestFact50_ResponseBodyIgnoredOnly2xxCounts(t *testing.T) {
	h := newHookReceiver(t)
	statuses := []int{201, 204, 299, 302, 400}
	h.setRespond(func(n int) (int, time.Duration) { return statuses[n-1], 0 })
	e := newAPI(t, Config{MaxConsecutiveFailures: 50})
	pid, hid := hookedProject(t, e, h)
	want := []float64{0, 0, 0, 1, 2}
	for i := range statuses {
		e.importTasks(pid, 1)
		w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200)
		if w["consecutive_failures"].(float64) != want[i] {
			t.Errorf("after %d: consecutive_failures = %v, want %v", statuses[i], w["consecutive_failures"], want[i])
		}
	}
}
