package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// benchSeed makes every bench run use the same data.
const benchSeed = 7

// realisticTasks returns n import rows for the text classification sample:
// {"data": {"text": paragraph}}; every third one also carries a submitted
// annotation and a prediction when related is set.
func realisticTasks(n int, related bool) ([]map[string]any, error) {
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		return nil, err
	}
	g := fakedata.New(benchSeed)
	rows := make([]map[string]any, n)
	for i := range rows {
		data := g.Task(cfg)
		row := map[string]any{"data": data}
		if related && i%3 == 0 {
			row["annotations"] = []any{g.Annotation(cfg, data)}
			row["predictions"] = []any{g.Prediction(cfg, data, "bench-v1")}
		}
		rows[i] = row
	}
	return rows, nil
}

// benchEncode is json.Marshal without HTML escaping, as the SDKs send.
func benchEncode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// benchMock is a mock server on loopback with one project.
type benchMock struct {
	srv     *server.Server
	api     *apiClient
	project int
	stop    func()
}

func startBenchMock(ctx context.Context, cfg server.Config) (*benchMock, error) {
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	base, stop, err := benchLoopback(srv)
	if err != nil {
		return nil, err
	}
	m := &benchMock{srv: srv, api: newAPIClient(base, srv.Config().Token), stop: func() {
		stop()
		_ = srv.Close(context.Background())
	}}
	m.api.hc = benchClient(4)
	var p struct {
		ID int `json:"id"`
	}
	if err := m.api.call(ctx, "POST", "/api/projects", map[string]any{"title": "Bench", "label_config": fakedata.TextClassificationConfig}, &p); err != nil {
		m.stop()
		return nil, err
	}
	m.project = p.ID
	return m, nil
}

// importRows imports rows into the project and returns the task ids.
func (m *benchMock) importRows(ctx context.Context, rows []map[string]any) ([]int, error) {
	var out struct {
		TaskIDs []int `json:"task_ids"`
	}
	err := m.api.call(ctx, "POST", "/api/projects/"+strconv.Itoa(m.project)+"/import?return_task_ids=true", rows, &out)
	return out.TaskIDs, err
}

// hook registers a project webhook for actions to url.
func (m *benchMock) hook(ctx context.Context, url string, actions ...schemas.Action) error {
	return m.api.call(ctx, "POST", "/api/webhooks", map[string]any{"url": url, "project": m.project,
		"send_for_all_actions": false, "actions": actions}, nil)
}

// benchPost sends body and checks the status; the answer is read and dropped.
func benchPost(ctx context.Context, c *http.Client, url, token string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d, want %d", url, resp.StatusCode, want)
	}
	return nil
}

// annotationBodies makes one realistic annotation body per row.
func annotationBodies(rows []map[string]any) ([][]byte, error) {
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		return nil, err
	}
	g := fakedata.New(benchSeed + 1)
	out := make([][]byte, len(rows))
	for i, row := range rows {
		b, err := benchEncode(g.Annotation(cfg, row["data"].(map[string]any)))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// benchEndToEnd is P2: conc clients POST annotations to the mock (sync
// delivery, as Label Studio without Redis), each webhook goes to a
// labelhook receiver that validates and records it; an event counts once
// its POST answered, which in sync mode is after the receiver answered.
// Baseline: the same client POSTs the same bodies to a handler that only
// reads them. Every concurrency of the plan is one scaling row.
func benchEndToEnd(ctx context.Context, plan benchPlan) (benchResult, []scaleRow, error) {
	r := benchResult{Name: "P2 end-to-end", Unit: "events/s", BaseUnit: "req/s", Goal: "≥ 0.5", goalAbove: true, goalRatio: 0.5}
	rows, err := realisticTasks(plan.projectTasks, false)
	if err != nil {
		return r, nil, err
	}
	bodies, err := annotationBodies(rows)
	if err != nil {
		return r, nil, err
	}
	rc := receiver.New(receiver.Config{})
	recvURL, stopRecv, err := benchLoopback(rc)
	if err != nil {
		return r, nil, err
	}
	defer stopRecv()
	defer rc.Close()
	m, err := startBenchMock(ctx, server.Config{})
	if err != nil {
		return r, nil, err
	}
	defer m.stop()
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return r, nil, err
	}
	if err := m.hook(ctx, recvURL+"/hook", schemas.AnnotationCreated); err != nil {
		return r, nil, err
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	sink := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	})
	sinkURL, stopSink, err := benchLoopback(sink)
	if err != nil {
		return r, nil, err
	}
	defer stopSink()

	var table []scaleRow
	for _, conc := range plan.concurrency {
		c := benchClient(conc)
		e2e, n, err := rateOf(ctx, plan, conc, func(i int) error {
			j := i % len(paths)
			return benchPost(ctx, c, m.api.base+paths[j], m.api.token, bodies[j], http.StatusCreated)
		})
		c.CloseIdleConnections()
		if err != nil {
			return r, table, fmt.Errorf("concurrency %d: %w", conc, err)
		}
		// Every POST answered means every webhook was recorded: check.
		got := rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
		if len(got) != n {
			return r, table, fmt.Errorf("concurrency %d: %d annotations created, %d webhooks recorded", conc, n, len(got))
		}
		for _, rec := range got {
			if !rec.Valid {
				return r, table, fmt.Errorf("concurrency %d: webhook %d invalid: %v", conc, rec.Seq, rec.Errors)
			}
		}
		rc.Clear()
		c = benchClient(conc)
		base, _, err := rateOf(ctx, plan, conc, func(i int) error {
			j := i % len(paths)
			return benchPost(ctx, c, sinkURL+paths[j], "", bodies[j], http.StatusCreated)
		})
		c.CloseIdleConnections()
		if err != nil {
			return r, table, fmt.Errorf("baseline, concurrency %d: %w", conc, err)
		}
		row := scaleRow{Size: conc, Value: e2e, Unit: "events/s", Base: base, Ratio: e2e / base}
		table = append(table, row)
		if conc == plan.p2At {
			r.Value, r.Base = e2e, base
		}
	}
	r.judge()
	r.Note = fmt.Sprintf("%d clients, sync delivery, project of %d tasks", plan.p2At, plan.projectTasks)
	return r, table, nil
}
