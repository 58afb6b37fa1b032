package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchPlan sizes one bench run. --quick shrinks the durations and the
// largest import so the whole run stays under a minute on two cores.
type benchPlan struct {
	quick bool
	// rateFor is how long one throughput measurement runs (after warmUp);
	// rateMax bounds its request count whatever the machine's speed.
	rateFor, warmUp time.Duration
	rateMax         int
	// importSizes are the P3 scaling rows; the last one is P3's headline.
	importSizes []int
	// concurrency are the P2 scaling rows; p2At is P2's headline.
	concurrency []int
	p2At        int
	// projectTasks is the size of the project P2 and P5 work on.
	projectTasks int
	// startupRuns is how many times P1 execs each binary.
	startupRuns int
}

func newBenchPlan(quick bool) benchPlan {
	if quick {
		return benchPlan{quick: true, rateFor: 700 * time.Millisecond, warmUp: 150 * time.Millisecond, rateMax: 200000,
			importSizes: []int{1000, 10000, 100000}, concurrency: []int{1, 4, 16, 64}, p2At: 16,
			projectTasks: 10000, startupRuns: 10}
	}
	return benchPlan{rateFor: 4 * time.Second, warmUp: 500 * time.Millisecond, rateMax: 2000000,
		importSizes: []int{1000, 10000, 100000}, concurrency: []int{1, 4, 16, 64}, p2At: 16,
		projectTasks: 10000, startupRuns: 10}
}

// benchResult is one line of the report.
type benchResult struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Base      float64 `json:"baseline"`
	BaseUnit  string  `json:"baseline_unit"`
	Ratio     float64 `json:"ratio"`
	Goal      string  `json:"goal"`
	OK        bool    `json:"ok"`
	Skipped   string  `json:"skipped,omitempty"`
	Note      string  `json:"note,omitempty"`
	goalAbove bool    // the ratio must be at least goalRatio (else at most)
	goalRatio float64
}

// judge fills Ratio and OK from value and baseline.
func (r *benchResult) judge() {
	if r.Base > 0 {
		r.Ratio = r.Value / r.Base
	}
	if r.goalAbove {
		r.OK = r.Ratio >= r.goalRatio
	} else {
		r.OK = r.Ratio <= r.goalRatio
	}
}

func (r benchResult) String() string {
	if r.Skipped != "" {
		return fmt.Sprintf("%-24s skipped: %s", r.Name, r.Skipped)
	}
	verdict := "short"
	if r.OK {
		verdict = "ok"
	}
	line := fmt.Sprintf("%-24s %s %s | baseline %s %s | ratio %.2f (goal %s) | %s",
		r.Name, benchNum(r.Value), r.Unit, benchNum(r.Base), r.BaseUnit, r.Ratio, r.Goal, verdict)
	if r.Note != "" {
		line += "  (" + r.Note + ")"
	}
	return line
}

// benchNum prints a measurement with about three significant digits.
func benchNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// scaleRow is one row of the "how cost grows" table.
type scaleRow struct {
	Size      int     `json:"size"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Base      float64 `json:"baseline"`
	Ratio     float64 `json:"ratio"`
	PerItemUS float64 `json:"per_item_us,omitempty"`
	HeapMiB   float64 `json:"peak_heap_mib,omitempty"`
}

// benchReport is what --json writes.
type benchReport struct {
	Machine struct {
		CPUs      int    `json:"cpus"`
		Model     string `json:"model"`
		GoVersion string `json:"go_version"`
		OS        string `json:"os"`
	} `json:"machine"`
	Quick        bool          `json:"quick"`
	Results      []benchResult `json:"results"`
	ImportScale  []scaleRow    `json:"import_scaling"`
	E2EScale     []scaleRow    `json:"end_to_end_scaling"`
	Met, Goals   int
	DurationSecs float64 `json:"duration_seconds"`
}

const benchUsage = `bench [--quick] [--json FILE]

Measures labelhook against baselines run in the same process on the same
machine and prints one line per goal:
  NAME value unit | baseline value unit | ratio R (goal G) | ok/short
  P1 startup: exec of 'labelhook serve' to the first 200 on /health (median of
     10) vs a trivial Go HTTP server, both built with 'go build' at bench time
     (needs go on PATH and the labelhook source tree as working directory;
     skipped with a note otherwise)
  P2 end to end: annotation POSTs -> webhook -> receiver validated, events/s
  P3 bulk import: 100 000 realistic tasks, wall time and peak heap
  P4 receiver validation: ANNOTATION_CREATED records/s
  P5 API read: GET /api/tasks/{id} requests/s
then how P3 and P2 scale. All traffic stays on 127.0.0.1. The exit code is
0 when every measurement ran, even if a goal is short (figures drift on
shared machines; read the ratios), 1 when a measurement failed.`

// runBench runs the performance harness.
func runBench(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	var quick bool
	var jsonFile string
	fs := newFlagSet("bench", benchUsage, stderr)
	fs.BoolVar(&quick, "quick", false, "shorter measurements (under a minute on two cores)")
	fs.StringVar(&jsonFile, "json", "", "also write the results as JSON to `FILE`")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("bench takes no arguments, got %q", fs.Args())
	}
	plan := newBenchPlan(quick)
	start := time.Now()
	var rep benchReport
	rep.Machine.CPUs = runtime.NumCPU()
	rep.Machine.Model = cpuModel()
	rep.Machine.GoVersion = runtime.Version()
	rep.Machine.OS = runtime.GOOS + "/" + runtime.GOARCH
	rep.Quick = quick
	mode := "full"
	if quick {
		mode = "quick"
	}
	fmt.Fprintf(stdout, "labelhook bench (%s) on %d CPUs (GOMAXPROCS %d), %s, %s\n",
		mode, rep.Machine.CPUs, runtime.GOMAXPROCS(0), rep.Machine.Model, rep.Machine.GoVersion)

	var failed []error
	emit := func(r benchResult, err error) {
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", r.Name, err))
			fmt.Fprintf(stdout, "%-24s failed: %v\n", r.Name, err)
			return
		}
		fmt.Fprintln(stdout, r)
		rep.Results = append(rep.Results, r)
	}
	steps := []func() error{
		func() error { emit(benchStartup(ctx, plan)); return ctx.Err() },
		func() error {
			r, rows, err := benchEndToEnd(ctx, plan)
			rep.E2EScale = rows
			emit(r, err)
			return ctx.Err()
		},
		func() error {
			rs, rows, err := benchImport(ctx, plan)
			rep.ImportScale = rows
			if err != nil {
				emit(benchResult{Name: "P3 import"}, err)
			}
			for _, r := range rs {
				emit(r, nil)
			}
			return ctx.Err()
		},
		func() error { emit(benchValidation(ctx, plan)); return ctx.Err() },
		func() error { emit(benchTaskRead(ctx, plan)); return ctx.Err() },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err // interrupted
		}
	}

	printScaling(stdout, rep.ImportScale, rep.E2EScale)
	var short []string
	for _, r := range rep.Results {
		if r.Skipped != "" {
			continue
		}
		rep.Goals++
		if r.OK {
			rep.Met++
		} else {
			short = append(short, strings.Fields(r.Name)[0]+" "+strings.Join(strings.Fields(r.Name)[1:], " "))
		}
	}
	rep.DurationSecs = time.Since(start).Seconds()
	summary := fmt.Sprintf("summary: %d of %d goals met", rep.Met, rep.Goals)
	if len(short) > 0 {
		summary += "; short: " + strings.Join(short, ", ")
	}
	if len(failed) > 0 {
		summary += fmt.Sprintf("; %d measurements failed", len(failed))
	}
	fmt.Fprintf(stdout, "%s (%s run, %.0f s)\n", summary, mode, rep.DurationSecs)
	if jsonFile != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(jsonFile, append(b, '\n'), 0o644); err != nil {
			failed = append(failed, fmt.Errorf("write %s: %w", jsonFile, err))
		}
	}
	if len(failed) > 0 {
		return &checkFailedError{errors.Join(failed...)}
	}
	return nil
}

func printScaling(w io.Writer, imports, e2e []scaleRow) {
	if len(imports) > 0 {
		fmt.Fprintln(w, "scaling P3 import:   tasks | wall ms | baseline ms | ratio | µs/task | peak heap MiB")
		for _, r := range imports {
			fmt.Fprintf(w, "                    %7d | %7s | %11s | %5.2f | %7.2f | %s\n",
				r.Size, benchNum(r.Value), benchNum(r.Base), r.Ratio, r.PerItemUS, benchNum(r.HeapMiB))
		}
	}
	if len(e2e) > 0 {
		fmt.Fprintln(w, "scaling P2 e2e: concurrency | events/s | baseline req/s | ratio")
		for _, r := range e2e {
			fmt.Fprintf(w, "                    %7d | %8s | %14s | %5.2f\n", r.Size, benchNum(r.Value), benchNum(r.Base), r.Ratio)
		}
	}
}

// cpuModel is the "model name" of /proc/cpuinfo, or the architecture.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// benchLoopback serves h on 127.0.0.1:0 and returns its base URL and a stop func.
func benchLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// benchClient is an HTTP client that keeps conc connections to one host.
func benchClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc + 4
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// rateOf runs do from conc goroutines, first for plan.warmUp (not
// counted), then for plan.rateFor or plan.rateMax calls, whichever comes
// first, and returns the calls per second of the second phase and the
// number of calls made in all. do gets a call number unique across
// goroutines and phases.
func rateOf(ctx context.Context, plan benchPlan, conc int, do func(i int) error) (float64, int, error) {
	var next atomic.Int64
	run := func(d time.Duration) (int, time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		var done atomic.Int64
		var wg sync.WaitGroup
		errc := make(chan error, conc)
		start := time.Now()
		for range conc {
			wg.Go(func() {
				for ctx.Err() == nil && done.Load() < int64(plan.rateMax) {
					if err := do(int(next.Add(1) - 1)); err != nil {
						errc <- err
						cancel()
						return
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		select {
		case err := <-errc:
			return 0, took, err
		default:
		}
		return int(done.Load()), took, nil
	}
	if _, _, err := run(plan.warmUp); err != nil {
		return 0, 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	n, took, err := run(plan.rateFor)
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, errors.New("no call finished in the measurement window")
	}
	return float64(n) / took.Seconds(), int(next.Load()), nil
}
