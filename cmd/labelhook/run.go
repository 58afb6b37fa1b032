package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/scenarios"
)

// runRun runs scenario files: against an in-process mock per scenario, or
// against an external server with --server.
func runRun(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := envflag.New("run", "run [flags] PATH...  (scenario files, or folders of *.yaml)", stderr)
	sf := declareScenarioFlags(fs)
	recvAddr := fs.String("receiver-addr", "127.0.0.1:0", "with --server: address the webhook receiver listens on")
	recvURL := fs.String("receiver-url", "", "with --server: the receiver's URL as the server reaches it (default: http:// and the listening address)")
	junit := fs.String("junit", "", "also write a JUnit XML report to this file")
	var settle time.Duration
	fs.DurationOrZeroVar(&settle, "settle", scenarios.DefaultSettle, "with --server: how long a step with expect keeps listening for late events; 0 turns it off")
	pipeline := fs.String("pipeline", "", "relay every webhook to your pipeline at this URL and record its answers (overrides the scenarios' pipeline: keys)")
	seed := fs.Int64("seed", 1, "seed of the task data that generate: steps make: the same seed makes the same data")
	parallel := fs.Int("parallel", scenarios.DefaultParallel(), "scenarios run at once in-process, 4 per CPU by default (external mode runs one at a time)")
	fs.RequireNonEmpty("token", "the mock's development token")
	fs.BindEnv("receiver-addr", "LABELHOOK_RECEIVER_ADDR")
	fs.BindEnv("receiver-url", "LABELHOOK_RECEIVER_URL")
	fs.BindEnv("pipeline", "LABELHOOK_PIPELINE")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErrorf("run needs at least one scenario file or folder")
	}
	if *parallel < 1 {
		return usageErrorf("--parallel must be 1 or more, got %d", *parallel)
	}
	if *sf.server == "" && (*recvURL != "" || *recvAddr != "127.0.0.1:0") {
		return usageErrorf("--receiver-addr and --receiver-url need --server (in-process runs start their own receivers)")
	}
	for _, f := range []struct{ flag, v string }{{"server", *sf.server}, {"pipeline", *pipeline}, {"receiver-url", *recvURL}} {
		if err := httpurl.Check(f.v); f.v != "" && err != nil {
			return usageErrorf("--%s: %v", f.flag, err)
		}
	}

	scs, err := loadScenarios(fs.Args(), *sf.runExpr, stderr)
	if err != nil {
		return err
	}

	var junitFile *os.File
	if *junit != "" {
		// Created before the run, so a bad path costs no run.
		if junitFile, err = os.Create(*junit); err != nil {
			return usageErrorf("--junit: %v", err)
		}
		defer junitFile.Close()
	}

	opts := scenarios.Options{
		Server:         *sf.server,
		Token:          *sf.token,
		ReceiverAddr:   *recvAddr,
		ReceiverURL:    *recvURL,
		Settle:         settle,
		Parallel:       *parallel,
		Pipeline:       *pipeline,
		Seed:           *seed,
		Verbose:        *sf.verbose,
		Out:            stdout,
		LocalFilesRoot: *sf.localRoot,
	}
	if settle == 0 {
		opts.Settle = -1 // the flag's 0 means none; the Options' 0 means the default
	}
	rep, err := scenarios.Run(ctx, scs, opts)
	if err != nil {
		return fmt.Errorf("run scenarios: %w", err)
	}
	if junitFile != nil {
		if err := writeJUnit(rep, junitFile); err != nil {
			return fmt.Errorf("--junit %s: %w", *junit, err)
		}
	}
	if rep.Failed > 0 {
		return &checkFailedError{fmt.Errorf("%d scenario(s) failed: %w", rep.Failed, errSilent)}
	}
	return nil
}

// loadScenarios reads the scenario files under paths and keeps those
// runExpr selects; every problem in a file is printed, and any is a
// usage error (nothing runs).
func loadScenarios(paths []string, runExpr string, stderr io.Writer) ([]*scenarios.Scenario, error) {
	all, err := scenarios.Load(paths...)
	if err != nil {
		var list scenarios.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(stderr, e)
			}
			return nil, &usageError{Err: fmt.Errorf("%d problem(s) in scenario files, nothing was run: %w", len(list), errSilent)}
		}
		return nil, usageErrorf("%v", err)
	}
	scs, err := scenarios.Select(all, runExpr)
	if err != nil {
		return nil, usageErrorf("--run: %v", err)
	}
	if len(scs) == 0 {
		if runExpr != "" {
			return nil, usageErrorf("no scenario matches --run %q (%d scenario(s) found)", runExpr, len(all))
		}
		return nil, usageErrorf("no scenario found in %q", paths)
	}
	return scs, nil
}

// writeJUnit writes the report and closes the file.
func writeJUnit(rep *scenarios.Report, f *os.File) error {
	if err := rep.WriteJUnit(f); err != nil {
		return err
	}
	return f.Close()
}
