// Package loopback is a test helper: a 127.0.0.1 address nothing listens
// on, for the tests of "the endpoint is down" (a refused connection). It
// is for tests only.
package loopback

import (
	"net"
	"testing"
)

// ClosedAddr returns "127.0.0.1:PORT" for a port that was free a moment
// ago: connecting to it is refused (unless some other process takes the
// port in between, which the kernel makes unlikely for a while).
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
