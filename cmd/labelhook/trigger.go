package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/internal/trigger"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// triggerOptions are trigger's flags, checked.
type triggerOptions struct {
	trigger.Options
	actions []schemas.Action
	headers trigger.Headers
	verbose bool
}

func parseTrigger(args []string, stderr io.Writer) (triggerOptions, error) {
	var o triggerOptions
	fs := envflag.New("trigger", "trigger ACTION --to URL [flags]\n       labelhook trigger --all --to URL [flags]", stderr)
	fs.StringVar(&o.To, "to", "", "send the webhooks to `URL` (required)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generated data: the same seed sends the same data")
	fs.IntVar(&o.Count, "count", 1, "webhooks to send of each action")
	fs.StringVar(&o.ConfigPath, "label-config", "", "label config `FILE` (XML) the data and annotations follow (default: a text classification config)")
	fs.Var(&o.headers, "header", "add the header 'Name: value' to every webhook, as a webhook's headers do (repeatable)")
	fs.BoolVar(&o.NoPayload, "no-payload", false, "send only {\"action\": ...}, as a webhook with send_payload=false does")
	all := fs.Bool("all", false, "send one webhook of each of the 12 actions (--count of each)")
	fs.DurationVar(&o.Timeout, "timeout", server.DefaultWebhookTimeout, "how long one delivery may take, connect and answer (a duration such as 10s, or seconds)")
	fs.BoolVar(&o.verbose, "verbose", false, "log what the in-process mock does (debug level)")

	if err := fs.ParseArgs(args, envflag.NoEnv); err != nil { // the action may come before or after the flags
		return o, err
	}
	names := fs.Args()
	switch {
	case len(names) > 1:
		return o, usageErrorf("trigger takes one action, got %q", names)
	case *all && len(names) == 1:
		return o, usageErrorf("give an action or --all, not both")
	case !*all && len(names) == 0:
		return o, usageErrorf("no action given: name one (e.g. TASKS_CREATED) or use --all")
	case o.To == "":
		return o, usageErrorf("--to URL is required: where to send the webhooks")
	case o.Count < 1:
		return o, usageErrorf("--count must be 1 or more, got %d", o.Count)
	}
	if err := httpurl.Check(o.To); err != nil {
		return o, usageErrorf("--to: %v", err)
	}
	o.Headers = o.headers
	if *all {
		for _, info := range schemas.Catalog {
			o.actions = append(o.actions, info.Action)
		}
	} else {
		info, ok := schemas.Lookup(names[0])
		if !ok {
			msg := fmt.Sprintf("unknown action %q", names[0])
			if s := schemas.Suggest(names[0]); s != "" {
				msg += fmt.Sprintf(": Label Studio sends %s", s)
			}
			var known []string
			for _, c := range schemas.Catalog {
				known = append(known, string(c.Action))
			}
			return o, usageErrorf("%s (actions: %s)", msg, strings.Join(known, ", "))
		}
		o.actions = []schemas.Action{info.Action}
	}
	if o.ConfigPath != "" {
		b, err := os.ReadFile(o.ConfigPath)
		if err != nil {
			return o, usageErrorf("read label config: %v", err)
		}
		o.LabelConfig = string(b)
	}
	return o, nil
}

// runTrigger sends realistic webhooks of one action (or all) to a URL
// (internal/trigger) and prints one line per delivery: action, status,
// duration.
func runTrigger(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	o, err := parseTrigger(args, stderr)
	if err != nil {
		return err
	}
	if o.verbose {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	tr, err := trigger.Start(o.Options)
	if err != nil {
		return triggerError(err)
	}
	defer tr.Close()

	var sent, failed int
	for _, a := range o.actions {
		err := tr.Send(ctx, a, func(r trigger.Result) {
			sent++
			if !r.OK() {
				failed++
			}
			fmt.Fprintln(stdout, r)
		})
		if err != nil {
			return triggerError(err)
		}
	}
	if failed > 0 {
		return &checkFailedError{fmt.Errorf("%d of %d deliveries to %s failed", failed, sent, o.To)}
	}
	return nil
}

// triggerError makes a label config the mock cannot use a usage error.
func triggerError(err error) error {
	if ce := (*trigger.ConfigError)(nil); errors.As(err, &ce) {
		return &usageError{Err: err}
	}
	return err
}
