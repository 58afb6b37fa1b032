package bench

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
)

// Round is one measurement of the subject and the baseline measured next
// to it. Ratio is Value / Base.
type Round struct {
	Value float64 `json:"value"`
	Base  float64 `json:"baseline"`
	Ratio float64 `json:"ratio"`
}

// interleave runs n rounds, each one subject measurement and one baseline
// measurement, alternating which of the two goes first, so that a change
// in the machine's load during the run hits both sides alike. A ratio of a
// shared machine is then the median of the rounds' ratios, not one
// window's luck.
func interleave(ctx context.Context, n int, subject, base func() (float64, error)) ([]Round, error) {
	rounds := make([]Round, 0, n)
	for i := range n {
		var s, b float64
		var err error
		if i%2 == 0 {
			if s, err = subject(); err == nil {
				b, err = base()
			}
		} else {
			if b, err = base(); err == nil {
				s, err = subject()
			}
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return rounds, fmt.Errorf("round %d of %d: %w", i+1, n, err)
		}
		rounds = append(rounds, Round{Value: s, Base: b, Ratio: ratio(s, b)})
	}
	return rounds, nil
}

func ratio(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return v / base
}

// spread is the median, minimum and maximum of one quantity over rounds.
type spread struct{ med, lo, hi float64 }

func spreadOf(rounds []Round, f func(Round) float64) spread {
	if len(rounds) == 0 {
		return spread{}
	}
	vs := make([]float64, len(rounds))
	for i, r := range rounds {
		vs[i] = f(r)
	}
	return spread{median(vs), slices.Min(vs), slices.Max(vs)}
}

// median of a list (the mean of the two middle ones for an even length).
func median[T ~int64 | ~float64](s []T) T {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

// settle collects the bench's own garbage and gives its free memory back
// to the system before a measurement starts, so that the collector and
// the scavenger of this process do not run during it: on 2 CPUs the
// collector marking what the previous measurement left (a 500 000-task
// mock, or the restart baseline's 100 MiB decoded with encoding/json)
// took a CPU from the serve process being timed.
func settle() {
	debug.FreeOSMemory() // a full collection first
}
