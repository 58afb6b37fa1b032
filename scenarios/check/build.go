package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/jsontext"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// delivery is one webhook request as the mock made it: headers, Host and
// body bytes, replayed to the consumer as they are.
type delivery struct {
	action schemas.Action
	header http.Header
	host   string
	body   []byte
}

// capture is the in-process mock's HTTP transport: it keeps every
// delivery and answers 200 itself, so nothing reaches the network while
// the payloads are built.
type capture struct {
	mu  sync.Mutex
	got []delivery
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body) // an in-memory reader: cannot fail
		req.Body.Close()
	}
	var head struct {
		Action schemas.Action `json:"action"`
	}
	_ = json.Unmarshal(body, &head)
	c.mu.Lock()
	c.got = append(c.got, delivery{action: head.Action, header: req.Header.Clone(), host: req.Host, body: body})
	c.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

// take returns and forgets the deliveries kept so far.
func (c *capture) take() []delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.got
	c.got = nil
	return got
}

// builder drives an in-process mock through its API (in memory: handler
// calls, no sockets) with an organization-level webhook that points at the
// consumer, and collects what the mock would have sent. The bodies and
// headers are the mock's own, so they follow it as it follows Label Studio.
type builder struct {
	cfg  Config
	lc   *fakedata.Config
	g    *fakedata.Generator
	srv  *server.Server
	cap  *capture
	hook int
	pid  int // the project most payloads belong to
	// links hands out label link and label ids.
	links int
}

func newBuilder(cfg Config) (*builder, error) {
	lc, err := fakedata.ParseConfig(cfg.LabelConfig)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("label config: %w", err)}
	}
	cp := &capture{}
	srv, err := server.New(server.Config{
		HTTPClient:             &http.Client{Transport: cp},
		MaxConsecutiveFailures: -1,
		Logger:                 slog.New(slog.DiscardHandler),
		// An organization-level webhook sees every event, "delete all
		// tasks" too (Label Studio Enterprise); the payloads are the same.
		OrganizationWebhooks: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	b := &builder{cfg: cfg, lc: lc, g: fakedata.New(cfg.Seed), cap: cp, srv: srv}
	headers := map[string]string{}
	for _, kv := range cfg.Headers {
		headers[kv[0]] = kv[1]
	}
	var wh struct {
		ID int `json:"id"`
	}
	if err := b.call(http.MethodPost, "/api/webhooks", map[string]any{"url": cfg.URL, "send_for_all_actions": true,
		"send_payload": true, "headers": headers}, &wh); err != nil {
		return nil, &ConfigError{fmt.Errorf("the webhook (URL and headers): %w", err)}
	}
	b.hook = wh.ID
	if b.pid, err = b.project(); err != nil {
		return nil, err
	}
	b.cap.take()
	return b, nil
}

// apiError is an answer of the mock other than 2xx.
type apiError struct {
	method, path string
	status       int
	body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s answered %d: %s", e.method, e.path, e.status, e.body)
}

// call makes one API request to the mock and decodes the answer into out.
func (b *builder) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := encodeJSON(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Token "+server.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	if rec.Code < 200 || rec.Code > 299 {
		return &apiError{method, path, rec.Code, strings.TrimSpace(rec.Body.String())}
	}
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
		}
	}
	return nil
}

// emit makes the API call that causes action a and returns the
// deliveries of a it caused.
func (b *builder) emit(a schemas.Action, method, path string, body any) ([]delivery, error) {
	b.cap.take()
	if err := b.call(method, path, body, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	var out []delivery
	for _, d := range b.cap.take() {
		if d.action == a {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %s %s sent no webhook of it (a bug in labelhook, please report it)", a, method, path)
	}
	return out, nil
}

func (b *builder) projectBody() map[string]any {
	return map[string]any{"title": b.g.Title(), "description": b.g.Title(), "label_config": b.cfg.LabelConfig}
}

// project creates a project with the label config.
func (b *builder) project() (int, error) {
	var p struct {
		ID int `json:"id"`
	}
	err := b.call(http.MethodPost, "/api/projects", b.projectBody(), &p)
	if ae := (*apiError)(nil); errors.As(err, &ae) && ae.status == http.StatusBadRequest {
		return 0, &ConfigError{fmt.Errorf("label config: the mock refuses it: %s", ae.body)}
	}
	if err != nil {
		return 0, fmt.Errorf("create a project: %w", err)
	}
	return p.ID, nil
}

// tasks returns n import items; withPredictions adds a prediction to each.
func (b *builder) tasks(n int, withPredictions bool) []any {
	out := make([]any, n)
	for i := range out {
		data := b.g.Task(b.lc)
		item := map[string]any{"data": data}
		if withPredictions {
			item["predictions"] = []any{b.g.Prediction(b.lc, data, "labelhook-check-v1")}
		}
		out[i] = item
	}
	return out
}

func (b *builder) importTasks(pid int, items []any) ([]int, error) {
	var out struct {
		TaskIDs []int `json:"task_ids"`
	}
	if err := b.call(http.MethodPost, fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", pid), items, &out); err != nil {
		return nil, fmt.Errorf("import tasks: %w", err)
	}
	return out.TaskIDs, nil
}

// annotate annotates task id as an annotator would and returns the
// annotation's id.
func (b *builder) annotate(id int) (int, error) {
	var ann struct {
		ID int `json:"id"`
	}
	if err := b.call(http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", id), b.annotation(id), &ann); err != nil {
		return 0, fmt.Errorf("annotate: %w", err)
	}
	return ann.ID, nil
}

// annotation is a submitted annotation for task id, made from its data.
func (b *builder) annotation(id int) fakedata.Annotation {
	var t struct {
		Data map[string]any `json:"data"`
	}
	_ = b.call(http.MethodGet, fmt.Sprintf("/api/tasks/%d", id), nil, &t) // the task was just made
	return b.g.Annotation(b.lc, t.Data)
}

// full returns n deliveries of action a with its full payload, each from
// its own API call, as trigger makes them.
func (b *builder) full(a schemas.Action, n int) ([]delivery, error) {
	var out []delivery
	for range n {
		ds, err := b.one(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// one prepares what action a needs, then makes the one API call that
// sends it.
func (b *builder) one(a schemas.Action) ([]delivery, error) {
	pid := b.pid
	switch a {
	case schemas.ProjectCreated:
		return b.emit(a, http.MethodPost, "/api/projects", b.projectBody())
	case schemas.ProjectUpdated:
		return b.emit(a, http.MethodPatch, fmt.Sprintf("/api/projects/%d", pid), map[string]any{"title": b.g.Title(), "description": b.g.Title()})
	case schemas.ProjectDeleted:
		id, err := b.project()
		if err != nil {
			return nil, err
		}
		return b.emit(a, http.MethodDelete, fmt.Sprintf("/api/projects/%d", id), nil)
	case schemas.TasksCreated:
		return b.emit(a, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", pid), b.tasks(1+b.g.Intn(3), false))
	case schemas.TasksDeleted:
		ids, err := b.importTasks(pid, b.tasks(1, false))
		if err != nil {
			return nil, err
		}
		return b.emit(a, http.MethodDelete, fmt.Sprintf("/api/tasks/%d", ids[0]), nil)
	case schemas.AnnotationCreated, schemas.AnnotationUpdated, schemas.AnnotationsDeleted:
		ids, err := b.importTasks(pid, b.tasks(1, false))
		if err != nil {
			return nil, err
		}
		if a == schemas.AnnotationCreated {
			return b.emit(a, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), b.annotation(ids[0]))
		}
		ann, err := b.annotate(ids[0])
		if err != nil {
			return nil, err
		}
		if a == schemas.AnnotationUpdated {
			return b.emit(a, http.MethodPatch, fmt.Sprintf("/api/annotations/%d", ann), b.annotation(ids[0]))
		}
		return b.emit(a, http.MethodDelete, fmt.Sprintf("/api/annotations/%d", ann), nil)
	case schemas.AnnotationsCreated:
		return b.annotationsCreated(1 + b.g.Intn(3))
	case schemas.LabelLinkCreated, schemas.LabelLinkUpdated, schemas.LabelLinkDeleted:
		d, err := b.labelLink(a)
		if err != nil {
			return nil, err
		}
		return []delivery{d}, nil
	}
	return nil, fmt.Errorf("no way to make the mock send %s", a)
}

// annotationsCreated turns the predictions of n new tasks into
// annotations in one bulk action: one ANNOTATIONS_CREATED whose
// annotation and task keys hold lists.
func (b *builder) annotationsCreated(n int) ([]delivery, error) {
	ids, err := b.importTasks(b.pid, b.tasks(n, true))
	if err != nil {
		return nil, err
	}
	return b.emit(schemas.AnnotationsCreated, http.MethodPost, fmt.Sprintf("/api/dm/actions?id=predictions_to_annotations&project=%d", b.pid),
		map[string]any{"selectedItems": map[string]any{"all": false, "included": ids}, "project": b.pid})
}

// sendPayload turns the webhook's send_payload on or off.
func (b *builder) sendPayload(on bool) error {
	return b.call(http.MethodPatch, fmt.Sprintf("/api/webhooks/%d", b.hook), map[string]any{"send_payload": on, "send_for_all_actions": true}, nil)
}

// encodeJSON encodes v without HTML escaping, as the mock does.
func encodeJSON(v any) ([]byte, error) { return jsontext.Marshal(v) }
