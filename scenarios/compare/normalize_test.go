package compare

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/scenarios"
)

func TestNormalize(t *testing.T) {
	res := scenarios.Result{
		Name: "n", File: "f.yaml", Status: scenarios.Passed,
		ServerURL: "http://127.0.0.1:9000", ReceiverURL: "http://127.0.0.1:9100/lh-ab-1",
		Trace: []scenarios.StepTrace{
			{Step: 1, Kind: "create_project", Method: "POST", Target: "/api/projects", Body: json.RawMessage(`{"title":"t"}`), Status: 201,
				Answer: json.RawMessage(`{"id":17,"created_by":{"id":3,"email":"a@b.c"},"token":"xyz","label_config_hash":-66,"created_at":"2026-12-04T14:30:21.509557Z"}`)},
			{Step: 2, Kind: "import_tasks", Method: "POST", Target: "/api/projects/17/import?return_task_ids=true", Status: 201,
				Answer: json.RawMessage(`{"task_ids":[40,41],"duration":0.5}`),
				Events: []scenarios.TraceEvent{
					{Webhook: "/org", Action: "TASKS_CREATED", Method: "POST", Headers: http.Header{"Host": {"x"}, "Content-Length": {"9"}, "User-Agent": {"python-requests/2.34.2"}},
						Body: json.RawMessage(`{"action":"TASKS_CREATED","tasks":[{"id":41,"data":{"task":7},"project":17,"updated_by":3}],"project":{"id":17}}`)},
					{Webhook: "/", Action: "TASKS_CREATED", Method: "POST", Headers: http.Header{},
						Body: json.RawMessage(`{"action":"TASKS_CREATED","tasks":[{"id":40}]}`)},
				}},
			{Step: 3, Kind: "request", Method: "GET", Target: "/api/webhooks/5?project=17", Status: 404,
				Answer: json.RawMessage(`{"id":"5b0e4b1e-1d2f-4c3a-9f00-0123456789ab","status_code":404,"url":"http://127.0.0.1:9100/lh-ab-1/org"}`)},
		},
	}
	got := Normalize(res)
	want := Scenario{Name: "n", File: "f.yaml", Steps: []Step{
		{Step: 1, Kind: "create_project", Request: "POST /api/projects", Body: map[string]any{"title": "t"}, Status: 201,
			Answer: map[string]any{"id": "<project 1>", "created_by": map[string]any{"id": "<user 1>", "email": "<email>"},
				"token": "<token>", "label_config_hash": "<label_config_hash>", "created_at": "<datetime 9999-99-99T99:99:99.999999Z>"}},
		{Step: 2, Kind: "import_tasks", Request: "POST /api/projects/<project 1>/import?return_task_ids=true", Status: 201,
			Answer: map[string]any{"task_ids": []any{"<task 1>", "<task 2>"}, "duration": "<duration>"},
			Events: []Event{
				// ordered by webhook: "/" before "/org"
				{Webhook: "/", Action: "TASKS_CREATED", Method: "POST", Headers: map[string]string{},
					Body: map[string]any{"action": "TASKS_CREATED", "tasks": []any{map[string]any{"id": "<task 1>"}}}},
				{Webhook: "/org", Action: "TASKS_CREATED", Method: "POST",
					Headers: map[string]string{"Host": "<host>", "Content-Length": "<length>", "User-Agent": "python-requests/2.34.2"},
					Body: map[string]any{"action": "TASKS_CREATED", "project": map[string]any{"id": "<project 1>"},
						"tasks": []any{map[string]any{"id": "<task 2>", "data": map[string]any{"task": json.Number("7")}, "project": "<project 1>", "updated_by": "<user 1>"}}}},
			}},
		{Step: 3, Kind: "request", Request: "GET /api/webhooks/<webhook 1>?project=<project 1>", Status: 404,
			Answer: map[string]any{"id": "<uuid>", "status_code": json.Number("404"), "url": "${receiver.url}/org"}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
}

// TestNormalizeIDLists: a task's annotations_ids text is an id list: its
// ids become placeholders in one order whatever order SQLite gave them,
// its separator stays, and text that is not a list of ids stays text.
func TestNormalizeIDLists(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Postgres's form", "15, 16", "<annotation 1>, <annotation 2>"},
		{"SQLite, one order", "15,16", "<annotation 1>,<annotation 2>"},
		{"SQLite, the other order", "16,15", "<annotation 1>,<annotation 2>"},
		{"one id", "15", "<annotation 1>"},
		{"empty", "", ""},
		{"not ids", "a, b", "a, b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scenarios.Result{Name: "n", File: "f.yaml", Trace: []scenarios.StepTrace{
				{Step: 1, Kind: "annotate", Method: "POST", Target: "/api/tasks/1/annotations", Status: 201, Answer: json.RawMessage(`{"id":15}`)},
				{Step: 2, Kind: "request", Method: "GET", Target: "/api/tasks/1", Status: 200,
					Answer: json.RawMessage(`{"id":1,"annotations_ids":` + strconv.Quote(tc.in) + `}`)},
			}}
			got := Normalize(res).Steps[1].Answer.(map[string]any)["annotations_ids"]
			if got != tc.want {
				t.Errorf("annotations_ids %q normalised to %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
