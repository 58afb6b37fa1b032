package loopback

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

func TestClosedAddrRefuses(t *testing.T) {
	addr := ClosedAddr(t)
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s: connected, want it refused", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
}
