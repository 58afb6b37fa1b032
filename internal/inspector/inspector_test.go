package inspector_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/inspector"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/server/servertest"
)

const annotationBody = `{"action":"ANNOTATION_CREATED","annotation":{"id":12345678901234567890},"project":{"id":1}}`

func do(t *testing.T, method, url, ctype, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestReceiverPageRoutes(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	do(t, "POST", rc.URL+"/hook", "application/json", annotationBody)
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		contentType, contains           string
	}{
		{"page", "GET", "/ui/", "", "", 200, "text/html", `data-mode="receiver"`},
		{"page without the slash", "GET", "/ui", "", "", 200, "text/html", `<base href="/ui/">`},
		{"script", "GET", "/ui/receiver.js", "", "", 200, "text/javascript", "startReceiver"},
		{"styles", "GET", "/ui/inspector.css", "", "", 200, "text/css", "--bg"},
		{"head", "HEAD", "/ui/", "", "", 200, "text/html", ""},
		{"unknown file", "GET", "/ui/nope.js", "", "", 404, "", ""},
		{"no sub-folders", "GET", "/ui/assets/dom.js", "", "", 404, "", ""},
		{"not the page", "GET", "/uix", "", "", 404, "", "no route"},
		{"summaries", "GET", "/ui/api/events", "", "", 200, "application/json", `"preview"`},
		{"summaries since", "GET", "/ui/api/events?since=1", "", "", 200, "application/json", "[]"},
		{"bad since", "GET", "/ui/api/events?since=x", "", "", 400, "application/json", "since"},
		{"unknown parameter", "GET", "/ui/api/events?action=X", "", "", 400, "application/json", "unknown query parameter"},
		{"one record", "GET", "/ui/api/events/1", "", "", 200, "application/json", `"body_text"`},
		{"seq 0", "GET", "/ui/api/events/0", "", "", 400, "application/json", "seq"},
		{"seq not kept", "GET", "/ui/api/events/9", "", "", 404, "application/json", "not kept"},
		{"bad max_body", "GET", "/ui/api/events/1?max_body=-1", "", "", 400, "application/json", "max_body"},
		{"unknown api", "GET", "/ui/api/nope", "", "", 404, "application/json", "no route"},
		{"wrong method", "DELETE", "/ui/api/events", "", "", 405, "application/json", "not allowed"},
		{"page is read-only", "PUT", "/ui/", "", "", 405, "", ""},
		{"replay needs JSON", "PUT", "/ui/api/replay", "text/plain", `{"seq":1,"url":"http://x"}`, 415, "application/json", "Content-Type"},
		{"replay GET", "GET", "/ui/api/replay", "", "", 405, "application/json", "PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, rc.URL+tt.path, tt.ctype, tt.body)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.contains) {
				t.Errorf("%s %s: %d %s %.200q; want %d %s containing %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.contentType, tt.contains)
			}
			if tt.status == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("%s %s: no Content-Security-Policy", tt.method, tt.path)
			}
		})
	}
	if n := len(rc.Events(receiver.Filter{})); n != 1 {
		t.Errorf("the page's routes recorded %d webhooks, want only the 1 posted", n)
	}
}

func TestAPostUnderUIIsAWebhook(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	resp, _ := do(t, "POST", rc.URL+"/ui/api/replay", "application/json", `{"seq":1,"url":"http://127.0.0.1:1/"}`)
	if resp.StatusCode != 200 {
		t.Errorf("POST /ui/api/replay: %d, want 200 (a webhook, recorded)", resp.StatusCode)
	}
	recs := rc.Events(receiver.Filter{})
	if len(recs) != 1 || recs[0].Path != "/ui/api/replay" {
		t.Errorf("records after POST /ui/api/replay: %+v, want one webhook at that path", recs)
	}
}

func TestSummariesAndDetails(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	long := strings.Repeat("€", 400) // 3 bytes each: the preview must cut between characters
	big := fmt.Sprintf(`{"action":"TASKS_CREATED","tasks":[{"id":1,"data":{"text":%q}}],"project":{"id":1}}`, long)
	do(t, "POST", rc.URL+"/a", "application/json", annotationBody)
	do(t, "POST", rc.URL+"/b", "application/json", big)
	recs := rc.Events(receiver.Filter{})

	_, list := do(t, "GET", rc.URL+"/ui/api/events", "", "")
	var sums []map[string]any
	if err := json.Unmarshal([]byte(list), &sums); err != nil || len(sums) != 2 {
		t.Fatalf("summaries: %v %.300s", err, list)
	}
	for i, s := range sums {
		if _, ok := s["body"]; ok {
			t.Errorf("summary %d carries the body", i)
		}
		if _, ok := s["headers"]; ok {
			t.Errorf("summary %d carries the headers", i)
		}
		preview := s["preview"].(string)
		if len(preview) > inspector.PreviewBytes || !utf8.ValidString(preview) || !strings.HasPrefix(string(recs[i].Body), preview) {
			t.Errorf("summary %d: preview of %d bytes %.40q…, want a prefix of the body of at most %d bytes, whole characters", i, len(preview), preview, inspector.PreviewBytes)
		}
		if got, want := s["body_bytes"].(float64), float64(len(recs[i].Body)); got != want {
			t.Errorf("summary %d: body_bytes %v, want %v", i, got, want)
		}
		if s["seq"].(float64) != float64(i+1) || s["path"] == "" || s["action"] == "" {
			t.Errorf("summary %d lacks the record's fields: %v", i, s)
		}
	}

	tests := []struct {
		name, query   string
		wantText      string
		wantTruncated bool
	}{
		{"whole: the body as recorded, 64-bit id intact", "", annotationBody, false},
		{"cut", "?max_body=20", annotationBody[:20], true},
		{"limit above the size", "?max_body=100000", annotationBody, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, b := do(t, "GET", rc.URL+"/ui/api/events/1"+tt.query, "", "")
			var d struct {
				BodyText      string              `json:"body_text"`
				BodyTruncated bool                `json:"body_truncated"`
				BodyBytes     int                 `json:"body_bytes"`
				Headers       map[string][]string `json:"headers"`
			}
			if err := json.Unmarshal([]byte(b), &d); err != nil {
				t.Fatal(err)
			}
			if d.BodyText != tt.wantText || d.BodyTruncated != tt.wantTruncated || d.BodyBytes != len(annotationBody) || len(d.Headers) == 0 {
				t.Errorf("GET /ui/api/events/1%s: body_text %q truncated %v bytes %d headers %d; want %q %v %d and the headers",
					tt.query, d.BodyText, d.BodyTruncated, d.BodyBytes, len(d.Headers), tt.wantText, tt.wantTruncated, len(annotationBody))
			}
		})
	}
}

// stream reads server-sent events from the receiver's page.
type stream struct {
	t      *testing.T
	r      *bufio.Reader
	cancel context.CancelFunc
}

func openStream(t *testing.T, base string) *stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/ui/api/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream Content-Type %q", ct)
	}
	return &stream{t: t, r: bufio.NewReader(resp.Body), cancel: cancel}
}

// next returns the next event's name and data, skipping comments.
func (s *stream) next() (string, string) {
	s.t.Helper()
	var event, data string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("read stream: %v (event %q so far)", err, event)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && event != "":
			return event, data
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestStreamSendsFinalRecords(t *testing.T) {
	pipeline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(pipeline.Close)
	rc := receivertest.NewReceiver(t, receivertest.WithForwardTo(pipeline.URL))
	s := openStream(t, rc.URL)
	if ev, _ := s.next(); ev != "ready" {
		t.Fatalf("first event %q, want ready", ev)
	}
	do(t, "POST", rc.URL+"/hook", "application/json", annotationBody)
	ev, data := s.next()
	var sum map[string]any
	if err := json.Unmarshal([]byte(data), &sum); err != nil {
		t.Fatalf("record event data %q: %v", data, err)
	}
	if ev != "record" || sum["seq"] != 1.0 || sum["forward_status"] != 202.0 {
		t.Errorf("event %q %v; want record seq 1 with forward_status 202 (sent once final, after the relay)", ev, sum)
	}
	if _, ok := sum["body"]; ok {
		t.Error("the stream sends whole bodies; want summaries")
	}
	do(t, "DELETE", rc.URL+"/events", "", "")
	if ev, _ := s.next(); ev != "cleared" {
		t.Errorf("after DELETE /events: event %q, want cleared", ev)
	}
}

func TestStreamEndsOnShutdown(t *testing.T) {
	rc := receiver.New(receiver.Config{})
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	s := openStream(t, srv.URL)
	s.next() // ready
	rc.Close()
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, s.r); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream outlived the receiver's shutdown")
	}
}

func TestReplay(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "short and stout")
	}))
	t.Cleanup(target.Close)
	rc := receivertest.NewReceiver(t)
	req, _ := http.NewRequest("POST", rc.URL+"/hook", strings.NewReader(annotationBody))
	req.Header.Set("X-Trace", "abc")
	req.Header.Set("Content-Type", "application/json")
	if _, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	do(t, "POST", rc.URL+"/text", "text/plain", "not json <b>")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, body string
		status     int
		contains   string
		sent       string // body the target must get; "" when nothing is sent
	}{
		{"json body", `{"seq":1,"url":"` + target.URL + `/x"}`, 200, `"status":418`, annotationBody},
		{"text body", `{"seq":2,"url":"` + target.URL + `/x"}`, 200, `"body":"short and stout"`, "not json <b>"},
		{"target down", `{"seq":1,"url":"` + closed.URL + `"}`, 200, `"error":`, ""},
		{"no such record", `{"seq":9,"url":"` + target.URL + `"}`, 404, "not kept", ""},
		{"not a URL", `{"seq":1,"url":"ftp://x"}`, 400, `want an http:// or https:// URL, got \"ftp://x\"`, ""},
		{"no URL", `{"seq":1}`, 400, "missing", ""},
		{"unknown field", `{"seq":1,"url":"http://x","x":1}`, 400, "unknown field", ""},
		{"not JSON", `seq=1`, 400, "want", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			before := len(got)
			mu.Unlock()
			resp, b := do(t, "PUT", rc.URL+"/ui/api/replay", "application/json", tt.body)
			if resp.StatusCode != tt.status || !strings.Contains(b, tt.contains) {
				t.Errorf("PUT /ui/api/replay %s: %d %s, want %d containing %q", tt.body, resp.StatusCode, b, tt.status, tt.contains)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.sent == "" {
				if len(got) != before {
					t.Errorf("%s: the target got a request", tt.body)
				}
				return
			}
			if len(got) != before+1 {
				t.Fatalf("%s: the target got %d requests, want 1", tt.body, len(got)-before)
			}
			r := got[len(got)-1]
			if r.Method != "POST" || bodies[len(bodies)-1] != tt.sent || r.URL.Path != "/x" {
				t.Errorf("%s: target got %s %s %q, want POST /x %q", tt.body, r.Method, r.URL.Path, bodies[len(bodies)-1], tt.sent)
			}
			if tt.name == "json body" && r.Header.Get("X-Trace") != "abc" {
				t.Errorf("replay dropped the sender's header X-Trace: %v", r.Header)
			}
		})
	}
	if n := len(rc.Events(receiver.Filter{})); n != 2 {
		t.Errorf("replays through the page recorded %d records in the receiver, want the 2 posted", n)
	}
}

func TestServerPage(t *testing.T) {
	ls := servertest.NewServer(t)
	tests := []struct {
		name, method, path string
		auth               bool
		status             int
		contains           string
	}{
		{"page, no credentials needed", "GET", "/_labelhook/ui/", false, 200, `data-mode="server"`},
		{"without the slash", "GET", "/_labelhook/ui", false, 200, `<base href="/_labelhook/ui/">`},
		{"a script", "GET", "/_labelhook/ui/server.js", false, 200, "startServer"},
		{"unknown file", "GET", "/_labelhook/ui/x.js", false, 404, ""},
		{"not the page", "GET", "/_labelhook/uix", false, 404, ""},
		{"read-only", "POST", "/_labelhook/ui/", true, 405, ""},
		{"the data still needs the token", "GET", "/_labelhook/deliveries", false, 401, "credentials"},
		{"deliveries since", "GET", "/_labelhook/deliveries?since=0", true, 200, "["},
		{"bad since", "GET", "/_labelhook/deliveries?since=-1", true, 400, "since"},
		{"since not a number", "GET", "/_labelhook/deliveries?since=x", true, 400, "since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ls.URL+tt.path, nil)
			if tt.auth {
				req.Header.Set("Authorization", "Token "+ls.Token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.contains) {
				t.Errorf("%s %s: %d %.200q, want %d containing %q", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.contains)
			}
		})
	}
}

func TestDeliveriesSince(t *testing.T) {
	ls := servertest.NewServer(t)
	rc := receivertest.NewReceiver(t)
	c := apiclient.New(ls.URL, ls.Token)
	api := func(method, path, body string) string {
		var in any
		if body != "" {
			in = json.RawMessage(body)
		}
		var out json.RawMessage
		if err := c.Call(context.Background(), method, path, in, &out); err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	api("POST", "/api/projects", `{"title": "Reviews"}`)
	api("POST", "/api/webhooks", `{"url": "`+rc.URL+`/hook", "project": 1}`)
	for range 3 {
		api("POST", "/api/projects/1/import", `[{"text": "t"}]`)
	}
	tests := []struct {
		since string
		want  []int64
	}{
		{"0", []int64{1, 2, 3}},
		{"1", []int64{2, 3}},
		{"3", []int64{}},
		{"99", []int64{}},
	}
	for _, tt := range tests {
		var got []struct {
			Seq int64 `json:"seq"`
		}
		if err := json.Unmarshal([]byte(api("GET", "/_labelhook/deliveries?since="+tt.since, "")), &got); err != nil {
			t.Fatal(err)
		}
		seqs := []int64{}
		for _, a := range got {
			seqs = append(seqs, a.Seq)
		}
		if fmt.Sprint(seqs) != fmt.Sprint(tt.want) {
			t.Errorf("deliveries?since=%s: seqs %v, want %v", tt.since, seqs, tt.want)
		}
	}
}
