package server

import (
	"encoding/json"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// listIDs returns the task ids of one Data Manager page.
func listIDs(t *testing.T, e *apiEnv, query string) ([]int, map[string]any) {
	t.Helper()
	out := e.must("GET", "/api/tasks?"+query, nil, 200)
	return ids(t, out["tasks"]), out
}

func dmQueryParam(q map[string]any) string {
	b, _ := json.Marshal(q)
	return url.QueryEscape(string(b))
}

func TestImportForms(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Import forms")
	p := "/api/projects/" + itoa(pid) + "/import?return_task_ids=1"
	for _, tc := range []struct {
		name            string
		body            any
		wantTasks       int
		wantAnnotations float64
		wantPredictions float64
	}{
		{"flat list", []any{map[string]any{"text": "a"}, map[string]any{"text": "b"}}, 2, 0, 0},
		{"data list", []any{map[string]any{"data": map[string]any{"text": "a"}, "meta": map[string]any{"src": "x"}}}, 1, 0, 0},
		{"mixed", []any{map[string]any{"text": "a"}, map[string]any{"data": map[string]any{"text": "b"}}}, 2, 0, 0},
		{"single object", map[string]any{"text": "solo"}, 1, 0, 0},
		{"with annotations and predictions", []any{map[string]any{
			"data":        map[string]any{"text": "a"},
			"annotations": []any{map[string]any{"result": []any{}, "ground_truth": true}, map[string]any{"result": []any{}, "was_cancelled": true}},
			"predictions": []any{map[string]any{"result": []any{}, "score": 0.3}},
		}}, 1, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := e.must("POST", p, tc.body, 201)
			if int(out["task_count"].(float64)) != tc.wantTasks || len(out["task_ids"].([]any)) != tc.wantTasks {
				t.Errorf("task_count %v task_ids %v, want %d", out["task_count"], out["task_ids"], tc.wantTasks)
			}
			if out["annotation_count"].(float64) != tc.wantAnnotations || out["prediction_count"].(float64) != tc.wantPredictions {
				t.Errorf("annotation_count %v prediction_count %v, want %v %v", out["annotation_count"], out["prediction_count"], tc.wantAnnotations, tc.wantPredictions)
			}
			if _, has := out["import"]; has {
				t.Error("answer has an import key")
			}
			if _, has := out["predictions_count"]; has {
				t.Error("answer has predictions_count")
			}
		})
	}
	// Counters reflect imported annotations and predictions; the list is
	// newest first, so the last import's task leads.
	last := e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200)
	task := last[0].(map[string]any)
	if task["total_annotations"].(float64) != 1 || task["cancelled_annotations"].(float64) != 1 || task["total_predictions"].(float64) != 1 || task["is_labeled"] != true {
		t.Errorf("imported task counters: %v", task)
	}
	proj := e.must("GET", "/api/projects/"+itoa(pid), nil, 200)
	if proj["task_number"].(float64) != 7 || proj["ground_truth_number"].(float64) != 1 || proj["skipped_annotations_number"].(float64) != 1 {
		t.Errorf("project counters: task_number %v ground_truth %v skipped %v", proj["task_number"], proj["ground_truth_number"], proj["skipped_annotations_number"])
	}
}

func TestImportWithoutReturnTaskIDsHasNoTaskIDs(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("No ids")
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import", []any{map[string]any{"text": "a"}}, 201)
	if _, has := out["task_ids"]; has {
		t.Errorf("task_ids present without return_task_ids: %v", out)
	}
}

func TestImportPreannotatedFromFields(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Preannotated")
	res := []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Positive"}}}}
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import?return_task_ids=1&preannotated_from_fields=guess", []any{map[string]any{"text": "a", "guess": res}}, 201)
	if out["prediction_count"].(float64) != 1 {
		t.Fatalf("prediction_count = %v, want 1", out["prediction_count"])
	}
	tid := int(out["task_ids"].([]any)[0].(float64))
	task := e.must("GET", "/api/tasks/"+itoa(tid), nil, 200)
	if diff := cmp.Diff(map[string]any{"text": "a"}, task["data"]); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	preds := task["predictions"].([]any)
	if len(preds) != 1 || preds[0].(map[string]any)["model_version"] != "undefined" {
		t.Errorf("predictions = %v", preds)
	}
}

func TestImportRejectsBadRowsAtomically(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Atomic")
	for _, body := range []any{
		[]any{map[string]any{"text": "ok"}, map[string]any{"other": "missing text"}},
		[]any{map[string]any{"text": "ok"}, "not an object"},
		[]any{map[string]any{"data": "not an object"}},
		[]any{map[string]any{"data": map[string]any{"text": "a"}, "annotations": "nope"}},
		[]any{map[string]any{"data": map[string]any{"text": "a"}, "annotations": []any{map[string]any{"result": 5}}}},
		"42",
	} {
		status, out := e.call("POST", "/api/projects/"+itoa(pid)+"/import", body)
		if status != 400 {
			t.Errorf("body %v: status %d, want 400: %s", body, status, out)
		}
	}
	if p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200); p["task_number"].(float64) != 0 {
		t.Errorf("a rejected import added tasks: task_number %v", p["task_number"])
	}
}

func TestTaskListPagingEndsWith404(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Paging")
	if got, out := listIDs(t, e, "project="+itoa(pid)+"&page=1"); len(got) != 0 || out["total"].(float64) != 0 {
		t.Errorf("empty project page 1: %v", out)
	}
	if status, _ := e.call("GET", "/api/tasks?project="+itoa(pid)+"&page=2", nil); status != 404 {
		t.Errorf("page 2 of an empty project: %d, want 404", status)
	}
	all := e.importTasks(pid, 250)
	var seen []int
	for page := 1; ; page++ {
		status, body := e.call("GET", "/api/tasks?project="+itoa(pid)+"&page="+itoa(page)+"&page_size=100", nil)
		if status == 404 {
			if page != 4 {
				t.Errorf("404 at page %d, want 4", page)
			}
			break
		}
		var out map[string]any
		_ = json.Unmarshal(body, &out)
		seen = append(seen, ids(t, out["tasks"])...)
		if page > 10 {
			t.Fatal("paging never ended")
		}
	}
	if diff := cmp.Diff(all, seen); diff != "" {
		t.Errorf("paged ids (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"0", "-1", "x", "99"} {
		if status, _ := e.call("GET", "/api/tasks?project="+itoa(pid)+"&page="+bad, nil); status != 404 {
			t.Errorf("page=%s: %d, want 404", bad, status)
		}
	}
}

func TestTaskListFilters(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Filters")
	tids := e.importTasks(pid, 4)
	e.must("POST", "/api/tasks/"+itoa(tids[1])+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("POST", "/api/tasks/"+itoa(tids[3])+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("POST", "/api/tasks/"+itoa(tids[2])+"/annotations/?was_cancelled=1", map[string]any{}, 201)
	labeled := map[string]any{"filters": map[string]any{"conjunction": "and", "items": []any{map[string]any{"filter": "filter:tasks:completed_at", "operator": "empty", "value": false, "type": "Datetime"}}}, "ordering": []any{}, "selectedItems": map[string]any{"all": true, "excluded": []any{}}}
	unlabeled := map[string]any{"filters": map[string]any{"conjunction": "and", "items": []any{map[string]any{"filter": "filter:tasks:completed_at", "operator": "empty", "value": true, "type": "Datetime"}}}, "ordering": []any{}, "selectedItems": map[string]any{"all": true, "excluded": []any{}}}
	for _, tc := range []struct {
		name  string
		query string
		want  []int
	}{
		{"labeled", "query=" + dmQueryParam(labeled) + "&include=id", []int{tids[1], tids[3]}},
		{"unlabeled", "query=" + dmQueryParam(unlabeled), []int{tids[0], tids[2]}},
		{"included", "query=" + dmQueryParam(map[string]any{"selectedItems": map[string]any{"all": false, "included": []int{tids[2], tids[0]}}}), []int{tids[0], tids[2]}},
		{"excluded", "query=" + dmQueryParam(map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []int{tids[0]}}}), tids[1:]},
		{"id greater", "query=" + dmQueryParam(map[string]any{"filters": map[string]any{"conjunction": "and", "items": []any{map[string]any{"filter": "filter:tasks:id", "operator": "greater", "value": tids[1], "type": "Number"}}}}), tids[2:]},
		{"or", "query=" + dmQueryParam(map[string]any{"filters": map[string]any{"conjunction": "or", "items": []any{
			map[string]any{"filter": "filter:tasks:id", "operator": "equal", "value": tids[0], "type": "Number"},
			map[string]any{"filter": "filter:tasks:cancelled_annotations", "operator": "greater", "value": 0, "type": "Number"}}}}), []int{tids[0], tids[2]}},
		{"data contains", "query=" + dmQueryParam(map[string]any{"filters": map[string]any{"conjunction": "and", "items": []any{map[string]any{"filter": "filter:tasks:data.text", "operator": "contains", "value": "TASK 3", "type": "String"}}}}), []int{tids[3]}},
		{"ordering desc", "query=" + dmQueryParam(map[string]any{"ordering": []string{"-tasks:id"}}), []int{tids[3], tids[2], tids[1], tids[0]}},
		{"only annotated", "only_annotated=true", []int{tids[1], tids[3]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, out := listIDs(t, e, "project="+itoa(pid)+"&"+tc.query)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if int(out["total"].(float64)) != len(tc.want) {
				t.Errorf("total = %v, want %d", out["total"], len(tc.want))
			}
		})
	}
	_, out := listIDs(t, e, "project="+itoa(pid)+"&include=id")
	for _, task := range out["tasks"].([]any) {
		if len(task.(map[string]any)) != 1 {
			t.Errorf("include=id returned %v", task)
		}
	}
	if out["total_annotations"].(float64) != 2 {
		t.Errorf("total_annotations = %v, want 2 (non-cancelled)", out["total_annotations"])
	}
	for _, bad := range []string{"not json", `{"filters":{"items":[{"filter":"id","operator":"equal","value":1}]}}`, `{"filters":{"items":[{"filter":"filter:tasks:id","operator":"near","value":1}]}}`} {
		if status, _ := e.call("GET", "/api/tasks?project="+itoa(pid)+"&query="+url.QueryEscape(bad), nil); status != 400 {
			t.Errorf("query %s: status %d, want 400", bad, status)
		}
	}
}

func TestTaskShapes(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Shapes")
	simple := e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
	// A created task's answer (TaskSerializer, recorded from 1.23.2), in order.
	wantSimple := []string{"id", "data", "meta", "created_at", "updated_at", "is_labeled", "overlap", "inner_id", "total_annotations", "cancelled_annotations", "total_predictions", "comment_count", "unresolved_comment_count", "last_comment_updated_at", "project", "updated_by", "file_upload", "comment_authors"}
	if diff := cmp.Diff(sortedStrings(wantSimple), sortedStrings(keysOf(simple))); diff != "" {
		t.Errorf("simple task keys (-want +got):\n%s", diff)
	}
	tid := itoa(int(simple["id"].(float64)))
	e.must("POST", "/api/tasks/"+tid+"/annotations", map[string]any{"result": []any{}}, 201)
	full := e.must("GET", "/api/tasks/"+tid, nil, 200)
	// The Data Manager's task (DataManagerTaskSerializer: the primary
	// key, the declared fields, the model's, its relations), in the
	// order 1.23.2 answered it; the default list leaves some out.
	wantFull := []string{"id", "predictions", "annotations", "drafts", "annotators", "inner_id", "cancelled_annotations", "total_annotations", "total_predictions", "completed_at", "annotations_results", "predictions_results", "predictions_score", "file_upload", "storage_filename", "annotations_ids", "predictions_model_versions", "avg_lead_time", "draft_exists", "updated_by", "data", "meta", "created_at", "updated_at", "is_labeled", "overlap", "comment_count", "unresolved_comment_count", "last_comment_updated_at", "project", "comment_authors"}
	_, body := e.call("GET", "/api/tasks/"+tid, nil)
	if diff := cmp.Diff(wantFull, topKeys(t, body)); diff != "" {
		t.Errorf("full task keys in order (-want +got):\n%s", diff)
	}
	_, body = e.call("GET", "/api/tasks?project="+itoa(pid), nil)
	var page struct{ Tasks []json.RawMessage }
	if err := json.Unmarshal(body, &page); err != nil || len(page.Tasks) != 1 {
		t.Fatalf("task list %s: %v", body, err)
	}
	wantListed := slices.DeleteFunc(slices.Clone(wantFull), func(k string) bool {
		return k == "predictions" || k == "annotations" || k == "completed_at" || k == "predictions_score" || k == "avg_lead_time" || k == "draft_exists"
	})
	if diff := cmp.Diff(wantListed, topKeys(t, page.Tasks[0])); diff != "" {
		t.Errorf("listed task keys in order (-want +got):\n%s", diff)
	}
	// PATCH's answer and the legacy list: TaskSerializer's fields, then
	// the annotations and predictions (1.23.2).
	wantPatched := append(slices.Clone(wantSimple), "annotations", "predictions")
	_, body = e.call("PATCH", "/api/tasks/"+tid, map[string]any{"meta": map[string]any{"y": 2}})
	if diff := cmp.Diff(wantPatched, topKeys(t, body)); diff != "" {
		t.Errorf("patched task keys in order (-want +got):\n%s", diff)
	}
	_, body = e.call("GET", "/api/projects/"+itoa(pid)+"/tasks", nil)
	var legacy []json.RawMessage
	if err := json.Unmarshal(body, &legacy); err != nil || len(legacy) != 1 {
		t.Fatalf("legacy task list %s: %v", body, err)
	}
	if diff := cmp.Diff(wantPatched, topKeys(t, legacy[0])); diff != "" {
		t.Errorf("legacy listed task keys in order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"user_id": float64(1)}}, full["updated_by"]); diff != "" {
		t.Errorf("full updated_by (-want +got):\n%s", diff)
	}
	ann := full["annotations"].([]any)[0].(map[string]any)
	if _, ok := ann["completed_by"].(map[string]any); !ok {
		t.Errorf("full task annotation completed_by is not a user object: %v", ann["completed_by"])
	}
	if full["completed_at"] == nil || full["is_labeled"] != true {
		t.Errorf("completed_at/is_labeled not set: %v %v", full["completed_at"], full["is_labeled"])
	}
	patched := e.must("PATCH", "/api/tasks/"+tid, map[string]any{"meta": map[string]any{"x": 1}}, 200)
	if diff := cmp.Diff(map[string]any{"x": float64(1)}, patched["meta"]); diff != "" {
		t.Errorf("patched meta (-want +got):\n%s", diff)
	}
	if patched["updated_by"].(float64) != 1 {
		t.Errorf("simple updated_by = %v, want 1", patched["updated_by"])
	}
}

func keysOf(m map[string]any) []string { return slices.Collect(maps.Keys(m)) }

func sortedStrings(k []string) []string { return slices.Sorted(slices.Values(k)) }

func TestInnerIDsPerProjectAndGlobalIDs(t *testing.T) {
	e := newAPI(t, Config{})
	p1, p2 := e.project("First"), e.project("Second")
	a := e.importTasks(p1, 2)
	b := e.importTasks(p2, 2)
	if b[0] != a[1]+1 {
		t.Errorf("task ids are not global: %v then %v", a, b)
	}
	for _, id := range []int{a[0], b[0]} {
		task := e.must("GET", "/api/tasks/"+itoa(id), nil, 200)
		if task["inner_id"].(float64) != 1 {
			t.Errorf("task %d inner_id %v, want 1", id, task["inner_id"])
		}
	}
}

func TestProjectListPaging(t *testing.T) {
	e := newAPI(t, Config{})
	out := e.must("GET", "/api/projects/", nil, 200)
	if diff := cmp.Diff(map[string]any{"count": float64(0), "next": nil, "previous": nil, "results": []any{}}, out); diff != "" {
		t.Errorf("empty list (-want +got):\n%s", diff)
	}
	for i := range 65 {
		e.project("Project " + itoa(i))
	}
	p1 := e.must("GET", "/api/projects/?page_size=30", nil, 200)
	if p1["count"].(float64) != 65 || len(p1["results"].([]any)) != 30 || p1["previous"] != nil {
		t.Errorf("page 1: count %v results %d previous %v", p1["count"], len(p1["results"].([]any)), p1["previous"])
	}
	next, _ := p1["next"].(string)
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "http" || u.Query().Get("page") != "2" || u.Query().Get("page_size") != "30" || u.Path != "/api/projects/" {
		t.Errorf("next = %q, want an absolute URL to page 2 keeping page_size", next)
	}
	p2 := e.must("GET", "/api/projects/?page=2&page_size=30", nil, 200)
	prev, _ := p2["previous"].(string)
	if pu, _ := url.Parse(prev); pu == nil || pu.Query().Has("page") {
		t.Errorf("previous of page 2 = %q, want no page parameter", prev)
	}
	if status, _ := e.call("GET", "/api/projects/?page=4&page_size=30", nil); status != 404 {
		t.Errorf("page past the end: %d, want 404", status)
	}
	big := e.must("GET", "/api/projects?page_size=10000000", nil, 200)
	if len(big["results"].([]any)) != 65 || big["next"] != nil {
		t.Errorf("page_size=10000000 returned %d results, next %v", len(big["results"].([]any)), big["next"])
	}
}

func TestProjectValidation(t *testing.T) {
	e := newAPI(t, Config{})
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"short title", map[string]any{"title": "ab"}, "title"},
		{"long title", map[string]any{"title": string(make([]byte, 51))}, "title"},
		{"title type", map[string]any{"title": []int{1}}, "title"},
		{"not xml", map[string]any{"label_config": "<View><Text"}, "label_config"},
		{"root not View", map[string]any{"label_config": "<Text name='t' value='$t'/>"}, "label_config"},
		{"toName to nothing", map[string]any{"label_config": `<View><Choices name="c" toName="missing"><Choice value="A"/></Choices></View>`}, "label_config"},
		{"bool type", map[string]any{"show_skip_button": "maybe"}, "show_skip_button"},
		{"sampling choice", map[string]any{"sampling": "Random"}, "sampling"},
		{"maximum_annotations type", map[string]any{"maximum_annotations": "two"}, "maximum_annotations"},
		{"control_weights type", map[string]any{"control_weights": []int{}}, "control_weights"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", "/api/projects", tc.body)
			if status != 400 {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			var env map[string]any
			_ = json.Unmarshal(body, &env)
			if _, ok := env["validation_errors"].(map[string]any)[tc.field]; !ok {
				t.Errorf("validation_errors lacks %q: %s", tc.field, body)
			}
		})
	}
	if out := e.must("GET", "/api/projects", nil, 200); out["count"].(float64) != 0 {
		t.Errorf("rejected creates made projects: %v", out["count"])
	}
}

// Label Studio 1.23.2 answers POST /api/tasks with a list body 500
// (conformance/labelstudio/FINDINGS.md): the mock refuses it as bad input,
// changes nothing and sends no event.
func TestTaskListBodyIsRefused(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	h.take()
	status, body := e.call("POST", "/api/tasks", []any{map[string]any{"project": pid, "data": map[string]any{"text": "a"}}})
	if status != 400 || !strings.Contains(string(body), "one task object") {
		t.Errorf("POST /api/tasks with a list: %d %s, want 400", status, body)
	}
	if got := h.take(); len(got) != 0 {
		t.Errorf("sent %v", actions(got))
	}
	if tasks := e.must("GET", "/api/tasks?project="+itoa(pid), nil, 200)["tasks"].([]any); len(tasks) != 0 {
		t.Errorf("%d tasks after a refused list", len(tasks))
	}
}

// TestProjectTaskListNewestUpdatedFirst: GET /api/projects/{id}/tasks is
// ordered by -updated_at like Label Studio's (an import of 3 lists
// [3, 2, 1]); a task changed later moves to the front; pages slice that
// order.
func TestProjectTaskListNewestUpdatedFirst(t *testing.T) {
	var (
		mu    sync.Mutex
		clock = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	)
	e := newAPI(t, Config{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}})
	pid := e.project("Order")
	tids := e.importTasks(pid, 3)
	list := "/api/projects/" + itoa(pid) + "/tasks"
	if got, want := ids(t, e.mustList("GET", list, nil, 200)), []int{tids[2], tids[1], tids[0]}; !slices.Equal(got, want) {
		t.Errorf("after import: %v, want %v", got, want)
	}
	e.must("PATCH", "/api/tasks/"+itoa(tids[0]), map[string]any{"data": map[string]any{"text": "changed"}}, 200)
	if got, want := ids(t, e.mustList("GET", list, nil, 200)), []int{tids[0], tids[2], tids[1]}; !slices.Equal(got, want) {
		t.Errorf("after a PATCH of %d: %v, want %v", tids[0], got, want)
	}
	if got, want := ids(t, e.mustList("GET", list+"?page=2&page_size=2", nil, 200)), []int{tids[1]}; !slices.Equal(got, want) {
		t.Errorf("page 2 of 2: %v, want %v", got, want)
	}
}

// TestProjectCounts: GET /api/projects/counts/ (SDK 2.x
// projects.list_counts) pages the projects like the project list, each as
// ProjectCountsSerializer's id and eight counters, with the values the
// project itself shows.
func TestProjectCounts(t *testing.T) {
	e := newAPI(t, Config{})
	a := e.project("Counted")
	b := e.project("Empty")
	tids := e.importTasks(a, 3)
	choice := []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []any{"positive"}}}}
	e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations", map[string]any{"result": choice, "ground_truth": true}, 201)
	e.must("POST", "/api/tasks/"+itoa(tids[1])+"/annotations", map[string]any{"result": []any{}, "was_cancelled": true}, 201)
	e.must("POST", "/api/predictions", map[string]any{"task": tids[2], "result": choice}, 201)
	counters := []string{"id", "task_number", "finished_task_number", "total_predictions_number", "total_annotations_number",
		"num_tasks_with_annotations", "useful_annotation_number", "ground_truth_number", "skipped_annotations_number"}
	var want []any
	for _, id := range []int{b, a} {
		p := e.must("GET", "/api/projects/"+itoa(id), nil, 200)
		one := map[string]any{}
		for _, k := range counters {
			one[k] = p[k]
		}
		want = append(want, one)
	}
	if want[1].(map[string]any)["task_number"] != 3.0 || want[1].(map[string]any)["total_predictions_number"] != 1.0 {
		t.Fatalf("project counters %v, want 3 tasks and 1 prediction", want[1])
	}
	out := e.must("GET", "/api/projects/counts/?ordering=-id", nil, 200)
	if diff := cmp.Diff(map[string]any{"count": 2.0, "next": nil, "previous": nil, "results": any(want)}, out); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if got := e.must("GET", "/api/projects/counts?title=count", nil, 200)["count"]; got != 1.0 {
		t.Errorf("counts?title=count: count %v, want 1", got)
	}
}

// TestInnerIDAfterDeletingTheNewest: a task is made with the project's
// highest inner_id + 1, so the inner_id of a deleted newest task is given
// again, as Label Studio 1.23.2 was seen to do (import, POST /api/tasks,
// storage sync alike).
func TestInnerIDAfterDeletingTheNewest(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "d"), map[string]string{"01.json": `[{"text": "s"}]`})
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Inner ids")
	P := "/api/projects/" + itoa(pid)
	ids := e.must("POST", P+"/import?return_task_ids=true", `[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"},{"text":"e"}]`, 201)["task_ids"].([]any)
	e.must("DELETE", "/api/tasks/"+itoa(int(ids[4].(float64))), nil, 204)
	e.must("DELETE", "/api/tasks/"+itoa(int(ids[3].(float64))), nil, 204)
	e.must("POST", P+"/import", `[{"text":"f"}]`, 201)
	e.must("POST", "/api/tasks", map[string]any{"project": pid, "data": map[string]any{"text": "g"}}, 201)
	sid := e.storage(pid, filepath.Join(root, "d"), nil)
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	var got []float64
	for _, x := range e.mustList("GET", P+"/tasks", nil, 200) {
		got = append(got, x.(map[string]any)["inner_id"].(float64))
	}
	slices.Sort(got)
	if want := []float64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("inner_ids %v, want %v", got, want)
	}
}
