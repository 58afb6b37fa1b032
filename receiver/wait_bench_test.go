//go:build unix

package receiver_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

// BenchmarkWaitAmongManyRecords measures one webhook's arrival while four
// waiters for an action that never comes are pending over 100 000
// records. Before the cursor each wake-up rescanned every record.
func BenchmarkWaitAmongManyRecords(b *testing.B) {
	rc := receiver.New(receiver.Config{MaxRecords: 200_000})
	b.Cleanup(rc.Close)
	body := []byte(`{"action":"TASKS_CREATED"}`)
	post := func() {
		rc.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	}
	for range 100_000 {
		post()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var waiters sync.WaitGroup
	for range 4 {
		waiters.Go(func() { _, _ = rc.Wait(ctx, receiver.Filter{Action: schemas.ProjectDeleted}, 1) })
	}
	cpu0 := processCPU(b)
	b.ResetTimer()
	for b.Loop() {
		post()
	}
	b.StopTimer()
	// Wall time hides the waiters' work on a second core: report the CPU.
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
	cancel()
	waiters.Wait()
}

// processCPU is the CPU time (user and system) the test process used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
