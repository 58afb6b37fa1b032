package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/labelhook/labelhook/internal/bench"
)

const benchUsage = `bench [--quick] [--json FILE] [--state-dir DIR]

Measures labelhook against baselines run in the same process on the same
machine and prints one line per goal:
  NAME value unit | baseline value unit | ratio R (goal G) | ok/short
  startup: exec of 'labelhook serve' to the first 200 on /health (median of
     10) vs a trivial Go HTTP server, both built with 'go build' at bench time
     (needs go on PATH and the labelhook source tree as working directory;
     skipped with a note otherwise)
  end-to-end: annotation POSTs -> webhook -> receiver validated, events/s
  import: 100 000 realistic tasks, wall time and peak heap
  receiver validation: ANNOTATION_CREATED records/s
  GET /api/tasks/{id}: requests/s
  writes with --state: concurrent annotation writes/s with the journal
     (fsync before each answer) vs the same mock in memory
then how the import and end-to-end scale. All traffic stays on 127.0.0.1.
The exit code is 0 when every measurement ran, even if a goal is short
(figures drift on shared machines; read the ratios), 1 when a measurement
failed.`

// runBench runs the performance harness (internal/bench).
func runBench(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchUsage, stderr)
	quick := fs.Bool("quick", false, "shorter measurements (under a minute on two cores)")
	jsonFile := fs.String("json", "", "also write the results as JSON to `FILE`")
	stateDir := fs.String("state-dir", "", "keep the durability measurement's state file under `DIR` (default: the system's temporary directory); fsync costs what its file system makes it cost")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("bench takes no arguments, got %q", fs.Args())
	}
	plan := bench.NewPlan(*quick)
	plan.StateDir = *stateDir
	rep, err := bench.Run(ctx, plan, stdout)
	if err != nil {
		return err // interrupted
	}
	var failed []error
	for _, f := range rep.Failed {
		failed = append(failed, errors.New(f))
	}
	if *jsonFile != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonFile, append(b, '\n'), 0o644); err != nil {
			failed = append(failed, fmt.Errorf("write %s: %w", *jsonFile, err))
		}
	}
	if len(failed) > 0 {
		return &checkFailedError{errors.Join(failed...)}
	}
	return nil
}
