package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/labelhook/labelhook/internal/bench"
)

const benchUsage = `bench [--quick] [--only NAME,...] [--json FILE] [--state-dir DIR] [--cpuprofile FILE]

Measures labelhook against baselines run in the same process on the same
machine and prints one line per goal:
  NAME value unit | baseline value unit | ratio R [min–max] (goal G) | ok/short
Each figure is the median of 5 rounds that alternate labelhook and its
baseline; [min–max] is the spread of the judged quantity; a goal is short
only when the median misses it. The measurements (--only takes these names):
  startup: exec of 'labelhook serve' to the first 200 on /health vs a
     trivial Go HTTP server, both built with 'go build' at bench time
     (needs go on PATH and the labelhook source tree as working directory;
     skipped with a note otherwise; restart needs the same)
  end-to-end: annotation POSTs -> webhook -> receiver validated, events/s,
     vs a two-hop chain that does no work
  import: 100 000 realistic tasks, wall time and peak heap
  validation: the receiver's ANNOTATION_CREATED records/s
  task-read: GET /api/tasks/{id} requests/s
  reads: a project of 50 000 annotated tasks: the export, GET /api/tasks
     paged at page_size=100, and the legacy SDK's id listing, each vs the
     same bytes written from a buffer
  durability: concurrent annotation writes/s with --state (fsync before
     each answer) vs the same mock in memory
  restart: serve --state on a crashed state of 100 000 tasks and 100 000
     annotations, exec to the first 200
then how the import, end-to-end and reads scale. All traffic stays on
127.0.0.1. The exit code is 0 when every measurement ran, even if a goal
is short (figures drift on shared machines; read the ratios), 1 when a
measurement failed.`

// runBench runs the performance harness (internal/bench).
func runBench(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchUsage, stderr)
	quick := fs.Bool("quick", false, "shorter measurements and smaller sizes (under 30 s on two cores)")
	only := fs.String("only", "", "run only these measurements, comma-separated (`NAMES`: "+strings.Join(bench.Measurements, ", ")+")")
	jsonFile := fs.String("json", "", "also write the results as JSON to `FILE`")
	stateDir := fs.String("state-dir", "", "keep the durability and restart measurements' state files under `DIR` (default: the system's temporary directory); fsync costs what its file system makes it cost")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE` (go tool pprof reads it)")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("bench takes no arguments, got %q", fs.Args())
	}
	plan := bench.NewPlan(*quick)
	plan.StateDir = *stateDir
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(bench.Measurements, name) {
				return usageErrorf("--only: unknown measurement %q (want some of %s)", name, strings.Join(bench.Measurements, ", "))
			}
			plan.Only = append(plan.Only, name)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
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
