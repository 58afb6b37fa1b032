package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/trigger"
	"github.com/labelhook/labelhook/scenarios/check"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// runCheck sends the readiness battery to a running webhook consumer and
// prints a row per case. Exit 0: every case passed (warnings allowed); 1:
// a case failed; 2: bad usage, or nothing answers at the URL.
func runCheck(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg := check.Config{Timeout: server.DefaultWebhookTimeout}
	var headers trigger.Headers
	fs := envflag.New("check", "check [flags] URL  (your pipeline's webhook URL, running)", stderr)
	configPath := fs.String("label-config", "", "label config FILE (XML) the payloads follow (default: a text classification config)")
	fs.Var(&headers, "header", "add the header 'Name: value' to every delivery, as your webhook's headers do (repeatable)")
	actions := fs.String("actions", "", "only the actions your webhook subscribes to, comma-separated (default: all 12)")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "how long one delivery may take, as Label Studio's WEBHOOK_TIMEOUT (a duration such as 10s, or seconds)")
	fs.DurationVar(&cfg.SlowAfter, "slow", 0, fmt.Sprintf("warn about answers slower than this, as Label Studio waits for them inside the annotator's save (default %s, or half of --timeout when shorter)", check.DefaultSlowAfter))
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated data: the same seed sends the same data")
	junit := fs.String("junit", "", "also write a JUnit XML report to this file")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	fs.BindEnv("label-config", "LABELHOOK_LABEL_CONFIG")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		fs.Usage()
		return usageErrorf("check needs the URL of your running webhook consumer")
	case 1:
	default:
		return usageErrorf("check takes one URL, got %q", fs.Args())
	}
	cfg.URL = fs.Arg(0)
	cfg.Headers = headers
	if *actions != "" {
		for _, name := range strings.Split(*actions, ",") {
			name = strings.TrimSpace(name)
			info, ok := schemas.Lookup(name)
			if !ok {
				msg := fmt.Sprintf("--actions: unknown action %q", name)
				if s := schemas.Suggest(name); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
				return usageErrorf("%s", msg)
			}
			cfg.Actions = append(cfg.Actions, info.Action)
		}
	}
	if *configPath != "" {
		b, err := os.ReadFile(*configPath)
		if err != nil {
			return usageErrorf("--label-config: %v", err)
		}
		cfg.LabelConfig = string(b)
	}
	// Created before the run, so a bad path costs no run.
	files := map[string]*os.File{}
	for flag, path := range map[string]string{"junit": *junit, "json": *jsonOut} {
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err != nil {
			return usageErrorf("--%s: %v", flag, err)
		}
		defer f.Close()
		files[flag] = f
	}

	cfg.Out = stdout
	rep, err := check.Run(ctx, cfg)
	var ce *check.ConfigError
	var ue *check.UnreachableError
	switch {
	case errors.As(err, &ce):
		return usageErrorf("%v", err)
	case errors.As(err, &ue):
		return usageErrorf("%v (is your pipeline running?)", err)
	case err != nil:
		return fmt.Errorf("check: %w", err)
	}
	for flag, f := range files {
		write := rep.WriteJSON
		if flag == "junit" {
			write = rep.WriteJUnit
		}
		if err := write(f); err != nil {
			return fmt.Errorf("--%s %s: %w", flag, f.Name(), err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--%s %s: %w", flag, f.Name(), err)
		}
	}
	if rep.Failed > 0 {
		return &checkFailedError{fmt.Errorf("%d of %d cases failed: %w", rep.Failed, len(rep.Results), errSilent)}
	}
	return nil
}
