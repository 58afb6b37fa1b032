package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/server"
)

// shutdownGrace bounds how long serve waits for requests and queued
// deliveries when it is asked to stop.
const shutdownGrace = 30 * time.Second

// Sandbox defaults.
const (
	sampleTasksPerProject = 20
	sampleModelVersion    = "labelhook-sample-v1"
	// stateSaveEvery is the least time between two state file writes;
	// changes in between are coalesced into the next write.
	stateSaveEvery = 500 * time.Millisecond
)

// serveOptions are serve's flags, checked.
type serveOptions struct {
	addr       string
	token      string
	timeout    float64
	batch      int
	maxFail    int
	async      bool
	verbose    bool
	seed       int64
	sampleData bool
	webhooks   urlList
	annotators int
	rate       float64
	stateFile  string
}

// urlList is a repeatable URL flag; one value may also hold several URLs
// separated by commas (as LABELHOOK_WEBHOOKS does).
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, ",") }

func (l *urlList) Set(v string) error {
	for _, u := range strings.Split(v, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%q is not an http or https URL", u)
		}
		*l = append(*l, u)
	}
	return nil
}

// parseServe reads serve's flags and environment.
func parseServe(args []string, getenv env, stderr io.Writer) (serveOptions, error) {
	var o serveOptions
	fs := newFlagSet("serve", "serve [flags]", stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.token, "token", "", "API token (default: the development token "+server.DefaultToken+")")
	fs.Float64Var(&o.timeout, "webhook-timeout", 10, "seconds one webhook delivery may take")
	fs.IntVar(&o.batch, "webhook-batch-size", server.DefaultBatchSize, "most items one list event carries")
	fs.IntVar(&o.maxFail, "max-consecutive-failures", server.DefaultMaxConsecutiveFailures, "failed deliveries in a row that disable a webhook; 0 turns this off")
	fs.BoolVar(&o.async, "async-delivery", false, "deliver webhooks from a background queue instead of inside the API request")
	fs.BoolVar(&o.verbose, "verbose", false, "log every request and delivery (debug level)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the sample data and the simulated annotators: the same seed gives the same data")
	fs.BoolVar(&o.sampleData, "sample-data", false, "start with sample projects (text classification, NER, image boxes) of realistic tasks, some annotated, some predicted")
	fs.Var(&o.webhooks, "webhook", "register an organization-level webhook to `URL` at start (repeatable; commas separate several)")
	fs.IntVar(&o.annotators, "simulate-annotators", 0, "run `N` simulated annotators that keep annotating, updating and skipping tasks")
	fs.Float64Var(&o.rate, "annotation-rate", 1, "actions per second of all simulated annotators together")
	fs.StringVar(&o.stateFile, "state", "", "load the state from `FILE` at start and save it there after changes and at shutdown")
	fs.bindEnv("addr", "LABELHOOK_ADDR")
	fs.bindEnv("token", "LABELHOOK_TOKEN")
	fs.bindEnv("webhook-timeout", "WEBHOOK_TIMEOUT")
	fs.bindEnv("webhook-batch-size", "WEBHOOK_BATCH_SIZE")
	fs.bindEnv("max-consecutive-failures", "WEBHOOK_MAX_CONSECUTIVE_FAILURES")
	fs.bindEnv("async-delivery", "LABELHOOK_ASYNC_DELIVERY")
	fs.bindEnv("verbose", "LABELHOOK_VERBOSE")
	fs.bindEnv("seed", "LABELHOOK_SEED")
	fs.bindEnv("sample-data", "LABELHOOK_SAMPLE_DATA")
	fs.bindEnv("webhook", "LABELHOOK_WEBHOOKS")
	fs.bindEnv("simulate-annotators", "LABELHOOK_SIMULATE_ANNOTATORS")
	fs.bindEnv("annotation-rate", "LABELHOOK_ANNOTATION_RATE")
	fs.bindEnv("state", "LABELHOOK_STATE")
	if err := fs.parse(args, getenv); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usageErrorf("serve takes no arguments, got %q", fs.Args())
	case o.timeout <= 0:
		return o, usageErrorf("--webhook-timeout must be positive, got %v", o.timeout)
	case o.batch <= 0:
		return o, usageErrorf("--webhook-batch-size must be positive, got %d", o.batch)
	case o.maxFail < 0:
		return o, usageErrorf("--max-consecutive-failures must be 0 (off) or more, got %d", o.maxFail)
	case o.annotators < 0 || o.annotators > 1000:
		return o, usageErrorf("--simulate-annotators must be between 0 and 1000, got %d", o.annotators)
	case !(o.rate > 0 && o.rate <= 10000):
		return o, usageErrorf("--annotation-rate must be above 0 and at most 10000 actions per second, got %v", o.rate)
	}
	return o, nil
}

// runServe runs the mock Label Studio until ctx is cancelled.
func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	o, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{
		Token:                  o.token,
		WebhookTimeout:         time.Duration(o.timeout * float64(time.Second)),
		BatchSize:              o.batch,
		MaxConsecutiveFailures: o.maxFail,
		AsyncDelivery:          o.async,
		Logger:                 log,
	}
	if o.maxFail == 0 {
		cfg.MaxConsecutiveFailures = -1 // the flag's 0 means off; the Config's 0 means the default
	}
	tokenSource := "flag or environment"
	if cfg.Token == "" {
		cfg.Token = server.DefaultToken
		tokenSource = "development default"
	}
	var saver *stateSaver
	if o.stateFile != "" {
		saver = newStateSaver(o.stateFile, log)
		cfg.OnChange = saver.changed
	}
	srv := server.New(cfg)
	// closeServer stops async delivery; every return below runs it once.
	closeServer := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		return srv.Close(sctx)
	}

	restored := false
	if saver != nil {
		saver.srv = srv
		restored, err = loadState(srv, o.stateFile)
		if err == nil {
			// Write at once, so an unwritable path fails now, not at the
			// first change.
			err = saver.save()
		}
		if err != nil {
			return errors.Join(&usageError{err}, closeServer())
		}
		if restored {
			log.Info("state loaded", "file", o.stateFile)
		}
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", o.addr, err), closeServer())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	baseURL := "http://" + ln.Addr().String()
	if saver != nil {
		saver.start()
	}
	// shutdown stops what started, in order: annotators, the HTTP server,
	// queued deliveries, then the last state save.
	var sim *annotators
	shutdown := func() error {
		if sim != nil {
			sim.stop()
		}
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		herr := hs.Shutdown(sctx)
		derr := srv.Close(sctx)
		var serr error
		if saver != nil {
			serr = saver.close()
		}
		return errors.Join(herr, derr, serr)
	}

	api := newAPIClient(baseURL, cfg.Token)
	if err := setUpSandbox(ctx, api, o, restored, log); err != nil {
		if ctx.Err() != nil { // asked to stop while setting up
			err = nil
		}
		return errors.Join(err, shutdown())
	}

	log.Info("labelhook mock Label Studio ready", "url", baseURL, "token", cfg.Token, "token_source", tokenSource,
		"personal_access_token", server.RefreshToken(cfg.Token), "webhook_timeout", cfg.WebhookTimeout,
		"webhook_batch_size", cfg.BatchSize, "max_consecutive_failures", o.maxFail, "async_delivery", cfg.AsyncDelivery,
		"seed", o.seed, "sample_data", o.sampleData, "webhooks", len(o.webhooks), "simulate_annotators", o.annotators,
		"state", o.stateFile)
	if o.annotators > 0 {
		sim = startAnnotators(ctx, api, o.annotators, o.rate, o.seed, log)
	}

	var serveErr error
	select {
	case err := <-served:
		serveErr = fmt.Errorf("serve %s: %w", baseURL, err)
	case <-ctx.Done():
		log.Info("shutting down", "url", baseURL)
	}
	if err := errors.Join(serveErr, shutdown()); err != nil {
		if serveErr == nil {
			return fmt.Errorf("shut down: %w", err)
		}
		return err
	}
	log.Info("stopped")
	return nil
}

// setUpSandbox registers the --webhook URLs, then (on a fresh start) the
// sample data. The webhooks come first on purpose: the receiver sees the
// sandbox fill up (PROJECT_CREATED, TASKS_CREATED), which proves the
// wiring before the first simulated annotation.
func setUpSandbox(ctx context.Context, api *apiClient, o serveOptions, restored bool, log *slog.Logger) error {
	for _, u := range o.webhooks {
		id, created, err := ensureOrgWebhook(ctx, api, u)
		if err != nil {
			return fmt.Errorf("register webhook %s: %w", u, err)
		}
		log.Info("organization webhook registered", "webhook_id", id, "url", u, "reused", !created)
	}
	if !o.sampleData {
		return nil
	}
	if restored {
		log.Info("sample data skipped: the state file already holds the sandbox", "file", o.stateFile)
		return nil
	}
	start := time.Now()
	ids, err := seedSampleData(ctx, api, o.seed)
	if err != nil {
		return fmt.Errorf("create sample data: %w", err)
	}
	log.Info("sample data created", "projects", len(ids), "project_ids", ids, "tasks_per_project", sampleTasksPerProject,
		"seed", o.seed, "duration", time.Since(start))
	return nil
}

// ensureOrgWebhook registers an organization-level webhook for every
// action to u, unless one to u exists (from a state file): that one is
// reused, and re-activated if failures had disabled it.
func ensureOrgWebhook(ctx context.Context, api *apiClient, u string) (int, bool, error) {
	var hooks []struct {
		ID       int    `json:"id"`
		URL      string `json:"url"`
		IsActive bool   `json:"is_active"`
	}
	if err := api.call(ctx, http.MethodGet, "/api/webhooks?project=null", nil, &hooks); err != nil {
		return 0, false, err
	}
	for _, h := range hooks {
		if h.URL != u {
			continue
		}
		if !h.IsActive {
			if err := api.call(ctx, http.MethodPatch, fmt.Sprintf("/api/webhooks/%d", h.ID), map[string]any{"is_active": true}, nil); err != nil {
				return 0, false, err
			}
		}
		return h.ID, false, nil
	}
	var created struct {
		ID int `json:"id"`
	}
	err := api.call(ctx, http.MethodPost, "/api/webhooks", map[string]any{
		"url": u, "send_payload": true, "send_for_all_actions": true, "is_active": true,
	}, &created)
	return created.ID, true, err
}

// seedSampleData creates the sample projects, each with
// sampleTasksPerProject tasks in one import: a quarter annotated and
// predicted, a quarter annotated, a quarter predicted, a quarter neither.
// It returns the project ids.
func seedSampleData(ctx context.Context, api *apiClient, seed int64) ([]int, error) {
	g := fakedata.New(seed)
	var ids []int
	for _, s := range fakedata.Samples {
		c, err := fakedata.ParseConfig(s.LabelConfig)
		if err != nil {
			return ids, fmt.Errorf("sample %s: %w", s.Name, err)
		}
		var p struct {
			ID int `json:"id"`
		}
		if err := api.call(ctx, http.MethodPost, "/api/projects", map[string]any{
			"title": s.Title, "description": s.Description, "label_config": s.LabelConfig,
		}, &p); err != nil {
			return ids, err
		}
		ids = append(ids, p.ID)
		items := make([]map[string]any, sampleTasksPerProject)
		for i := range items {
			data := g.Task(c)
			item := map[string]any{"data": data}
			if i%4 <= 1 {
				item["annotations"] = []any{g.Annotation(c, data)}
			}
			if i%4 == 0 || i%4 == 2 {
				item["predictions"] = []any{g.Prediction(c, data, sampleModelVersion)}
			}
			items[i] = item
		}
		if err := api.call(ctx, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", p.ID), items, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// apiClient calls a labelhook mock's API (the one serve or trigger runs
// in-process) with its token.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
}

func newAPIClient(base, token string) *apiClient {
	return &apiClient{base: base, token: token, hc: &http.Client{}}
}

// apiStatusError is a non-2xx answer of the mock's API.
type apiStatusError struct {
	method, path string
	status       int
	body         string
}

func (e *apiStatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %.500s", e.method, e.path, e.status, e.body)
}

// call sends body as JSON (without HTML escaping, so task data is stored
// as written) and decodes a 2xx answer into out, if out is not nil.
func (c *apiClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = &buf
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Token "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &apiStatusError{method: method, path: path, status: resp.StatusCode, body: string(b)}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// annotators is --simulate-annotators: one goroutine per annotator and a
// scheduler that, at the total rate, gives the turn to one annotator
// drawn from the seed and waits for its action to finish. Actions run one
// at a time, so with the same seed and the same starting state the
// sequence of actions (and of the events they emit) is the same.
type annotators struct {
	api    *apiClient
	log    *slog.Logger
	seed   int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startAnnotators(ctx context.Context, api *apiClient, n int, rate float64, seed int64, log *slog.Logger) *annotators {
	ctx, cancel := context.WithCancel(ctx)
	a := &annotators{api: api, log: log, seed: seed, cancel: cancel}
	turns := make([]chan struct{}, n)
	done := make(chan struct{})
	for i := range turns {
		turns[i] = make(chan struct{})
		a.wg.Add(1)
		go a.annotator(ctx, i, turns[i], done)
	}
	every := time.Duration(float64(time.Second) / rate)
	a.wg.Add(1)
	go a.schedule(ctx, every, turns, done)
	log.Info("simulated annotators started", "annotators", n, "actions_per_second", rate, "seed", seed)
	return a
}

// stop ends every annotator and waits for them.
func (a *annotators) stop() {
	a.cancel()
	a.wg.Wait()
}

func (a *annotators) schedule(ctx context.Context, every time.Duration, turns []chan struct{}, done <-chan struct{}) {
	defer a.wg.Done()
	r := rand.New(rand.NewSource(a.seed))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case turns[r.Intn(len(turns))] <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

// annotator is one simulated person: it annotates (60%), updates one of
// its own annotations (25%, once it has some) or skips (15%) a task.
func (a *annotators) annotator(ctx context.Context, i int, turn <-chan struct{}, done chan<- struct{}) {
	defer a.wg.Done()
	an := &annotator{api: a.api, g: fakedata.New(a.seed*1000003 + int64(i) + 1), configs: map[string]*fakedata.Config{}}
	log := a.log.With("annotator", i+1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-turn:
		}
		kind, attrs, err := an.act(ctx)
		switch {
		case ctx.Err() != nil:
			return // shutting down: the request was cancelled
		case err != nil:
			log.Warn("simulated annotator failed", "action", kind, "err", err)
		case kind != "":
			log.Debug("simulated annotator acted", append([]any{"action", kind}, attrs...)...)
		}
		select {
		case done <- struct{}{}:
		case <-ctx.Done():
			return
		}
	}
}

// annotator is the state of one simulated annotator.
type annotator struct {
	api     *apiClient
	g       *fakedata.Generator
	mine    []int // ids of the annotations it made
	configs map[string]*fakedata.Config
}

// simTask is a task an annotator picked.
type simTask struct {
	ID      int            `json:"id"`
	Project int            `json:"project"`
	Data    map[string]any `json:"data"`
}

// act does one action and says which, with log attributes.
func (an *annotator) act(ctx context.Context) (string, []any, error) {
	r := an.g.Float64()
	switch {
	case len(an.mine) > 0 && r < 0.25:
		return an.update(ctx)
	case r < 0.40:
		return an.annotate(ctx, true)
	default:
		return an.annotate(ctx, false)
	}
}

func (an *annotator) annotate(ctx context.Context, skip bool) (string, []any, error) {
	kind := "annotate"
	if skip {
		kind = "skip"
	}
	t, c, err := an.pickTask(ctx)
	if err != nil || t == nil {
		return "", nil, err
	}
	var body any
	if skip {
		body = map[string]any{"result": []any{}, "was_cancelled": true, "lead_time": float64(1+an.g.Intn(30000)) / 1000}
	} else {
		body = an.g.Annotation(c, t.Data)
	}
	var created struct {
		ID int `json:"id"`
	}
	if err := an.api.call(ctx, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", t.ID), body, &created); err != nil {
		return kind, nil, err
	}
	if !skip {
		an.mine = append(an.mine, created.ID)
	}
	return kind, []any{"project_id", t.Project, "task_id", t.ID, "annotation_id", created.ID}, nil
}

// update replaces the result of one of the annotator's annotations.
func (an *annotator) update(ctx context.Context) (string, []any, error) {
	k := an.g.Intn(len(an.mine))
	id := an.mine[k]
	var ann struct {
		Task int `json:"task"`
	}
	err := an.api.call(ctx, http.MethodGet, fmt.Sprintf("/api/annotations/%d", id), nil, &ann)
	if se := (*apiStatusError)(nil); errors.As(err, &se) && se.status == http.StatusNotFound {
		an.mine = slices.Delete(an.mine, k, k+1) // deleted by someone else
		return an.annotate(ctx, false)
	}
	if err != nil {
		return "update", nil, err
	}
	var t simTask
	if err := an.api.call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/%d", ann.Task), nil, &t); err != nil {
		return "update", nil, err
	}
	c, err := an.config(ctx, t.Project)
	if err != nil {
		return "update", nil, err
	}
	if err := an.api.call(ctx, http.MethodPatch, fmt.Sprintf("/api/annotations/%d", id), an.g.Annotation(c, t.Data), nil); err != nil {
		return "update", nil, err
	}
	return "update", []any{"project_id", t.Project, "task_id", t.ID, "annotation_id", id}, nil
}

// unlabeledQuery selects tasks without completed_at (not yet labeled).
const unlabeledQuery = `{"filters":{"conjunction":"and","items":[{"filter":"filter:tasks:completed_at","operator":"empty","value":true,"type":"Datetime"}]}}`

// pickTask draws a project, then an unlabeled task of it (any task once
// all are labeled), from the first 100. It returns nil when there is none.
func (an *annotator) pickTask(ctx context.Context) (*simTask, *fakedata.Config, error) {
	var page struct {
		Results []struct {
			ID          int    `json:"id"`
			LabelConfig string `json:"label_config"`
		} `json:"results"`
	}
	if err := an.api.call(ctx, http.MethodGet, "/api/projects?page_size=1000&ordering=id", nil, &page); err != nil {
		return nil, nil, err
	}
	if len(page.Results) == 0 {
		return nil, nil, nil
	}
	p := page.Results[an.g.Intn(len(page.Results))]
	c, err := an.parse(p.LabelConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("project %d: %w", p.ID, err)
	}
	for _, q := range []string{"&query=" + url.QueryEscape(unlabeledQuery), ""} {
		var list struct {
			Tasks []simTask `json:"tasks"`
		}
		if err := an.api.call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks?project=%d&page_size=100%s", p.ID, q), nil, &list); err != nil {
			return nil, nil, err
		}
		if len(list.Tasks) > 0 {
			t := list.Tasks[an.g.Intn(len(list.Tasks))]
			return &t, c, nil
		}
	}
	return nil, nil, nil
}

func (an *annotator) config(ctx context.Context, projectID int) (*fakedata.Config, error) {
	var p struct {
		LabelConfig string `json:"label_config"`
	}
	if err := an.api.call(ctx, http.MethodGet, fmt.Sprintf("/api/projects/%d", projectID), nil, &p); err != nil {
		return nil, err
	}
	return an.parse(p.LabelConfig)
}

// parse parses a label config once per distinct text.
func (an *annotator) parse(src string) (*fakedata.Config, error) {
	if c, ok := an.configs[src]; ok {
		return c, nil
	}
	c, err := fakedata.ParseConfig(src)
	if err != nil {
		return nil, err
	}
	an.configs[src] = c
	return c, nil
}

// loadState restores the server from the state file. A missing file is a
// fresh start (false, nil); a file that cannot be read or restored is an
// error naming it, and is left as it is.
func loadState(srv *server.Server, path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read state file: %w", err)
	}
	if err := srv.Restore(b); err != nil {
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	return true, nil
}

// stateSaver writes the server's state to a file after changes, at most
// once per stateSaveEvery, and once more at shutdown. Every write is
// atomic: readers see the old file or the new one, never a mix.
type stateSaver struct {
	path    string
	log     *slog.Logger
	srv     *server.Server
	started bool
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	last    []byte // what the file holds
}

func newStateSaver(path string, log *slog.Logger) *stateSaver {
	return &stateSaver{path: path, log: log, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// changed is the server's OnChange: it never blocks.
func (sv *stateSaver) changed() {
	select {
	case sv.kick <- struct{}{}:
	default: // a save is already due
	}
}

// start runs the saving loop; sv.srv must be set.
func (sv *stateSaver) start() {
	sv.started = true
	go sv.run()
}

func (sv *stateSaver) run() {
	defer close(sv.done)
	for {
		select {
		case <-sv.quit:
			return
		case <-sv.kick:
		}
		if err := sv.save(); err != nil {
			sv.log.Error("save state", "file", sv.path, "err", err)
		}
		// Changes during the pause collect in kick and make one save.
		pause := time.NewTimer(stateSaveEvery)
		select {
		case <-sv.quit:
			pause.Stop()
			return
		case <-pause.C:
		}
	}
}

// close stops the saver and makes the final save.
func (sv *stateSaver) close() error {
	if !sv.started {
		return nil
	}
	close(sv.quit)
	<-sv.done
	return sv.save()
}

func (sv *stateSaver) save() error {
	b, err := sv.srv.Snapshot()
	if err != nil {
		return err
	}
	if bytes.Equal(b, sv.last) {
		return nil
	}
	if err := writeFileAtomic(sv.path, b); err != nil {
		return err
	}
	sv.last = b
	sv.log.Debug("state saved", "file", sv.path, "bytes", len(b))
	return nil
}

// writeFileAtomic replaces path with data: it writes a temporary file in
// the same directory, syncs it, renames it over path and syncs the
// directory, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write state file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace state file: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	return nil
}
