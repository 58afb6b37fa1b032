package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests replay the requests the official Python SDKs send
// (docs/label-studio-behaviour.md#client-sequences), byte for byte where it matters: paths, slash
// forms, query strings and JSON bodies as python-requests and httpx write
// them.

// sdkResponse is one answer of a replayed request.
type sdkResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r sdkResponse) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (r sdkResponse) list(t *testing.T) []any {
	t.Helper()
	var l []any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("answer is not a JSON array: %v: %s", err, r.body)
	}
	return l
}

// sdkClient sends requests with a fixed set of headers and never follows
// redirects (a redirect is itself a failure here).
type sdkClient struct {
	t      *testing.T
	e      *apiEnv
	header http.Header
}

// do sends one request; body is sent as is (the SDKs send JSON text).
func (c *sdkClient) do(method, path, body string) sdkResponse {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.e.url+path, rd)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	req.Header = c.header.Clone()
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		c.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		c.t.Fatalf("%s %s: redirect %d to %q; Label Studio never redirects", method, path, resp.StatusCode, resp.Header.Get("Location"))
	}
	return sdkResponse{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
}

// expect sends a request and checks its status.
func (c *sdkClient) expect(method, path, body string, want int) sdkResponse {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, r.status, want, r.body)
	}
	return r
}

// legacyHeaders are what the legacy SDK (python-requests) sends.
func legacyHeaders(token string) http.Header {
	return http.Header{
		"Authorization":   {"Token " + token},
		"User-Agent":      {"python-requests/2.31.0"},
		"Accept":          {"*/*"},
		"Accept-Encoding": {"gzip, deflate"},
	}
}

// newSDKHeaders are what the Fern-generated SDK (httpx) sends.
func newSDKHeaders(access string) http.Header {
	return http.Header{
		"Authorization":       {"Bearer " + access},
		"User-Agent":          {"label_studio_sdk/2.1.2"},
		"X-Fern-Language":     {"Python"},
		"X-Fern-Sdk-Name":     {"label_studio_sdk"},
		"X-Fern-Sdk-Version":  {"2.1.2"},
		"X-Fern-Runtime":      {"python/3.12.3"},
		"X-Fern-Platform":     {"linux/6.8.0"},
		"Accept":              {"application/json"},
		"Accept-Encoding":     {"gzip, deflate"},
		"Proxy-Authorization": {"Bearer ignored-oidc-token"},
	}
}

// Filters the legacy SDK sends (Project.get_labeled_tasks and get_unlabeled_tasks).
const (
	labeledFilter   = `{"conjunction": "and", "items": [{"filter": "filter:tasks:completed_at", "operator": "empty", "value": false, "type": "Datetime"}]}`
	unlabeledFilter = `{"conjunction": "and", "items": [{"filter": "filter:tasks:completed_at", "operator": "empty", "value": true, "type": "Datetime"}]}`
)

// legacyGetTasks replays Project.get_tasks / get_labeled_tasks / *_ids:
// GET /api/tasks page 1, 2, … with page_size=100 until a 404. A server
// that never answers 404 would make the SDK loop forever; here that fails
// after 20 pages. It returns the tasks and the statuses seen.
func legacyGetTasks(c *sdkClient, project int, filters string, onlyIDs bool) ([]map[string]any, []int) {
	c.t.Helper()
	query := `{"filters": ` + filters + `, "ordering": [], "selectedItems": {"all": true, "excluded": []}}`
	var tasks []map[string]any
	var statuses []int
	for page := 1; page <= 20; page++ {
		path := "/api/tasks?project=" + itoa(project) + "&page=" + itoa(page) + "&page_size=100&query=" +
			url.QueryEscape(query) + "&fields=all&resolve_uri=True"
		if onlyIDs {
			path += "&include=id"
		}
		r := c.do("GET", path, "")
		statuses = append(statuses, r.status)
		switch r.status {
		case http.StatusNotFound:
			if env := mustEnvelope(c.t, "GET "+path, r.status, r.body, 404); env.Detail != "Invalid page." {
				c.t.Errorf("GET %s: 404 detail %q, want %q", path, env.Detail, "Invalid page.")
			}
			return tasks, statuses
		case http.StatusOK:
			var l struct {
				Tasks []map[string]any
				Total *int
			}
			if err := json.Unmarshal(r.body, &l); err != nil || l.Tasks == nil || l.Total == nil {
				c.t.Fatalf("GET %s: want {tasks, total, total_annotations, total_predictions}; body %s", path, r.body)
			}
			// In 1.23.2's order (a real 1.23.2, 2026-12-06).
			if diff := cmp.Diff([]string{"total_annotations", "total_predictions", "total", "tasks"}, objectKeyOrder(c.t, r.body)); diff != "" {
				c.t.Errorf("GET %s: keys (-want +got):\n%s", path, diff)
			}
			tasks = append(tasks, l.Tasks...)
		default:
			c.t.Fatalf("GET %s: status %d; body %s", path, r.status, r.body)
		}
	}
	c.t.Fatalf("GET /api/tasks answered 20 pages without a 404: the legacy SDK would loop forever (statuses %v)", statuses)
	return nil, nil
}

func taskIDs(tasks []map[string]any) []int {
	out := []int{}
	for _, t := range tasks {
		if id, ok := t["id"].(float64); ok {
			out = append(out, int(id))
		}
	}
	return out
}

// keySet returns the sorted keys of an object.
func keySet(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Field sets of docs/label-studio-behaviour.md#rest-objects.
var (
	projectFields = []string{"id", "title", "description", "label_config", "expert_instruction", "show_instruction",
		"show_skip_button", "enable_empty_annotation", "show_annotation_history", "organization", "color",
		"maximum_annotations", "is_published", "model_version", "is_draft", "created_by", "created_at",
		"min_annotations_to_start_training", "start_training_on_annotation_update", "show_collab_predictions",
		"num_tasks_with_annotations", "task_number", "useful_annotation_number", "ground_truth_number",
		"skipped_annotations_number", "total_annotations_number", "total_predictions_number", "sampling",
		"show_ground_truth_first", "show_overlap_first", "overlap_cohort_percentage", "task_data_login",
		"task_data_password", "control_weights", "parsed_label_config", "evaluate_predictions_automatically",
		"config_has_control_tags", "skip_queue", "reveal_preannotations_interactively", "pinned_at",
		"finished_task_number", "queue_total", "queue_done", "config_suitable_for_bulk_annotation"}
	fullTaskFields = []string{"id", "project", "created_at", "updated_at", "annotations", "predictions", "drafts",
		"data", "meta", "updated_by", "is_labeled", "overlap", "file_upload", "annotations_ids",
		"annotations_results", "annotators", "completed_at", "predictions_model_versions", "draft_exists",
		"predictions_results", "predictions_score", "total_annotations", "total_predictions", "avg_lead_time",
		"cancelled_annotations", "inner_id", "storage_filename", "comment_authors", "comment_count",
		"last_comment_updated_at", "unresolved_comment_count"}
	simpleTaskFields = []string{"id", "project", "created_at", "updated_at", "annotations", "predictions", "data",
		"meta", "updated_by", "is_labeled", "overlap", "file_upload", "total_annotations", "total_predictions",
		"cancelled_annotations", "inner_id", "comment_authors", "comment_count", "last_comment_updated_at",
		"unresolved_comment_count"}
	annotationFields = []string{"id", "result", "created_username", "created_ago", "completed_by", "was_cancelled",
		"ground_truth", "created_at", "updated_at", "draft_created_at", "lead_time", "import_id", "last_action",
		"bulk_created", "task", "project", "updated_by", "parent_prediction", "parent_annotation", "last_created_by"}
	predictionFields = []string{"id", "result", "model_version", "created_ago", "score", "cluster", "neighbors",
		"mislabeling", "created_at", "updated_at", "model", "model_run", "task", "project"}
	exportTaskFields = []string{"id", "data", "meta", "created_at", "updated_at", "inner_id", "total_annotations",
		"cancelled_annotations", "total_predictions", "comment_count", "unresolved_comment_count",
		"last_comment_updated_at", "project", "updated_by", "allow_skip", "comment_authors", "annotations",
		"predictions", "drafts"} // recorded from 1.23.2: allow_skip, and no file_upload for an imported task
	versionFields = []string{"release", "label-studio-os-package", "label-studio-os-backend", "label-studio-frontend",
		"dm2", "label-studio-converter", "edition", "lsf", "backend"}
)

// checkFields reports the fields of want that m lacks, and any forbidden
// field that m has.
func checkFields(t *testing.T, what string, m map[string]any, want []string, forbidden ...string) {
	t.Helper()
	var missing []string
	for _, k := range want {
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: missing fields %v; got %v", what, missing, keySet(m))
	}
	for _, k := range forbidden {
		if _, ok := m[k]; ok {
			t.Errorf("%s: has field %q, which must be absent", what, k)
		}
	}
}

// pickNum keeps the named numeric counters of an object.
func pickNum(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

var attachmentRE = regexp.MustCompile(`^attachment; filename="project-1-at-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{8}\.json"$`)

func TestLegacySDKReplay(t *testing.T) {
	e := newAPI(t, Config{})
	c := &sdkClient{t: t, e: e, header: legacyHeaders(testToken)}

	// Client() constructor.
	r := c.expect("GET", "/api/version", "", 200)
	v := r.object(t)
	checkFields(t, "GET /api/version", v, versionFields, "label-studio-enterprise-backend")
	if v["edition"] != "Community" {
		t.Errorf("edition %v, want Community", v["edition"])
	}

	// check_connection: the token is sent to /health too, and ignored.
	r = c.expect("GET", "/health", "", 200)
	if diff := cmp.Diff(map[string]any{"status": "UP"}, r.object(t)); diff != "" {
		t.Errorf("GET /health (-want +got):\n%s", diff)
	}

	// start_project: exactly 201, id read from the body. (The SDK example's
	// title "t" is too short for current Label Studio, which wants 3–50.)
	r = c.expect("POST", "/api/projects", `{"title": "AL demo", "label_config": "`+strings.ReplaceAll(textConfig, `"`, `\"`)+`"}`, 201)
	p := r.object(t)
	checkFields(t, "POST /api/projects", p, projectFields)
	if p["id"] != 1.0 {
		t.Fatalf("first project id %v, want 1", p["id"])
	}

	// import_tasks: flat and {data:…} items mixed; reads task_ids.
	r = c.expect("POST", "/api/projects/1/import?return_task_ids=1", `[{"text": "a"}, {"data": {"text": "b"}}]`, 201)
	imp := r.object(t)
	checkFields(t, "import", imp, []string{"task_count", "annotation_count", "prediction_count", "duration",
		"file_upload_ids", "could_be_tasks_list", "found_formats", "data_columns", "task_ids"}, "import", "predictions_count")
	if diff := cmp.Diff(map[string]any{"task_count": 2.0, "annotation_count": 0.0, "prediction_count": 0.0, "task_ids": []any{1.0, 2.0}},
		pickNum(imp, "task_count", "annotation_count", "prediction_count", "task_ids")); diff != "" {
		t.Errorf("import summary (-want +got):\n%s", diff)
	}
	if _, ok := imp["duration"].(float64); !ok {
		t.Errorf("import duration %v, want a number", imp["duration"])
	}

	// get_tasks: page 1, then page 2 is the 404 that ends the loop.
	tasks, statuses := legacyGetTasks(c, 1, "null", false)
	if diff := cmp.Diff([]int{200, 404}, statuses); diff != "" {
		t.Errorf("get_tasks statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2}, taskIDs(tasks)); diff != "" {
		t.Fatalf("get_tasks ids (-want +got):\n%s", diff)
	}
	for _, tk := range tasks {
		if diff := cmp.Diff(sortedCopy(fullTaskFields), keySet(tk)); diff != "" {
			t.Errorf("task %v: full-shape fields (-want +got):\n%s", tk["id"], diff)
		}
	}
	if diff := cmp.Diff([]any{map[string]any{"text": "a"}, map[string]any{"text": "b"}}, []any{tasks[0]["data"], tasks[1]["data"]}); diff != "" {
		t.Errorf("task data (-want +got):\n%s", diff)
	}

	// get_labeled_tasks_ids / get_unlabeled_tasks_ids before any annotation.
	assertIDs := func(name, filter string, want []int) {
		t.Helper()
		tasks, statuses := legacyGetTasks(c, 1, filter, true)
		if diff := cmp.Diff(want, taskIDs(tasks)); diff != "" {
			t.Errorf("%s ids (-want +got):\n%s", name, diff)
		}
		if statuses[len(statuses)-1] != 404 {
			t.Errorf("%s: last status %d, want 404", name, statuses[len(statuses)-1])
		}
		for _, tk := range tasks {
			if diff := cmp.Diff([]string{"id"}, keySet(tk)); diff != "" {
				t.Errorf("%s with include=id: task fields (-want +got):\n%s", name, diff)
			}
		}
	}
	assertIDs("labeled before annotating", labeledFilter, []int{})
	assertIDs("unlabeled before annotating", unlabeledFilter, []int{1, 2})

	// create_annotation (trailing slash form).
	r = c.expect("POST", "/api/tasks/1/annotations/", `{"result": [], "ground_truth": false}`, 201)
	a := r.object(t)
	checkFields(t, "annotation", a, annotationFields)
	if diff := cmp.Diff(map[string]any{"task": 1.0, "project": 1.0, "was_cancelled": false, "ground_truth": false, "completed_by": 1.0},
		pickNum(a, "task", "project", "was_cancelled", "ground_truth", "completed_by")); diff != "" {
		t.Errorf("annotation (-want +got):\n%s", diff)
	}
	assertIDs("labeled after annotating", labeledFilter, []int{1})
	assertIDs("unlabeled after annotating", unlabeledFilter, []int{2})

	// create_prediction with a bare label as result.
	r = c.expect("POST", "/api/predictions", `{"task": 1, "result": "Positive", "score": 0.5, "model_version": "v1"}`, 201)
	pr := r.object(t)
	checkFields(t, "prediction", pr, predictionFields)
	if diff := cmp.Diff(map[string]any{"task": 1.0, "project": 1.0, "score": 0.5, "model_version": "v1"},
		pickNum(pr, "task", "project", "score", "model_version")); diff != "" {
		t.Errorf("prediction (-want +got):\n%s", diff)
	}

	// create_predictions: bulk import, no model_version.
	r = c.expect("POST", "/api/projects/1/import/predictions", `[{"task": 1, "result": [], "score": 0.1}]`, 201)
	if diff := cmp.Diff(map[string]any{"created": 1.0}, r.object(t)); diff != "" {
		t.Errorf("import/predictions (-want +got):\n%s", diff)
	}

	// update_task.
	r = c.expect("PATCH", "/api/tasks/1", `{"meta": {"x": 1}}`, 200)
	tk := r.object(t)
	if diff := cmp.Diff(sortedCopy(simpleTaskFields), keySet(tk)); diff != "" {
		t.Errorf("PATCH task: simple-shape fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"meta": map[string]any{"x": 1.0}, "updated_by": 1.0, "total_annotations": 1.0, "total_predictions": 2.0, "is_labeled": true},
		pickNum(tk, "meta", "updated_by", "total_annotations", "total_predictions", "is_labeled")); diff != "" {
		t.Errorf("PATCH task (-want +got):\n%s", diff)
	}

	// get_model_versions.
	r = c.expect("GET", "/api/projects/1/model-versions", "", 200)
	if diff := cmp.Diff(map[string]any{"v1": 1.0, "undefined": 1.0}, r.object(t)); diff != "" {
		t.Errorf("model-versions (-want +got):\n%s", diff)
	}

	// export_tasks: a JSON array attachment of the annotated tasks only.
	r = c.expect("GET", "/api/projects/1/export?exportType=JSON&download_all_tasks=False&download_resources=False", "", 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("export Content-Type %q, want application/json", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !attachmentRE.MatchString(cd) {
		t.Errorf("export Content-Disposition %q, want %s", cd, attachmentRE)
	}
	exp := r.list(t)
	if len(exp) != 1 {
		t.Fatalf("export: %d tasks, want only the annotated task 1; body %s", len(exp), r.body)
	}
	et := exp[0].(map[string]any)
	if diff := cmp.Diff(sortedCopy(exportTaskFields), keySet(et)); diff != "" {
		t.Errorf("export task fields (-want +got):\n%s", diff)
	}
	if et["id"] != 1.0 || len(et["annotations"].([]any)) != 1 || len(et["predictions"].([]any)) != 2 {
		t.Errorf("export task: id %v, %d annotations, %d predictions; want 1, 1, 2", et["id"], len(et["annotations"].([]any)), len(et["predictions"].([]any)))
	}
	// Label Studio expands only drafts on this route (1.20.0 and 1.23.2
	// alike): completed_by is the user's id and predictions are ids.
	if by := et["annotations"].([]any)[0].(map[string]any)["completed_by"]; by != 1.0 {
		t.Errorf("exported completed_by %v, want the user id 1", by)
	}
	for _, p := range et["predictions"].([]any) {
		if _, ok := p.(float64); !ok {
			t.Errorf("exported prediction %v, want its id", p)
		}
	}

	// get_project: live counters.
	r = c.expect("GET", "/api/projects/1", "", 200)
	counters := []string{"task_number", "num_tasks_with_annotations", "total_annotations_number", "total_predictions_number", "finished_task_number"}
	if diff := cmp.Diff(map[string]any{"task_number": 2.0, "num_tasks_with_annotations": 1.0, "total_annotations_number": 1.0,
		"total_predictions_number": 2.0, "finished_task_number": 1.0}, pickNum(r.object(t), counters...)); diff != "" {
		t.Errorf("project counters (-want +got):\n%s", diff)
	}

	// One more task, so that "all but excluded" has something to keep.
	r = c.expect("POST", "/api/projects/1/import?return_task_ids=1", `[{"text": "c"}]`, 201)
	if diff := cmp.Diff([]any{3.0}, r.object(t)["task_ids"]); diff != "" {
		t.Fatalf("second import task_ids (-want +got):\n%s", diff)
	}

	// delete_tasks([1]), then delete_all_tasks(excluded_ids=[3]), then delete_all_tasks().
	actions := []struct {
		body string
		want map[string]any
		left float64
	}{
		{`{"selectedItems": {"all": false, "included": [1]}, "project": 1}`, map[string]any{"processed_items": 1.0, "reload": false, "detail": "Deleted 1 tasks"}, 2},
		{`{"selectedItems": {"all": true, "excluded": [3]}, "project": 1}`, map[string]any{"processed_items": 1.0, "reload": false, "detail": "Deleted 1 tasks"}, 1},
		{`{"selectedItems": {"all": true, "excluded": []}, "project": 1}`, map[string]any{"processed_items": 1.0, "reload": true, "detail": "Deleted 1 tasks"}, 0},
	}
	for _, act := range actions {
		r = c.expect("POST", "/api/dm/actions?project=1&id=delete_tasks", act.body, 200)
		if diff := cmp.Diff(act.want, r.object(t)); diff != "" {
			t.Errorf("delete_tasks %s (-want +got):\n%s", act.body, diff)
		}
		r = c.expect("GET", "/api/projects/1", "", 200)
		if got := r.object(t)["task_number"]; got != act.left {
			t.Errorf("after delete_tasks %s: task_number %v, want %v", act.body, got, act.left)
		}
	}
	r = c.expect("GET", "/api/projects/1", "", 200)
	if diff := cmp.Diff(map[string]any{"task_number": 0.0, "num_tasks_with_annotations": 0.0, "total_annotations_number": 0.0,
		"total_predictions_number": 0.0, "finished_task_number": 0.0}, pickNum(r.object(t), counters...)); diff != "" {
		t.Errorf("project counters after deleting every task (-want +got):\n%s", diff)
	}

	// list_projects: one page of 10000000 (no cap), then one GET per project.
	r = c.expect("GET", "/api/projects?page_size=10000000", "", 200)
	pl := r.object(t)
	if diff := cmp.Diff(map[string]any{"count": 1.0, "next": nil, "previous": nil}, pickNum(pl, "count", "next", "previous")); diff != "" {
		t.Errorf("list_projects (-want +got):\n%s", diff)
	}
	results, _ := pl["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("list_projects results: %v", pl["results"])
	}
	checkFields(t, "listed project", results[0].(map[string]any), projectFields)
	c.expect("GET", "/api/projects/1", "", 200)

	// delete_project (trailing slash form).
	r = c.expect("DELETE", "/api/projects/1/", "", 204)
	if len(r.body) != 0 {
		t.Errorf("DELETE project: body %q, want empty", r.body)
	}
	r = c.expect("GET", "/api/projects/1", "", 404)
	mustEnvelope(t, "GET /api/projects/1 after delete", r.status, r.body, 404)
}

func TestNewSDKReplay(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 4, 5, 6, 7, 8, 0, time.UTC)}
	e := newAPI(t, Config{Now: clock.Now})
	pat := RefreshToken(testToken)

	// The constructor sends nothing; the first call refreshes the PAT.
	refresh := func() string {
		t.Helper()
		anon := &sdkClient{t: t, e: e, header: http.Header{"User-Agent": {"label_studio_sdk/2.1.2"}}}
		r := anon.expect("POST", "/api/token/refresh/", `{"refresh": "`+pat+`"}`, 200)
		access, _ := r.object(t)["access"].(string)
		claims := jwtClaims(t, access)
		if claims["exp"] != float64(clock.Now().Add(5*time.Minute).Unix()) {
			t.Errorf("access exp %v, want now+5min", claims["exp"])
		}
		return access
	}
	c := &sdkClient{t: t, e: e, header: newSDKHeaders(refresh())}

	r := c.expect("GET", "/api/version/", "", 200)
	checkFields(t, "versions.get()", r.object(t), versionFields, "label-studio-enterprise-backend")

	// projects.list() on an empty server: page 1 is empty, which ends it.
	r = c.expect("GET", "/api/projects/?page=1", "", 200)
	if diff := cmp.Diff(map[string]any{"count": 0.0, "next": nil, "previous": nil, "results": []any{}}, r.object(t)); diff != "" {
		t.Errorf("empty projects page (-want +got):\n%s", diff)
	}

	r = c.expect("POST", "/api/projects/", `{"title": "New SDK run", "label_config": "`+strings.ReplaceAll(textConfig, `"`, `\"`)+`"}`, 201)
	pid := r.object(t)["id"].(float64)
	if pid != 1 {
		t.Fatalf("project id %v, want 1", pid)
	}
	c.expect("GET", "/api/projects/?page=1", "", 200)
	r = c.expect("GET", "/api/projects/?page=2", "", 404)
	mustEnvelope(t, "projects page 2", r.status, r.body, 404)
	r = c.expect("PATCH", "/api/projects/1/", `{"description": "updated"}`, 200)
	if r.object(t)["description"] != "updated" {
		t.Errorf("projects.update: description %v", r.object(t)["description"])
	}

	// projects.import_tasks: no trailing slash, httpx booleans.
	r = c.expect("POST", "/api/projects/1/import?return_task_ids=true", `[{"text": "x"}, {"text": "y"}]`, 201)
	if diff := cmp.Diff([]any{1.0, 2.0}, r.object(t)["task_ids"]); diff != "" {
		t.Fatalf("import task_ids (-want +got):\n%s", diff)
	}

	// tasks.create: TaskSerializer's shape (no annotations, no predictions).
	r = c.expect("POST", "/api/tasks/", `{"project": 1, "data": {"text": "z"}}`, 201)
	created := r.object(t)
	if diff := cmp.Diff(sortedCopy(slices.DeleteFunc(slices.Clone(simpleTaskFields), func(k string) bool { return k == "annotations" || k == "predictions" })), keySet(created)); diff != "" {
		t.Errorf("tasks.create fields (-want +got):\n%s", diff)
	}
	if created["id"] != 3.0 || created["inner_id"] != 3.0 {
		t.Fatalf("tasks.create: id %v inner_id %v, want 3 and 3", created["id"], created["inner_id"])
	}

	// tasks.list(): pages until a 404.
	r = c.expect("GET", "/api/tasks/?page=1&page_size=2&project=1&fields=all", "", 200)
	if l := r.object(t); l["total"] != 3.0 || len(l["tasks"].([]any)) != 2 {
		t.Errorf("tasks page 1: total %v, %d tasks; want 3 and 2", l["total"], len(l["tasks"].([]any)))
	}
	r = c.expect("GET", "/api/tasks/?page=2&page_size=2&project=1&fields=all", "", 200)
	if n := len(r.object(t)["tasks"].([]any)); n != 1 {
		t.Errorf("tasks page 2: %d tasks, want 1", n)
	}
	r = c.expect("GET", "/api/tasks/?page=3&page_size=2&project=1&fields=all", "", 404)
	mustEnvelope(t, "tasks page 3", r.status, r.body, 404)

	r = c.expect("GET", "/api/tasks/3/", "", 200)
	if diff := cmp.Diff(sortedCopy(fullTaskFields), keySet(r.object(t))); diff != "" {
		t.Errorf("tasks.get fields (-want +got):\n%s", diff)
	}
	r = c.expect("PATCH", "/api/tasks/3/", `{"data": {"text": "z2"}}`, 200)
	if diff := cmp.Diff(map[string]any{"text": "z2"}, r.object(t)["data"]); diff != "" {
		t.Errorf("tasks.update data (-want +got):\n%s", diff)
	}

	// annotations.
	r = c.expect("POST", "/api/tasks/3/annotations/", `{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}], "was_cancelled": false, "ground_truth": false, "lead_time": 3.5, "completed_by": 1}`, 201)
	aid := r.object(t)["id"].(float64)
	if l := c.expect("GET", "/api/tasks/3/annotations/", "", 200).list(t); len(l) != 1 {
		t.Errorf("annotations.list: %d, want 1", len(l))
	}
	c.expect("GET", "/api/annotations/"+itoa(int(aid))+"/", "", 200)
	r = c.expect("PATCH", "/api/annotations/"+itoa(int(aid))+"/", `{"ground_truth": true}`, 200)
	if r.object(t)["ground_truth"] != true {
		t.Errorf("annotations.update: ground_truth %v", r.object(t)["ground_truth"])
	}

	// predictions.
	c.expect("POST", "/api/predictions/", `{"task": 3, "result": [], "score": 0.9, "model_version": "m1"}`, 201)
	if l := c.expect("GET", "/api/predictions/?task=3", "", 200).list(t); len(l) != 1 {
		t.Errorf("predictions.list(task=3): %d, want 1", len(l))
	}
	r = c.expect("POST", "/api/projects/1/import/predictions", `[{"task": 1, "result": [], "model_version": "m1"}]`, 201)
	if diff := cmp.Diff(map[string]any{"created": 1.0}, r.object(t)); diff != "" {
		t.Errorf("projects.import_predictions (-want +got):\n%s", diff)
	}

	// The access token expires after 5 minutes; the SDK refreshes and goes on.
	clock.Advance(5*time.Minute + time.Second)
	r = c.do("GET", "/api/current-user/whoami", "")
	mustEnvelope(t, "expired access token", r.status, r.body, http.StatusUnauthorized)
	c.header = newSDKHeaders(refresh())

	r = c.expect("GET", "/api/current-user/whoami", "", 200)
	checkFields(t, "users.whoami()", r.object(t), []string{"id", "email", "username", "first_name", "last_name"})

	// projects.exports.download_sync: export_type, no slash.
	r = c.expect("GET", "/api/projects/1/export?export_type=JSON&download_all_tasks=true", "", 200)
	if n := len(r.list(t)); n != 3 {
		t.Errorf("export with download_all_tasks=true: %d tasks, want 3", n)
	}
	if cd := r.header.Get("Content-Disposition"); !attachmentRE.MatchString(cd) {
		t.Errorf("export Content-Disposition %q", cd)
	}

	// webhooks.
	r = c.expect("POST", "/api/webhooks/", `{"url": "http://127.0.0.1:1/hook", "project": 1, "is_active": false}`, 201)
	if l := c.expect("GET", "/api/webhooks/?project=1", "", 200).list(t); len(l) != 1 {
		t.Errorf("webhooks.list(project=1): %d, want 1", len(l))
	}

	// actions.create.
	r = c.expect("POST", "/api/dm/actions/?id=delete_tasks&project=1", `{"selectedItems": {"all": false, "included": [2]}}`, 200)
	if r.object(t)["processed_items"] != 1.0 {
		t.Errorf("actions.create delete_tasks: %s", r.body)
	}
	c.expect("DELETE", "/api/tasks/1/", "", 204)
	c.expect("DELETE", "/api/projects/1/tasks/", "", 204)
	r = c.expect("GET", "/api/tasks/?page=1&project=1", "", 200)
	if diff := cmp.Diff(map[string]any{"tasks": []any{}, "total": 0.0, "total_annotations": 0.0, "total_predictions": 0.0}, r.object(t)); diff != "" {
		t.Errorf("tasks after delete_all_tasks (-want +got):\n%s", diff)
	}
	c.expect("DELETE", "/api/projects/1/", "", 204)
	c.expect("GET", "/api/projects/1/", "", 404)
	// The project's webhook went with it.
	if l := c.expect("GET", "/api/webhooks/", "", 200).list(t); len(l) != 0 {
		t.Errorf("webhooks after project delete: %v", l)
	}
}
