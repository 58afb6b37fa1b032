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

// durabilityTasks is the size of the project the writers annotate, round
// robin: big enough that a task gets a few annotations in a run, as in
// real labelling.
const durabilityTasks = 10000

// Durability is what --state costs a writer: concurrentClients clients
// POST realistic annotations to a mock whose state is a journal (every
// write is journalled and fsynced before its answer; writes arriving
// together share one fsync) and, as the baseline, to the same mock in
// memory, in interleaved rounds. Both check that every acknowledged
// annotation is counted; the durable one also reopens the state file and
// checks that every acknowledged annotation is in it. fsync costs what the
// file system of plan.StateDir makes it cost (tmpfs: nothing).
func Durability(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "writes with --state", Unit: "writes/s", BaseUnit: "writes/s (the same mock in memory)", Goal: "≥ 0.5", goalAbove: true, goalLimit: 0.5}
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

	mem, err := newWriters(ctx, plan, "", rows, bodies)
	if err != nil {
		return r, fmt.Errorf("in memory: %w", err)
	}
	defer mem.stop()
	durable, err := newWriters(ctx, plan, path, rows, bodies)
	if err != nil {
		return r, fmt.Errorf("with --state: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			durable.stop()
		}
	}()
	rounds, err := rates(ctx, plan, durable.load, mem.load)
	if err != nil {
		return r, err
	}
	if err := mem.counted(ctx); err != nil {
		return r, fmt.Errorf("in memory: %w", err)
	}
	if err := durable.counted(ctx); err != nil {
		return r, fmt.Errorf("with --state: %w", err)
	}
	n := durable.load.calls()
	durable.stop()
	stopped = true
	// Every acknowledged write is in the state: load it into a new mock.
	if got, err := annotationsIn(ctx, path); err != nil || got != n {
		return r, fmt.Errorf("reopened state holds %d annotations (err %v), want the %d acknowledged", got, err, n)
	}
	r.judge(rounds)
	r.Note = fmt.Sprintf("%d writers, state in %s", concurrentClients, plan.stateDirName())
	return r, nil
}

// writers is a mock (durable when statePath is set) with a project of
// realistic tasks and a workload of concurrent annotation POSTs.
type writers struct {
	m    *mock
	c    *http.Client
	load *load
}

func newWriters(ctx context.Context, plan Plan, statePath string, rows []map[string]any, bodies [][]byte) (*writers, error) {
	m, err := startMock(ctx, server.Config{}, statePath)
	if err != nil {
		return nil, err
	}
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		m.stop()
		return nil, err
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = m.api.Base + "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	c := newClient(concurrentClients)
	return &writers{m: m, c: c, load: newLoad(plan, concurrentClients, func(i int) error {
		return post(ctx, c, paths[i%len(paths)], m.api.Token, bodies[i%len(bodies)], http.StatusCreated)
	})}, nil
}

// counted checks that the project counts every acknowledged annotation.
func (w *writers) counted(ctx context.Context) error {
	n := w.load.calls()
	if got, err := w.m.annotations(ctx); err != nil || got != n {
		return fmt.Errorf("the project counts %d annotations (err %v), want the %d acknowledged", got, err, n)
	}
	return nil
}

func (w *writers) stop() {
	w.c.CloseIdleConnections()
	w.m.stop()
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
