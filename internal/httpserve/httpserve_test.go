package httpserve

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestListenServesUntilShutdown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi") }))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hi" {
		t.Errorf("GET %s: %q, want hi", s.URL, b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Wait(ctx); err != nil {
		t.Errorf("Wait after cancel: %v, want nil", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := http.Get(s.URL + "/"); err == nil {
		t.Error("still serving after Shutdown")
	}
}

func TestListenOnABusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Listen(ln.Addr().String(), http.NotFoundHandler()); err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Errorf("Listen on a busy address: %v, want an error naming it", err)
	}
}

func TestExposed(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"0.0.0.0:8080", true}, {":8080", true}, {"10.0.0.1:80", true}, {"example.com:80", true}, {"nonsense", true},
		{"127.0.0.1:8080", false}, {"127.0.0.2:1", false}, {"[::1]:8080", false}, {"localhost:1", false},
	} {
		if got := Exposed(tc.addr); got != tc.want {
			t.Errorf("Exposed(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestProbe(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, " ok\n")
	}))
	defer hs.Close()
	if body, err := Probe(context.Background(), hs.URL+"/health"); err != nil || body != "ok" {
		t.Errorf("a 200: %q, %v; want \"ok\"", body, err)
	}
	status.Store(http.StatusServiceUnavailable)
	if body, err := Probe(context.Background(), hs.URL+"/health"); err == nil || err.Error() != "status 503: ok" {
		t.Errorf("a 503: %q, %v; want the error \"status 503: ok\"", body, err)
	}
}
