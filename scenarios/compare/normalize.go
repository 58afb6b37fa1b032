package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/labelhook/labelhook/scenarios"
)

// Scenario is one scenario's normalised trace.
type Scenario struct {
	Name string `json:"name"`
	File string `json:"file"`
	// Skipped says why the scenario was not run on this side.
	Skipped string `json:"skipped,omitempty"`
	// Error says why the scenario ended early (a step could not run).
	Error string `json:"error,omitempty"`
	Steps []Step `json:"steps"`
}

// Step is one normalised step.
type Step struct {
	Step    int     `json:"step"`
	Kind    string  `json:"kind"`
	Request string  `json:"request,omitempty"`
	Body    any     `json:"body,omitempty"`
	Status  int     `json:"status,omitempty"`
	Answer  any     `json:"answer,omitempty"`
	Events  []Event `json:"events,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// Event is one normalised webhook delivery.
type Event struct {
	Webhook string            `json:"webhook"`
	Action  string            `json:"action"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// idKinds maps a JSON key whose number (or list of numbers) is an id to
// the kind of object it names; an object under such a key is of that
// kind, so its "id" is too.
var idKinds = map[string]string{
	"project": "project", "projects": "project",
	"task": "task", "tasks": "task", "task_ids": "task",
	"annotation": "annotation", "annotations": "annotation", "parent_annotation": "annotation",
	"prediction": "prediction", "predictions": "prediction", "parent_prediction": "prediction",
	"webhook": "webhook", "webhooks": "webhook",
	"organization": "organization", "active_organization": "organization",
	"created_by": "user", "completed_by": "user", "updated_by": "user", "last_created_by": "user",
	"deleted_by": "user", "user": "user", "user_id": "user", "annotators": "user", "comment_authors": "user",
	"file_upload": "file_upload", "file_upload_ids": "file_upload",
	"label": "label", "label_link": "label_link", "links": "label_link",
	"converted_format": "converted_format",
	"import_id":        "import", "import": "import", "model_run": "model_run", "drafts": "draft", "draft_id": "draft",
}

// opaque keys hold user data: nothing under them is an id.
var opaque = map[string]bool{"data": true, "meta": true, "result": true, "headers": true}

// masked keys have values that differ from run to run: only their JSON
// type is kept.
var masked = map[string]bool{
	"token": true, "email": true, "created_username": true, "initials": true, "duration": true,
	// An export file's md5 covers its uuids and datetimes; a failed
	// storage sync's traceback is Python's own (the mock has none).
	"md5": true, "traceback": true,
	// Label Studio stores hash(label_config): Python salts string hashes per
	// process, so the value changes with every restart.
	"label_config_hash": true,
}

var (
	datetimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$`)
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	digitRe    = regexp.MustCompile(`[0-9]`)
	numberSeg  = regexp.MustCompile(`^[0-9]+$`)
	// uploadPathRe, uploadNameRe and uploadIDRe find the stored name of
	// an uploaded file (upload/<project>/<8 hex>-<name>, also in its URL
	// /data/upload/...), that name alone, and the id in an upload error.
	uploadPathRe = regexp.MustCompile(`upload/[0-9]+/[0-9a-f]{8}-`)
	uploadNameRe = regexp.MustCompile(`^[0-9a-f]{8}-`)
	uploadIDRe   = regexp.MustCompile(`'file_upload_id': [0-9]+`)
)

// routeKinds give the kind of a top-level answer by its path.
var routeKinds = []struct {
	re   *regexp.Regexp
	kind string
}{
	{regexp.MustCompile(`^/api/projects/?$`), "project"},
	{regexp.MustCompile(`^/api/projects/[^/]+/?$`), "project"},
	{regexp.MustCompile(`^/api/projects/[^/]+/tasks/?$`), "task"},
	{regexp.MustCompile(`^/api/projects/[^/]+/export/?$`), "task"},
	{regexp.MustCompile(`^/api/tasks/?$`), "task"},
	{regexp.MustCompile(`^/api/tasks/[^/]+/?$`), "task"},
	{regexp.MustCompile(`^/api/tasks/[^/]+/annotations/?$`), "annotation"},
	{regexp.MustCompile(`^/api/annotations/[^/]+/?$`), "annotation"},
	{regexp.MustCompile(`^/api/predictions(/[^/]+)?/?$`), "prediction"},
	{regexp.MustCompile(`^/api/webhooks(/[^/]+)?/?$`), "webhook"},
	{regexp.MustCompile(`^/api/current-user/whoami/?$`), "user"},
	{regexp.MustCompile(`^/api/labels(/[^/]+)?/?$`), "label"},
	{regexp.MustCompile(`^/api/label_links(/[^/]+)?/?$`), "label_link"},
	{regexp.MustCompile(`^/api/storages(/localfiles)?(/[^/]+)?(/sync)?/?$`), "storage"},
	{regexp.MustCompile(`^/api/projects/[^/]+/exports(/[^/]+)?/?$`), "export"},
	{regexp.MustCompile(`^/api/projects/[^/]+/file-uploads/?$`), "file_upload"},
	{regexp.MustCompile(`^/api/import/file-upload/[^/]+/?$`), "file_upload"},
}

// pathKinds name the id that follows a path segment.
var pathKinds = map[string]string{
	"projects": "project", "tasks": "task", "annotations": "annotation", "predictions": "prediction",
	"webhooks": "webhook", "labels": "label", "label_links": "label_link", "imports": "import",
	"localfiles": "storage", "exports": "export", "file-upload": "file_upload",
}

// normalizer holds the id placeholders of one scenario.
type normalizer struct {
	ids         map[string]map[string]string
	next        map[string]int
	serverURL   string
	receiverURL string
	localDir    string
}

// Normalize turns a recorded scenario (a Result of a run with
// scenarios.Options.Trace) into its normalised form.
func Normalize(r scenarios.Result) Scenario {
	n := &normalizer{ids: map[string]map[string]string{}, next: map[string]int{},
		serverURL: strings.TrimSuffix(r.ServerURL, "/"), receiverURL: strings.TrimSuffix(r.ReceiverURL, "/"),
		localDir: strings.TrimSuffix(r.LocalFilesDir, "/")}
	sc := Scenario{Name: r.Name, File: r.File, Steps: []Step{}}
	switch r.Status {
	case scenarios.Skipped:
		sc.Skipped = r.Message
	case scenarios.Failed:
		sc.Error = r.Message
	}
	for _, t := range r.Trace {
		sc.Steps = append(sc.Steps, n.step(t))
	}
	return sc
}

func (n *normalizer) step(t scenarios.StepTrace) Step {
	s := Step{Step: t.Step, Kind: t.Kind, Status: t.Status, Error: n.text(t.Err)}
	kind := ""
	if t.Method != "" {
		path := t.Target
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		for _, rk := range routeKinds {
			if rk.re.MatchString(path) {
				kind = rk.kind
				break
			}
		}
		s.Request = t.Method + " " + n.target(t.Target)
	}
	if len(t.Body) > 0 {
		s.Body = n.value(decode(t.Body), "", "")
	}
	if len(t.Answer) > 0 {
		s.Answer = n.value(decode(t.Answer), kind, "")
	}
	evs := append([]scenarios.TraceEvent(nil), t.Events...)
	// Webhooks are called one after the other; which first is not part of
	// the contract, so events are ordered by webhook, then arrival.
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Webhook < evs[j].Webhook })
	for _, e := range evs {
		s.Events = append(s.Events, Event{Webhook: e.Webhook, Action: e.Action, Method: e.Method,
			Headers: n.headers(e.Headers), Body: n.value(decode(e.Body), "", "")})
	}
	return s
}

// decode reads JSON keeping numbers as written (ids and hashes are
// 64-bit; 1.0 and 1 differ for Python consumers).
func decode(raw []byte) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return string(raw)
	}
	return v
}

// id returns the placeholder of an id of a kind.
func (n *normalizer) id(kind string, v json.Number) string {
	m := n.ids[kind]
	if m == nil {
		m = map[string]string{}
		n.ids[kind] = m
	}
	if p, ok := m[v.String()]; ok {
		return p
	}
	n.next[kind]++
	p := fmt.Sprintf("<%s %d>", kind, n.next[kind])
	m[v.String()] = p
	return p
}

// value normalises v, an object of the given kind (or "") found under
// key.
func (n *normalizer) value(v any, kind, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = n.member(kind, k, val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if num, ok := e.(json.Number); ok && kind != "" && idKinds[key] != "" {
				out[i] = n.id(kind, num)
				continue
			}
			out[i] = n.value(e, kind, key)
		}
		return out
	case string:
		return n.text(x)
	}
	return v
}

// member normalises the value of key k in an object of the given kind.
func (n *normalizer) member(kind, k string, v any) any {
	if masked[k] && v != nil {
		return "<" + k + ">"
	}
	if s, ok := v.(string); ok && k == "annotations_ids" {
		return n.idList("annotation", s)
	}
	if opaque[k] && !(k == "meta" && kind == "storage") { // a storage's meta is its sync's record
		return n.plain(v)
	}
	child := idKinds[k]
	if k == "results" {
		child = kind // a page of the same objects
	}
	switch x := v.(type) {
	case json.Number:
		if k == "id" {
			if kind == "" {
				kind = "object" // an id of a kind no key or route names
			}
			return n.id(kind, x)
		}
		if child != "" {
			return n.id(child, x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if num, ok := e.(json.Number); ok && child != "" {
				out[i] = n.id(child, num)
				continue
			}
			out[i] = n.value(e, child, k)
		}
		return out
	case map[string]any:
		return n.value(x, child, k)
	}
	return n.value(v, kind, k)
}

// idList normalises a Data Manager id list written as text ("1, 2";
// on SQLite "16,15", in an order a Python set gives, which changes from
// one process to the next): each id becomes its placeholder, sorted, and
// the separator is kept.
func (n *normalizer) idList(kind, s string) string {
	sep := ","
	if strings.Contains(s, ", ") {
		sep = ", "
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if !numberSeg.MatchString(part) {
			return n.text(s) // not an id list: as any other text
		}
		out = append(out, n.id(kind, json.Number(part)))
	}
	sort.Strings(out)
	return strings.Join(out, sep)
}

// plain normalises user data: strings only, no ids.
func (n *normalizer) plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = n.plain(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.plain(e)
		}
		return out
	case string:
		return n.text(x)
	}
	return v
}

// text masks the volatile parts of a string: the scenario's URLs,
// datetimes and uuids (keeping their format).
func (n *normalizer) text(s string) string {
	switch {
	case datetimeRe.MatchString(s):
		return "<datetime " + digitRe.ReplaceAllString(s, "9") + ">"
	case uuidRe.MatchString(s):
		return "<uuid>"
	}
	if n.receiverURL != "" {
		s = strings.ReplaceAll(s, n.receiverURL, "${receiver.url}")
	}
	if n.serverURL != "" {
		s = strings.ReplaceAll(s, n.serverURL, "${server.url}")
	}
	if n.localDir != "" {
		s = strings.ReplaceAll(s, n.localDir, "${local_files.dir}")
		if root := filepath.Dir(n.localDir); root != "/" {
			s = strings.ReplaceAll(s, root, "${local_files.root}")
		}
	}
	// An uploaded file's stored name is upload/<project>/<8 random hex
	// digits>-<name>; an upload error names the FileUpload's id.
	s = uploadPathRe.ReplaceAllString(s, "upload/<project>/<hex8>-")
	s = uploadNameRe.ReplaceAllString(s, "<hex8>-")
	s = uploadIDRe.ReplaceAllString(s, "'file_upload_id': <file_upload>")
	return s
}

// target normalises a request path and query: ids after a resource
// name, and the project/task/id query parameters.
func (n *normalizer) target(t string) string {
	path, query, _ := strings.Cut(t, "?")
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		if kind := pathKinds[segs[i-1]]; kind != "" && numberSeg.MatchString(segs[i]) {
			segs[i] = n.id(kind, json.Number(segs[i]))
		}
	}
	out := strings.Join(segs, "/")
	if query == "" {
		return out
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return out + "?" + query
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if kind := idKinds[k]; kind != "" && numberSeg.MatchString(v) {
				v = n.id(kind, json.Number(v))
			}
			parts = append(parts, k+"="+v)
		}
	}
	return out + "?" + strings.Join(parts, "&")
}

// headers keeps one value per header, masking those that depend on the
// connection (Host) or the ids in the body (Content-Length).
func (n *normalizer) headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		switch http.CanonicalHeaderKey(k) {
		case "Host":
			v = "<host>"
		case "Content-Length":
			v = "<length>"
		}
		out[http.CanonicalHeaderKey(k)] = n.text(v)
	}
	return out
}
