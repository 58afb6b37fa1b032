package scenarios

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/server"
)

// DefaultSettle is how long a step with an expect list keeps listening
// after its request returned (and after its expected events arrived), to
// catch late extra events, against an external server. In-process the
// runner waits for the mock's delivery queue instead (server.Flush), after
// which no event can still arrive, so it does not settle.
const DefaultSettle = 100 * time.Millisecond

// DefaultParallel is how many scenarios run at once in-process by
// default: four per CPU, because a scenario spends most of its time
// waiting (for deliveries and settle windows), not computing.
func DefaultParallel() int { return 4 * runtime.GOMAXPROCS(0) }

// Options configure Run. The zero Options run every scenario against its
// own in-process mock server.
type Options struct {
	// Server is the base URL of an external Label Studio-compatible
	// server; empty means an in-process mock per scenario.
	Server string
	// Token is the external server's API token (empty: the mock's
	// development token).
	Token string
	// ReceiverAddr is where the receiver listens in external mode
	// (default 127.0.0.1:0).
	ReceiverAddr string
	// ReceiverURL is the receiver's URL as the external server reaches it
	// (default: http:// and the listener's address).
	ReceiverURL string
	// Settle is the listening window after each checked step against an
	// external server; zero means DefaultSettle, a negative value none.
	Settle time.Duration
	// Pipeline, if set, is the URL of the pipeline under test: every
	// scenario's receiver relays each webhook to it and records the answer
	// (pipeline: expectations check it). It overrides the scenarios' own
	// pipeline: keys.
	Pipeline string
	// Seed seeds the task data of generate: steps; the same seed makes the
	// same data.
	Seed int64
	// Parallel bounds the scenarios run at once in-process; zero means
	// DefaultParallel(). External mode runs one at a time.
	Parallel int
	// Verbose prints every step.
	Verbose bool
	// Out receives the go test -v style output; nil discards it.
	Out io.Writer
	// ConfigureServer, if set, changes each in-process server's Config
	// after the scenario's own settings: tests use it to break the mock
	// on purpose and check that scenarios notice.
	ConfigureServer func(*server.Config)
	// Trace records every step (its request, the answer and the events
	// it caused) in Result.Trace instead of checking them: no status,
	// response or expect check fails a scenario, so two servers can be
	// compared step by step (package scenarios/compare). A step whose
	// request cannot be built or sent ends the scenario. In external mode
	// scenarios with server: settings run too: the caller has checked
	// that the external server runs with them.
	Trace bool
	// RequestTimeout bounds each API request; zero means two minutes.
	RequestTimeout time.Duration
	// LocalFilesRoot is the external server's LOCAL_FILES_DOCUMENT_ROOT:
	// scenarios that write local files (Scenario.NeedsLocalFiles) write
	// them in a folder of their own below it, and are skipped against an
	// external server without it. In-process, each such scenario gets a
	// temporary root of its own and this is not used.
	LocalFilesRoot string
}

// Status is the outcome of a scenario.
type Status string

// The outcomes of a scenario.
const (
	Passed  Status = "PASS"
	Failed  Status = "FAIL"
	Skipped Status = "SKIP"
)

// Result is the outcome of one scenario.
type Result struct {
	Name     string
	File     string
	Line     int
	Status   Status
	Duration time.Duration
	// Message says why the scenario failed or was skipped. A failure's
	// message starts with the file:line of the failing step.
	Message string
	// Detail is the rest of a failure: the expectation, a diff of want and
	// got, the events that arrived.
	Detail string
	// Log has one line per step run.
	Log []string
	// Trace has one entry per step run, with Options.Trace.
	Trace []StepTrace
	// ServerURL and ReceiverURL are the API and the webhook URL the
	// scenario used (${server.url}, ${receiver.url}), with Options.Trace.
	ServerURL, ReceiverURL string
	// LocalFilesDir is the scenario's local files folder
	// (${local_files.dir}), with Options.Trace; "" when it has none.
	LocalFilesDir string
}

// Report is the outcome of a run.
type Report struct {
	Results                 []Result
	Passed, Failed, Skipped int
	Duration                time.Duration
}

// Summary is the last line of the output: "N passed, N failed".
func (r *Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed", r.Passed, r.Failed)
}

// Select keeps the scenarios whose name matches the regular expression
// (all of them when expr is empty).
func Select(scs []*Scenario, expr string) ([]*Scenario, error) {
	if expr == "" {
		return scs, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", expr, err)
	}
	var out []*Scenario
	for _, sc := range scs {
		if re.MatchString(sc.Name) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Run runs the scenarios and writes go test -v style output to
// opts.Out, ending with the Summary line. Scenario failures are in the
// Report; the error is for a run that could not start (external mode: a
// bad server URL, a receiver that cannot listen).
func Run(ctx context.Context, scs []*Scenario, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	switch {
	case opts.Settle == 0:
		opts.Settle = DefaultSettle
	case opts.Settle < 0:
		opts.Settle = 0
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel()
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	reqTimeout := opts.RequestTimeout
	if reqTimeout <= 0 {
		reqTimeout = 2 * time.Minute
	}
	r := &runner{opts: opts, client: &http.Client{Transport: transport, Timeout: reqTimeout}}
	if opts.Pipeline != "" {
		if err := httpurl.Check(opts.Pipeline); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	if opts.Server != "" {
		if err := httpurl.Check(opts.Server); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		r.api = strings.TrimSuffix(opts.Server, "/")
		r.token = opts.Token
		addr := opts.ReceiverAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		rc := receiver.New(receiver.Config{})
		r.router = &router{shared: rc}
		ep, err := listen(addr, r.router)
		if err != nil {
			return nil, fmt.Errorf("receiver: %w", err)
		}
		defer func() {
			rc.Close()
			ep.close()
		}()
		r.shared = rc
		r.hookBase = ep.url
		if opts.ReceiverURL != "" {
			r.hookBase = strings.TrimSuffix(opts.ReceiverURL, "/")
		}
		var id [4]byte
		_, _ = rand.Read(id[:])
		r.runID = hex.EncodeToString(id[:])
		parallel = 1
	}
	if r.token == "" {
		r.token = server.DefaultToken
	}

	rep := &Report{Results: make([]Result, len(scs))}
	pr := &printer{w: opts.Out, verbose: opts.Verbose, results: rep.Results, done: make([]bool, len(scs))}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, sc := range scs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pr.finish(i, r.run(ctx, i, sc))
		}()
	}
	wg.Wait()
	for _, res := range rep.Results {
		switch res.Status {
		case Passed:
			rep.Passed++
		case Failed:
			rep.Failed++
		case Skipped:
			rep.Skipped++
		}
	}
	rep.Duration = time.Since(start)
	if rep.Skipped > 0 {
		fmt.Fprintf(opts.Out, "%d skipped\n", rep.Skipped)
	}
	fmt.Fprintln(opts.Out, rep.Summary())
	return rep, nil
}

type runner struct {
	opts   Options
	client *http.Client
	// External mode: the server, and the receiver the scenarios share.
	api, token string
	shared     *receiver.Receiver
	router     *router
	hookBase   string
	runID      string
}

// run runs one scenario and never panics the run.
func (r *runner) run(ctx context.Context, i int, sc *Scenario) (res Result) {
	start := time.Now()
	res = Result{Name: sc.Name, File: sc.File, Line: sc.Line}
	defer func() { res.Duration = time.Since(start) }()
	if r.shared != nil && sc.Server != nil && !r.opts.Trace {
		res.Status = Skipped
		res.Message = fmt.Sprintf("%s:%d: needs an in-process mock: it sets server: (run without --server)", sc.File, sc.Line)
		return res
	}
	if err := ctx.Err(); err != nil {
		res.Status, res.Message = Failed, fmt.Sprintf("%s:%d: not run: %v", sc.File, sc.Line, err)
		return res
	}
	s := &scenarioRun{r: r, sc: sc, pipeline: r.pipelineOf(sc)}
	if msg := needsPipeline(sc, s.pipeline); msg != "" {
		res.Status, res.Message = Failed, msg
		return res
	}
	if sc.NeedsLocalFiles {
		root, name := "", "scenario"
		if r.shared != nil {
			if r.opts.LocalFilesRoot == "" {
				res.Status = Skipped
				res.Message = fmt.Sprintf("%s:%d: writes local files: give the external server's LOCAL_FILES_DOCUMENT_ROOT (--local-files-root)", sc.File, sc.Line)
				return res
			}
			root, name = r.opts.LocalFilesRoot, fmt.Sprintf("labelhook-%s-%d", r.runID, i+1)
		}
		if err := s.localFilesFor(root, name); err != nil {
			res.Status, res.Message = Failed, fmt.Sprintf("%s:%d: %v", sc.File, sc.Line, err)
			return res
		}
		defer s.removeLocalFiles()
	}
	if r.shared != nil {
		s.api, s.token, s.rc = r.api, r.token, r.shared
		s.prefix = fmt.Sprintf("/lh-%s-%d", r.runID, i+1)
		s.hookURL = r.hookBase + s.prefix
		if s.pipeline != "" {
			s.rc = receiver.New(receiver.Config{ForwardTo: s.pipeline})
			defer r.router.route(s.prefix, s.rc)()
		}
		_ = s.rc.SetResponses() // no steps: always valid
		defer func() {
			s.cleanup(context.WithoutCancel(ctx))
			_ = s.rc.SetResponses()
		}()
	} else {
		stop, err := s.startLocal()
		if err != nil {
			res.Status, res.Message = Failed, fmt.Sprintf("%s:%d: %v", sc.File, sc.Line, err)
			return res
		}
		defer stop()
	}
	s.vars = vars{"receiver": map[string]any{"url": s.hookURL}, "server": map[string]any{"url": s.api}}
	if s.localDir != "" {
		s.vars["local_files"] = map[string]any{"dir": s.localDir, "root": s.localRoot}
	}
	if s.pipeline != "" {
		s.vars["pipeline"] = map[string]any{"url": s.pipeline}
	}
	if r.opts.Trace {
		res.ServerURL, res.ReceiverURL, res.LocalFilesDir = s.api, s.hookURL, s.localDir
		f := s.traceSteps(ctx)
		res.Log, res.Trace = s.log, s.trace
		if f != nil {
			res.Status, res.Message = Failed, f.msg
			return res
		}
		res.Status = Passed
		return res
	}
	f := s.steps(ctx)
	res.Log = s.log
	if f != nil {
		res.Status = Failed
		res.Message = f.msg
		res.Detail = strings.Join(f.detail, "\n")
		return res
	}
	res.Status = Passed
	return res
}

// endpoint is an HTTP server on a listener of its own.
type endpoint struct {
	hs   *http.Server
	url  string
	done chan struct{}
}

func listen(addr string, h http.Handler) (*endpoint, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	ep := &endpoint{hs: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, url: "http://" + ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(ep.done)
		_ = ep.hs.Serve(ln) // ends with ErrServerClosed
	}()
	return ep, nil
}

func (ep *endpoint) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ep.hs.Shutdown(ctx) != nil {
		_ = ep.hs.Close()
	}
	<-ep.done
}

// scenarioRun is the state of one running scenario.
type scenarioRun struct {
	r  *runner
	sc *Scenario
	// api and token reach the server; rc is the receiver, hookURL its URL
	// for this scenario (${receiver.url}) and prefix the path under which
	// this scenario's webhooks arrive.
	api, token      string
	rc              *receiver.Receiver
	hookURL, prefix string
	vars            vars
	// cursor is the seq of the last record a step has seen.
	cursor int64
	// flush, with an in-process mock, waits until its async queue is
	// delivered, so a step's events never spill into the next step.
	flush func(context.Context) error
	// created ids, deleted at the end in external mode.
	webhooks, projects, labels []int
	log                        []string
	trace                      []StepTrace
	// pipeline is the URL the receiver relays webhooks to ("" none).
	pipeline string
	// tries counts the requests of the last step (eventually repeats).
	tries int
	// configs are the projects' label configs, by id, for generate.
	configs map[string]*fakedata.Config
	// Local files (steps_surface.go): the root and the scenario's folder
	// below it (ownRoot: made for this scenario), the folder of each
	// storage it created, and how many it created.
	localRoot, localDir string
	ownRoot             bool
	storageDirs         map[int]string
	storages            int
	// bodies are the decoded bodies of the records seen, by seq.
	bodies map[int64]any
}

// startLocal starts the scenario's own mock server and receiver.
func (s *scenarioRun) startLocal() (stop func(), err error) {
	cfg := server.Config{}
	if s.sc.Server != nil {
		cfg = *s.sc.Server
	}
	cfg.Token = server.DefaultToken
	if s.localRoot != "" {
		cfg.LocalFilesRoot = s.localRoot
	}
	if s.r.opts.ConfigureServer != nil {
		s.r.opts.ConfigureServer(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start mock server: %w", err)
	}
	// A pipeline slower than the mock's timeout has failed the delivery,
	// as it would in Label Studio: the relay gives up then too.
	rc := receiver.New(receiver.Config{ForwardTo: s.pipeline, ForwardTimeout: srv.Config().WebhookTimeout})
	apiEP, err := listen("127.0.0.1:0", srv)
	if err != nil {
		return nil, fmt.Errorf("start mock server: %w", err)
	}
	rcEP, err := listen("127.0.0.1:0", rc)
	if err != nil {
		apiEP.close()
		return nil, fmt.Errorf("start receiver: %w", err)
	}
	s.api, s.token, s.rc, s.hookURL = apiEP.url, srv.Config().Token, rc, rcEP.url
	s.flush = srv.Flush
	return func() {
		rc.Close() // ends planned delays, so the drain below is quick
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx) // what could not be delivered is of no interest now
		apiEP.close()
		rcEP.close()
	}, nil
}

// failure is why a scenario failed: a headline starting with file:line
// and more lines of detail.
type failure struct {
	msg    string
	detail []string
}

func (s *scenarioRun) failf(st *step, i int, format string, args ...any) *failure {
	return &failure{msg: fmt.Sprintf("%s:%d: %s: %s", s.sc.File, st.line, st.title(i), fmt.Sprintf(format, args...))}
}

func (s *scenarioRun) steps(ctx context.Context) *failure {
	for i, st := range s.sc.steps {
		if err := ctx.Err(); err != nil {
			return s.failf(st, i, "not run: %v", err)
		}
		if f := s.step(ctx, i, st); f != nil {
			return f
		}
	}
	return nil
}

// step runs one step: its request, its checks of the answer, its saves,
// and the check of the events that arrived meanwhile.
func (s *scenarioRun) step(ctx context.Context, i int, st *step) *failure {
	since := s.cursor
	if st.kind == "receiver" {
		if err := s.rc.SetResponses(st.plan...); err != nil {
			return s.failf(st, i, "set the receiver's answers: %v", err)
		}
		s.logf("%s:%d: %s: receiver answers %s", s.sc.File, st.line, st.title(i), planText(st))
		return nil
	}
	c, err := s.call(ctx, st, i)
	if err != nil {
		return s.failf(st, i, "%v", err)
	}
	status, answer, raw, err := s.send(ctx, st, c)
	if err != nil {
		return s.failf(st, i, "%v", err)
	}
	line := fmt.Sprintf("%s %s", c.method, c.target())
	if !statusOK(c.status, status) {
		f := s.failf(st, i, "%s answered %d, want %s%s", line, status, wantStatus(c.status), s.pollNote(st))
		f.detail = append(f.detail, "    answer: "+truncate(string(raw), 2000))
		evs, _ := s.snapshot(since)
		f.detail = append(f.detail, s.eventList("events during the step", evs)...)
		return f
	}
	s.track(c, status, answer)
	if st.response != nil {
		p, err := s.vars.buildPattern(st.response)
		if err != nil {
			return s.failf(st, i, "response: %v", err)
		}
		if want, got, ok := compare(p, answer); !ok {
			f := s.failf(st, i, "%s: the answer does not match response%s", line, s.pollNote(st))
			f.detail = append(f.detail, "    response: "+flow(st.response), "    answer (-want +got):")
			f.detail = append(f.detail, indent(diff(want, got), "      ")...)
			return f
		}
	}
	for _, sv := range st.save {
		if sv.implicit && (status < 200 || status > 299) {
			continue // a refused create has nothing to save
		}
		if answer == nil {
			return s.failf(st, i, "save %s: the answer of %s has no JSON body", sv.name, line)
		}
		v, err := lookup(answer, sv.path)
		if err != nil && sv.implicit {
			continue // e.g. a dry-run import answers without task_ids
		}
		if err != nil {
			return s.failf(st, i, "save %s from %s: %v", sv.name, sv.text, err)
		}
		s.vars[sv.name] = v
	}
	if st.def.after != nil && status >= 200 && status <= 299 {
		if err := st.def.after(ctx, s, c.args, answer); err != nil {
			return s.failf(st, i, "%v", err)
		}
	}
	exps, err := s.expectations(st)
	if err != nil {
		return s.failf(st, i, "%v", err)
	}
	evs, err := s.collect(ctx, st, since, exps)
	if err != nil {
		return s.failf(st, i, "%v", err)
	}
	if s.tries > 1 {
		line += fmt.Sprintf(" (asked %d times)", s.tries)
	}
	s.logf("%s:%d: %s: %s -> %d%s", s.sc.File, st.line, st.title(i), line, status, s.eventsText(evs))
	return s.check(st, i, exps, evs)
}

// call evaluates the step's arguments and builds its request.
func (s *scenarioRun) call(ctx context.Context, st *step, i int) (*call, error) {
	a := map[string]any{}
	if st.args != nil {
		v, err := s.vars.eval(st.args)
		if err != nil {
			return nil, err
		}
		if m, ok := v.(map[string]any); ok {
			a = m
		} else {
			a[st.def.scalar] = v
		}
	}
	for _, id := range st.def.ids {
		if _, ok := a[id]; !ok {
			a[id] = s.vars[id]
		}
	}
	for _, id := range st.def.ids {
		if f, ok := a[id].(float64); !ok || f != float64(int64(f)) {
			if _, isStr := a[id].(string); !isStr {
				return nil, fmt.Errorf("%s: want an id, got %s", id, describe(a[id]))
			}
		}
	}
	if err := s.generate(ctx, st, i, a); err != nil {
		return nil, err
	}
	if st.def.prepare != nil {
		if err := st.def.prepare(s, a); err != nil {
			return nil, err
		}
	}
	c, err := st.def.build(a)
	if err != nil {
		return nil, err
	}
	c.args = a
	if err := s.resolve(c); err != nil {
		return nil, err
	}
	if st.status != 0 {
		c.status = st.status
	} else if c.status == 0 {
		c.status = st.def.status
	}
	return c, nil
}

func (c *call) target() string {
	if c.url != "" {
		return c.url
	}
	if len(c.query) == 0 {
		return c.path
	}
	return c.path + "?" + c.query.Encode()
}

func statusOK(want, got int) bool {
	if want == 0 {
		return got >= 200 && got < 300
	}
	return want == got
}

func wantStatus(want int) string {
	if want == 0 {
		return "2xx"
	}
	return fmt.Sprint(want)
}

// do sends the request and returns the status and the answer (nil when
// it is not JSON).
func (s *scenarioRun) do(ctx context.Context, c *call) (int, any, []byte, error) {
	var body io.Reader
	contentType := "application/json"
	switch {
	case c.files != nil:
		b, ct, err := multipartBody(c.files)
		if err != nil {
			return 0, nil, nil, err
		}
		body, contentType = bytes.NewReader(b), ct
	case c.hasBody:
		b, err := marshal(c.body)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("encode the body: %w", err)
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := httpContext(ctx, c)
	defer cancel()
	target := s.api + c.target()
	if c.url != "" {
		target = c.url
	}
	req, err := http.NewRequestWithContext(ctx, c.method, target, body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", c.method, c.target(), err)
	}
	if c.url == "" {
		req.Header.Set("Authorization", "Token "+s.token)
	}
	req.Header.Set("Accept", "application/json")
	if c.hasBody || c.files != nil {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := s.r.client.Do(req)
	if err != nil {
		return 0, nil, nil, err // names method and URL
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: read the answer: %w", c.method, c.target(), err)
	}
	var answer any
	if len(bytes.TrimSpace(raw)) > 0 && json.Unmarshal(raw, &answer) != nil {
		answer = nil
	}
	return resp.StatusCode, answer, raw, nil
}

var (
	webhooksPath = regexp.MustCompile(`^/api/webhooks/?$`)
	labelsPath   = regexp.MustCompile(`^/api/labels/?$`)
	projectsPath = regexp.MustCompile(`^/api/projects/?$`)
)

// track remembers the webhooks and projects the scenario created, for
// the clean-up of external mode.
func (s *scenarioRun) track(c *call, status int, answer any) {
	if c.method != http.MethodPost || status != http.StatusCreated {
		return
	}
	if list, ok := answer.([]any); ok && labelsPath.MatchString(c.path) {
		for _, l := range list {
			if m, ok := l.(map[string]any); ok {
				if id, ok := m["id"].(float64); ok && !slices.Contains(s.labels, int(id)) {
					s.labels = append(s.labels, int(id))
				}
			}
		}
		return
	}
	obj, _ := answer.(map[string]any)
	id, ok := obj["id"].(float64)
	if !ok {
		return
	}
	switch {
	case webhooksPath.MatchString(c.path):
		s.webhooks = append(s.webhooks, int(id))
	case projectsPath.MatchString(c.path):
		s.projects = append(s.projects, int(id))
	}
}

// cleanup deletes what the scenario created on an external server, best
// effort: webhooks first, so nothing more is sent to the receiver.
func (s *scenarioRun) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, id := range s.webhooks {
		_, _, _, _ = s.do(ctx, &call{method: http.MethodDelete, path: fmt.Sprintf("/api/webhooks/%d", id)})
	}
	for _, id := range s.projects {
		_, _, _, _ = s.do(ctx, &call{method: http.MethodDelete, path: fmt.Sprintf("/api/projects/%d", id)})
	}
	for _, id := range s.labels { // labels belong to the organization
		_, _, _, _ = s.do(ctx, &call{method: http.MethodDelete, path: fmt.Sprintf("/api/labels/%d", id)})
	}
}

// snapshot returns the scenario's records after since, and how many
// records arrived after since in all; it moves the cursor past every
// record seen, the scenario's or not.
func (s *scenarioRun) snapshot(since int64) ([]receiver.Record, int) {
	all := s.rc.Events(receiver.Filter{Since: since})
	last := since
	var mine []receiver.Record
	for _, rec := range all {
		last = rec.Seq
		if s.prefix == "" || rec.Path == s.prefix || strings.HasPrefix(rec.Path, s.prefix+"/") {
			mine = append(mine, rec)
		}
	}
	s.cursor = last
	return mine, len(all)
}

// rel is a record's path relative to the scenario's receiver URL.
func (s *scenarioRun) rel(path string) string {
	p := strings.TrimPrefix(path, s.prefix)
	if p == "" {
		return "/"
	}
	return p
}

// collect waits for the step's events: in a checked step until every
// expectation has its minimum (or one already failed) within the step's
// window, then for the settle window; then it returns what arrived.
func (s *scenarioRun) collect(ctx context.Context, st *step, since int64, exps []*liveExpectation) ([]receiver.Record, error) {
	clear(s.bodies) // the bodies of earlier steps are not looked at again
	if s.flush != nil {
		if err := s.flush(ctx); err != nil {
			return nil, err
		}
	}
	if !st.checked {
		evs, _ := s.snapshot(since)
		return evs, nil
	}
	if st.within > 0 {
		wctx, cancel := context.WithTimeout(ctx, st.within)
		defer cancel()
		for {
			evs, n := s.snapshot(since)
			if s.settled(st, exps, evs) {
				break
			}
			if _, err := s.rc.Wait(wctx, receiver.Filter{Since: since}, n+1); err != nil {
				if errors.Is(err, receiver.ErrClosed) {
					return nil, err
				}
				break // the window is over
			}
		}
	}
	if err := s.waitSettle(ctx); err != nil {
		return nil, err
	}
	for _, e := range exps {
		if e.pipeline != nil {
			s.awaitRelays(ctx, since)
			break
		}
	}
	evs, _ := s.snapshot(since)
	return evs, nil
}

// settled reports whether waiting longer cannot change the outcome for
// the better: every minimum is met, or the step has already failed. A
// step that wants no events waits out its whole window.
func (s *scenarioRun) settled(st *step, exps []*liveExpectation, evs []receiver.Record) bool {
	needs := false
	for _, e := range exps {
		n := len(s.matching(e, evs))
		if e.max >= 0 && n > e.max {
			return true
		}
		if n < e.min {
			return false
		}
		needs = needs || e.min > 0
	}
	if !st.others && len(s.unexpected(exps, evs)) > 0 {
		return true
	}
	return needs
}

func (s *scenarioRun) logf(format string, args ...any) {
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

func planText(st *step) string {
	if st.reset {
		return "200 again (reset)"
	}
	var parts []string
	for _, p := range st.plan {
		t := fmt.Sprintf("%d x%d", p.Status, p.Times)
		if p.Delay > 0 {
			t += " after " + p.Delay.String()
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, ", then ")
}

func indent(text, prefix string) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return lines
}
