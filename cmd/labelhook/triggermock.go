package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// triggerer drives an in-process mock.
type triggerer struct {
	o      triggerOptions
	cfg    *fakedata.Config
	g      *fakedata.Generator
	api    *apiClient
	rec    *recorder
	direct *http.Client // sends the LABEL_LINK_* bodies
	hs     *http.Server
	mock   *server.Server
	links  int // label link and label ids handed out
}

func startTrigger(o triggerOptions, cfg *fakedata.Config, stderr io.Writer) (*triggerer, error) {
	log := slog.New(slog.DiscardHandler)
	if o.verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	rec := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	mock, err := server.New(server.Config{
		Token:                  server.DefaultToken,
		WebhookTimeout:         o.timeout,
		MaxConsecutiveFailures: -1, // --count 100 against a failing target must send 100
		HTTPClient:             &http.Client{Transport: rec},
		Logger:                 log,
	})
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	hs := &http.Server{Handler: mock, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &triggerer{
		o: o, cfg: cfg, g: fakedata.New(o.seed), rec: rec, hs: hs, mock: mock,
		api:    newAPIClient("http://"+ln.Addr().String(), server.DefaultToken),
		direct: &http.Client{Transport: rec, Timeout: o.timeout},
	}, nil
}

func (tr *triggerer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.hs.Shutdown(ctx)
	_ = tr.mock.Close(ctx)
}

// runAction sets up a project and a webhook filtered to action a, then
// makes count emissions of it, reporting each delivery.
func (tr *triggerer) runAction(ctx context.Context, a schemas.Action, report func(deliveryResult)) error {
	info, _ := schemas.Lookup(string(a))
	pid := 0
	if !info.OrgOnly {
		id, err := tr.project(ctx)
		if err != nil {
			return err
		}
		pid = id
	}
	hook := map[string]any{"url": tr.o.to, "send_for_all_actions": false, "actions": []string{string(a)},
		"send_payload": !tr.o.noPayload, "headers": tr.headersObject()}
	if pid != 0 {
		hook["project"] = pid
	}
	var wh struct {
		ID int `json:"id"`
	}
	if err := tr.api.call(ctx, http.MethodPost, "/api/webhooks", hook, &wh); err != nil {
		return fmt.Errorf("%s: register the webhook: %w", a, err)
	}
	for range tr.o.count {
		d, err := tr.emit(ctx, a, pid)
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		report(d)
	}
	// Gone before the next action, whose set-up must not reach the target.
	if err := tr.api.call(ctx, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", wh.ID), nil, nil); err != nil {
		return fmt.Errorf("%s: remove the webhook: %w", a, err)
	}
	return nil
}

func (tr *triggerer) headersObject() map[string]string {
	h := map[string]string{}
	for _, kv := range tr.o.headers {
		h[kv[0]] = kv[1]
	}
	return h
}

// emit prepares what action a needs (which the webhook's filter keeps
// from the target), then makes the one API call that emits a, and
// returns how the target answered.
func (tr *triggerer) emit(ctx context.Context, a schemas.Action, pid int) (deliveryResult, error) {
	var (
		method, path string
		body         any
	)
	switch a {
	case schemas.ProjectCreated:
		method, path, body = http.MethodPost, "/api/projects", tr.projectBody()
	case schemas.ProjectUpdated:
		method, path, body = http.MethodPatch, fmt.Sprintf("/api/projects/%d", pid), map[string]any{"title": tr.g.Title(), "description": tr.g.Title()}
	case schemas.ProjectDeleted:
		id, err := tr.project(ctx)
		if err != nil {
			return deliveryResult{}, err
		}
		method, path = http.MethodDelete, fmt.Sprintf("/api/projects/%d", id)
	case schemas.TasksCreated:
		method, path, body = http.MethodPost, fmt.Sprintf("/api/projects/%d/import", pid), tr.tasks(1+tr.g.Intn(3), false)
	case schemas.TasksDeleted:
		ids, err := tr.importTasks(ctx, pid, 1, false)
		if err != nil {
			return deliveryResult{}, err
		}
		method, path = http.MethodDelete, fmt.Sprintf("/api/tasks/%d", ids[0])
	case schemas.AnnotationCreated, schemas.AnnotationUpdated, schemas.AnnotationsDeleted:
		ids, err := tr.importTasks(ctx, pid, 1, false)
		if err != nil {
			return deliveryResult{}, err
		}
		data := tr.taskData(ctx, ids[0])
		if a == schemas.AnnotationCreated {
			method, path, body = http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), tr.g.Annotation(tr.cfg, data)
			break
		}
		var ann struct {
			ID int `json:"id"`
		}
		if err := tr.api.call(ctx, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), tr.g.Annotation(tr.cfg, data), &ann); err != nil {
			return deliveryResult{}, err
		}
		path = fmt.Sprintf("/api/annotations/%d", ann.ID)
		if a == schemas.AnnotationUpdated {
			method, body = http.MethodPatch, tr.g.Annotation(tr.cfg, data)
		} else {
			method = http.MethodDelete
		}
	case schemas.AnnotationsCreated:
		ids, err := tr.importTasks(ctx, pid, 1+tr.g.Intn(3), true)
		if err != nil {
			return deliveryResult{}, err
		}
		method, path = http.MethodPost, fmt.Sprintf("/api/dm/actions?id=predictions_to_annotations&project=%d", pid)
		body = map[string]any{"selectedItems": map[string]any{"all": false, "included": ids}, "project": pid}
	case schemas.LabelLinkCreated, schemas.LabelLinkUpdated, schemas.LabelLinkDeleted:
		return tr.sendLabelLink(ctx, a, pid)
	default:
		return deliveryResult{}, fmt.Errorf("no way to make the mock emit %s", a)
	}
	tr.rec.take()
	if err := tr.api.call(ctx, method, path, body, nil); err != nil {
		return deliveryResult{}, err
	}
	return tr.result(a)
}

// result turns the exchanges of the last emission into its delivery.
func (tr *triggerer) result(a schemas.Action) (deliveryResult, error) {
	hops, _ := tr.rec.take()
	if len(hops) == 0 {
		return deliveryResult{}, errors.New("the mock sent no webhook (a bug in labelhook, please report it)")
	}
	last := hops[len(hops)-1]
	return deliveryResult{action: a, status: last.status, err: last.err, duration: last.end.Sub(hops[0].start)}, nil
}

func (tr *triggerer) projectBody() map[string]any {
	return map[string]any{"title": tr.g.Title(), "description": tr.g.Title(), "label_config": tr.o.labelConfig}
}

// project creates a project with the label config.
func (tr *triggerer) project(ctx context.Context) (int, error) {
	var p struct {
		ID int `json:"id"`
	}
	err := tr.api.call(ctx, http.MethodPost, "/api/projects", tr.projectBody(), &p)
	if se := (*apiStatusError)(nil); errors.As(err, &se) && se.status == http.StatusBadRequest && tr.o.configPath != "" {
		return 0, usageErrorf("label config %s: the mock rejects it: %s", tr.o.configPath, se.body)
	}
	if err != nil {
		return 0, fmt.Errorf("create a project: %w", err)
	}
	return p.ID, nil
}

// tasks returns n import items; withPredictions adds a prediction to each.
func (tr *triggerer) tasks(n int, withPredictions bool) []any {
	out := make([]any, n)
	for i := range out {
		data := tr.g.Task(tr.cfg)
		item := map[string]any{"data": data}
		if withPredictions {
			item["predictions"] = []any{tr.g.Prediction(tr.cfg, data, "labelhook-trigger-v1")}
		}
		out[i] = item
	}
	return out
}

func (tr *triggerer) importTasks(ctx context.Context, pid, n int, withPredictions bool) ([]int, error) {
	var out struct {
		TaskIDs []int `json:"task_ids"`
	}
	err := tr.api.call(ctx, http.MethodPost, fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", pid), tr.tasks(n, withPredictions), &out)
	if err != nil {
		return nil, fmt.Errorf("import tasks: %w", err)
	}
	return out.TaskIDs, nil
}

// taskData reads a task's data back, as an annotator's tool would.
func (tr *triggerer) taskData(ctx context.Context, id int) map[string]any {
	var t struct {
		Data map[string]any `json:"data"`
	}
	_ = tr.api.call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/%d", id), nil, &t)
	return t.Data
}

// projectPayload returns project pid as webhook payloads carry it: the
// mock sends a PROJECT_UPDATED to captureHost, and this takes its
// "project".
func (tr *triggerer) projectPayload(ctx context.Context, pid int) (json.RawMessage, error) {
	var wh struct {
		ID int `json:"id"`
	}
	if err := tr.api.call(ctx, http.MethodPost, "/api/webhooks", map[string]any{"url": "http://" + captureHost + "/project",
		"project": pid, "send_for_all_actions": false, "actions": []string{string(schemas.ProjectUpdated)}}, &wh); err != nil {
		return nil, fmt.Errorf("capture the project payload: %w", err)
	}
	defer func() { _ = tr.api.call(ctx, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", wh.ID), nil, nil) }()
	tr.rec.take()
	if err := tr.api.call(ctx, http.MethodPatch, fmt.Sprintf("/api/projects/%d", pid), map[string]any{}, nil); err != nil {
		return nil, fmt.Errorf("capture the project payload: %w", err)
	}
	_, captured := tr.rec.take()
	if len(captured) != 1 {
		return nil, fmt.Errorf("capture the project payload: %d bodies arrived, want 1", len(captured))
	}
	var body struct {
		Project json.RawMessage `json:"project"`
	}
	if err := json.Unmarshal(captured[0], &body); err != nil || len(body.Project) == 0 {
		return nil, fmt.Errorf("capture the project payload: %s", captured[0])
	}
	return body.Project, nil
}

// labelLink is LabelLinkSerializer's output (docs/label-studio-behaviour.md#label-links).
type labelLink struct {
	ID               int    `json:"id"`
	Project          int    `json:"project"`
	Label            int    `json:"label"`
	FromName         string `json:"from_name"`
	AnnotationsCount *int   `json:"annotations_count,omitempty"`
}

// labelObject is LabelSerializer's output: the Label model plus links.
type labelObject struct {
	ID           int            `json:"id"`
	CreatedAt    string         `json:"created_at"`
	UpdatedAt    string         `json:"updated_at"`
	Value        map[string]any `json:"value"`
	Title        string         `json:"title"`
	Description  *string        `json:"description"`
	Approved     bool           `json:"approved"`
	CreatedBy    int            `json:"created_by"`
	ApprovedBy   *int           `json:"approved_by"`
	Organization int            `json:"organization"`
	Links        []int          `json:"links"`
}

// labelLinkBody keeps Label Studio's key order: action, main key,
// project, nested key.
type labelLinkBody struct {
	Action    schemas.Action  `json:"action"`
	LabelLink any             `json:"label_link"`
	Project   json.RawMessage `json:"project"`
	Label     *labelObject    `json:"label,omitempty"`
}

// sendLabelLink builds a LABEL_LINK_* body as Label Studio does
// (docs/label-studio-behaviour.md#actions, #label-links) with a
// label of the config, checks it against the schemas and posts it as the
// mock posts webhooks.
func (tr *triggerer) sendLabelLink(ctx context.Context, a schemas.Action, pid int) (deliveryResult, error) {
	var body []byte
	if tr.o.noPayload {
		body, _ = encodeJSON(map[string]string{"action": string(a)})
	} else {
		project, err := tr.projectPayload(ctx, pid)
		if err != nil {
			return deliveryResult{}, err
		}
		fromName, typ, label := "label", "labels", tr.g.Title()
		var withLabels []fakedata.Control
		for _, c := range tr.cfg.Controls {
			if len(c.Labels) > 0 {
				withLabels = append(withLabels, c)
			}
		}
		if len(withLabels) > 0 {
			c := withLabels[tr.g.Intn(len(withLabels))]
			fromName, typ, label = c.Name, c.Type(), c.Labels[tr.g.Intn(len(c.Labels))]
		}
		tr.links++
		link := labelLink{ID: tr.links, Project: pid, Label: tr.links, FromName: fromName}
		out := labelLinkBody{Action: a, Project: project}
		switch a {
		case schemas.LabelLinkCreated:
			out.LabelLink = []labelLink{link}
		case schemas.LabelLinkUpdated:
			n := tr.g.Intn(20)
			link.AnnotationsCount = &n
			out.LabelLink = link
			now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			out.Label = &labelObject{ID: link.Label, CreatedAt: now, UpdatedAt: now, Value: map[string]any{typ: []string{label}},
				Title: label, Approved: true, CreatedBy: 1, Organization: 1, Links: []int{link.ID}}
		default:
			out.LabelLink = map[string]int{"id": link.ID}
		}
		body, _ = encodeJSON(out)
	}
	if got, problems := schemas.Validate(body); got != a || len(problems) > 0 {
		return deliveryResult{}, fmt.Errorf("built body breaks the contract (a bug in labelhook): %v\n%s", problems, body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tr.o.to, bytes.NewReader(body))
	if err != nil {
		return deliveryResult{}, err
	}
	// The headers of the mock's deliveries (server/delivery.go).
	req.Header.Set("User-Agent", server.DefaultUserAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Content-Type", "application/json")
	for _, kv := range tr.o.headers {
		req.Header.Del(kv[0])
		req.Header[http.CanonicalHeaderKey(kv[0])] = []string{kv[1]}
	}
	tr.rec.take()
	if resp, err := tr.direct.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	return tr.result(a)
}

// encodeJSON encodes v without HTML escaping, as the mock does.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
