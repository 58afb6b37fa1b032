package bench

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBenchResultLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Result
		want string
	}{
		{"rate above goal", Result{Name: "task read", Value: 800, Unit: "req/s", Base: 1000, BaseUnit: "req/s", Goal: "≥ 0.6", goalAbove: true, goalRatio: 0.6},
			"task read                800 req/s | baseline 1000 req/s | ratio 0.80 (goal ≥ 0.6) | ok"},
		{"time over goal", Result{Name: "import wall", Value: 40, Unit: "ms", Base: 10, BaseUnit: "ms", Goal: "≤ 3", goalRatio: 3},
			"import wall              40.0 ms | baseline 10.0 ms | ratio 4.00 (goal ≤ 3) | short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.judge()
			if got := tc.r.String(); got != tc.want {
				t.Errorf("line\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	skipped := Result{Name: "startup", Skipped: "go is not on PATH"}
	if got := skipped.String(); !strings.Contains(got, "skipped: go is not on PATH") {
		t.Errorf("skipped line %q", got)
	}
}

func TestBenchMedian(t *testing.T) {
	ms := time.Millisecond
	if got := median([]time.Duration{5 * ms, 1 * ms, 3 * ms}); got != 3*ms {
		t.Errorf("median of 5,1,3 = %v, want 3ms", got)
	}
	if got := median([]time.Duration{4 * ms, 1 * ms, 2 * ms, 3 * ms}); got != 2500*time.Microsecond {
		t.Errorf("median of 4,1,2,3 = %v, want 2.5ms", got)
	}
}

func TestRateOfIsBounded(t *testing.T) {
	plan := Plan{RateFor: time.Minute, WarmUp: time.Millisecond, RateMax: 100}
	var calls atomic.Int64
	start := time.Now()
	rate, n, err := rateOf(context.Background(), plan, 4, func(int) error { calls.Add(1); return nil })
	if err != nil || rate <= 0 {
		t.Fatalf("rateOf: %v, %v", rate, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("rateOf ran %v despite rateMax", time.Since(start))
	}
	if int(calls.Load()) != n || n > 2*(100+4) {
		t.Errorf("%d calls, reported %d; want at most 2×(rateMax+conc)", calls.Load(), n)
	}

	boom := errors.New("boom")
	if _, _, err := rateOf(context.Background(), plan, 2, func(int) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a failing call gives %v, want %v", err, boom)
	}
}

// TestTrivialServerIsACommand guards the startup baseline: built from a
// package that is not main, go build makes an archive, not a program.
func TestTrivialServerIsACommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", trivialServer, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.Name != "main" {
		t.Errorf("the trivial server's source is package %s, want main", f.Name.Name)
	}
}
