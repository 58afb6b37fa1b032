package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// stepDef describes one kind of step: the keys it reads, the request it
// makes, the status Label Studio answers and the variable it saves.
type stepDef struct {
	name string
	// doc is one line for docs/scenarios.md and `labelhook run -h`.
	doc string
	// scalar is the key a plain value stands for: `delete_task: ${t}`.
	scalar string
	// keys are read by the step itself, with their kinds (see checkKind).
	keys map[string]string
	// required keys must be given.
	required []string
	// oneOf: exactly one of these two keys must be given.
	oneOf []string
	// ids are keys that default to the variable of the same name.
	ids []string
	// body: the other keys are sent in the JSON body.
	body bool
	// status is what Label Studio answers on success.
	status int
	// save is the variable saved by default, from savePath of the answer.
	save, savePath string
	// build makes the request from the evaluated arguments.
	build func(a map[string]any) (*call, error)
	// localFiles: the step writes files below the local files root.
	localFiles bool
	// prepare, if set, runs before build with the scenario's run (it
	// writes local files and fills in arguments).
	prepare func(s *scenarioRun, a map[string]any) error
	// after, if set, runs after a 2xx answer (and the step's saves): it
	// saves what the answer alone does not tell, the variables alsoSaves
	// names.
	after     func(ctx context.Context, s *scenarioRun, a map[string]any, answer any) error
	alsoSaves []string
}

// call is one API request a step makes.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	// hasBody: body is sent (it may be null).
	hasBody bool
	// status is the answer wanted; 0 means any 2xx.
	status int
	// url, for an http step, is the URL to call instead of the API (path
	// and query unused); header holds its headers. Such a call carries no
	// API token.
	url    string
	header map[string]string
	// files, when set, are sent as a multipart form (one part per file,
	// in this order) instead of a JSON body; body then only describes
	// them for the trace.
	files []uploadFile
	// args are the step's evaluated arguments, for its after hook.
	args map[string]any
}

// updateStep is update_<kind>: PATCH (or method: PUT) <collection>/{<kind>}
// with the other keys as the body.
func updateStep(kind, collection string) *stepDef {
	return &stepDef{name: "update_" + kind, doc: fmt.Sprintf("PATCH (or method: PUT) %s/{%s} with the other fields", collection, kind),
		keys: map[string]string{kind: "id", "method": "update"}, ids: []string{kind}, body: true, status: http.StatusOK,
		build: func(a map[string]any) (*call, error) {
			return &call{method: method(a), path: collection + "/" + str(a[kind]), body: rest(a, kind, "method"), hasBody: true}, nil
		}}
}

// deleteStep is delete_<kind>: DELETE <collection>/{<kind>}.
func deleteStep(kind, collection string) *stepDef {
	return &stepDef{name: "delete_" + kind, doc: fmt.Sprintf("DELETE %s/{%s}", collection, kind), scalar: kind,
		keys: map[string]string{kind: "id"}, ids: []string{kind}, status: http.StatusNoContent,
		build: func(a map[string]any) (*call, error) {
			return &call{method: "DELETE", path: collection + "/" + str(a[kind])}, nil
		}}
}

// stepDefs are the steps by name. receiver is special: it talks to the
// receiver, not the API.
var stepDefs = map[string]*stepDef{}

func init() {
	for _, d := range []*stepDef{
		{name: "create_project", doc: "POST /api/projects with the given fields (title, label_config, …)",
			body: true, status: http.StatusCreated, save: "project", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: "/api/projects", body: a, hasBody: true}, nil
			}},
		updateStep("project", "/api/projects"),
		deleteStep("project", "/api/projects"),
		{name: "import_tasks", doc: "POST /api/projects/{project}/import?return_task_ids=true with tasks (a list), or generate: N tasks made from the project's label config; query adds parameters",
			keys: map[string]string{"project": "id", "tasks": "tasks", "query": "map", "generate": "count"}, oneOf: []string{"tasks", "generate"}, ids: []string{"project"},
			status: http.StatusCreated, save: "task_ids", savePath: "task_ids",
			build: func(a map[string]any) (*call, error) {
				q, err := query(a["query"])
				if err != nil {
					return nil, err
				}
				if !q.Has("return_task_ids") {
					q.Set("return_task_ids", "true")
				}
				return &call{method: "POST", path: fmt.Sprintf("/api/projects/%s/import", str(a["project"])), query: q, body: a["tasks"], hasBody: true}, nil
			}},
		{name: "create_task", doc: "POST /api/tasks with project, data (or generate: true, data made from the project's label config) and the other fields",
			keys: map[string]string{"project": "id", "data": "map", "generate": "true"}, oneOf: []string{"data", "generate"}, ids: []string{"project"}, body: true,
			status: http.StatusCreated, save: "task", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: "/api/tasks", body: a, hasBody: true}, nil
			}},
		deleteStep("task", "/api/tasks"),
		{name: "delete_all_tasks", doc: "DELETE /api/projects/{project}/tasks", scalar: "project",
			keys: map[string]string{"project": "id"}, ids: []string{"project"}, status: http.StatusNoContent,
			build: func(a map[string]any) (*call, error) {
				return &call{method: "DELETE", path: fmt.Sprintf("/api/projects/%s/tasks", str(a["project"]))}, nil
			}},
		{name: "annotate", doc: "POST /api/tasks/{task}/annotations with result (default []) and the other fields",
			keys: map[string]string{"task": "id"}, ids: []string{"task"}, body: true,
			status: http.StatusCreated, save: "annotation", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				b := withResult(rest(a, "task"))
				return &call{method: "POST", path: fmt.Sprintf("/api/tasks/%s/annotations", str(a["task"])), body: b, hasBody: true}, nil
			}},
		{name: "skip", doc: "POST /api/tasks/{task}/annotations?was_cancelled=1 (the UI's Skip)", scalar: "task",
			keys: map[string]string{"task": "id"}, ids: []string{"task"}, body: true,
			status: http.StatusCreated, save: "annotation", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				b := withResult(rest(a, "task"))
				if _, ok := b["was_cancelled"]; !ok {
					b["was_cancelled"] = true
				}
				return &call{method: "POST", path: fmt.Sprintf("/api/tasks/%s/annotations", str(a["task"])),
					query: url.Values{"was_cancelled": {"1"}}, body: b, hasBody: true}, nil
			}},
		updateStep("annotation", "/api/annotations"),
		deleteStep("annotation", "/api/annotations"),
		{name: "create_prediction", doc: "POST /api/predictions with task, result (default []) and the other fields",
			keys: map[string]string{"task": "id"}, ids: []string{"task"}, body: true,
			status: http.StatusCreated, save: "prediction", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				b := withResult(rest(a))
				return &call{method: "POST", path: "/api/predictions", body: b, hasBody: true}, nil
			}},
		{name: "dm_action", doc: "POST /api/dm/actions?id={id}&project={project}; selected_items: a list of task ids or {all: true, excluded: […]} (default: all)",
			keys: map[string]string{"id": "string", "project": "id", "selected_items": "selection"}, required: []string{"id"}, ids: []string{"project"},
			body: true, status: http.StatusOK,
			build: func(a map[string]any) (*call, error) {
				b := rest(a, "id", "project", "selected_items")
				switch sel := a["selected_items"].(type) {
				case nil:
					b["selectedItems"] = map[string]any{"all": true, "excluded": []any{}}
				case []any:
					b["selectedItems"] = map[string]any{"all": false, "included": sel}
				case map[string]any:
					b["selectedItems"] = sel
				default:
					return nil, fmt.Errorf("selected_items: want a list of task ids or an object, got %s", describe(sel))
				}
				q := url.Values{"id": {str(a["id"])}, "project": {str(a["project"])}}
				return &call{method: "POST", path: "/api/dm/actions", query: q, body: b, hasBody: true}, nil
			}},
		{name: "create_webhook", doc: "POST /api/webhooks with url and the other fields; no project (or null) makes an organization-level webhook",
			keys: map[string]string{"url": "string"}, required: []string{"url"}, body: true,
			status: http.StatusCreated, save: "webhook", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: "/api/webhooks", body: a, hasBody: true}, nil
			}},
		updateStep("webhook", "/api/webhooks"),
		deleteStep("webhook", "/api/webhooks"),
		{name: "request", doc: "any API call: method (default GET), path, query, body, status (default: any 2xx)",
			keys: map[string]string{"method": "method", "path": "path", "query": "map", "body": "any", "status": "status"}, required: []string{"path"},
			build: func(a map[string]any) (*call, error) {
				q, err := query(a["query"])
				if err != nil {
					return nil, err
				}
				m := "GET"
				if v, ok := a["method"]; ok {
					m = strings.ToUpper(str(v))
				}
				p := str(a["path"])
				if !strings.HasPrefix(p, "/") {
					return nil, fmt.Errorf("path %q: want a path that starts with /", p)
				}
				c := &call{method: m, path: p, query: q}
				if b, ok := a["body"]; ok {
					c.body, c.hasBody = b, true
				}
				if s, ok := a["status"].(float64); ok {
					c.status = int(s)
				}
				return c, nil
			}},
		{name: "http", doc: "any URL, such as your pipeline's own API: method (default GET), url (a path is resolved against the pipeline's URL), headers, body (sent as JSON); status: default any 2xx",
			keys: map[string]string{"method": "method", "url": "url", "headers": "map", "body": "any"}, required: []string{"url"},
			build: func(a map[string]any) (*call, error) {
				m := "GET"
				if v, ok := a["method"]; ok {
					m = strings.ToUpper(str(v))
				}
				c := &call{method: m, url: str(a["url"]), header: map[string]string{}}
				if h, ok := a["headers"].(map[string]any); ok {
					for k, v := range h {
						c.header[k] = str(v)
					}
				}
				if b, ok := a["body"]; ok {
					c.body, c.hasBody = b, true
				}
				return c, nil
			}},
		{name: "receiver", doc: "set the receiver's answers: {status: 500, times: 3, delay: 1s}, a list of those, or {reset: true}"},
	} {
		stepDefs[d.name] = d
	}
}

// stepNames lists the step names, sorted.
func stepNames() []string {
	out := make([]string, 0, len(stepDefs))
	for n := range stepDefs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// rest copies a without the given keys.
func rest(a map[string]any, drop ...string) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for _, k := range drop {
		delete(out, k)
	}
	return out
}

// method is the update method: PATCH unless method says PUT.
func method(a map[string]any) string {
	if m, ok := a["method"]; ok {
		return strings.ToUpper(str(m))
	}
	return "PATCH"
}

// query turns an object into query parameters; a list value repeats the
// parameter.
func query(v any) (url.Values, error) {
	q := url.Values{}
	if v == nil {
		return q, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("query: want an object of parameters, got %s", describe(v))
	}
	for k, val := range m {
		if list, ok := val.([]any); ok {
			for _, e := range list {
				q.Add(k, str(e))
			}
			continue
		}
		q.Set(k, str(val))
	}
	return q, nil
}

// withResult gives an annotation's or prediction's body the result []
// when the step leaves it out.
func withResult(b map[string]any) map[string]any {
	if _, ok := b["result"]; !ok {
		b["result"] = []any{}
	}
	return b
}
