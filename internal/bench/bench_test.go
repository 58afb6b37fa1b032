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
		name   string
		r      Result
		rounds []Round
		want   string
	}{
		{"rate above goal", Result{Name: "task read", Unit: "req/s", BaseUnit: "req/s", Goal: "≥ 0.6", goalAbove: true, goalLimit: 0.6},
			[]Round{{800, 1000, 0.8}, {700, 1000, 0.7}, {900, 1000, 0.9}},
			"task read                  800 req/s | baseline 1000 req/s | ratio 0.80 [0.70–0.90] (goal ≥ 0.6) | ok"},
		{"time over goal", Result{Name: "import wall", Unit: "ms", BaseUnit: "ms", Goal: "≤ 3", goalLimit: 3},
			[]Round{{40, 10, 4}, {30, 10, 3}, {50, 10, 5}},
			"import wall                40.0 ms | baseline 10.0 ms | ratio 4.00 [3.00–5.00] (goal ≤ 3) | short"},
		{"one bad round does not make it short", Result{Name: "pages", Unit: "ms", BaseUnit: "ms", Goal: "≤ 2", goalLimit: 2},
			[]Round{{15, 10, 1.5}, {90, 10, 9}, {18, 10, 1.8}, {12, 10, 1.2}, {16, 10, 1.6}},
			"pages                      16.0 ms | baseline 10.0 ms | ratio 1.60 [1.20–9.00] (goal ≤ 2) | ok"},
		{"goal on the value", Result{Name: "startup", Unit: "ms", BaseUnit: "ms", Goal: "value ≤ 50 ms", goalLimit: 50, onValue: true},
			[]Round{{4, 2, 2}, {6, 2, 3}, {5, 2, 2.5}},
			"startup                    5.00 ms [4.00–6.00] | baseline 2.00 ms | ratio 2.50 (goal value ≤ 50 ms) | ok"},
		{"goal on the value, no baseline", Result{Name: "restart", Unit: "ms", BaseUnit: "ms", Goal: "value ≤ 1000 ms", goalLimit: 1000, onValue: true},
			[]Round{{700, 0, 0}, {1100, 0, 0}, {650, 0, 0}},
			"restart                    700 ms [650–1100] | baseline — | ratio — (goal value ≤ 1000 ms) | ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.judge(tc.rounds)
			if got := tc.r.String(); got != tc.want {
				t.Errorf("rounds %v\n got %q\nwant %q", tc.rounds, got, tc.want)
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
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"odd", []time.Duration{5 * ms, 1 * ms, 3 * ms}, 3 * ms},
		{"even", []time.Duration{4 * ms, 1 * ms, 2 * ms, 3 * ms}, 2500 * time.Microsecond},
		{"empty", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.in); got != tc.want {
				t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestInterleaveAlternates(t *testing.T) {
	var order []string
	rounds, err := interleave(context.Background(), 4,
		func() (float64, error) { order = append(order, "s"); return 6, nil },
		func() (float64, error) { order = append(order, "b"); return 3, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ""), "sbbssbbs"; got != want {
		t.Errorf("order %q, want %q (alternating which side goes first)", got, want)
	}
	for i, r := range rounds {
		if r != (Round{6, 3, 2}) {
			t.Errorf("round %d = %+v, want {6 3 2}", i, r)
		}
	}
	boom := errors.New("boom")
	if _, err := interleave(context.Background(), 3, func() (float64, error) { return 1, nil },
		func() (float64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing baseline gives %v, want %v", err, boom)
	}
}

func TestLoadIsBounded(t *testing.T) {
	plan := Plan{RateFor: time.Minute, WarmUp: time.Millisecond, RateMax: 100}
	var calls atomic.Int64
	l := newLoad(plan, 4, func(int) error { calls.Add(1); return nil })
	start := time.Now()
	if err := l.warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	rate, err := l.rate(context.Background())
	if err != nil || rate <= 0 {
		t.Fatalf("rate: %v, %v", rate, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("a window ran %v despite RateMax", time.Since(start))
	}
	if n := l.calls(); int(calls.Load()) != n || n > 2*(100+4) {
		t.Errorf("%d calls, reported %d; want at most 2×(RateMax+conc)", calls.Load(), n)
	}

	boom := errors.New("boom")
	if _, err := newLoad(plan, 2, func(int) error { return boom }).rate(context.Background()); !errors.Is(err, boom) {
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
