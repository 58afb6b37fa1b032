package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/labelhook/labelhook/server"
)

// p5Reads is how many distinct tasks P5 reads, round robin.
const p5Reads = 1000

// benchGet fetches url with the token and returns the body of a 200.
func benchGet(ctx context.Context, c *http.Client, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return b, nil
}

// benchTaskRead is P5: p4Clients readers GET /api/tasks/{id} (the full
// task with its annotations and predictions; a third of the tasks have
// one of each) from a project of plan.projectTasks tasks. Baseline: a
// bare gorilla/mux router on the same route whose handler writes the
// bytes the mock answered for that id.
func benchTaskRead(ctx context.Context, plan benchPlan) (benchResult, error) {
	r := benchResult{Name: "P5 GET /api/tasks/{id}", Unit: "req/s", BaseUnit: "req/s", Goal: "≥ 0.6", goalAbove: true, goalRatio: 0.6}
	m, err := startBenchMock(ctx, server.Config{})
	if err != nil {
		return r, err
	}
	defer m.stop()
	rows, err := realisticTasks(plan.projectTasks, true)
	if err != nil {
		return r, err
	}
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return r, err
	}
	ids = ids[:min(len(ids), p5Reads)]
	paths := make([]string, len(ids))
	answers := make(map[string][]byte, len(ids))
	for i, id := range ids {
		paths[i] = "/api/tasks/" + strconv.Itoa(id)
		b, err := benchGet(ctx, m.api.hc, m.api.base+paths[i], m.api.token)
		if err != nil {
			return r, err
		}
		answers[strconv.Itoa(id)] = b
	}
	c := benchClient(p4Clients)
	value, _, err := rateOf(ctx, plan, p4Clients, func(i int) error {
		_, err := benchGet(ctx, c, m.api.base+paths[i%len(paths)], m.api.token)
		return err
	})
	c.CloseIdleConnections()
	if err != nil {
		return r, err
	}

	router := mux.NewRouter()
	router.HandleFunc("/api/tasks/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answers[mux.Vars(r)["id"]])
	}).Methods(http.MethodGet)
	baseURL, stopBase, err := benchLoopback(router)
	if err != nil {
		return r, err
	}
	defer stopBase()
	c = benchClient(p4Clients)
	base, _, err := rateOf(ctx, plan, p4Clients, func(i int) error {
		_, err := benchGet(ctx, c, baseURL+paths[i%len(paths)], m.api.token)
		return err
	})
	c.CloseIdleConnections()
	if err != nil {
		return r, err
	}
	r.Value, r.Base = value, base
	r.judge()
	r.Note = fmt.Sprintf("%d readers, %d tasks read round robin", p4Clients, len(paths))
	return r, nil
}
