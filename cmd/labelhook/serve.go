package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/httpserve"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/internal/inspector"
	"github.com/labelhook/labelhook/internal/sandbox"
	"github.com/labelhook/labelhook/internal/signing"
	"github.com/labelhook/labelhook/server"
)

// shutdownGrace bounds how long serve waits for requests and queued
// deliveries when it is asked to stop.
const shutdownGrace = 30 * time.Second

// serveOptions are serve's flags, checked.
type serveOptions struct {
	addr       string
	token      string
	tokenFrom  string // "--token", "LABELHOOK_TOKEN", or "" (the development token)
	version    string
	orgHooks   bool
	timeout    time.Duration
	batch      int
	maxFail    int
	async      bool
	verbose    bool
	seed       int64
	sampleData bool
	webhooks   httpurl.List
	annotators int
	rate       float64
	stateFile  string
	compactAt  int64
	renderKeep int64
	localRoot  string
	// Opt-in behaviour beyond Label Studio.
	retrySchedule string
	signing       string
	faultDup      float64
	faultDelay    string
	faultReorder  bool
	faultDrop     float64
	ssrf          bool
}

// parseServe reads serve's flags and environment.
func parseServe(args []string, getenv env, stderr io.Writer) (serveOptions, error) {
	var o serveOptions
	fs := envflag.New("serve", "serve [flags]", stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.token, "token", "", "API token (default: the development token "+server.DefaultToken+")")
	fs.StringVar(&o.version, "label-studio-version", server.DefaultVersion, "the verified Label Studio release to imitate ("+strings.Join(server.Versions(), ", ")+")")
	fs.DurationOrZeroVar(&o.timeout, "webhook-timeout", 0, "how long python-requests waits to connect and for each read of the answer, in seconds as WEBHOOK_TIMEOUT or a duration such as 2.5s (default: the release's WEBHOOK_TIMEOUT, 1)")
	fs.IntVar(&o.batch, "webhook-batch-size", 0, "most items one list event carries (default: the release's WEBHOOK_BATCH_SIZE, 5000)")
	fs.IntVar(&o.maxFail, "max-consecutive-failures", server.DefaultMaxConsecutiveFailures, "disable a webhook after `N` failed deliveries in a row (labelhook option; no verified release does it); 0 is off")
	fs.BoolVar(&o.orgHooks, "organization-webhooks", false, "accept webhooks without a project, which also get PROJECT_CREATED and PROJECT_DELETED (Label Studio Enterprise; open-source answers 404); --webhook turns it on")
	fs.BoolVar(&o.async, "async-delivery", false, "deliver webhooks from a background queue instead of inside the API request")
	fs.BoolVar(&o.verbose, "verbose", false, "log every request and delivery (debug level)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the sample data and the simulated annotators: the same seed gives the same data")
	fs.BoolVar(&o.sampleData, "sample-data", false, "start with sample projects (text classification, NER, image boxes) of realistic tasks, some annotated, some predicted")
	fs.Var(&o.webhooks, "webhook", "register an organization-level webhook to `URL` at start (repeatable; commas separate several)")
	fs.IntVar(&o.annotators, "simulate-annotators", 0, "run `N` simulated annotators that keep annotating, updating and skipping tasks")
	fs.Float64Var(&o.rate, "annotation-rate", 1, "actions per second of all simulated annotators together")
	fs.StringVar(&o.localRoot, "local-files-root", "", "let local files storages read folders below `DIR` (Label Studio's LOCAL_FILES_DOCUMENT_ROOT with LOCAL_FILES_SERVING_ENABLED=true); default: off")
	fs.StringVar(&o.stateFile, "state", "", "load the state from `FILE` at start and save it there after changes and at shutdown")
	fs.Int64Var(&o.compactAt, "state-compact-at", server.DefaultStateCompactBytes, "with --state, fold the journal into a new snapshot once it holds `BYTES` (and more than the snapshot)")
	fs.Int64Var(&o.renderKeep, "render-cache", server.DefaultRenderCacheBytes, "keep up to `BYTES` of task JSON so that exports and task lists copy unchanged tasks instead of encoding them again; 0 keeps none")
	fs.StringVar(&o.retrySchedule, "retry-schedule", "", "retry a failed delivery after these waits, e.g. 1s,5s,30s (default: none, as Label Studio)")
	fs.StringVar(&o.signing, "signing-secret", "", "sign deliveries as Standard Webhooks with this whsec_ secret (Label Studio never signs)")
	fs.Float64Var(&o.faultDup, "fault-duplicate", 0, "send a delivery twice with this probability `P` (0-1)")
	fs.StringVar(&o.faultDelay, "fault-delay", "", "delay each delivery by a random time in `MIN-MAX`, e.g. 100ms-2s")
	fs.BoolVar(&o.faultReorder, "fault-reorder", false, "shuffle the deliveries of one API call (and, with --async-delivery, of the queue)")
	fs.Float64Var(&o.faultDrop, "fault-drop", 0, "leave a delivery unsent with this probability `P` (0-1); the delivery log marks it dropped")
	fs.BoolVar(&o.ssrf, "ssrf-protection", false, "refuse webhook URLs to loopback, private and link-local addresses, as Label Studio's SSRF_PROTECTION_ENABLED")
	fs.BindEnv("addr", "LABELHOOK_ADDR")
	fs.BindEnv("token", "LABELHOOK_TOKEN")
	fs.RequireNonEmpty("token", "the public development token")
	fs.BindEnv("label-studio-version", "LABELHOOK_LABEL_STUDIO_VERSION")
	fs.BindEnv("organization-webhooks", "LABELHOOK_ORGANIZATION_WEBHOOKS")
	fs.BindEnv("webhook-timeout", "WEBHOOK_TIMEOUT")
	fs.BindEnv("webhook-batch-size", "WEBHOOK_BATCH_SIZE")
	fs.BindEnv("max-consecutive-failures", "WEBHOOK_MAX_CONSECUTIVE_FAILURES")
	fs.BindEnv("async-delivery", "LABELHOOK_ASYNC_DELIVERY")
	fs.BindEnv("verbose", "LABELHOOK_VERBOSE")
	fs.BindEnv("seed", "LABELHOOK_SEED")
	fs.BindEnv("sample-data", "LABELHOOK_SAMPLE_DATA")
	fs.BindEnv("webhook", "LABELHOOK_WEBHOOKS")
	fs.BindEnv("simulate-annotators", "LABELHOOK_SIMULATE_ANNOTATORS")
	fs.BindEnv("annotation-rate", "LABELHOOK_ANNOTATION_RATE")
	fs.BindEnv("state", "LABELHOOK_STATE")
	fs.BindEnv("state-compact-at", "LABELHOOK_STATE_COMPACT_AT")
	fs.BindEnv("render-cache", "LABELHOOK_RENDER_CACHE")
	fs.BindEnv("local-files-root", "LOCAL_FILES_DOCUMENT_ROOT")
	fs.BindEnv("retry-schedule", "LABELHOOK_RETRY_SCHEDULE")
	fs.BindEnv("signing-secret", "LABELHOOK_SIGNING_SECRET")
	fs.BindEnv("fault-duplicate", "LABELHOOK_FAULT_DUPLICATE")
	fs.BindEnv("fault-delay", "LABELHOOK_FAULT_DELAY")
	fs.BindEnv("fault-reorder", "LABELHOOK_FAULT_REORDER")
	fs.BindEnv("fault-drop", "LABELHOOK_FAULT_DROP")
	fs.BindEnv("ssrf-protection", "LABELHOOK_SSRF_PROTECTION")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return o, err
	}
	o.tokenFrom = fs.Source("token")
	switch {
	case fs.NArg() > 0:
		return o, usageErrorf("serve takes no arguments, got %q", fs.Args())
	case o.batch < 0:
		return o, usageErrorf("--webhook-batch-size must be positive (0: the release's default), got %d", o.batch)
	case o.annotators < 0 || o.annotators > 1000:
		return o, usageErrorf("--simulate-annotators must be between 0 and 1000, got %d", o.annotators)
	case !(o.rate > 0 && o.rate <= 10000):
		return o, usageErrorf("--annotation-rate must be above 0 and at most 10000 actions per second, got %v", o.rate)
	}
	if o.localRoot != "" {
		abs, err := filepath.Abs(o.localRoot)
		if fi, serr := os.Stat(abs); err != nil || serr != nil || !fi.IsDir() {
			return o, usageErrorf("--local-files-root %q: not an existing folder", o.localRoot)
		}
		o.localRoot = abs
	}
	if o.maxFail < 0 {
		o.maxFail = 0 // Label Studio: a threshold of 0 or less turns auto-disable off
	}
	return o, nil
}

// deliveryOptions turns the opt-in delivery flags into server settings.
func (o serveOptions) deliveryOptions(cfg *server.Config) error {
	schedule, err := parseRetrySchedule(o.retrySchedule)
	if err != nil {
		return usageErrorf("--retry-schedule: %v", err)
	}
	cfg.RetrySchedule = schedule
	if o.signing != "" {
		if _, err := signing.New(o.signing); err != nil {
			return usageErrorf("--signing-secret: %v", err)
		}
		cfg.SigningSecret = o.signing
	}
	f := server.Faults{Duplicate: o.faultDup, Reorder: o.faultReorder, Drop: o.faultDrop, Seed: uint64(o.seed)}
	if o.faultDelay != "" {
		if f.DelayMin, f.DelayMax, err = parseDelayRange(o.faultDelay); err != nil {
			return usageErrorf("--fault-delay: %v", err)
		}
	}
	if err := f.Validate(); err != nil {
		return usageErrorf("faults: %v", err)
	}
	cfg.Faults = f
	cfg.SSRFProtection = o.ssrf
	return nil
}

// runServe runs the mock Label Studio until ctx is cancelled.
func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	o, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(logHandler(stderr, o.verbose))
	cfg, tokenSource, err := o.config(log)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg)
	if err != nil {
		return usageErrorf("%v", err)
	}
	// closeServer stops async delivery; every return below runs it once.
	closeServer := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		return srv.Close(sctx)
	}

	restored := false
	if o.stateFile != "" {
		// Opening creates the journal, so an unwritable path fails now,
		// not at the first change.
		if restored, err = srv.OpenState(o.stateFile); err != nil {
			return errors.Join(&usageError{Err: err}, closeServer())
		}
	}

	hs, err := httpserve.Listen(o.addr, srv)
	if err != nil {
		return errors.Join(err, closeServer())
	}
	baseURL := hs.URL
	// shutdown stops what started, in order: annotators, the HTTP server,
	// queued deliveries and the state (folded into one snapshot file).
	var sim *sandbox.Annotators
	shutdown := func() error {
		if sim != nil {
			sim.Stop()
		}
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		herr := hs.Shutdown(sctx)
		return errors.Join(herr, srv.Close(sctx))
	}

	api := apiclient.New(baseURL, cfg.Token)
	setup := sandbox.Options{Webhooks: o.webhooks, SampleData: o.sampleData, Seed: o.seed, Restored: restored, StateFile: o.stateFile}
	if err := sandbox.SetUp(ctx, api, setup, log); err != nil {
		if ctx.Err() != nil { // asked to stop while setting up
			err = nil
		}
		return errors.Join(err, shutdown())
	}

	o.logReady(log, baseURL, srv.Config(), tokenSource)
	if o.annotators > 0 {
		sim = sandbox.StartAnnotators(ctx, api, o.annotators, o.rate, o.seed, log)
	}

	serveErr := serveUntilStopped(ctx, hs, log)
	if err := errors.Join(serveErr, shutdown()); err != nil {
		if serveErr == nil {
			return fmt.Errorf("shut down: %w", err)
		}
		return err
	}
	log.Info("stopped")
	return nil
}

// config turns the options into the server's Config; tokenSource says
// where the token came from for the ready line.
func (o serveOptions) config(log *slog.Logger) (server.Config, string, error) {
	cfg := server.Config{
		Token:                  o.token,
		LabelStudioVersion:     o.version,
		WebhookTimeout:         o.timeout,
		BatchSize:              o.batch,
		MaxConsecutiveFailures: o.maxFail,
		OrganizationWebhooks:   o.orgHooks || len(o.webhooks) > 0,
		AsyncDelivery:          o.async,
		LocalFilesRoot:         o.localRoot,
		StateCompactBytes:      o.compactAt,
		RenderCacheBytes:       o.renderKeep,
		Logger:                 log,
	}
	if len(o.webhooks) > 0 && !o.orgHooks {
		log.Info("--webhook registers organization-level webhooks, so --organization-webhooks is on (Label Studio Enterprise behaviour)")
	}
	if o.compactAt <= 0 {
		return cfg, "", usageErrorf("--state-compact-at %d: want a size in bytes above 0", o.compactAt)
	}
	switch {
	case o.renderKeep < 0:
		return cfg, "", usageErrorf("--render-cache %d: want a size in bytes, 0 or above", o.renderKeep)
	case o.renderKeep == 0:
		cfg.RenderCacheBytes = -1 // the Config's zero is the default
	}
	if err := o.deliveryOptions(&cfg); err != nil {
		return cfg, "", err
	}
	tokenSource := o.tokenFrom
	if cfg.Token == "" {
		cfg.Token = server.DefaultToken
		tokenSource = "development default"
		if httpserve.Exposed(o.addr) {
			log.Warn("LISTENING BEYOND LOOPBACK WITH THE PUBLIC DEVELOPMENT TOKEN: anyone who can reach this address can use the API; set --token or LABELHOOK_TOKEN", "addr", o.addr)
		}
	}
	return cfg, tokenSource, nil
}

// logReady writes the ready line with the effective settings (the
// release's defaults filled in). A token of the user's own is a secret
// (CI logs keep this line); the development token is public and shown
// whole.
func (o serveOptions) logReady(log *slog.Logger, url string, eff server.Config, tokenSource string) {
	token, pat := eff.Token, server.RefreshToken(eff.Token)
	if token != server.DefaultToken {
		token, pat = maskSecret(token), maskSecret(pat)
	}
	log.Info("labelhook mock Label Studio ready", "url", url, "inspector", url+inspector.ServerPagePath+"/", "token", token, "token_source", tokenSource,
		"personal_access_token", pat, "label_studio_version", eff.LabelStudioVersion, "webhook_timeout", eff.WebhookTimeout,
		"webhook_batch_size", eff.BatchSize, "max_consecutive_failures", o.maxFail, "organization_webhooks", eff.OrganizationWebhooks,
		"async_delivery", eff.AsyncDelivery, "render_cache", max(eff.RenderCacheBytes, 0),
		"seed", o.seed, "sample_data", o.sampleData, "webhooks", len(o.webhooks), "simulate_annotators", o.annotators,
		"state", o.stateFile, "retry_schedule", o.retrySchedule, "signing", o.signing != "", "ssrf_protection", o.ssrf,
		"faults", eff.Faults.Active())
}
