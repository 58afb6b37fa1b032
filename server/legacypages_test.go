package server

import (
	"net/http"
	"strconv"
	"testing"
)

// TestProjectTaskListPages: GET /api/projects/{id}/tasks pages with
// Label Studio's deprecated paginator. Every row is what Label Studio
// 1.23.2 answered on a project of 60 tasks imported as "0".."59" (listed
// newest first, so the first task listed is "59") and on an empty one;
// the one deliberate difference is a page size that is not an int, a 500
// there and a 400 with the same detail here.
func TestProjectTaskListPages(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Pages")
	empty := e.project("Empty")
	rows := make([]any, 60)
	for i := range rows {
		rows[i] = map[string]any{"text": strconv.Itoa(i)}
	}
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", rows, 201)
	tests := []struct {
		query  string
		empty  bool
		status int
		n      int    // tasks listed (200)
		first  string // the first one's text (200), or the detail
		field  string // the validation_errors key (400 Validation error)
	}{
		{query: "", status: 200, n: 50, first: "59"},
		{query: "page=2", status: 200, n: 10, first: "9"},
		{query: "page_size=-1", status: 200, n: 60, first: "59"},
		{query: "page=3&page_size=-1", status: 200, n: 60, first: "59"},
		{query: "length=7", status: 200, n: 7, first: "59"},
		{query: "length=7&page_size=5", status: 200, n: 5, first: "59"},
		{query: "start=0&page_size=10", status: 200, n: 10, first: "59"},
		{query: "start=15&page_size=10", status: 200, n: 10, first: "49"},
		{query: "start=5&page_size=10", status: 200, n: 10, first: "9"},
		{query: "start=20&page_size=-1", status: 200, n: 60, first: "59"},
		{query: "page=2&page=3&page_size=10", status: 200, n: 10, first: "39"},
		{query: "page=2&page_size=10&page_size=20", status: 200, n: 20, first: "39"},
		{query: "page=%2B2&page_size=7", status: 200, n: 7, first: "52"},
		{query: "page=0_2&page_size=0_7", status: 200, n: 7, first: "52"},
		{query: "page=1&page_size=99999999999999999999", status: 200, n: 60, first: "59"},
		{query: "page=9&page_size=7", status: 200, n: 4, first: "3"},
		{query: "page=2&page_size=59", status: 200, n: 1, first: "0"},
		{query: "", empty: true, status: 404, first: "Not found."},
		{query: "page_size=-1", empty: true, status: 404, first: "Not found."},
		{query: "page_size=-2", status: 404, first: "Not found."},
		{query: "page=2&page_size=%20-1", status: 404, first: "Not found."},
		{query: "page=1&page_size=0", status: 404, first: "Not found."},
		{query: "page=0", status: 404, first: "Not found."},
		{query: "start=-3&page_size=10", status: 404, first: "Not found."},
		{query: "page=99999999999999999999", status: 404, first: "Not found."},
		{query: "page=abc", status: 400, first: "Validation error", field: "page"},
		{query: "page=&page_size=5", status: 400, first: "Validation error", field: "page"},
		{query: "start=x&page_size=10", status: 400, first: "Validation error", field: "start"},
		{query: "page_size=1.0", status: 400, first: "invalid literal for int() with base 10: '1.0'"},
		{query: "length=abc", status: 400, first: "invalid literal for int() with base 10: 'abc'"},
		{query: "page_size=it%27s", status: 400, first: `invalid literal for int() with base 10: "it's"`},
		{query: "start=0&page_size=abc", status: 400, first: "invalid literal for int() with base 10: 'abc'"},
	}
	for _, tc := range tests {
		project := pid
		if tc.empty {
			project = empty
		}
		path := "/api/projects/" + itoa(project) + "/tasks?" + tc.query
		if tc.status == http.StatusOK {
			list := e.mustList("GET", path, nil, 200)
			if len(list) != tc.n {
				t.Errorf("GET %s: %d tasks, want %d", path, len(list), tc.n)
				continue
			}
			if text := list[0].(map[string]any)["data"].(map[string]any)["text"]; text != tc.first {
				t.Errorf("GET %s: first task %v, want %s", path, text, tc.first)
			}
			continue
		}
		status, body := e.call("GET", path, nil)
		env := mustEnvelope(t, "GET "+path, status, body, tc.status)
		if env.Detail != tc.first {
			t.Errorf("GET %s: detail %q, want %q", path, env.Detail, tc.first)
		}
		if tc.field != "" && len(env.ValidationErrors[tc.field]) != 1 {
			t.Errorf("GET %s: validation_errors %v, want one message for %s", path, env.ValidationErrors, tc.field)
		}
	}
}
