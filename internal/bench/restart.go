package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/journal"
	"github.com/labelhook/labelhook/server"
)

// Restart measures how soon `labelhook serve --state` answers again after
// a crash with a big state: plan.RestartTasks tasks with one annotation
// each, imported into a serve process that is then killed (SIGKILL), so
// the state is what a crash leaves (a snapshot plus the journal written
// since; compactions may have run during the import, as they would). Each
// round execs serve on those files and times exec to the first 200 on
// /health (serve listens only once the state is loaded, replayed and
// checked), then kills it again, so every round loads the same files.
// The goal is on the value (≤ 1 s). Baseline, for context: reading the
// same two files and decoding them with encoding/json into Go values.
func Restart(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "restart with --state", Unit: "ms", BaseUnit: "ms (encoding/json reads the same files)",
		Goal: "value ≤ 1000 ms", goalLimit: 1000, onValue: true}
	bins, err := plan.binaries(ctx, &r)
	if err != nil || bins == nil {
		return r, err
	}
	dir, err := os.MkdirTemp(plan.StateDir, "labelhook-bench-restart-")
	if err != nil {
		return r, fmt.Errorf("state directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.json")

	p, _, err := startReady(ctx, bins.labelhook, "serve", "--state", path)
	if err != nil {
		return r, fmt.Errorf("first serve: %w", err)
	}
	api := apiclient.New(p.url, server.DefaultToken)
	api.HTTP = newClient(1)
	var project struct {
		ID int `json:"id"`
	}
	err = api.Call(ctx, "POST", "/api/projects", map[string]any{"title": "Restart", "label_config": fakedata.TextClassificationConfig}, &project)
	if err == nil {
		err = importAnnotated(ctx, api, project.ID, plan.RestartTasks)
	}
	p.stop(os.Kill)
	if err != nil {
		return r, fmt.Errorf("build the state: %w", err)
	}
	snap, _ := os.Stat(path)
	jour, _ := os.Stat(path + ".journal")

	check := true
	rounds, err := interleave(ctx, plan.Rounds, func() (float64, error) {
		settle() // the baseline's garbage is not collected while serve loads
		p, d, err := startReady(ctx, bins.labelhook, "serve", "--state", path)
		if err != nil {
			return 0, err
		}
		defer p.stop(os.Kill) // the files stay as the crash left them
		if check {
			check = false
			if err := countTasks(ctx, p.url, project.ID, plan.RestartTasks); err != nil {
				return 0, err
			}
		}
		return millis(d), nil
	}, func() (float64, error) {
		if plan.Quick {
			return 0, nil // context only: the full run reads it
		}
		start := time.Now()
		err := decodeFiles(path, path+".journal")
		return millis(time.Since(start)), err
	})
	if err != nil {
		return r, err
	}
	r.judge(rounds)
	r.Note = fmt.Sprintf("%d tasks + %d annotations; snapshot %.1f MiB, journal %.1f MiB", plan.RestartTasks, plan.RestartTasks,
		float64(sizeOf(snap))/mib, float64(sizeOf(jour))/mib)
	if plan.Quick {
		r.Note += "; quick: no baseline (encoding/json on 100 MiB, 3 s here, is context for a goal on the value: the full run reads it)"
	}
	return r, nil
}

// countTasks checks that the restarted server has the project with n
// tasks and n annotations.
func countTasks(ctx context.Context, base string, project, n int) error {
	api := apiclient.New(base, server.DefaultToken)
	var p struct {
		Tasks       int `json:"task_number"`
		Annotations int `json:"total_annotations_number"`
	}
	if err := api.Call(ctx, "GET", fmt.Sprintf("/api/projects/%d", project), nil, &p); err != nil {
		return err
	}
	if p.Tasks != n || p.Annotations != n {
		return fmt.Errorf("restarted with %d tasks and %d annotations, want %d of each", p.Tasks, p.Annotations, n)
	}
	return nil
}

// decodeFiles is the restart baseline: read the snapshot and the journal
// and decode both with encoding/json into Go values (the snapshot whole,
// the journal record by record).
func decodeFiles(snapshot, jpath string) error {
	b, err := os.ReadFile(snapshot)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(b) > 0 {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("decode %s: %w", snapshot, err)
		}
	}
	_, _, err = journal.Read(jpath, func(_ uint64, payload []byte) error {
		var v any
		return json.Unmarshal(payload, &v)
	})
	return err
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}
