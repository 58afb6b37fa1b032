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
	"github.com/labelhook/labelhook/internal/envflag"
)

const benchUsage = `bench [--quick] [--only NAME,...] [--json FILE] [--state-dir DIR] [--cpuprofile FILE]

` + bench.About

// runBench runs the performance harness (internal/bench).
func runBench(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := envflag.New("bench", benchUsage, stderr)
	quick := fs.Bool("quick", false, "shorter measurements and smaller sizes (under 30 s on two cores)")
	only := fs.String("only", "", "run only these measurements, comma-separated (`NAMES`: "+strings.Join(bench.Measurements, ", ")+")")
	jsonFile := fs.String("json", "", "also write the results as JSON to `FILE`")
	stateDir := fs.String("state-dir", "", "keep the durability and restart measurements' state files under `DIR` (default: the system's temporary directory); fsync costs what its file system makes it cost")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE` (go tool pprof reads it)")
	if err := fs.ParseArgs(args, getenv); err != nil {
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
