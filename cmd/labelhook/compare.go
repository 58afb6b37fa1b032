package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/labelhook/labelhook/scenarios/compare"
)

// runCompare runs scenario files against an external server and against
// the in-process mock, and reports where the two differ.
func runCompare(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "compare --server URL --token T [flags] PATH...  (scenario files, or folders of *.yaml)", stderr)
	srv := fs.String("server", "", "base URL of the external Label Studio (or any compatible server) to compare the mock with")
	token := fs.String("token", "", "API token of the external server (Authorization: Token)")
	runExpr := fs.String("run", "", "compare only the scenarios whose name matches this regular expression")
	record := fs.String("record", "", "write the normalised traces of the external side into this folder, one JSON file per scenario file (gzipped above 1 MiB)")
	var settle, reqTimeout time.Duration
	fs.durationVar(&settle, "settle", compare.DefaultSettle, "how long each step listens for late webhooks after its answer")
	fs.durationVar(&reqTimeout, "request-timeout", time.Minute, "bound on each API request")
	verbose := fs.Bool("v", false, "print every step of the external side")
	localRoot := fs.String("local-files-root", "", "the external server's LOCAL_FILES_DOCUMENT_ROOT (it must run with LOCAL_FILES_SERVING_ENABLED=true): scenarios that make local files storages write their files below it; without it they are skipped")
	var settings compare.Settings
	fs.Func("server-setting", "KEY=VALUE the external server was started with, as a scenario's server: key (webhook_batch_size, webhook_timeout, max_consecutive_failures, async_delivery); repeatable. Scenarios that need other settings are skipped; the mock runs with these", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("want KEY=VALUE, got %q", s)
		}
		return settings.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	})
	fs.bindEnv("server", "LABELHOOK_SERVER")
	fs.bindEnv("token", "LABELHOOK_TOKEN")
	fs.bindEnv("local-files-root", "LOCAL_FILES_DOCUMENT_ROOT")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErrorf("compare needs at least one scenario file or folder")
	}
	if *srv == "" || *token == "" {
		return usageErrorf("compare needs --server and --token (the external side)")
	}
	scs, err := loadScenarios(fs.Args(), *runExpr, stderr)
	if err != nil {
		return err
	}

	rep, err := compare.Run(ctx, scs, compare.Options{
		Server: *srv, Token: *token, Settings: settings, Settle: settle, RequestTimeout: reqTimeout,
		Out: stdout, Verbose: *verbose, LocalFilesRoot: *localRoot,
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
				return &usageError{err}
			}
		}
		return err
	}
	if rep.Differences > 0 {
		return &checkFailedError{fmt.Errorf("%d difference(s) in %d scenario(s): %w", rep.Differences, rep.Differing, errSilent)}
	}
	return nil
}
