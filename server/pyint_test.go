package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestPyInt(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {"01", 1, true}, {"007", 7, true}, {" 3 ", 3, true}, {"+4", 4, true}, {"-5", -5, true},
		{"1_000", 1000, true}, {"0", 0, true},
		{"", 0, false}, {" ", 0, false}, {"1.0", 0, false}, {"1e2", 0, false}, {"abc", 0, false}, {"1x", 0, false},
		{"_1", 0, false}, {"1_", 0, false}, {"1__0", 0, false}, {"+-1", 0, false}, {"--1", 0, false}, {"+", 0, false},
		{"99999999999999999999", 0, false}, {"0x10", 0, false},
	}
	for _, tt := range tests {
		if got, ok := pyInt(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("pyInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestIDsWithLeadingZeros: an id in a path or a query is read as Python's
// int reads it, so /api/projects/01 is project 1, as in Label Studio.
func TestIDsWithLeadingZeros(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Zeros")
	tid := e.importTasks(pid, 2)[0]
	if got := e.must("GET", "/api/projects/0"+itoa(pid), nil, http.StatusOK); int(got["id"].(float64)) != pid {
		t.Errorf("GET /api/projects/0%d: id %v, want %d", pid, got["id"], pid)
	}
	if got := e.must("GET", "/api/tasks/00"+itoa(tid), nil, http.StatusOK); int(got["id"].(float64)) != tid {
		t.Errorf("GET /api/tasks/00%d: id %v, want %d", tid, got["id"], tid)
	}
	list := e.must("GET", "/api/tasks?project=0"+itoa(pid), nil, http.StatusOK)
	if n := len(list["tasks"].([]any)); n != 2 {
		t.Errorf("GET /api/tasks?project=0%d: %d tasks, want 2", pid, n)
	}
	// Not an int for Python: the answers Label Studio 1.23.2 gave.
	refused := []struct{ path, field, msg string }{
		{"/api/tasks?project=1.0", "project", `Incorrect value in key "project" = "1.0". It should be digit string.`},
		{"/api/tasks?project=", "project", `Incorrect value in key "project" = "". It should be digit string.`},
		{"/api/tasks?project=abc&view=xyz", "view", `Incorrect value in key "view" = "xyz". It should be digit string.`},
		{"/api/dm/views?project=1.0", "project", "Select a valid choice. That choice is not one of the available choices."},
		{"/api/predictions?task=abc", "task", "Select a valid choice. That choice is not one of the available choices."},
		{"/api/webhooks?project=1.0", "project", "Select a valid choice. That choice is not one of the available choices."},
	}
	for _, r := range refused {
		status, body := e.call("GET", r.path, nil)
		env := mustEnvelope(t, "GET "+r.path, status, body, http.StatusBadRequest)
		if got := env.ValidationErrors[r.field]; len(env.ValidationErrors) != 1 || len(got) != 1 || got[0] != r.msg {
			t.Errorf("GET %s: validation_errors %v, want %s: %q", r.path, env.ValidationErrors, r.field, r.msg)
		}
	}
}

// TestRepeatedParametersCountByTheLast: Label Studio reads a repeated
// query parameter with Django's QueryDict.get, which gives the last
// value; Label Studio 1.23.2 answered these so.
func TestRepeatedParametersCountByTheLast(t *testing.T) {
	e := newAPI(t, Config{})
	a, b := e.project("Repeated A"), e.project("Repeated B")
	e.importTasks(a, 1)
	e.importTasks(b, 2)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"project=" + itoa(a) + "&project=" + itoa(b), 2},
		{"project=" + itoa(b) + "&project=" + itoa(a), 1},
		{"project=" + itoa(a) + "&page_size=1&page_size=5&project=" + itoa(b), 2},
	} {
		if n := len(e.must("GET", "/api/tasks?"+tc.query, nil, 200)["tasks"].([]any)); n != tc.want {
			t.Errorf("GET /api/tasks?%s: %d tasks, want %d", tc.query, n, tc.want)
		}
	}
	list := e.must("GET", "/api/projects?title=Repeated+A&title=Repeated+B", nil, 200)["results"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != float64(b) {
		t.Errorf("GET /api/projects?title=A&title=B: %v, want project %d only", list, b)
	}
	status, body := e.call("GET", "/api/projects/"+itoa(a)+"/export?exportType=CSV&exportType=JSON", nil)
	if status != 200 || !strings.HasPrefix(string(body), "[") {
		t.Errorf("export with exportType CSV then JSON: %d %.40s, want JSON", status, body)
	}
}
