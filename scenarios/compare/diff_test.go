package compare

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffAnswers(t *testing.T) {
	n := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name       string
		real, mock any
		want       []string // Difference.String()
	}{
		{"same", map[string]any{"a": n("1"), "b": []any{"x"}}, map[string]any{"a": n("1"), "b": []any{"x"}}, nil},
		{"key only in real", map[string]any{"a": true}, map[string]any{}, []string{"response $.a: only in real (real true, mock -)"}},
		{"key only in mock", map[string]any{}, map[string]any{"a": nil}, []string{"response $.a: only in mock (real -, mock null)"}},
		{"type", map[string]any{"a": "1"}, map[string]any{"a": n("1")}, []string{`response $.a: type differs (real "1", mock 1)`}},
		{"null", map[string]any{"a": nil}, map[string]any{"a": n("0")}, []string{"response $.a: null differs (real null, mock 0)"}},
		{"value", map[string]any{"a": "x"}, map[string]any{"a": "y"}, []string{`response $.a: value differs (real "x", mock "y")`}},
		{"number form", map[string]any{"a": n("1.0")}, map[string]any{"a": n("1")}, []string{"response $.a: number form (real 1.0, mock 1)"}},
		{"equal numbers in one form", map[string]any{"a": n("1.50")}, map[string]any{"a": n("1.5")}, nil},
		{"length and items", []any{n("1"), n("2")}, []any{n("1")}, []string{"response $: length differs (real 2, mock 1)"}},
		{"nested", map[string]any{"p": map[string]any{"x": []any{map[string]any{"k": true}}}}, map[string]any{"p": map[string]any{"x": []any{map[string]any{"k": false}}}},
			[]string{"response $.p.x[0].k: value differs (real true, mock false)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			real := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "GET /api/x", Status: 200, Answer: tc.real}}}
			mock := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "GET /api/x", Status: 200, Answer: tc.mock}}}
			var got []string
			for _, d := range Diff(real, mock) {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Diff(%v, %v) (-want +got):\n%s", tc.real, tc.mock, diff)
			}
		})
	}
}

func TestDiffEventsAndHeaders(t *testing.T) {
	ev := func(hook, action string, h map[string]string, body any) Event {
		return Event{Webhook: hook, Action: action, Method: "POST", Headers: h, Body: body}
	}
	real := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "POST /api/projects/<project 1>/import", Status: 201, Events: []Event{
		ev("/", "TASKS_CREATED", map[string]string{"Connection": "keep-alive", "User-Agent": "python-requests/2.34.2"},
			map[string]any{"tasks": []any{map[string]any{"allow_skip": true}}}),
		ev("/", "TASKS_CREATED", map[string]string{}, map[string]any{}),
	}}}}
	mock := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "POST /api/projects/<project 1>/import", Status: 400, Events: []Event{
		ev("/", "TASKS_CREATED", map[string]string{"User-Agent": "python-requests/2.32.3", "Referer": "x"},
			map[string]any{"tasks": []any{map[string]any{}}}),
		ev("/org", "PROJECT_CREATED", map[string]string{}, map[string]any{}),
	}}}}
	var got []string
	var keys []string
	for _, d := range Diff(real, mock) {
		got = append(got, d.String())
		keys = append(keys, d.Key())
	}
	want := []string{
		"response status: status differs (real 201, mock 400)",
		"events PROJECT_CREATED at /org: only in mock (real 0, mock 1)",
		"events TASKS_CREATED at /: only in real (real 2, mock 1)",
		`event TASKS_CREATED at / #1 header Connection: only in real (real "keep-alive", mock -)`,
		`event TASKS_CREATED at / #1 header Referer: only in mock (real -, mock "x")`,
		`event TASKS_CREATED at / #1 header User-Agent: value differs (real "python-requests/2.34.2", mock "python-requests/2.32.3")`,
		"event TASKS_CREATED at / #1 $.tasks[0].allow_skip: only in real (real true, mock -)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	wantKeys := []string{
		"response POST /api/projects/{project}/import status: status differs",
		"events POST /api/projects/{project}/import PROJECT_CREATED at /org: only in mock",
		"events POST /api/projects/{project}/import TASKS_CREATED at /: only in real",
		"event header Connection: only in real",
		"event header Referer: only in mock",
		"event header User-Agent: value differs",
		"event task.allow_skip: only in real",
	}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("Key (-want +got):\n%s", diff)
	}
}

func TestDiffStepThatDidNotRun(t *testing.T) {
	real := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "POST /api/webhooks", Status: 404}, {Step: 2, Kind: "import_tasks", Error: "project: want an id, got nothing"}}}
	mock := Scenario{Name: "s", Steps: []Step{{Step: 1, Request: "POST /api/webhooks", Status: 201}, {Step: 2, Request: "POST /api/projects/<project 1>/import", Status: 201}, {Step: 3, Request: "GET /api/x", Status: 200}}}
	var got []string
	for _, d := range Diff(real, mock) {
		got = append(got, d.String())
	}
	want := []string{
		"response status: status differs (real 404, mock 201)",
		`step: step differs (real "not run: project: want an id, got nothing", mock "ran")`,
		`step: step differs (real -, mock "ran")`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
}

// A difference shows values as they were written: label configs and task
// text keep their <, > and & (json.Marshal would write \u003c).
func TestShowKeepsHTML(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"label config", "<View><Text name=\"t\" value=\"$t\"/></View>", `"<View><Text name=\"t\" value=\"$t\"/></View>"`},
		{"ampersand in an object", map[string]any{"text": "a & b"}, `{"text":"a & b"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := show(tc.in); got != tc.want {
				t.Errorf("show(%#v) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
