package bench

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// heapPeak samples the heap while a measurement runs. Method: a full GC
// first, then runtime/metrics "/memory/classes/heap/objects:bytes" (live
// objects plus garbage not yet swept, which is what the process holds)
// every 500 µs from a goroutine; the peak is the largest sample minus the
// first. It does not stop the world, so it costs the measurement little,
// and a spike shorter than the interval can be missed.
type heapPeak struct {
	stop chan struct{}
	done chan struct{}
	base uint64
	peak atomic.Uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{}), base: heapNow()}
	h.peak.Store(h.base)
	go func() {
		defer close(h.done)
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				if v := heapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h
}

// end stops sampling and returns the peak growth in bytes.
func (h *heapPeak) end() uint64 {
	if v := heapNow(); v > h.peak.Load() {
		h.peak.Store(v)
	}
	close(h.stop)
	<-h.done
	return h.peak.Load() - h.base
}

const mib = 1 << 20
