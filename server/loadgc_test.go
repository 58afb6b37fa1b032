package server

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestLenientGCRaisesTheTargetWhileLoadsRun(t *testing.T) {
	prior := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prior) })

	first := lenientGC()
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("during a load: GC percent %d, want %d", got, loadGCPercent)
	}
	second := lenientGC()
	first()
	first() // a second call changes nothing
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("one of two loads done: GC percent %d, want %d", got, loadGCPercent)
	}
	second()
	if got := gcPercent(); got != 100 {
		t.Fatalf("after the loads: GC percent %d, want 100", got)
	}
}

func TestLenientGCLeavesAUsersTargetAlone(t *testing.T) {
	prior := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prior) })
	for _, user := range []int{-1, 800} {
		debug.SetGCPercent(user)
		restore := lenientGC()
		if got := gcPercent(); got != user {
			t.Errorf("GOGC %d: during a load the target is %d", user, got)
		}
		restore()
		if got := gcPercent(); got != user {
			t.Errorf("GOGC %d: after a load the target is %d", user, got)
		}
	}
}
