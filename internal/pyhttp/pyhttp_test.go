package pyhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer accepts connections and hands each request's raw bytes
// (head and body) to answer, which writes whatever it likes.
type rawServer struct {
	ln      net.Listener
	accepts atomic.Int32
}

func newRawServer(t *testing.T, answer func(c net.Conn, head string, body []byte)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepts.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, _ := io.ReadAll(req.Body)
					answer(c, req.Method+" "+req.RequestURI, body)
				}
			}()
		}
	}()
	return s
}

func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

func ok(c net.Conn, _ string, _ []byte) {
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
}

// wireServer captures the exact bytes of one request.
func wireServer(t *testing.T) (string, func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		var head strings.Builder
		n := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if strings.HasPrefix(strings.ToLower(line), "content-length:") {
				fmt.Sscanf(strings.TrimSpace(line[len("content-length:"):]), "%d", &n)
			}
			if line == "\r\n" {
				break
			}
		}
		body := make([]byte, n)
		io.ReadFull(br, body)
		io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		got <- head.String() + string(body)
	}()
	return "http://" + ln.Addr().String(), func() string {
		select {
		case s := <-got:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("no request arrived")
			return ""
		}
	}
}

func TestRequestBytesAreRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []Header
		want    string
	}{
		{"defaults", nil, "POST /hook?x=1 HTTP/1.1\r\nHost: HOST\r\nUser-Agent: python-requests/2.34.2\r\nAccept-Encoding: gzip, deflate\r\n" +
			"Accept: */*\r\nConnection: keep-alive\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"},
		{"custom headers after the defaults, a default replaced in its place, Content-Type kept among them",
			[]Header{{"User-Agent", "custom-agent"}, {"Authorization", "Token pipeline"}, {"X-Team", "ml"}, {"Content-Type", "application/vnd.x+json"}},
			"POST /hook?x=1 HTTP/1.1\r\nHost: HOST\r\nUser-Agent: custom-agent\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n" +
				"Connection: keep-alive\r\nAuthorization: Token pipeline\r\nX-Team: ml\r\nContent-Type: application/vnd.x+json\r\nContent-Length: 2\r\n\r\n{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, wire := wireServer(t)
			c := New("python-requests/2.34.2", 2*time.Second)
			resp, err := c.Post(context.Background(), Request{URL: base + "/hook?x=1", Headers: tc.headers, Body: []byte("{}"), ContentType: "application/json"})
			if err != nil || resp.Status != 204 {
				t.Fatalf("Post = %+v, %v", resp, err)
			}
			want := strings.Replace(tc.want, "HOST", strings.TrimPrefix(base, "http://"), 1)
			if got := wire(); got != want {
				t.Errorf("on the wire:\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// An answer that trickles in over more than the timeout is waited for as
// long as each piece comes within it (requests' read timeout).
func TestTimeoutIsPerRead(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, _ string, _ []byte) {
		answer := "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow"
		for i := range answer {
			io.WriteString(c, answer[i:i+1])
			if i%4 == 0 {
				time.Sleep(60 * time.Millisecond) // ~660 ms in all, never near 400 ms quiet
			}
		}
	})
	c := New("ua", 400*time.Millisecond)
	resp, err := c.Post(context.Background(), Request{URL: s.url("/"), Body: []byte("{}")})
	if err != nil || resp.Status != 200 {
		t.Fatalf("a trickling answer: %+v, %v; want 200", resp, err)
	}
}

func TestSilentReceiverTimesOut(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, _ string, _ []byte) { time.Sleep(time.Second) })
	c := New("ua", 100*time.Millisecond)
	_, err := c.Post(context.Background(), Request{URL: s.url("/"), Body: []byte("{}")})
	var te *TimeoutError
	if !errors.As(err, &te) || te.Op != "read" {
		t.Fatalf("err = %v, want a read TimeoutError", err)
	}
}

func TestShortBodyIsAFailure(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, _ string, _ []byte) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort!!")
		c.Close()
	})
	c := New("ua", time.Second)
	if _, err := c.Post(context.Background(), Request{URL: s.url("/"), Body: []byte("{}")}); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("err = %v, want the answer body cut short", err)
	}
}

func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s len=%d ct=%q auth=%q referer=%q", r.Method, r.URL.Path, len(body),
			r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("Referer")))
		mu.Unlock()
		var n int
		switch {
		case strings.HasPrefix(r.URL.Path, "/loop/"):
			fmt.Sscanf(r.URL.Path, "/loop/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusTemporaryRedirect)
		case r.URL.Path == "/found":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case r.URL.Path == "/keep":
			http.Redirect(w, r, "/landed", http.StatusPermanentRedirect)
		case r.URL.Path == "/other-host":
			_, port, _ := net.SplitHostPort(r.Host)
			http.Redirect(w, r, "http://localhost:"+port+"/landed", http.StatusTemporaryRedirect)
		}
	}))
	defer srv.Close()
	c := New("ua", time.Second)
	post := func(path string) (*Response, error) {
		mu.Lock()
		seen = nil
		mu.Unlock()
		return c.Post(context.Background(), Request{URL: srv.URL + path, Body: []byte(`{"a":1}`), ContentType: "application/json",
			Headers: []Header{{"Authorization", "Token x"}}})
	}

	_, err := post("/loop/0")
	var tm *TooManyRedirectsError
	if !errors.As(err, &tm) || len(seen) != 31 {
		t.Errorf("a redirect loop: err %v after %d requests; want TooManyRedirects after 31 (the first and 30 redirects)", err, len(seen))
	}
	if resp, err := post("/found"); err != nil || resp.Hops != 1 ||
		seen[1] != `GET /landed len=0 ct="" auth="Token x" referer=""` {
		t.Errorf("302: %v %v %q; want a GET without body or Content-Type, no Referer", resp, err, seen)
	}
	if _, err := post("/keep"); err != nil || seen[1] != `POST /landed len=7 ct="application/json" auth="Token x" referer=""` {
		t.Errorf("308: %v %q; want the POST with its body", err, seen)
	}
	if _, err := post("/other-host"); err != nil || !strings.HasSuffix(seen[1], `auth="" referer=""`) {
		t.Errorf("redirect to another host: %v %q; want Authorization dropped", err, seen)
	}
}

func TestConnectionsAreReusedAndStaleOnesRetried(t *testing.T) {
	var answered atomic.Int32
	s := newRawServer(t, func(c net.Conn, _ string, _ []byte) {
		ok(c, "", nil)
		if answered.Add(1) == 2 {
			c.Close() // the server drops a kept connection without saying so
		}
	})
	c := New("ua", time.Second)
	for i := range 4 {
		if resp, err := c.Post(context.Background(), Request{URL: s.url("/"), Body: []byte("{}")}); err != nil || resp.Status != 200 {
			t.Fatalf("post %d: %+v %v", i, resp, err)
		}
	}
	if n := s.accepts.Load(); n != 2 {
		t.Errorf("%d connections for 4 posts with one dropped by the server, want 2", n)
	}
}

func TestCancelStopsAWait(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, _ string, _ []byte) { time.Sleep(2 * time.Second) })
	c := New("ua", 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Post(ctx, Request{URL: s.url("/"), Body: []byte("{}")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// A header value with a line break would smuggle a header into the
// request: refused before anything is sent, as requests refuses it.
func TestInvalidHeadersAreRefused(t *testing.T) {
	s := newRawServer(t, ok)
	c := New("ua", time.Second)
	for _, h := range []Header{{"X-A", "a\r\nX-Injected: 1"}, {"X-A", "a\x00"}, {"X-A", " lead"}, {"Bad Name", "v"}, {"", "v"}} {
		_, err := c.Post(context.Background(), Request{URL: s.url("/"), Headers: []Header{h}, Body: []byte("{}")})
		var ih *InvalidHeaderError
		if !errors.As(err, &ih) {
			t.Errorf("header %q: err %v, want InvalidHeaderError", h, err)
		}
	}
	if n := s.accepts.Load(); n != 0 {
		t.Errorf("%d connections made for refused headers, want 0", n)
	}
}

// BenchmarkWrite measures laying out a webhook delivery's request: the
// mock's headers and a 2 kB body.
func BenchmarkWrite(b *testing.B) {
	c := New("python-requests/2.34.2", time.Second)
	u, err := url.Parse("http://127.0.0.1:8081/hook?x=1")
	if err != nil {
		b.Fatal(err)
	}
	headers := []Header{{"Content-Type", "application/json"}, {"X-Team", "ml"}}
	body := []byte(strings.Repeat("x", 2048))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.write("POST", u, headers, body, "application/json")
	}
}
