package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The tests in this file pin the webhooks REST API of
// docs/label-studio-behaviour.md#webhooks-api and its facts #fact-28 to
// #fact-35, #fact-38, #fact-40 and #fact-46 to #fact-48.

// webhookKeys is the webhook object's field order (docs/label-studio-behaviour.md#fact-31).
var webhookKeys = []string{"id", "organization", "project", "url", "send_payload", "send_for_all_actions",
	"headers", "is_active", "actions", "created_at", "updated_at"} // 1.23.2 has no consecutive_failures

// hookClock is the fixed clock of these tests, and hookStamp how the API writes it.
var hookClock = time.Date(2026, 2, 3, 4, 5, 6, 789000, time.UTC)

const hookStamp = "2026-02-03T04:05:06.000789Z"

func newHookAPI(t *testing.T) *apiEnv {
	return newAPI(t, Config{OrganizationWebhooks: true, Now: func() time.Time { return hookClock }})
}

// webhookList returns GET /api/webhooks as raw JSON, to compare states.
func webhookList(e *apiEnv) string {
	e.t.Helper()
	status, body := e.call("GET", "/api/webhooks", nil)
	if status != http.StatusOK {
		e.t.Fatalf("GET /api/webhooks: status %d; body %s", status, body)
	}
	return string(body)
}

// webhookJSON returns GET /api/webhooks/{id} as raw JSON.
func webhookJSON(e *apiEnv, id int) string {
	e.t.Helper()
	status, body := e.call("GET", "/api/webhooks/"+itoa(id), nil)
	if status != http.StatusOK {
		e.t.Fatalf("GET /api/webhooks/%d: status %d; body %s", id, status, body)
	}
	return string(body)
}

// pick keeps the keys of m that want names; actions are sorted, as their
// order is not significant (docs/label-studio-behaviour.md#the-webhook-object).
func pick(m map[string]any, want map[string]any) map[string]any {
	out := map[string]any{}
	for k := range want {
		v, ok := m[k]
		if !ok {
			out[k] = "<missing>"
			continue
		}
		if l, isList := v.([]any); isList && k == "actions" {
			s := make([]string, 0, len(l))
			for _, x := range l {
				s = append(s, fmt.Sprint(x))
			}
			slices.Sort(s)
			v = toAnyList(s)
		}
		out[k] = v
	}
	return out
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// decodeObject decodes a JSON object the way the tests compare it.
func decodeObject(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, body)
	}
	return m
}

// headersJSON is a headers object of n entries H01..Hn, in that order,
// and the Python repr of it.
func headersJSON(n int) (raw, repr string) {
	var j, r []string
	for i := 1; i <= n; i++ {
		j = append(j, fmt.Sprintf(`"H%02d": "v"`, i))
		r = append(r, fmt.Sprintf(`'H%02d': 'v'`, i))
	}
	return "{" + strings.Join(j, ", ") + "}", "{" + strings.Join(r, ", ") + "}"
}

func TestWebhookCreateRejects(t *testing.T) {
	e := newHookAPI(t)
	pid := e.project("Hooks")
	base := e.hookOn(pid, "http://127.0.0.1:1/base", nil)
	before := webhookList(e)
	long := "http://example.com/" + strings.Repeat("a", 2049-len("http://example.com/"))
	h11, h11repr := headersJSON(11)
	const url = `"url": "http://127.0.0.1:9000/hook"`
	tests := []struct {
		name string
		body string
		want map[string][]string
		// some means each wanted message must be among those sent (Label
		// Studio may add more); otherwise they must match exactly.
		some bool
	}{
		// url (docs/label-studio-behaviour.md#create-rules, #fact-47)
		{"url missing", `{}`, map[string][]string{"url": {"This field is required."}}, false},
		{"url missing with other fields", `{"project": ` + itoa(pid) + `, "send_payload": false}`, map[string][]string{"url": {"This field is required."}}, false},
		{"url blank", `{"url": ""}`, map[string][]string{"url": {"This field may not be blank."}}, false},
		{"url null", `{"url": null}`, map[string][]string{"url": {"This field may not be null."}}, false},
		{"url not a URL", `{"url": "not a url"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url without scheme", `{"url": "example.com/hook"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url javascript", `{"url": "javascript:alert(1)"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url mailto", `{"url": "mailto:a@example.com"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url file scheme", `{"url": "file:///etc/passwd"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url gopher scheme", `{"url": "gopher://example.com/"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url missing host", `{"url": "http://"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url empty host with path", `{"url": "http:///hook"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url space in host", `{"url": "http://exa mple.com/"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url space in path", `{"url": "http://example.com/a b"}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url longer than 2048", `{"url": "` + long + `"}`, map[string][]string{"url": {"Ensure this field has no more than 2048 characters."}}, true},
		{"url number", `{"url": 5}`, map[string][]string{"url": {"Enter a valid URL."}}, false},
		{"url bool", `{"url": true}`, map[string][]string{"url": {"Not a valid string."}}, false},
		{"url object", `{"url": {"href": "http://example.com/"}}`, map[string][]string{"url": {"Not a valid string."}}, false},
		{"url list", `{"url": ["http://example.com/"]}`, map[string][]string{"url": {"Not a valid string."}}, false},

		// headers (docs/label-studio-behaviour.md#header-rules, #fact-28, #fact-46)
		{"11 headers", `{` + url + `, "headers": ` + h11 + `}`, map[string][]string{"headers": {h11repr + " failed JSON schema check"}}, false},
		{"header name with space", `{` + url + `, "headers": {"a b": "x"}}`, map[string][]string{"headers": {"{'a b': 'x'} failed JSON schema check"}}, false},
		{"header name with dot", `{` + url + `, "headers": {"a.b": "x"}}`, map[string][]string{"headers": {"{'a.b': 'x'} failed JSON schema check"}}, false},
		{"header name with colon", `{` + url + `, "headers": {"a:b": "x"}}`, map[string][]string{"headers": {"{'a:b': 'x'} failed JSON schema check"}}, false},
		{"header name empty", `{` + url + `, "headers": {"": "x"}}`, map[string][]string{"headers": {"{'': 'x'} failed JSON schema check"}}, false},
		{"header keys keep their order in the message", `{` + url + `, "headers": {"b": "1", "a b": "x"}}`,
			map[string][]string{"headers": {"{'b': '1', 'a b': 'x'} failed JSON schema check"}}, false},
		{"header value with a quote", `{` + url + `, "headers": {"a b": "it's"}}`, map[string][]string{"headers": {`{'a b': "it's"} failed JSON schema check`}}, false},
		{"header value number", `{` + url + `, "headers": {"X-Num": 1}}`, map[string][]string{"headers": {"{'X-Num': 1} failed JSON schema check"}}, false},
		{"header value bool", `{` + url + `, "headers": {"X-Bool": true}}`, map[string][]string{"headers": {"{'X-Bool': True} failed JSON schema check"}}, false},
		{"header value null", `{` + url + `, "headers": {"X-Null": null}}`, map[string][]string{"headers": {"{'X-Null': None} failed JSON schema check"}}, false},
		{"header value object", `{` + url + `, "headers": {"X-Obj": {"a": "b"}}}`, map[string][]string{"headers": {"{'X-Obj': {'a': 'b'}} failed JSON schema check"}}, false},
		{"headers a string", `{` + url + `, "headers": "Authorization: Token x"}`, map[string][]string{"headers": {"Authorization: Token x failed JSON schema check"}}, false},
		{"headers a list", `{` + url + `, "headers": [["a", "b"]]}`, map[string][]string{"headers": {"[['a', 'b']] failed JSON schema check"}}, false},
		{"headers a number", `{` + url + `, "headers": 5}`, map[string][]string{"headers": {"5 failed JSON schema check"}}, false},
		{"headers null", `{` + url + `, "headers": null}`, map[string][]string{"headers": {"This field may not be null."}}, false},

		// actions (docs/label-studio-behaviour.md#create-rules, #fact-29, #fact-30)
		{"unknown action", `{` + url + `, "actions": ["FOO"]}`, map[string][]string{"actions.0": {`"FOO" is not a valid choice.`}}, false},
		{"unknown among known", `{` + url + `, "actions": ["TASKS_CREATED", "FOO"]}`, map[string][]string{"actions.1": {`"FOO" is not a valid choice.`}}, false},
		{"review action is Enterprise-only", `{` + url + `, "actions": ["REVIEW_CREATED"]}`, map[string][]string{"actions.0": {`"REVIEW_CREATED" is not a valid choice.`}}, false},
		// labelhook appends a hint to Label Studio's message for near misses.
		{"action in lower case", `{` + url + `, "actions": ["tasks_created"]}`, map[string][]string{"actions.0": {`"tasks_created" is not a valid choice.`}}, false},
		{"documentation-only action name", `{` + url + `, "actions": ["TASK_CREATED"]}`, map[string][]string{"actions.0": {`"TASK_CREATED" is not a valid choice.`}}, false},
		{"action number", `{` + url + `, "actions": [5]}`, map[string][]string{"actions.0": {`"5" is not a valid choice.`}}, false},
		{"actions a string", `{` + url + `, "actions": "TASKS_CREATED"}`, map[string][]string{"actions": {`Expected a list of items but got type "str".`}}, false},
		{"actions an object", `{` + url + `, "actions": {"TASKS_CREATED": true}}`, map[string][]string{"actions": {`Expected a list of items but got type "dict".`}}, false},
		{"actions null", `{` + url + `, "actions": null}`, map[string][]string{"actions": {"This field may not be null."}}, false},
		{"project webhook with PROJECT_CREATED", `{` + url + `, "project": ` + itoa(pid) + `, "actions": ["PROJECT_CREATED"]}`,
			map[string][]string{"non_field_errors": {"Project webhook can't contain organization-only action."}}, false},
		{"project webhook with PROJECT_DELETED among others", `{` + url + `, "project": ` + itoa(pid) + `, "actions": ["TASKS_CREATED", "PROJECT_DELETED"]}`,
			map[string][]string{"non_field_errors": {"Project webhook can't contain organization-only action."}}, false},

		// project (docs/label-studio-behaviour.md#create-rules)
		{"unknown project", `{` + url + `, "project": 999}`, map[string][]string{"project": {`Invalid pk "999" - object does not exist.`}}, false},
		{"project a string", `{` + url + `, "project": "abc"}`, map[string][]string{"project": {"Incorrect type. Expected pk value, received str."}}, false},
		{"project a bool", `{` + url + `, "project": true}`, map[string][]string{"project": {"Incorrect type. Expected pk value, received bool."}}, false},
		{"project an object", `{` + url + `, "project": {"id": ` + itoa(pid) + `}}`, map[string][]string{"project": {"Incorrect type. Expected pk value, received dict."}}, false},

		// booleans
		{"send_payload not a boolean", `{` + url + `, "send_payload": "sometimes"}`, map[string][]string{"send_payload": {"Must be a valid boolean."}}, false},
		{"is_active null", `{` + url + `, "is_active": null}`, map[string][]string{"is_active": {"This field may not be null."}}, false},
		{"send_for_all_actions a list", `{` + url + `, "send_for_all_actions": []}`, map[string][]string{"send_for_all_actions": {"Must be a valid boolean."}}, false},

		// several at once: every field error is reported
		{"errors on several fields", `{"url": "nope", "headers": {"a b": "x"}, "actions": ["FOO"], "project": 999}`, map[string][]string{
			"url":       {"Enter a valid URL."},
			"headers":   {"{'a b': 'x'} failed JSON schema check"},
			"actions.0": {`"FOO" is not a valid choice.`},
			"project":   {`Invalid pk "999" - object does not exist.`},
		}, false},
		// the organization-only check runs only once the fields are valid
		{"field errors before the organization-only check", `{"url": "nope", "project": ` + itoa(pid) + `, "actions": ["PROJECT_CREATED"]}`,
			map[string][]string{"url": {"Enter a valid URL."}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", "/api/webhooks/", tc.body)
			env := mustEnvelope(t, "POST /api/webhooks/ "+tc.body, status, body, http.StatusBadRequest)
			if env.Detail != "Validation error" {
				t.Errorf("POST %s: detail %q, want %q", tc.body, env.Detail, "Validation error")
			}
			got := map[string][]string(env.ValidationErrors)
			if tc.some {
				got = map[string][]string{}
				for k, msgs := range tc.want {
					for _, m := range msgs {
						if slices.Contains(env.ValidationErrors[k], m) {
							got[k] = append(got[k], m)
						}
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("POST /api/webhooks/ %.300s\nvalidation_errors (-want +got):\n%s\nbody %s", tc.body, diff, body)
			}
			if after := webhookList(e); after != before {
				t.Errorf("POST %.300s changed the webhook list:\nbefore %s\nafter  %s", tc.body, before, after)
			}
		})
	}
	// The rejected creates used no id.
	next := e.hookOn(0, "http://127.0.0.1:1/next", nil)
	if next != base+1 {
		t.Errorf("first webhook after the rejected creates has id %d, want %d", next, base+1)
	}
}

func TestWebhookCreateAccepts(t *testing.T) {
	exact2048 := "http://example.com/" + strings.Repeat("a", 2048-len("http://example.com/"))
	h10, _ := headersJSON(10)
	var h10want = map[string]any{}
	for i := 1; i <= 10; i++ {
		h10want[fmt.Sprintf("H%02d", i)] = "v"
	}
	tests := []struct {
		name       string
		body       string // {project} is the test project's id
		want       map[string]any
		wantHeader []string // headers key order, when set
	}{
		{"defaults", `{"url": "http://127.0.0.1:9000/hook"}`, map[string]any{
			"organization": 1.0, "project": nil, "url": "http://127.0.0.1:9000/hook", "send_payload": true,
			"send_for_all_actions": true, "headers": map[string]any{}, "is_active": true,
			"consecutive_failures": "<missing>", "actions": []any{}, "created_at": hookStamp, "updated_at": hookStamp,
		}, nil},
		{"project webhook", `{"url": "http://127.0.0.1:9000/hook", "project": {project}}`, map[string]any{"project": "{project}"}, nil},
		{"project as a numeric string", `{"url": "http://127.0.0.1:9000/hook", "project": "{project}"}`, map[string]any{"project": "{project}"}, nil},
		{"project null is organization-level", `{"url": "http://127.0.0.1:9000/hook", "project": null}`, map[string]any{"project": nil}, nil},
		{"http", `{"url": "http://example.com/hook"}`, map[string]any{"url": "http://example.com/hook"}, nil},
		{"https with port and query", `{"url": "https://example.com:8443/a/b?c=d&e=f"}`, map[string]any{"url": "https://example.com:8443/a/b?c=d&e=f"}, nil},
		{"ftp", `{"url": "ftp://files.example.com/drop"}`, map[string]any{"url": "ftp://files.example.com/drop"}, nil},
		{"ftps", `{"url": "ftps://files.example.com/drop"}`, map[string]any{"url": "ftps://files.example.com/drop"}, nil},
		{"upper-case scheme", `{"url": "HTTP://EXAMPLE.COM/Hook"}`, map[string]any{"url": "HTTP://EXAMPLE.COM/Hook"}, nil},
		{"loopback with port", `{"url": "http://127.0.0.1:65535/hook"}`, map[string]any{"url": "http://127.0.0.1:65535/hook"}, nil},
		{"localhost with port", `{"url": "http://localhost:8080/webhook"}`, map[string]any{"url": "http://localhost:8080/webhook"}, nil},
		{"IPv6 loopback", `{"url": "http://[::1]:8080/hook"}`, map[string]any{"url": "http://[::1]:8080/hook"}, nil},
		{"url of exactly 2048 characters", `{"url": "` + exact2048 + `"}`, map[string]any{"url": exact2048}, nil},
		{"exactly 10 headers", `{"url": "http://127.0.0.1:9000/hook", "headers": ` + h10 + `}`, map[string]any{"headers": h10want},
			[]string{"H01", "H02", "H03", "H04", "H05", "H06", "H07", "H08", "H09", "H10"}},
		{"header names with digits, dash and underscore keep their order", `{"url": "http://127.0.0.1:9000/hook", "headers": {"X_b-2": "", "Authorization": "Token abc"}}`,
			map[string]any{"headers": map[string]any{"X_b-2": "", "Authorization": "Token abc"}}, []string{"X_b-2", "Authorization"}},
		{"duplicate header name keeps the last value", `{"url": "http://127.0.0.1:9000/hook", "headers": {"A": "1", "A": "2"}}`,
			map[string]any{"headers": map[string]any{"A": "2"}}, nil},
		{"duplicate actions collapse", `{"url": "http://127.0.0.1:9000/hook", "actions": ["TASKS_CREATED", "TASKS_CREATED", "ANNOTATION_CREATED"]}`,
			map[string]any{"actions": []any{"ANNOTATION_CREATED", "TASKS_CREATED"}}, nil},
		{"every action on an organization webhook", `{"url": "http://127.0.0.1:9000/hook", "actions": ["PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED", "TASKS_CREATED", "TASKS_DELETED", "ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "LABEL_LINK_CREATED", "LABEL_LINK_UPDATED", "LABEL_LINK_DELETED"]}`,
			map[string]any{"project": nil, "actions": toAnyList([]string{"ANNOTATIONS_CREATED", "ANNOTATIONS_DELETED", "ANNOTATION_CREATED", "ANNOTATION_UPDATED", "LABEL_LINK_CREATED", "LABEL_LINK_DELETED", "LABEL_LINK_UPDATED", "PROJECT_CREATED", "PROJECT_DELETED", "PROJECT_UPDATED", "TASKS_CREATED", "TASKS_DELETED"})}, nil},
		{"organization-only actions on an organization webhook", `{"url": "http://127.0.0.1:9000/hook", "project": null, "actions": ["PROJECT_CREATED", "PROJECT_DELETED"]}`,
			map[string]any{"project": nil, "actions": []any{"PROJECT_CREATED", "PROJECT_DELETED"}}, nil},
		{"project webhook with project actions", `{"url": "http://127.0.0.1:9000/hook", "project": {project}, "actions": ["PROJECT_UPDATED"]}`,
			map[string]any{"project": "{project}", "actions": []any{"PROJECT_UPDATED"}}, nil},
		{"booleans as DRF reads them", `{"url": "http://127.0.0.1:9000/hook", "send_payload": "false", "send_for_all_actions": 0, "is_active": "True"}`,
			map[string]any{"send_payload": false, "send_for_all_actions": false, "is_active": true}, nil},
		{"read-only fields are ignored", `{"url": "http://127.0.0.1:9000/hook", "id": 777, "organization": 42, "consecutive_failures": 9, "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z"}`,
			map[string]any{"id": 1.0, "organization": 1.0, "consecutive_failures": "<missing>", "created_at": hookStamp, "updated_at": hookStamp}, nil},
		{"unknown fields are ignored", `{"url": "http://127.0.0.1:9000/hook", "secret": "s3cret", "signature": true}`,
			map[string]any{"url": "http://127.0.0.1:9000/hook"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHookAPI(t)
			pid := e.project("Hooks")
			body := strings.ReplaceAll(tc.body, "{project}", itoa(pid))
			status, out := e.call("POST", "/api/webhooks", body)
			if status != http.StatusCreated {
				t.Fatalf("POST /api/webhooks %s: status %d, want 201; body %s", body, status, out)
			}
			got := decodeObject(t, out)
			want := map[string]any{}
			for k, v := range tc.want {
				if v == "{project}" {
					v = float64(pid)
				}
				want[k] = v
			}
			if diff := cmp.Diff(want, pick(got, want)); diff != "" {
				t.Errorf("POST /api/webhooks %.300s (-want +got):\n%s", body, diff)
			}
			if tc.wantHeader != nil {
				var raw struct{ Headers json.RawMessage }
				_ = json.Unmarshal(out, &raw)
				if diff := cmp.Diff(tc.wantHeader, objectKeyOrder(t, raw.Headers)); diff != "" {
					t.Errorf("headers key order (-want +got):\n%s", diff)
				}
			}
			// What was answered is what is stored.
			if stored := webhookJSON(e, int(got["id"].(float64))); stored != string(out) {
				t.Errorf("GET after create differs from the create answer:\ncreate %s\nget    %s", out, stored)
			}
		})
	}
}

func TestWebhookFieldOrder(t *testing.T) {
	e := newHookAPI(t)
	pid := e.project("Order")
	hid := e.hookOn(pid, "http://127.0.0.1:1/hook", map[string]any{"headers": map[string]any{"A": "b"}, "actions": []string{"TASKS_CREATED"}})
	path := "/api/webhooks/" + itoa(hid)
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"create", "POST", "/api/webhooks", map[string]any{"url": "http://127.0.0.1:1/other"}, 201},
		{"get", "GET", path, nil, 200},
		{"patch", "PATCH", path, map[string]any{"send_payload": false}, 200},
		{"put", "PUT", path, map[string]any{"url": "http://127.0.0.1:1/put"}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := e.call(tc.method, tc.path, tc.body)
			if status != tc.want {
				t.Fatalf("%s %s: status %d, want %d; body %s", tc.method, tc.path, status, tc.want, out)
			}
			if diff := cmp.Diff(webhookKeys, objectKeyOrder(t, out)); diff != "" {
				t.Errorf("%s %s: keys (-want +got):\n%s", tc.method, tc.path, diff)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		status, out := e.call("GET", "/api/webhooks", nil)
		var items []json.RawMessage
		if status != 200 || json.Unmarshal(out, &items) != nil || len(items) != 2 {
			t.Fatalf("GET /api/webhooks: status %d, want 200 and a plain array of 2; body %s", status, out)
		}
		for _, it := range items {
			if diff := cmp.Diff(webhookKeys, objectKeyOrder(t, it)); diff != "" {
				t.Errorf("list item keys (-want +got):\n%s", diff)
			}
		}
	})
}

func TestWebhookListFilter(t *testing.T) {
	e := newHookAPI(t)
	a := e.project("Project A")
	b := e.project("Project B")
	c := e.project("Project C")
	a1 := e.hookOn(a, "http://127.0.0.1:1/a1", nil)
	org1 := e.hookOn(0, "http://127.0.0.1:1/org1", nil)
	b1 := e.hookOn(b, "http://127.0.0.1:1/b1", nil)
	a2 := e.hookOn(a, "http://127.0.0.1:1/a2", nil)
	org2 := e.hookOn(0, "http://127.0.0.1:1/org2", nil)
	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{a1, org1, b1, a2, org2}},
		{"?project=", []int{a1, org1, b1, a2, org2}},
		{"?project=" + itoa(a), []int{a1, a2}},
		{"?project=" + itoa(b), []int{b1}},
		{"?project=" + itoa(c), []int{}},
		{"?project=999", []int{}}, // a well-formed id of no project: an empty array
		{"?project=-1", []int{}},
		{"?project=isnull", []int{org1, org2}},
		{"?project=null", []int{org1, org2}}, // django-filter's null value
		{"?other=1", []int{a1, org1, b1, a2, org2}},
	}
	for _, tc := range tests {
		for _, slash := range []string{"", "/"} {
			path := "/api/webhooks" + slash + tc.query
			t.Run(path, func(t *testing.T) {
				list := e.mustList("GET", path, nil, 200)
				got := []int{}
				for _, it := range list {
					got = append(got, int(it.(map[string]any)["id"].(float64)))
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("GET %s: ids (-want +got):\n%s", path, diff)
				}
			})
		}
	}
	rejects := []string{"?project=abc", "?project=1.5x", "?project=ISNULL"}
	for _, q := range rejects {
		t.Run("rejects "+q, func(t *testing.T) {
			status, body := e.call("GET", "/api/webhooks/"+q, nil)
			env := mustEnvelope(t, "GET /api/webhooks/"+q, status, body, http.StatusBadRequest)
			want := map[string][]string{"project": {"Select a valid choice. That choice is not one of the available choices."}}
			if diff := cmp.Diff(want, map[string][]string(env.ValidationErrors)); diff != "" {
				t.Errorf("GET /api/webhooks/%s: validation_errors (-want +got):\n%s", q, diff)
			}
		})
	}
}

func TestWebhookStatuses(t *testing.T) {
	e := newHookAPI(t)
	pid := e.project("Statuses")
	hid := e.hookOn(pid, "http://127.0.0.1:1/hook", nil)
	p := "/api/webhooks/" + itoa(hid)
	steps := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", p, nil, 200},
		{"GET", p + "/", nil, 200},
		{"PUT", p, map[string]any{"url": "http://127.0.0.1:1/put"}, 200},
		{"PATCH", p + "/", map[string]any{"url": "http://127.0.0.1:1/patch"}, 200},
		{"DELETE", p + "/", nil, 204},
		{"GET", p, nil, 404},
		{"PATCH", p, map[string]any{"is_active": true}, 404},
		{"PUT", p, map[string]any{"url": "http://127.0.0.1:1/put"}, 404},
		{"DELETE", p, nil, 404},
		// A missing webhook is 404 whatever the body holds.
		{"PATCH", p, map[string]any{"url": "not a url"}, 404},
		{"PUT", p, `{"url": `, 404},
		{"PATCH", "/api/webhooks/0", nil, 404},
	}
	for i, st := range steps {
		status, body := e.call(st.method, st.path, st.body)
		what := fmt.Sprintf("step %d: %s %s %v", i, st.method, st.path, st.body)
		switch {
		case st.want == 204:
			if status != 204 || len(body) != 0 {
				t.Errorf("%s: status %d body %q, want 204 with an empty body", what, status, body)
			}
		case st.want == 404:
			if env := mustEnvelope(t, what, status, body, 404); env.Detail != "No Webhook matches the given query." {
				t.Errorf("%s: detail %q, want %q", what, env.Detail, "No Webhook matches the given query.")
			}
		case status != st.want:
			t.Errorf("%s: status %d, want %d; body %s", what, status, st.want, body)
		}
	}
	if l := e.mustList("GET", "/api/webhooks", nil, 200); len(l) != 0 {
		t.Errorf("webhooks after DELETE: %v, want []", l)
	}
}

func TestWebhookUpdate(t *testing.T) {
	tests := []struct {
		name   string
		create map[string]any // extra fields of the webhook, on the test project
		method string
		body   string // {project} is the test project, {other} another project
		want   map[string]any
	}{
		// docs/label-studio-behaviour.md#fact-34
		{"PATCH without actions clears them (fact 34)",
			map[string]any{"send_for_all_actions": false, "actions": []string{"ANNOTATION_CREATED", "TASKS_CREATED"}},
			"PATCH", `{"is_active": true}`, map[string]any{"actions": []any{}, "send_for_all_actions": false, "is_active": true}},
		{"PUT without actions clears them",
			map[string]any{"actions": []string{"TASKS_CREATED"}},
			"PUT", `{"url": "http://127.0.0.1:1/put"}`, map[string]any{"actions": []any{}, "url": "http://127.0.0.1:1/put"}},
		{"PATCH with actions replaces them and collapses duplicates",
			map[string]any{"actions": []string{"TASKS_CREATED"}},
			"PATCH", `{"actions": ["ANNOTATION_UPDATED", "ANNOTATION_UPDATED", "TASKS_DELETED"]}`, map[string]any{"actions": []any{"ANNOTATION_UPDATED", "TASKS_DELETED"}}},
		// docs/label-studio-behaviour.md#fact-35
		{"PATCH project null is ignored (fact 35)", nil,
			"PATCH", `{"project": null}`, map[string]any{"project": "{project}"}},
		{"PATCH project to another project is ignored", nil,
			"PATCH", `{"project": {other}}`, map[string]any{"project": "{project}"}},
		{"PATCH project to an unknown id is ignored", nil,
			"PATCH", `{"project": 999}`, map[string]any{"project": "{project}"}},
		{"PUT project is ignored", nil,
			"PUT", `{"url": "http://127.0.0.1:1/put", "project": null}`, map[string]any{"project": "{project}"}},
		{"PATCH may add PROJECT_CREATED to a project webhook", nil,
			"PATCH", `{"actions": ["PROJECT_CREATED", "TASKS_CREATED"]}`, map[string]any{"project": "{project}", "actions": []any{"PROJECT_CREATED", "TASKS_CREATED"}}},
		{"PUT may add PROJECT_DELETED to a project webhook", nil,
			"PUT", `{"url": "http://127.0.0.1:1/put", "actions": ["PROJECT_DELETED"]}`, map[string]any{"project": "{project}", "actions": []any{"PROJECT_DELETED"}}},
		{"PATCH keeps fields it does not name",
			map[string]any{"send_payload": false, "headers": map[string]any{"A": "1"}},
			"PATCH", `{"is_active": false}`, map[string]any{"send_payload": false, "headers": map[string]any{"A": "1"}, "is_active": false, "url": "http://127.0.0.1:1/hook"}},
		{"PUT keeps fields it does not name",
			map[string]any{"send_payload": false, "headers": map[string]any{"A": "1"}},
			"PUT", `{"url": "http://127.0.0.1:1/put"}`, map[string]any{"send_payload": false, "headers": map[string]any{"A": "1"}, "is_active": true}},
		{"PATCH headers replaces them", map[string]any{"headers": map[string]any{"A": "1", "B": "2"}},
			"PATCH", `{"headers": {"C": "3"}}`, map[string]any{"headers": map[string]any{"C": "3"}}},
		{"PATCH headers to {} clears them", map[string]any{"headers": map[string]any{"A": "1"}},
			"PATCH", `{"headers": {}}`, map[string]any{"headers": map[string]any{}}},
		// docs/label-studio-behaviour.md#fact-48
		{"read-only fields are ignored (fact 48)", nil,
			"PATCH", `{"id": 777, "organization": 42, "consecutive_failures": 9, "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z"}`,
			map[string]any{"id": "{hook}", "organization": 1.0, "consecutive_failures": "<missing>", "created_at": hookStamp, "updated_at": hookStamp}},
		// docs/label-studio-behaviour.md#fact-48
		{"PUT read-only fields are ignored (fact 48)", nil,
			"PUT", `{"url": "http://127.0.0.1:1/put", "id": 777, "organization": 42, "consecutive_failures": 9, "created_at": "2000-01-01T00:00:00Z"}`,
			map[string]any{"id": "{hook}", "organization": 1.0, "consecutive_failures": "<missing>", "created_at": hookStamp}},
		{"empty PATCH", map[string]any{"send_payload": false},
			"PATCH", `{}`, map[string]any{"send_payload": false, "url": "http://127.0.0.1:1/hook"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHookAPI(t)
			pid := e.project("Update")
			other := e.project("Other")
			hid := e.hookOn(pid, "http://127.0.0.1:1/hook", tc.create)
			path := "/api/webhooks/" + itoa(hid) + "/"
			body := strings.NewReplacer("{project}", itoa(pid), "{other}", itoa(other)).Replace(tc.body)
			status, out := e.call(tc.method, path, body)
			if status != http.StatusOK {
				t.Fatalf("%s %s %s: status %d, want 200; body %s", tc.method, path, body, status, out)
			}
			want := map[string]any{}
			for k, v := range tc.want {
				switch v {
				case "{project}":
					v = float64(pid)
				case "{hook}":
					v = float64(hid)
				}
				want[k] = v
			}
			got := decodeObject(t, out)
			if diff := cmp.Diff(want, pick(got, want)); diff != "" {
				t.Errorf("%s %s %s (-want +got):\n%s", tc.method, path, body, diff)
			}
			if stored := webhookJSON(e, hid); stored != string(out) {
				t.Errorf("GET after %s differs from its answer:\n%s %s\nget   %s", tc.method, tc.method, out, stored)
			}
		})
	}
}

func TestWebhookUpdateRejects(t *testing.T) {
	e := newHookAPI(t)
	pid := e.project("Rejects")
	hid := e.hookOn(pid, "http://127.0.0.1:1/hook", map[string]any{
		"headers": map[string]any{"A": "1"}, "actions": []string{"TASKS_CREATED"}, "send_for_all_actions": false,
	})
	path := "/api/webhooks/" + itoa(hid)
	tests := []struct {
		name, method, body string
		want               map[string][]string // nil: not a validation error (parse error)
	}{
		{"PUT without url", "PUT", `{"is_active": false}`, map[string][]string{"url": {"This field is required."}}},
		{"PATCH invalid url", "PATCH", `{"url": "javascript:alert(1)", "is_active": false}`, map[string][]string{"url": {"Enter a valid URL."}}},
		{"PATCH null url", "PATCH", `{"url": null}`, map[string][]string{"url": {"This field may not be null."}}},
		{"PATCH 11 headers", "PATCH", `{"headers": ` + func() string { h, _ := headersJSON(11); return h }() + `}`, nil},
		{"PATCH header name with colon", "PATCH", `{"headers": {"X:Y": "1"}}`, map[string][]string{"headers": {"{'X:Y': '1'} failed JSON schema check"}}},
		{"PATCH headers null", "PATCH", `{"headers": null}`, map[string][]string{"headers": {"This field may not be null."}}},
		{"PATCH unknown action", "PATCH", `{"actions": ["TASK_CREATED"], "send_payload": false}`, nil},
		{"PATCH is_active not a boolean", "PATCH", `{"is_active": "yes please"}`, map[string][]string{"is_active": {"Must be a valid boolean."}}},
		{"PATCH body a list", "PATCH", `[{"is_active": false}]`, map[string][]string{"non_field_errors": {"Invalid data. Expected a dictionary, but got list."}}},
		{"PATCH malformed JSON", "PATCH", `{"is_active": fals}`, nil},
	}
	before := webhookJSON(e, hid)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := e.call(tc.method, path, tc.body)
			env := mustEnvelope(t, tc.method+" "+path+" "+tc.body, status, out, http.StatusBadRequest)
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, map[string][]string(env.ValidationErrors)); diff != "" {
					t.Errorf("%s %s %s: validation_errors (-want +got):\n%s", tc.method, path, tc.body, diff)
				}
			}
			if after := webhookJSON(e, hid); after != before {
				t.Errorf("%s %s %s changed the webhook:\nbefore %s\nafter  %s", tc.method, path, tc.body, before, after)
			}
		})
	}
}

func TestWebhookFailureCountReset(t *testing.T) {
	const hookURL = "{receiver}"
	tests := []struct {
		name      string
		threshold int
		failures  int
		steps     []string // PATCH bodies in order; {receiver} is the receiver's URL
		put       bool     // send the last step as PUT
		want      float64
		wantOn    bool
	}{
		{"no change keeps the count", 100, 2, []string{`{}`}, false, 2, true},
		{"is_active true on an active webhook keeps the count", 100, 2, []string{`{"is_active": true}`}, false, 2, true},
		{"deactivation keeps the count", 100, 2, []string{`{"is_active": false}`}, false, 2, false},
		{"re-activation resets", 100, 2, []string{`{"is_active": false}`, `{"is_active": true}`}, false, 0, true},
		// docs/label-studio-behaviour.md#fact-26
		{"re-activation after auto-disable resets (fact 26)", 2, 2, []string{`{"is_active": true}`}, false, 0, true},
		{"auto-disabled webhook stays off and counted without re-activation", 2, 2, []string{`{"send_payload": false}`}, false, 2, false},
		{"url change resets", 100, 2, []string{`{"url": "http://127.0.0.1:1/elsewhere"}`}, false, 0, true},
		{"same url keeps the count", 100, 2, []string{`{"url": "` + hookURL + `"}`}, false, 2, true},
		{"headers change resets", 100, 2, []string{`{"headers": {"X-Token": "new"}}`}, false, 0, true},
		{"same headers keep the count", 100, 2, []string{`{"headers": {"X-Token": "t", "X-Other": "o"}}`}, false, 2, true},
		{"same headers in another order keep the count", 100, 2, []string{`{"headers": {"X-Other": "o", "X-Token": "t"}}`}, false, 2, true},
		{"other fields keep the count", 100, 2, []string{`{"send_payload": false, "send_for_all_actions": false, "actions": ["TASKS_CREATED"]}`}, false, 2, true},
		{"PUT with the same url keeps the count", 100, 2, []string{`{"url": "` + hookURL + `"}`}, true, 2, true},
		{"PUT with a new url resets", 100, 2, []string{`{"url": "http://127.0.0.1:1/put"}`}, true, 0, true},
		{"PUT re-activation resets", 100, 2, []string{`{"is_active": false}`, `{"url": "` + hookURL + `", "is_active": true}`}, true, 0, true},
		{"a rejected PATCH keeps the count", 100, 2, []string{`{"url": "not a url", "is_active": false}`}, false, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookReceiver(t)
			h.setRespond(func(int) (int, time.Duration) { return http.StatusInternalServerError, 0 })
			e := newAPI(t, Config{MaxConsecutiveFailures: tc.threshold})
			pid := e.project("Failing")
			hid := e.hookOn(pid, h.URL, map[string]any{"headers": map[string]any{"X-Token": "t", "X-Other": "o"}})
			for range tc.failures {
				e.importTasks(pid, 1)
			}
			path := "/api/webhooks/" + itoa(hid) + "/"
			w := e.must("GET", path, nil, 200)
			if w["consecutive_failures"] != float64(tc.failures) {
				t.Fatalf("after %d failed deliveries: consecutive_failures %v, want %d", tc.failures, w["consecutive_failures"], tc.failures)
			}
			for i, step := range tc.steps {
				body := strings.ReplaceAll(step, hookURL, h.URL)
				method := "PATCH"
				if tc.put && i == len(tc.steps)-1 {
					method = "PUT"
				}
				status, out := e.call(method, path, body)
				if status != 200 && status != 400 {
					t.Fatalf("%s %s: status %d; body %s", method, body, status, out)
				}
			}
			w = e.must("GET", path, nil, 200)
			if w["consecutive_failures"] != tc.want || w["is_active"] != tc.wantOn {
				t.Errorf("after %v: consecutive_failures %v is_active %v, want %v %v", tc.steps, w["consecutive_failures"], w["is_active"], tc.want, tc.wantOn)
			}
		})
	}
}

func TestWebhookInfo(t *testing.T) {
	e := newHookAPI(t)
	all := []string{"PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED", "TASKS_CREATED", "TASKS_DELETED",
		"ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED",
		"LABEL_LINK_CREATED", "LABEL_LINK_UPDATED", "LABEL_LINK_DELETED"}
	notOrgOnly := slices.DeleteFunc(slices.Clone(all), func(a string) bool { return a == "PROJECT_CREATED" || a == "PROJECT_DELETED" })
	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"?organization-only=true", []string{"PROJECT_CREATED", "PROJECT_DELETED"}},
		{"?organization-only=false", notOrgOnly},
		// Label Studio compares with == 'true': anything else means false.
		{"?organization-only=True", notOrgOnly},
		{"?organization-only=1", notOrgOnly},
		{"?organization-only=", notOrgOnly},
		{"?organization-only=yes", notOrgOnly},
	}
	for _, tc := range tests {
		for _, base := range []string{"/api/webhooks/info", "/api/webhooks/info/"} {
			path := base + tc.query
			t.Run(path, func(t *testing.T) {
				status, body := e.callHeader("GET", path, nil, http.Header{})
				if status != http.StatusOK {
					t.Fatalf("GET %s without credentials: status %d, want 200; body %s", path, status, body)
				}
				if diff := cmp.Diff(tc.want, objectKeyOrder(t, body)); diff != "" {
					t.Errorf("GET %s: keys (-want +got):\n%s", path, diff)
				}
			})
		}
	}
	t.Run("entries", func(t *testing.T) {
		_, body := e.callHeader("GET", "/api/webhooks/info/", nil, http.Header{})
		var got map[string]json.RawMessage
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		// name, description, key (the payload key, WebhookAction.ACTIONS[…]['key']), organization-only
		want := map[string][4]any{
			"PROJECT_CREATED":     {"Project created", "", "project", true},
			"PROJECT_UPDATED":     {"Project updated", "", "project", false},
			"PROJECT_DELETED":     {"Project deleted", "", "project", true},
			"TASKS_CREATED":       {"Task created", "", "tasks", false},
			"TASKS_DELETED":       {"Task deleted", "", "tasks", false},
			"ANNOTATION_CREATED":  {"Annotation created", "", "annotation", false},
			"ANNOTATIONS_CREATED": {"Annotations created", "", "annotation", false},
			"ANNOTATION_UPDATED":  {"Annotation updated", "", "annotation", false},
			"ANNOTATIONS_DELETED": {"Annotation deleted", "", "annotations", false},
			"LABEL_LINK_CREATED":  {"Label link created", "", "label_link", false},
			"LABEL_LINK_UPDATED":  {"Label link updated", "", "label_link", false},
			"LABEL_LINK_DELETED":  {"Label link deleted", "", "label_link", false},
		}
		for action, w := range want {
			raw, ok := got[action]
			if !ok {
				t.Errorf("%s missing", action)
				continue
			}
			if diff := cmp.Diff([]string{"name", "description", "key", "organization-only"}, objectKeyOrder(t, raw)); diff != "" {
				t.Errorf("%s: keys (-want +got):\n%s", action, diff)
			}
			wantObj := map[string]any{"name": w[0], "description": w[1], "key": w[2], "organization-only": w[3]}
			if diff := cmp.Diff(wantObj, decodeObject(t, raw)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", action, diff)
			}
		}
	})
}

// Open-source Label Studio has no organization-level webhooks: a webhook
// without a project is 404 "Project not found." (1.20.0 and 1.23.2 alike,
// conformance/labelstudio/FINDINGS.md), after its fields are validated.
func TestWebhookWithoutProjectIsNotFound(t *testing.T) {
	e := newAPI(t, Config{})
	for _, body := range []string{`{"url": "http://127.0.0.1:9000/hook"}`, `{"url": "http://127.0.0.1:9000/hook", "project": null}`} {
		status, out := e.call("POST", "/api/webhooks/", body)
		var env map[string]any
		_ = json.Unmarshal(out, &env)
		if status != 404 || env["detail"] != "Project not found." {
			t.Errorf("POST %s: %d %s, want 404 Project not found.", body, status, out)
		}
	}
	if status, _ := e.call("POST", "/api/webhooks/", `{"url": "not a url"}`); status != 400 {
		t.Errorf("a bad url without project: %d, want 400 (fields are validated first)", status)
	}
	if got := e.mustList("GET", "/api/webhooks", nil, 200); len(got) != 0 {
		t.Errorf("webhooks after refusals: %v", got)
	}
}

// TestWebhookActionsComeBackSorted: Label Studio keeps a webhook's
// actions as WebhookAction rows, one per name, and reads them back in the
// order of their (webhook, action) index: the answer to a create or a
// PATCH, and every later read, lists them sorted and without repeats.
func TestWebhookActionsComeBackSorted(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Sorted actions")
	sent := []string{"TASKS_DELETED", "ANNOTATION_CREATED", "TASKS_CREATED", "TASKS_DELETED"}
	want := []any{"ANNOTATION_CREATED", "TASKS_CREATED", "TASKS_DELETED"}
	created := e.must("POST", "/api/webhooks", map[string]any{"project": pid, "url": "http://127.0.0.1:9/hook", "actions": sent}, 201)
	if diff := cmp.Diff(want, created["actions"]); diff != "" {
		t.Errorf("create answer actions (-want +got):\n%s", diff)
	}
	id := itoa(int(created["id"].(float64)))
	if diff := cmp.Diff(want, e.must("GET", "/api/webhooks/"+id, nil, 200)["actions"]); diff != "" {
		t.Errorf("GET actions (-want +got):\n%s", diff)
	}
	patched := e.must("PATCH", "/api/webhooks/"+id, map[string]any{"actions": []string{"PROJECT_UPDATED", "ANNOTATIONS_DELETED"}}, 200)
	if diff := cmp.Diff([]any{"ANNOTATIONS_DELETED", "PROJECT_UPDATED"}, patched["actions"]); diff != "" {
		t.Errorf("PATCH answer actions (-want +got):\n%s", diff)
	}
}
