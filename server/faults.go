package server

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are deliberate delivery faults, so a pipeline's idempotency and
// ordering assumptions can be tested. Label Studio has none of them; the
// zero value is off. Every fault is seeded and shows in the delivery log.
type Faults struct {
	// Duplicate sends a delivery a second time with this probability (0–1).
	Duplicate float64
	// DelayMin and DelayMax delay each delivery by a random time between them.
	DelayMin, DelayMax time.Duration
	// Reorder shuffles the deliveries of one API call, and in async mode
	// the emissions waiting in the queue together.
	Reorder bool
	// Drop leaves a delivery unsent with this probability (0–1); the log
	// marks it dropped.
	Drop float64
	// Seed makes the faults repeatable.
	Seed uint64
}

// Active reports whether any fault is on.
func (f Faults) Active() bool {
	return f.Duplicate > 0 || f.DelayMax > 0 || f.Reorder || f.Drop > 0
}

// Validate checks the fault settings.
func (f Faults) Validate() error {
	if f.Duplicate < 0 || f.Duplicate > 1 {
		return fmt.Errorf("duplicate probability %v is not between 0 and 1", f.Duplicate)
	}
	if f.Drop < 0 || f.Drop > 1 {
		return fmt.Errorf("drop probability %v is not between 0 and 1", f.Drop)
	}
	if f.DelayMin < 0 || f.DelayMax < f.DelayMin {
		return fmt.Errorf("delay range %s-%s is not MIN-MAX with 0 <= MIN <= MAX", f.DelayMin, f.DelayMax)
	}
	return nil
}

// faultRNG draws the faults' random numbers from one seeded source.
type faultRNG struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaultRNG(seed uint64) *faultRNG {
	return &faultRNG{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (r *faultRNG) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Float64() < p
}

func (r *faultRNG) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return lo + time.Duration(r.rng.Int64N(int64(hi-lo)+1))
}

func (r *faultRNG) shuffle(ds []delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
}
