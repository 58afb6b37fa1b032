package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/labelhook/labelhook/scenarios"
	"github.com/labelhook/labelhook/server"
)

// Why a comparison could not run (the command exits 2 on these).
var (
	ErrUnreachable    = errors.New("server unreachable")
	ErrBadToken       = errors.New("server refuses the token")
	ErrNotLabelStudio = errors.New("not a Label Studio")
	ErrServerDied     = errors.New("server stopped answering")
)

// DefaultSettle is how long each step listens for late webhooks after
// its answer: both a real Label Studio (without Redis) and the mock
// deliver before they answer, so this only catches stragglers.
const DefaultSettle = 150 * time.Millisecond

// Options configure Run.
type Options struct {
	// Server and Token reach the external side.
	Server, Token string
	// Settings are the settings the external server was started with, as
	// a scenario's server: key spells them; a scenario whose server:
	// settings differ is skipped. The mock side runs with them too.
	Settings Settings
	// Settle is the listening window after each step; zero means
	// DefaultSettle.
	Settle time.Duration
	// RequestTimeout bounds each API request; zero means one minute.
	RequestTimeout time.Duration
	// Out receives the report; nil discards it.
	Out io.Writer
	// Verbose prints every step of both sides.
	Verbose bool
	// LocalFilesRoot is the external server's LOCAL_FILES_DOCUMENT_ROOT
	// (scenarios.Options.LocalFilesRoot); scenarios that write local files
	// are skipped without it.
	LocalFilesRoot string
}

// Result is the comparison of one scenario.
type Result struct {
	Name, File string
	// Skipped says why the scenario was not compared.
	Skipped     string
	Real, Mock  Scenario
	Differences []Difference
}

// Report is the outcome of Run.
type Report struct {
	// Version is the external server's release (GET /api/version).
	Version string
	Results []Result
	// Counts over the compared scenarios (external side).
	Compared, Skipped, Steps, Responses, Events, Differences, Differing int
	// Stopped is set when the external server died during the run: the
	// results cover the scenarios before.
	Stopped error
}

// Run compares the scenarios: each runs against the external server
// (one at a time) and against an in-process mock, and their normalised
// traces are diffed. The error is for a run that could not start or a
// server that died (wrapping one of the Err values); differences are in
// the Report.
func Run(ctx context.Context, scs []*scenarios.Scenario, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	info, err := Check(ctx, opts.Server, opts.Token)
	if err != nil {
		return nil, err
	}
	rep := &Report{Version: info.Release}
	c := &comparison{opts: opts, profile: mockProfile(info.Release)}
	fmt.Fprintf(opts.Out, "comparing %d scenarios: %s (Label Studio %s) vs the labelhook mock (profile %s)\n", len(scs), opts.Server, info.Release, c.profile)
	runnable := c.sortOut(scs)
	if rep.Stopped, err = c.runExternal(ctx, runnable); err != nil {
		return nil, err
	}
	if err := c.runMock(ctx); err != nil {
		return nil, err
	}
	c.tally(rep)
	rep.print(opts.Out, opts.Verbose)
	if rep.Stopped != nil {
		return rep, rep.Stopped
	}
	return rep, nil
}

// withDefaults fills the options left zero.
func (o Options) withDefaults() Options {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = time.Minute
	}
	return o
}

// mockProfile is the profile the mock runs with against a server of
// release: the mock imitates the server's release when it has a
// verified profile of it, else its default.
func mockProfile(release string) string {
	if slices.Contains(server.Versions(), release) {
		return release
	}
	return server.DefaultVersion
}

// comparison is one Run under way.
type comparison struct {
	opts    Options
	profile string   // the mock's Label Studio profile
	results []Result // one per scenario, in the order given
	index   map[string]int
	// done are the scenarios run against the external server.
	done []*scenarios.Scenario
}

// sortOut gives every scenario its result, marks the ones the external
// server's settings rule out as skipped, and returns the others.
func (c *comparison) sortOut(scs []*scenarios.Scenario) (runnable []*scenarios.Scenario) {
	c.results = make([]Result, 0, len(scs))
	c.index = map[string]int{}
	for _, sc := range scs {
		res := Result{Name: sc.Name, File: sc.File}
		if reason := c.opts.Settings.mismatch(sc.Server); reason != "" {
			res.Skipped = reason
		} else if sc.NeedsLocalFiles && c.opts.LocalFilesRoot == "" {
			res.Skipped = "writes local files: give the external server's LOCAL_FILES_DOCUMENT_ROOT (--local-files-root; it must run with LOCAL_FILES_SERVING_ENABLED=true)"
		} else {
			runnable = append(runnable, sc)
			c.index[sc.Name] = len(c.results)
		}
		c.results = append(c.results, res)
	}
	return runnable
}

// runExternal runs the scenarios against the external server one at a
// time, so a server that dies is noticed at once: stopped says so (the
// scenarios before it are done), err is a run that could not start.
func (c *comparison) runExternal(ctx context.Context, runnable []*scenarios.Scenario) (stopped, err error) {
	opts := c.opts
	for _, sc := range runnable {
		r, err := scenarios.Run(ctx, []*scenarios.Scenario{sc}, scenarios.Options{
			Server: opts.Server, Token: opts.Token, Trace: true, Settle: opts.Settle, RequestTimeout: opts.RequestTimeout,
			LocalFilesRoot: opts.LocalFilesRoot,
		})
		if err != nil {
			return nil, fmt.Errorf("run %q against %s: %w", sc.Name, opts.Server, err)
		}
		res := r.Results[0]
		if broke(res) {
			if herr := health(ctx, opts.Server); herr != nil {
				return fmt.Errorf("%w during %q (%s): %v", ErrServerDied, sc.Name, sc.File, herr), nil
			}
		}
		c.results[c.index[sc.Name]].Real = Normalize(res)
		c.done = append(c.done, sc)
	}
	return nil, nil
}

// runMock runs the scenarios done on the external side against mocks, in
// parallel, with the external server's settings, and diffs each with
// its external trace.
func (c *comparison) runMock(ctx context.Context) error {
	if len(c.done) == 0 {
		return nil
	}
	mr, err := scenarios.Run(ctx, c.done, scenarios.Options{
		Trace: true, Settle: c.opts.Settle, RequestTimeout: c.opts.RequestTimeout,
		ConfigureServer: func(cfg *server.Config) {
			c.opts.Settings.apply(cfg)
			cfg.LabelStudioVersion = c.profile
		},
	})
	if err != nil {
		return fmt.Errorf("run the mock side: %w", err)
	}
	for _, res := range mr.Results {
		i := c.index[res.Name]
		c.results[i].Mock = Normalize(res)
		c.results[i].Differences = Diff(c.results[i].Real, c.results[i].Mock)
	}
	return nil
}

// tally adds the results reached to rep and counts them; the scenarios
// after a server died are left out.
func (c *comparison) tally(rep *Report) {
	ran := map[string]bool{}
	for _, sc := range c.done {
		ran[sc.Name] = true
	}
	for i := range c.results {
		res := &c.results[i]
		switch {
		case res.Skipped != "":
			rep.Skipped++
		case !ran[res.Name]:
			continue // not reached: the server died before
		default:
			rep.Compared++
			for _, st := range res.Real.Steps {
				rep.Steps++
				if st.Request != "" && st.Error == "" {
					rep.Responses++
				}
				rep.Events += len(st.Events)
			}
			rep.Differences += len(res.Differences)
			if len(res.Differences) > 0 {
				rep.Differing++
			}
		}
		rep.Results = append(rep.Results, *res)
	}
}

// broke reports whether a scenario ended on a request that could not be
// sent (as opposed to one the server answered).
func broke(res scenarios.Result) bool {
	if len(res.Trace) == 0 {
		return res.Status == scenarios.Failed
	}
	last := res.Trace[len(res.Trace)-1]
	return last.Err != "" && last.Status == 0 && last.Method != ""
}

func (rep *Report) print(w io.Writer, verbose bool) {
	for _, res := range rep.Results {
		switch {
		case res.Skipped != "":
			fmt.Fprintf(w, "--- SKIP: %s (%s)\n    %s\n", res.Name, res.File, res.Skipped)
		case len(res.Differences) == 0:
			fmt.Fprintf(w, "--- SAME: %s (%s)\n", res.Name, res.File)
		default:
			fmt.Fprintf(w, "--- DIFF: %s (%s): %d differences\n", res.Name, res.File, len(res.Differences))
			step := -1
			for _, d := range res.Differences {
				if d.Step != step {
					step = d.Step
					fmt.Fprintf(w, "    step %d: %s\n", d.Step, orNone(d.Request))
				}
				fmt.Fprintf(w, "      %s\n", d)
			}
		}
		if verbose && res.Skipped == "" {
			for _, st := range res.Real.Steps {
				fmt.Fprintf(w, "    real step %d %s -> %d, %d events %s\n", st.Step, st.Request, st.Status, len(st.Events), st.Error)
			}
		}
	}
	if rep.Stopped != nil {
		fmt.Fprintf(w, "stopped: %v\n", rep.Stopped)
	}
	fmt.Fprintf(w, "compared %d scenarios (%d skipped) against Label Studio %s: %d steps, %d responses, %d events; %d differences in %d scenarios\n",
		rep.Compared, rep.Skipped, rep.Version, rep.Steps, rep.Responses, rep.Events, rep.Differences, rep.Differing)
}

// Settings are the server settings a scenario can ask for (its server:
// key), as the external server was started with them. The zero value is
// an external server with every setting at its default.
type Settings struct {
	// Config holds the values; set says which were given.
	Config server.Config
	set    map[string]bool
}

// Set records one setting, key as in a scenario's server: key.
func (s *Settings) Set(key, value string) error {
	if s.set == nil {
		s.set = map[string]bool{}
	}
	if err := scenarios.SetServerSetting(&s.Config, key, value); err != nil {
		return err
	}
	s.set[key] = true
	return nil
}

// Map returns the settings given, as text.
func (s Settings) Map() map[string]string {
	out := map[string]string{}
	for _, setting := range scenarios.ServerSettings {
		if s.set[setting.Key] {
			out[setting.Key] = setting.Text(s.Config)
		}
	}
	return out
}

// mismatch says why a scenario's server: settings rule out the external
// server, or "" when they match.
func (s Settings) mismatch(want *server.Config) string {
	if want == nil {
		return ""
	}
	for _, setting := range scenarios.ServerSettings {
		if !setting.IsSet(*want) {
			continue
		}
		k, w := setting.Key, setting.Text(*want)
		if !s.set[k] || setting.Text(s.Config) != w {
			have := "its default"
			if s.set[k] {
				have = setting.Text(s.Config)
			}
			return fmt.Sprintf("needs server: %s: %s; the external server runs with %s (start it so and pass --server-setting %s=%s)", k, w, have, k, w)
		}
	}
	return ""
}

// apply gives an in-process mock the external server's settings.
func (s Settings) apply(cfg *server.Config) {
	for _, setting := range scenarios.ServerSettings {
		if s.set[setting.Key] {
			setting.Copy(cfg, s.Config)
		}
	}
}
