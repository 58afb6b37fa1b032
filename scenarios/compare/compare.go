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
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Settle == 0 {
		opts.Settle = DefaultSettle
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = time.Minute
	}
	info, err := Check(ctx, opts.Server, opts.Token)
	if err != nil {
		return nil, err
	}
	rep := &Report{Version: info.Release}
	// The mock imitates the server's release when it has a verified
	// profile of it, else its default.
	profile := server.DefaultVersion
	if slices.Contains(server.Versions(), info.Release) {
		profile = info.Release
	}
	fmt.Fprintf(opts.Out, "comparing %d scenarios: %s (Label Studio %s) vs the labelhook mock (profile %s)\n", len(scs), opts.Server, info.Release, profile)

	var runnable []*scenarios.Scenario
	results := make([]Result, 0, len(scs))
	index := map[string]int{}
	for _, sc := range scs {
		res := Result{Name: sc.Name, File: sc.File}
		if reason := opts.Settings.mismatch(sc.Server); reason != "" {
			res.Skipped = reason
		} else if sc.NeedsLocalFiles && opts.LocalFilesRoot == "" {
			res.Skipped = "writes local files: give the external server's LOCAL_FILES_DOCUMENT_ROOT (--local-files-root; it must run with LOCAL_FILES_SERVING_ENABLED=true)"
		} else {
			runnable = append(runnable, sc)
			index[sc.Name] = len(results)
		}
		results = append(results, res)
	}

	// The external side, one scenario at a time, so a server that dies is
	// noticed at once.
	var done []*scenarios.Scenario
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
				rep.Stopped = fmt.Errorf("%w during %q (%s): %v", ErrServerDied, sc.Name, sc.File, herr)
				break
			}
		}
		results[index[sc.Name]].Real = Normalize(res)
		done = append(done, sc)
	}

	// The mock side, in parallel, with the external server's settings.
	if len(done) > 0 {
		mr, err := scenarios.Run(ctx, done, scenarios.Options{
			Trace: true, Settle: opts.Settle, RequestTimeout: opts.RequestTimeout,
			ConfigureServer: func(cfg *server.Config) {
				opts.Settings.apply(cfg)
				cfg.LabelStudioVersion = profile
			},
		})
		if err != nil {
			return nil, fmt.Errorf("run the mock side: %w", err)
		}
		for _, res := range mr.Results {
			i := index[res.Name]
			results[i].Mock = Normalize(res)
			results[i].Differences = Diff(results[i].Real, results[i].Mock)
		}
	}

	ran := map[string]bool{}
	for _, sc := range done {
		ran[sc.Name] = true
	}
	for i := range results {
		res := &results[i]
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
	rep.print(opts.Out, opts.Verbose)
	if rep.Stopped != nil {
		return rep, rep.Stopped
	}
	return rep, nil
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
