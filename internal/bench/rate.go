package bench

import (
	"context"
	"errors"
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

// rateOf runs do from conc goroutines, first for plan.WarmUp (not
// counted), then for plan.RateFor or plan.RateMax calls, whichever comes
// first, and returns the calls per second of the second phase and the
// number of calls made in all. do gets a call number unique across
// goroutines and phases.
func rateOf(ctx context.Context, plan Plan, conc int, do func(i int) error) (float64, int, error) {
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
				for ctx.Err() == nil && done.Load() < int64(plan.RateMax) {
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
	if _, _, err := run(plan.WarmUp); err != nil {
		return 0, 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	n, took, err := run(plan.RateFor)
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, errors.New("no call finished in the measurement window")
	}
	return float64(n) / took.Seconds(), int(next.Load()), nil
}
