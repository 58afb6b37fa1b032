package server

import (
	"context"
	"testing"
	"time"
)

func TestAsyncKeepsOrderPerWebhook(t *testing.T) {
	a, b := newHookReceiver(t), newHookReceiver(t)
	e := newAPI(t, Config{AsyncDelivery: true, AsyncQueue: 4})
	pid := e.project("Async order")
	e.hookOn(pid, a.URL, nil)
	e.hookOn(pid, b.URL, nil)
	const n = 40
	var want []int
	for range n {
		task := e.must("POST", "/api/tasks/", map[string]any{"project": pid, "data": map[string]any{"text": "x"}}, 201)
		want = append(want, int(task["id"].(float64)))
	}
	for _, h := range []*hookReceiver{a, b} {
		got := h.waitFor(t, n, 20*time.Second)
		for i, r := range got {
			if id := ids(t, r.JSON(t)["tasks"])[0]; id != want[i] {
				t.Fatalf("delivery %d carries task %d, want %d (order lost)", i, id, want[i])
			}
		}
	}
}

func TestAsyncCloseDrainsQueue(t *testing.T) {
	h := newHookReceiver(t)
	release := h.holdFirst()
	e := newAPIUnclosed(t, Config{AsyncDelivery: true})
	pid := e.project("Drain")
	e.hookOn(pid, h.URL, nil)
	for range 5 {
		e.importTasks(pid, 1)
	}
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close(context.Background()) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v while a delivery was still blocked", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := len(h.all()); got != 5 {
		t.Errorf("receiver got %d deliveries after drain, want 5", got)
	}
}

func TestAsyncCloseGivesUpAtDeadline(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 200, time.Hour })
	e := newAPIUnclosed(t, Config{AsyncDelivery: true})
	pid := e.project("Stuck")
	e.hookOn(pid, h.URL, nil)
	e.importTasks(pid, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.srv.Close(ctx); err == nil {
		t.Fatal("Close returned nil although a delivery could not finish before the deadline")
	}
}

func TestAsyncEventsAfterCloseAreStillDelivered(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPIUnclosed(t, Config{AsyncDelivery: true})
	pid := e.project("Late")
	e.hookOn(pid, h.URL, nil)
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.importTasks(pid, 1)
	if got := len(h.all()); got != 1 {
		t.Errorf("event after Close: %d deliveries, want 1 (delivered inline, not lost)", got)
	}
}

func TestFlushWaitsForQueuedDeliveries(t *testing.T) {
	h := newHookReceiver(t)
	release := h.holdFirst()
	e := newAPI(t, Config{AsyncDelivery: true})
	pid, _ := hookedProject(t, e, h)
	for range 3 {
		e.importTasks(pid, 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.srv.Flush(ctx); err == nil {
		t.Fatal("Flush returned nil while a delivery was blocked")
	}
	release()
	if err := e.srv.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.all()); n != 3 {
		t.Errorf("after Flush the receiver has %d deliveries, want 3", n)
	}
}
