package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// captureHost is a webhook host trigger's own transport answers itself:
// the mock's deliveries to it never reach the network.
const captureHost = "labelhook-trigger.invalid"

// headerNameRE is the header name rule of Label Studio's webhook model.
var headerNameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

// triggerOptions are trigger's flags, checked.
type triggerOptions struct {
	actions     []schemas.Action
	to          string
	seed        int64
	count       int
	configPath  string
	labelConfig string
	headers     headerFlag
	noPayload   bool
	timeout     time.Duration
	verbose     bool
}

// headerFlag is the repeatable --header 'Name: value'.
type headerFlag [][2]string

func (h *headerFlag) String() string {
	parts := make([]string, len(*h))
	for i, kv := range *h {
		parts[i] = kv[0] + ": " + kv[1]
	}
	return strings.Join(parts, ", ")
}

func (h *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("%q is not 'Name: value'", v)
	}
	if !headerNameRE.MatchString(name) {
		return fmt.Errorf("header name %q may hold only letters, digits, '-' and '_' (Label Studio's rule)", name)
	}
	if len(*h) == 10 {
		return errors.New("at most 10 headers (Label Studio's limit)")
	}
	*h = append(*h, [2]string{name, strings.TrimSpace(value)})
	return nil
}

func parseTrigger(args []string, stderr io.Writer) (triggerOptions, error) {
	var o triggerOptions
	fs := newFlagSet("trigger", "trigger ACTION --to URL [flags]\n       labelhook trigger --all --to URL [flags]", stderr)
	fs.StringVar(&o.to, "to", "", "send the webhooks to `URL` (required)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated data: the same seed sends the same data")
	fs.IntVar(&o.count, "count", 1, "webhooks to send of each action")
	fs.StringVar(&o.configPath, "label-config", "", "label config `FILE` (XML) the data and annotations follow (default: a text classification config)")
	fs.Var(&o.headers, "header", "add the header 'Name: value' to every webhook, as a webhook's headers do (repeatable)")
	fs.BoolVar(&o.noPayload, "no-payload", false, "send only {\"action\": ...}, as a webhook with send_payload=false does")
	all := fs.Bool("all", false, "send one webhook of each of the 12 actions (--count of each)")
	timeout := fs.Float64("timeout", server.DefaultWebhookTimeout.Seconds(), "seconds one delivery may take, connect and answer")
	fs.BoolVar(&o.verbose, "verbose", false, "log what the in-process mock does (debug level)")

	// The action may come before or after the flags.
	var names []string
	rest := args
	for {
		if err := fs.parse(rest, func(string) string { return "" }); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(names) > 1:
		return o, usageErrorf("trigger takes one action, got %q", names)
	case *all && len(names) == 1:
		return o, usageErrorf("give an action or --all, not both")
	case !*all && len(names) == 0:
		return o, usageErrorf("no action given: name one (e.g. TASKS_CREATED) or use --all")
	case o.to == "":
		return o, usageErrorf("--to URL is required: where to send the webhooks")
	case o.count < 1:
		return o, usageErrorf("--count must be 1 or more, got %d", o.count)
	case !(*timeout > 0):
		return o, usageErrorf("--timeout must be positive, got %v", *timeout)
	}
	if u, err := url.Parse(o.to); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, usageErrorf("--to must be an http or https URL, got %q", o.to)
	}
	o.timeout = time.Duration(*timeout * float64(time.Second))
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
	o.labelConfig = fakedata.TextClassificationConfig
	if o.configPath != "" {
		b, err := os.ReadFile(o.configPath)
		if err != nil {
			return o, usageErrorf("read label config: %v", err)
		}
		o.labelConfig = string(b)
	}
	return o, nil
}

// runTrigger sends realistic webhooks of one action (or all) to a URL and
// prints one line per delivery: action, status, duration. The bodies come
// from a mock Label Studio running in-process, driven through its API with
// a webhook filtered to the action, so they are exactly what the mock (and
// Label Studio) sends; LABEL_LINK_* bodies, which the mock does not emit,
// are built as Label Studio's serializers build them
// (docs/label-studio-behaviour.md#label-links) and checked against the schemas.
func runTrigger(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	o, err := parseTrigger(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := fakedata.ParseConfig(o.labelConfig)
	if err != nil {
		return usageErrorf("label config %s: %v", o.configPath, err)
	}
	tr, err := startTrigger(o, cfg, stderr)
	if err != nil {
		return err
	}
	defer tr.close()

	var sent, failed int
	for _, a := range o.actions {
		err := tr.runAction(ctx, a, func(d deliveryResult) {
			sent++
			if !d.ok() {
				failed++
			}
			fmt.Fprintln(stdout, d)
		})
		if err != nil {
			return err
		}
	}
	if failed > 0 {
		return &checkFailedError{fmt.Errorf("%d of %d deliveries to %s failed", failed, sent, o.to)}
	}
	return nil
}
