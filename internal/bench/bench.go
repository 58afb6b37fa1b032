// Package bench measures labelhook against baselines run in the same
// process, on the same machine, in the same run, and reports the ratios
// (`labelhook bench`): absolute figures drift on shared machines, ratios
// much less. Each ratio is the median of Plan.Rounds rounds that alternate
// the subject and its baseline (rounds.go), printed with its min–max; a
// goal is short only when the median misses it. Every request goes over
// 127.0.0.1 and every loop is bounded in both time and count.
//
// One file per measurement: startup.go (exec to the first 200 on /health),
// endtoend.go (annotation POST → webhook → receiver, against a two-hop
// chain that does no work), import.go (a bulk import: wall time and peak
// heap), validation.go (the receiver's schema validation), taskread.go
// (GET /api/tasks/{id}), bigread.go (a big project's export, pages and the
// SDK's id listing, against the same bytes from buffers), durability.go
// (concurrent writes with and without --state) and restart.go (serve
// --state on a crashed state of 100 000 tasks).
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// About says what the bench measures and prints, for the help of
// `labelhook bench`.
const About = `Measures labelhook against baselines run in the same process on the same
machine and prints one line per goal:
  NAME value unit | baseline value unit | ratio R [min–max] (goal G) | ok/short
Each figure is the median of 5 rounds that alternate labelhook and its
baseline; [min–max] is the spread of the judged quantity; a goal is short
only when the median misses it. The measurements (--only takes these names):
  startup: exec of 'labelhook serve' to the first 200 on /health vs a
     trivial Go HTTP server, both built with 'go build' at bench time
     (needs go on PATH and the labelhook source tree as working directory;
     skipped with a note otherwise; restart needs the same)
  end-to-end: annotation POSTs -> webhook -> receiver validated, events/s,
     vs a two-hop chain that does no work
  import: 100 000 realistic tasks, wall time and peak heap
  validation: the receiver's ANNOTATION_CREATED records/s
  task-read: GET /api/tasks/{id} requests/s
  reads: a project of 50 000 annotated tasks: the export, GET /api/tasks
     paged at page_size=100, and the legacy SDK's id listing, each vs the
     same bytes written from a buffer
  durability: concurrent annotation writes/s with --state (fsync before
     each answer) vs the same mock in memory
  restart: serve --state on a crashed state of 100 000 tasks and 100 000
     annotations, exec to the first 200 (--quick skips its baseline)
then how the import, end-to-end and reads scale. All traffic stays on
127.0.0.1. The exit code is 0 when every measurement ran, even if a goal
is short (figures drift on shared machines; read the ratios), 1 when a
measurement failed.`

// Plan sizes one bench run. Quick shrinks the durations and sizes so the
// whole run stays under 30 s on two cores (the full run: under 3 min).
type Plan struct {
	Quick bool
	// Rounds is how many interleaved subject/baseline rounds make each
	// ratio (the median is judged; min–max is printed).
	Rounds int
	// RateFor is how long one round of a throughput measurement runs;
	// WarmUp runs once per server before its first round; RateMax bounds
	// a round's request count whatever the machine's speed.
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
	// ReadSizes are the big-project read scaling rows (annotated tasks);
	// ReadTasks is the headline size.
	ReadSizes []int
	ReadTasks int
	// RestartTasks is how many tasks, each with one annotation, the
	// restart measurement's state holds.
	RestartTasks int
	// StateDir is where the durability and restart measurements keep their
	// state files (a temporary directory is made in it and removed). Empty
	// means os.TempDir(). fsync costs what this file system makes it cost.
	StateDir string
	// Only, when set, names the measurements to run (Measurements).
	Only []string

	bins *builds // the binaries built for this run (Run sets it)
}

// NewPlan returns the full or the quick plan.
func NewPlan(quick bool) Plan {
	p := Plan{Rounds: 5, RateFor: 600 * time.Millisecond, WarmUp: 300 * time.Millisecond, RateMax: 2000000,
		ImportSizes: []int{1000, 10000, 100000}, Concurrency: []int{1, 4, 16, 64}, HeadlineClients: 16,
		ProjectTasks: 10000, StartupRuns: 10, ReadSizes: []int{5000, 50000, 500000}, ReadTasks: 50000,
		RestartTasks: 100000}
	if quick {
		p.Quick, p.RateFor, p.WarmUp, p.RateMax = true, 150*time.Millisecond, 100*time.Millisecond, 200000
		p.ImportSizes, p.Concurrency, p.ReadSizes = []int{100000}, []int{16}, []int{50000}
	}
	return p
}

// Result is one line of the report: the medians over its rounds.
type Result struct {
	Name string `json:"name"`
	// Value and Base are the medians of the rounds' values and baselines.
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Base     float64 `json:"baseline"`
	BaseUnit string  `json:"baseline_unit"`
	// Ratio is the median of the rounds' ratios; min and max are the
	// spread of the judged quantity (the ratio, or the value for a goal
	// on the value).
	Ratio   float64 `json:"ratio"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Judged  string  `json:"judged"` // "ratio" or "value"
	Goal    string  `json:"goal"`
	OK      bool    `json:"ok"`
	Rounds  []Round `json:"rounds,omitempty"`
	Skipped string  `json:"skipped,omitempty"`
	Note    string  `json:"note,omitempty"`
	// goalAbove: the judged quantity must be at least goalLimit (else at
	// most); onValue: the goal is on the value, not the ratio.
	goalAbove bool
	goalLimit float64
	onValue   bool
}

// judge sets the medians, the spread and the verdict from rounds: a goal
// is short only when the median misses it.
func (r *Result) judge(rounds []Round) {
	r.Rounds = rounds
	r.Value = spreadOf(rounds, func(x Round) float64 { return x.Value }).med
	r.Base = spreadOf(rounds, func(x Round) float64 { return x.Base }).med
	rs := spreadOf(rounds, func(x Round) float64 { return x.Ratio })
	r.Ratio = rs.med
	judged := rs
	r.Judged = "ratio"
	if r.onValue {
		judged = spreadOf(rounds, func(x Round) float64 { return x.Value })
		r.Judged = "value"
	}
	r.Min, r.Max = judged.lo, judged.hi
	if r.goalAbove {
		r.OK = judged.med >= r.goalLimit
	} else {
		r.OK = judged.med <= r.goalLimit
	}
}

// String is the printed line; [min–max] follows the judged quantity:
//
//	NAME value unit | baseline value unit | ratio R [lo–hi] (goal G) | ok/short  (note)
func (r Result) String() string {
	if r.Skipped != "" {
		return fmt.Sprintf("%-26s skipped: %s", r.Name, r.Skipped)
	}
	verdict := "short"
	if r.OK {
		verdict = "ok"
	}
	value := num(r.Value) + " " + r.Unit
	ratio := fmt.Sprintf("%.2f", r.Ratio)
	rng := fmt.Sprintf(" [%s–%s]", num(r.Min), num(r.Max))
	if r.Judged == "ratio" {
		rng = fmt.Sprintf(" [%.2f–%.2f]", r.Min, r.Max)
		ratio += rng
	} else {
		value += rng
	}
	base := num(r.Base) + " " + r.BaseUnit
	if r.Base == 0 && r.onValue {
		base, ratio = "—", "—" // not measured (a goal on the value needs none)
	}
	line := fmt.Sprintf("%-26s %s | baseline %s | ratio %s (goal %s) | %s",
		r.Name, value, base, ratio, r.Goal, verdict)
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

// ScaleRow is one row of a "how cost grows" table: medians over its
// rounds, with the ratio's spread.
type ScaleRow struct {
	Kind      string  `json:"kind,omitempty"`
	Size      int     `json:"size"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Base      float64 `json:"baseline"`
	Ratio     float64 `json:"ratio"`
	RatioMin  float64 `json:"ratio_min"`
	RatioMax  float64 `json:"ratio_max"`
	PerItemUS float64 `json:"per_item_us,omitempty"`
	HeapMiB   float64 `json:"peak_heap_mib,omitempty"`
	Rounds    []Round `json:"rounds,omitempty"`
}

// scaleRow summarises rounds as a row of size items (perItem: the value
// is a time in ms, so µs per item is printed too).
func scaleRow(kind string, size int, unit string, rounds []Round, perItem bool) ScaleRow {
	v := spreadOf(rounds, func(x Round) float64 { return x.Value })
	rs := spreadOf(rounds, func(x Round) float64 { return x.Ratio })
	row := ScaleRow{Kind: kind, Size: size, Value: v.med, Unit: unit,
		Base:  spreadOf(rounds, func(x Round) float64 { return x.Base }).med,
		Ratio: rs.med, RatioMin: rs.lo, RatioMax: rs.hi, Rounds: rounds}
	if perItem && size > 0 {
		row.PerItemUS = v.med * 1000 / float64(size)
	}
	return row
}

// Report is everything one run measured (what `bench --json` writes).
type Report struct {
	Machine struct {
		CPUs      int    `json:"cpus"`
		Model     string `json:"model"`
		GoVersion string `json:"go_version"`
		OS        string `json:"os"`
		// Load is the one-minute load average at the start and at the end
		// (Linux; 0 elsewhere): other work on a shared machine shows here.
		LoadStart float64 `json:"load_average_start"`
		LoadEnd   float64 `json:"load_average_end"`
	} `json:"machine"`
	Quick        bool       `json:"quick"`
	Rounds       int        `json:"rounds"`
	Results      []Result   `json:"results"`
	ImportScale  []ScaleRow `json:"import_scaling"`
	E2EScale     []ScaleRow `json:"end_to_end_scaling"`
	ReadScale    []ScaleRow `json:"read_scaling"`
	Met          int        `json:"goals_met"`
	Goals        int        `json:"goals"`
	Failed       []string   `json:"failed,omitempty"`
	DurationSecs float64    `json:"duration_seconds"`
	// StepSecs is the wall time of each measurement that ran, in run
	// order: where a run's time goes.
	StepSecs []StepTime `json:"step_seconds"`
}

// StepTime is one measurement's wall time.
type StepTime struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Measurements are the names Plan.Only takes, in the order they run.
var Measurements = []string{"startup", "end-to-end", "import", "validation", "task-read", "reads", "durability", "restart"}

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
	rep.Machine.LoadStart = loadAverage()
	rep.Quick = plan.Quick
	rep.Rounds = plan.Rounds
	plan.bins = &builds{}
	defer plan.bins.remove()
	mode := "full"
	if plan.Quick {
		mode = "quick"
	}
	fmt.Fprintf(out, "labelhook bench (%s) on %d CPUs (GOMAXPROCS %d), %s, %s, load average %.2f\n",
		mode, rep.Machine.CPUs, runtime.GOMAXPROCS(0), rep.Machine.Model, rep.Machine.GoVersion, rep.Machine.LoadStart)
	fmt.Fprintf(out, "each line: medians of %d interleaved subject/baseline rounds; [min–max] of the judged quantity; short only when the median misses\n", plan.Rounds)

	emit := func(r Result, err error) {
		if err != nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", r.Name, err))
			fmt.Fprintf(out, "%-26s failed: %v\n", r.Name, err)
			return
		}
		fmt.Fprintln(out, r)
		rep.Results = append(rep.Results, r)
	}
	emitAll := func(rs []Result, err error) {
		for _, r := range rs {
			emit(r, nil)
		}
		if err != nil {
			name := "?"
			if len(rs) > 0 {
				name = rs[len(rs)-1].Name
			}
			emit(Result{Name: name}, err)
		}
	}
	steps := []struct {
		name string
		run  func()
	}{
		{"startup", func() { emit(Startup(ctx, plan)) }},
		{"end-to-end", func() {
			rs, rows, err := EndToEnd(ctx, plan)
			rep.E2EScale = rows
			emitAll(rs, err)
		}},
		{"import", func() {
			rs, rows, err := Import(ctx, plan)
			rep.ImportScale = rows
			emitAll(rs, err)
		}},
		{"validation", func() { emit(Validation(ctx, plan)) }},
		{"task-read", func() { emit(TaskRead(ctx, plan)) }},
		{"reads", func() {
			rs, rows, err := BigReads(ctx, plan)
			rep.ReadScale = rows
			emitAll(rs, err)
		}},
		{"durability", func() { emit(Durability(ctx, plan)) }},
		{"restart", func() { emit(Restart(ctx, plan)) }},
	}
	for _, step := range steps {
		if len(plan.Only) > 0 && !slices.Contains(plan.Only, step.name) {
			continue
		}
		settle()
		began := time.Now()
		step.run()
		rep.StepSecs = append(rep.StepSecs, StepTime{step.name, time.Since(began).Seconds()})
		if err := ctx.Err(); err != nil {
			return rep, err // interrupted
		}
	}

	printScaling(out, rep)
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
	rep.Machine.LoadEnd = loadAverage()
	summary := fmt.Sprintf("summary: %d of %d goals met", rep.Met, rep.Goals)
	if len(short) > 0 {
		summary += "; short: " + strings.Join(short, ", ")
	}
	if len(rep.Failed) > 0 {
		summary += fmt.Sprintf("; %d measurements failed", len(rep.Failed))
	}
	times := make([]string, len(rep.StepSecs))
	for i, st := range rep.StepSecs {
		times[i] = fmt.Sprintf("%s %.1f", st.Name, st.Seconds)
	}
	fmt.Fprintf(out, "%s (%s run, %.0f s: %s; load average %.2f at the end)\n",
		summary, mode, rep.DurationSecs, strings.Join(times, ", "), rep.Machine.LoadEnd)
	return rep, nil
}

func printScaling(w io.Writer, rep Report) {
	if rows := rep.ImportScale; len(rows) > 0 {
		fmt.Fprintln(w, "scaling import:          tasks | wall ms | baseline ms | ratio [min–max]   | µs/task | peak heap MiB")
		for _, r := range rows {
			fmt.Fprintf(w, "                      %9d | %7s | %11s | %s | %7.2f | %s\n",
				r.Size, num(r.Value), num(r.Base), ratioCell(r), r.PerItemUS, num(r.HeapMiB))
		}
	}
	if rows := rep.E2EScale; len(rows) > 0 {
		fmt.Fprintln(w, "scaling end-to-end:    clients | events/s | two-hop req/s | ratio [min–max]")
		for _, r := range rows {
			fmt.Fprintf(w, "                      %9d | %8s | %13s | %s\n", r.Size, num(r.Value), num(r.Base), ratioCell(r))
		}
	}
	if rows := rep.ReadScale; len(rows) > 0 {
		fmt.Fprintln(w, "scaling reads:   read |   tasks |   wall ms | baseline ms | ratio [min–max]   | µs/task")
		for _, r := range rows {
			fmt.Fprintf(w, "             %9s | %7d | %9s | %11s | %s | %7.2f\n",
				r.Kind, r.Size, num(r.Value), num(r.Base), ratioCell(r), r.PerItemUS)
		}
	}
}

func ratioCell(r ScaleRow) string {
	return fmt.Sprintf("%5.2f [%.2f–%.2f]", r.Ratio, r.RatioMin, r.RatioMax)
}

// loadAverage is the one-minute load average (Linux), or 0.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
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
