package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/scenarios/compare"
)

// runCompare runs scenario files against an external server and against
// the in-process mock, and reports where the two differ.
func runCompare(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := envflag.New("compare", "compare --server URL --token T [flags] PATH...  (scenario files, or folders of *.yaml)", stderr)
	sf := declareScenarioFlags(fs)
	record := fs.String("record", "", "write the normalised traces of the external side into this folder, one JSON file per scenario file (gzipped above 1 MiB)")
	var settle, reqTimeout time.Duration
	fs.DurationVar(&settle, "settle", compare.DefaultSettle, "how long each step listens for late webhooks after its answer")
	fs.DurationVar(&reqTimeout, "request-timeout", time.Minute, "bound on each API request")
	var settings compare.Settings
	fs.Func("server-setting", "KEY=VALUE the external server was started with, as a scenario's server: key (webhook_batch_size, webhook_timeout, max_consecutive_failures, async_delivery); repeatable. Scenarios that need other settings are skipped; the mock runs with these", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("want KEY=VALUE, got %q", s)
		}
		return settings.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	})
	if err := fs.ParseArgs(args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErrorf("compare needs at least one scenario file or folder")
	}
	if *sf.server == "" || *sf.token == "" {
		return usageErrorf("compare needs --server and --token (the external side)")
	}
	scs, err := loadScenarios(fs.Args(), *sf.runExpr, stderr)
	if err != nil {
		return err
	}

	rep, err := compare.Run(ctx, scs, compare.Options{
		Server: *sf.server, Token: *sf.token, Settings: settings, Settle: settle, RequestTimeout: reqTimeout,
		Out: stdout, Verbose: *sf.verbose, LocalFilesRoot: *sf.localRoot,
	})
	if rep != nil && *record != "" {
		files, rerr := compare.Record(*record, rep, settings, time.Now())
		if rerr != nil {
			return fmt.Errorf("--record: %w", rerr)
		}
		fmt.Fprintf(stdout, "recorded %d trace file(s) in %s\n", len(files), *record)
	}
	if err != nil {
		for _, e := range []error{compare.ErrUnreachable, compare.ErrBadToken, compare.ErrNotLabelStudio, compare.ErrServerDied} {
			if errors.Is(err, e) {
				return &usageError{Err: err}
			}
		}
		return err
	}
	if rep.Differences > 0 {
		return &checkFailedError{fmt.Errorf("%d difference(s) in %d scenario(s): %w", rep.Differences, rep.Differing, errSilent)}
	}
	return nil
}
