package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/server"
)

// durabilityTasks is the size of the project the writers annotate.
const durabilityTasks = 1000

// Durability is what --state costs a writer: concurrentClients clients
// POST realistic annotations to a mock whose state is a journal (every
// write is journalled and fsynced before its answer; writes arriving
// together share one fsync) and, as the baseline, to the same mock in
// memory, in the same run. Both runs check that every acknowledged
// annotation is counted; the durable one also reopens the state file and
// checks that every acknowledged annotation is in it. fsync costs what the
// file system of plan.StateDir makes it cost (tmpfs: nothing).
func Durability(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "writes with --state", Unit: "writes/s", BaseUnit: "writes/s in memory", Goal: "≥ 0.2", goalAbove: true, goalRatio: 0.2}
	rows, err := realisticTasks(durabilityTasks, false)
	if err != nil {
		return r, err
	}
	bodies, err := annotationBodies(rows)
	if err != nil {
		return r, err
	}
	dir, err := os.MkdirTemp(plan.StateDir, "labelhook-bench-state-")
	if err != nil {
		return r, fmt.Errorf("state directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.json")

	base, _, err := annotationWrites(ctx, plan, "", rows, bodies)
	if err != nil {
		return r, fmt.Errorf("in memory: %w", err)
	}
	durable, n, err := annotationWrites(ctx, plan, path, rows, bodies)
	if err != nil {
		return r, fmt.Errorf("with --state: %w", err)
	}
	// Every acknowledged write is in the state: load it into a new mock.
	if got, err := annotationsIn(ctx, path); err != nil || got != n {
		return r, fmt.Errorf("reopened state holds %d annotations (err %v), want the %d acknowledged", got, err, n)
	}
	r.Value, r.Base = durable, base
	r.judge()
	r.Note = fmt.Sprintf("%d writers, state in %s", concurrentClients, plan.stateDirName())
	return r, nil
}

// annotationWrites measures concurrent annotation POSTs to a new mock
// (durable when statePath is set) and returns writes/s and how many were
// acknowledged in all.
func annotationWrites(ctx context.Context, plan Plan, statePath string, rows []map[string]any, bodies [][]byte) (float64, int, error) {
	m, err := startMock(ctx, server.Config{}, statePath)
	if err != nil {
		return 0, 0, err
	}
	defer m.stop()
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return 0, 0, err
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = m.api.Base + "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	c := newClient(concurrentClients)
	defer c.CloseIdleConnections()
	rate, n, err := rateOf(ctx, plan, concurrentClients, func(i int) error {
		return post(ctx, c, paths[i%len(paths)], m.api.Token, bodies[i%len(bodies)], http.StatusCreated)
	})
	if err != nil {
		return 0, 0, err
	}
	if got, err := m.annotations(ctx); err != nil || got != n {
		return 0, 0, fmt.Errorf("the project counts %d annotations (err %v), want the %d acknowledged", got, err, n)
	}
	return rate, n, nil
}

// annotationsIn opens the state at path in a new mock and counts the
// annotations of its project.
func annotationsIn(ctx context.Context, path string) (int, error) {
	srv, err := server.New(server.Config{})
	if err != nil {
		return 0, err
	}
	defer srv.Close(context.Background())
	if _, err := srv.OpenState(path); err != nil {
		return 0, err
	}
	base, stop, err := loopback(srv)
	if err != nil {
		return 0, err
	}
	defer stop()
	m := &mock{srv: srv, api: apiclient.New(base, srv.Config().Token), project: 1}
	return m.annotations(ctx)
}

func (p Plan) stateDirName() string {
	if p.StateDir == "" {
		return os.TempDir()
	}
	return p.StateDir
}
