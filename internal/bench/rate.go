package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labelhook/labelhook/internal/httpserve"
)

// concurrentClients is how many senders post to the receiver at once and
// read the API at once.
const concurrentClients = 16

// loopback serves h on 127.0.0.1:0 and returns its base URL and a stop func.
func loopback(h http.Handler) (string, func(), error) {
	s, err := httpserve.Listen("127.0.0.1:0", h)
	if err != nil {
		return "", nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}
	return s.URL, stop, nil
}

// newClient is an HTTP client that keeps conc connections to one host.
func newClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc + 4
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// load is one throughput workload: do, called from conc goroutines. The
// call numbers it gets are unique across goroutines and windows.
type load struct {
	plan Plan
	conc int
	do   func(i int) error
	next atomic.Int64
}

func newLoad(plan Plan, conc int, do func(i int) error) *load {
	return &load{plan: plan, conc: conc, do: do}
}

// warm runs the workload for plan.WarmUp, not counted.
func (l *load) warm(ctx context.Context) error {
	_, _, err := l.window(ctx, l.plan.WarmUp)
	return err
}

// rate runs one window of plan.RateFor or plan.RateMax calls, whichever
// ends first, and returns the calls per second.
func (l *load) rate(ctx context.Context) (float64, error) {
	n, took, err := l.window(ctx, l.plan.RateFor)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errors.New("no call finished in the measurement window")
	}
	return float64(n) / took.Seconds(), nil
}

// calls is how many calls were made in all, warm-up included.
func (l *load) calls() int { return int(l.next.Load()) }

func (l *load) window(ctx context.Context, d time.Duration) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, l.conc)
	start := time.Now()
	for range l.conc {
		wg.Go(func() {
			for ctx.Err() == nil && done.Load() < int64(l.plan.RateMax) {
				if err := l.do(int(l.next.Add(1) - 1)); err != nil {
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

// rates measures two workloads in plan.Rounds interleaved rounds, each
// warmed up first.
func rates(ctx context.Context, plan Plan, subject, base *load) ([]Round, error) {
	if err := subject.warm(ctx); err != nil {
		return nil, err
	}
	if err := base.warm(ctx); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return interleave(ctx, plan.Rounds, func() (float64, error) { return subject.rate(ctx) },
		func() (float64, error) {
			v, err := base.rate(ctx)
			if err != nil {
				err = fmt.Errorf("baseline: %w", err)
			}
			return v, err
		})
}
