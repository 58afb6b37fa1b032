package inspector

import (
	"fmt"
	"testing"
)

func TestFeedDropsASubscriberThatFallsBehind(t *testing.T) {
	f := newFeed()
	slow := f.subscribe()
	fast := f.subscribe()
	for i := range subscriberBuffer + 1 {
		f.publish([]byte(fmt.Sprint(i)))
		if i < subscriberBuffer {
			<-fast // keeps up
		}
	}
	n := 0
	for range slow { // closed after its buffer: the stream tells the page to resync
		n++
	}
	if n != subscriberBuffer {
		t.Errorf("slow subscriber got %d frames before its channel closed, want %d", n, subscriberBuffer)
	}
	if got := <-fast; string(got) != fmt.Sprint(subscriberBuffer) {
		t.Errorf("fast subscriber's last frame: %q, want %d", got, subscriberBuffer)
	}
	if !f.watched() {
		t.Error("watched() = false with a subscriber left")
	}
	f.unsubscribe(fast)
	f.unsubscribe(slow) // dropped already: no double count
	if f.watched() || f.n.Load() != 0 {
		t.Errorf("after both left: watched=%v n=%d, want false 0", f.watched(), f.n.Load())
	}
}

func TestCutKeepsWholeCharacters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short", "abc", 10, "abc"},
		{"ascii", "abcdef", 3, "abc"},
		{"inside a 3-byte character", "ab€cd", 3, "ab"},
		{"after it", "ab€cd", 5, "ab€"},
		{"zero", "abc", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cut([]byte(tt.in), tt.n); got != tt.want {
				t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
