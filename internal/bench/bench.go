// Package bench measures labelhook against baselines run in the same
// process, on the same machine, in the same run, and reports the ratios
// (`labelhook bench`): absolute figures drift on shared machines, ratios
// much less. Every request goes over 127.0.0.1 and every loop is bounded
// in both time and count.
//
// One file per measurement: startup.go (exec to the first 200 on /health),
// endtoend.go (annotation POST → webhook → receiver), import.go (a bulk
// import: wall time and peak heap), validation.go (the receiver's schema
// validation), taskread.go (GET /api/tasks/{id}) and durability.go
// (concurrent writes with and without --state).
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// Plan sizes one bench run. Quick shrinks the durations so the whole run
// stays under a minute on two cores.
type Plan struct {
	Quick bool
	// RateFor is how long one throughput measurement runs (after WarmUp);
	// RateMax bounds its request count whatever the machine's speed.
	RateFor, WarmUp time.Duration
	RateMax         int
	// ImportSizes are the import scaling rows; the last one is the
	// import's headline.
	ImportSizes []int
	// Concurrency are the end-to-end scaling rows; HeadlineClients is the
	// end-to-end headline.
	Concurrency     []int
	HeadlineClients int
	// ProjectTasks is the size of the project most measurements work on.
	ProjectTasks int
	// StartupRuns is how many times the startup measurement execs each binary.
	StartupRuns int
	// StateDir is where the durability measurement keeps its state file
	// (a temporary directory is made in it and removed). Empty means
	// os.TempDir(). fsync costs what this file system makes it cost.
	StateDir string
}

// NewPlan returns the full or the quick plan.
func NewPlan(quick bool) Plan {
	p := Plan{RateFor: 4 * time.Second, WarmUp: 500 * time.Millisecond, RateMax: 2000000,
		ImportSizes: []int{1000, 10000, 100000}, Concurrency: []int{1, 4, 16, 64}, HeadlineClients: 16,
		ProjectTasks: 10000, StartupRuns: 10}
	if quick {
		p.Quick, p.RateFor, p.WarmUp, p.RateMax = true, 700*time.Millisecond, 150*time.Millisecond, 200000
	}
	return p
}

// Result is one line of the report.
type Result struct {
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
func (r *Result) judge() {
	if r.Base > 0 {
		r.Ratio = r.Value / r.Base
	}
	if r.goalAbove {
		r.OK = r.Ratio >= r.goalRatio
	} else {
		r.OK = r.Ratio <= r.goalRatio
	}
}

// String is the printed line:
//
//	NAME value unit | baseline value unit | ratio R (goal G) | ok/short  (note)
func (r Result) String() string {
	if r.Skipped != "" {
		return fmt.Sprintf("%-24s skipped: %s", r.Name, r.Skipped)
	}
	verdict := "short"
	if r.OK {
		verdict = "ok"
	}
	line := fmt.Sprintf("%-24s %s %s | baseline %s %s | ratio %.2f (goal %s) | %s",
		r.Name, num(r.Value), r.Unit, num(r.Base), r.BaseUnit, r.Ratio, r.Goal, verdict)
	if r.Note != "" {
		line += "  (" + r.Note + ")"
	}
	return line
}

// num prints a measurement with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// ScaleRow is one row of a "how cost grows" table.
type ScaleRow struct {
	Size      int     `json:"size"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Base      float64 `json:"baseline"`
	Ratio     float64 `json:"ratio"`
	PerItemUS float64 `json:"per_item_us,omitempty"`
	HeapMiB   float64 `json:"peak_heap_mib,omitempty"`
}

// Report is everything one run measured (what `bench --json` writes).
type Report struct {
	Machine struct {
		CPUs      int    `json:"cpus"`
		Model     string `json:"model"`
		GoVersion string `json:"go_version"`
		OS        string `json:"os"`
	} `json:"machine"`
	Quick        bool       `json:"quick"`
	Results      []Result   `json:"results"`
	ImportScale  []ScaleRow `json:"import_scaling"`
	E2EScale     []ScaleRow `json:"end_to_end_scaling"`
	Met          int        `json:"goals_met"`
	Goals        int        `json:"goals"`
	Failed       []string   `json:"failed,omitempty"`
	DurationSecs float64    `json:"duration_seconds"`
}

// Run makes every measurement of plan, printing each line to out as it
// comes, then the scaling tables and a summary. A measurement that fails
// is printed and listed in Report.Failed, and the others still run; the
// error is only ctx's, when the run was interrupted.
func Run(ctx context.Context, plan Plan, out io.Writer) (Report, error) {
	start := time.Now()
	var rep Report
	rep.Machine.CPUs = runtime.NumCPU()
	rep.Machine.Model = cpuModel()
	rep.Machine.GoVersion = runtime.Version()
	rep.Machine.OS = runtime.GOOS + "/" + runtime.GOARCH
	rep.Quick = plan.Quick
	mode := "full"
	if plan.Quick {
		mode = "quick"
	}
	fmt.Fprintf(out, "labelhook bench (%s) on %d CPUs (GOMAXPROCS %d), %s, %s\n",
		mode, rep.Machine.CPUs, runtime.GOMAXPROCS(0), rep.Machine.Model, rep.Machine.GoVersion)

	emit := func(r Result, err error) {
		if err != nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", r.Name, err))
			fmt.Fprintf(out, "%-24s failed: %v\n", r.Name, err)
			return
		}
		fmt.Fprintln(out, r)
		rep.Results = append(rep.Results, r)
	}
	steps := []func(){
		func() { emit(Startup(ctx, plan)) },
		func() {
			r, rows, err := EndToEnd(ctx, plan)
			rep.E2EScale = rows
			emit(r, err)
		},
		func() {
			rs, rows, err := Import(ctx, plan)
			rep.ImportScale = rows
			if err != nil {
				emit(Result{Name: "import"}, err)
			}
			for _, r := range rs {
				emit(r, nil)
			}
		},
		func() { emit(Validation(ctx, plan)) },
		func() { emit(TaskRead(ctx, plan)) },
		func() { emit(Durability(ctx, plan)) },
	}
	for _, step := range steps {
		step()
		if err := ctx.Err(); err != nil {
			return rep, err // interrupted
		}
	}

	printScaling(out, rep.ImportScale, rep.E2EScale)
	var short []string
	for _, r := range rep.Results {
		if r.Skipped != "" {
			continue
		}
		rep.Goals++
		if r.OK {
			rep.Met++
		} else {
			short = append(short, r.Name)
		}
	}
	rep.DurationSecs = time.Since(start).Seconds()
	summary := fmt.Sprintf("summary: %d of %d goals met", rep.Met, rep.Goals)
	if len(short) > 0 {
		summary += "; short: " + strings.Join(short, ", ")
	}
	if len(rep.Failed) > 0 {
		summary += fmt.Sprintf("; %d measurements failed", len(rep.Failed))
	}
	fmt.Fprintf(out, "%s (%s run, %.0f s)\n", summary, mode, rep.DurationSecs)
	return rep, nil
}

func printScaling(w io.Writer, imports, e2e []ScaleRow) {
	if len(imports) > 0 {
		fmt.Fprintln(w, "scaling import:        tasks | wall ms | baseline ms | ratio | µs/task | peak heap MiB")
		for _, r := range imports {
			fmt.Fprintf(w, "                    %9d | %7s | %11s | %5.2f | %7.2f | %s\n",
				r.Size, num(r.Value), num(r.Base), r.Ratio, r.PerItemUS, num(r.HeapMiB))
		}
	}
	if len(e2e) > 0 {
		fmt.Fprintln(w, "scaling end-to-end: clients | events/s | baseline req/s | ratio")
		for _, r := range e2e {
			fmt.Fprintf(w, "                    %7d | %8s | %14s | %5.2f\n", r.Size, num(r.Value), num(r.Base), r.Ratio)
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
