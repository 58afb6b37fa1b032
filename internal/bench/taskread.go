package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/labelhook/labelhook/server"
)

// distinctReads is how many distinct tasks TaskRead reads, round robin.
const distinctReads = 1000

// TaskRead measures API reads: concurrentClients readers GET /api/tasks/{id} (the full
// task with its annotations and predictions; a third of the tasks have
// one of each) from a project of plan.ProjectTasks tasks. Baseline: a
// bare gorilla/mux router on the same route whose handler writes the
// bytes the mock answered for that id.
func TaskRead(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "GET /api/tasks/{id}", Unit: "req/s", BaseUnit: "req/s (bare gorilla/mux, same bytes)", Goal: "≥ 0.6", goalAbove: true, goalLimit: 0.6}
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return r, err
	}
	defer m.stop()
	rows, err := realisticTasks(plan.ProjectTasks, true)
	if err != nil {
		return r, err
	}
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return r, err
	}
	ids = ids[:min(len(ids), distinctReads)]
	paths := make([]string, len(ids))
	answers := make(map[string][]byte, len(ids))
	for i, id := range ids {
		paths[i] = "/api/tasks/" + strconv.Itoa(id)
		b, err := get(ctx, m.api.HTTP, m.api.Base+paths[i], m.api.Token)
		if err != nil {
			return r, err
		}
		answers[strconv.Itoa(id)] = b
	}
	router := mux.NewRouter()
	router.HandleFunc("/api/tasks/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answers[mux.Vars(r)["id"]])
	}).Methods(http.MethodGet)
	baseURL, stopBase, err := loopback(router)
	if err != nil {
		return r, err
	}
	defer stopBase()
	c := newClient(concurrentClients)
	defer c.CloseIdleConnections()
	subject := newLoad(plan, concurrentClients, func(i int) error {
		_, err := get(ctx, c, m.api.Base+paths[i%len(paths)], m.api.Token)
		return err
	})
	bc := newClient(concurrentClients)
	defer bc.CloseIdleConnections()
	base := newLoad(plan, concurrentClients, func(i int) error {
		_, err := get(ctx, bc, baseURL+paths[i%len(paths)], m.api.Token)
		return err
	})
	rounds, err := rates(ctx, plan, subject, base)
	if err != nil {
		return r, err
	}
	r.judge(rounds)
	r.Note = fmt.Sprintf("%d readers, %d tasks read round robin", concurrentClients, len(paths))
	return r, nil
}
