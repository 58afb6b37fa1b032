package server

import (
	"net/http"
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
	if status, body := e.call("GET", "/api/tasks?project="+itoa(pid)+".0", nil); status != http.StatusBadRequest {
		t.Errorf("GET /api/tasks?project=%d.0: %d %s, want 400 (not an int for Python)", pid, status, body)
	}
}
