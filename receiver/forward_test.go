package receiver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
)

// delivery is one request as the pipeline saw it.
type delivery struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// pipeline is a stand-in ML pipeline answering status to every request.
func pipeline(t *testing.T, status int) (*httptest.Server, <-chan delivery) {
	t.Helper()
	got := make(chan delivery, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Method, r.URL.Path, r.Header.Clone(), string(b)}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestForward(t *testing.T) {
	tests := []struct {
		name           string
		pipelineStatus int
	}{
		{"pipeline accepts", http.StatusAccepted},
		{"pipeline fails", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, deliveries := pipeline(t, tt.pipelineStatus)
			lw := newLineWriter()
			rc, srv := start(t, receiver.Config{ForwardTo: pl.URL + "/ml/webhook?src=ls", RecordFile: lw})

			// Spacing and key order must reach the pipeline as sent.
			body := "{\"action\": \"TASKS_CREATED\",\n \"tasks\": []}"
			header := http.Header{
				"Content-Type":  {"application/json"},
				"Authorization": {"Token abc"},
				"X-Trace":       {"one", "two"},
				"Connection":    {"X-Hop"},
				"X-Hop":         {"secret of this hop"},
			}
			status, answer := do(t, http.MethodPost, srv.URL+"/hooks/anything", body, header)
			if status != http.StatusOK {
				t.Errorf("sender's status %d, want the receiver's own 200 whatever the pipeline says; answer %s", status, answer)
			}
			if got := decode[map[string]any](t, answer)["forward_status"]; got != float64(tt.pipelineStatus) {
				t.Errorf("answer forward_status %v, want %d", got, tt.pipelineStatus)
			}

			var d delivery
			select {
			case d = <-deliveries:
			default:
				t.Fatal("the sender was answered before the pipeline got the webhook")
			}
			if d.Method != http.MethodPost || d.Path != "/ml/webhook" || d.Body != body {
				t.Errorf("pipeline got %s %s %q, want POST /ml/webhook %q", d.Method, d.Path, d.Body, body)
			}
			for _, k := range []string{"Content-Type", "Authorization", "X-Trace"} {
				if diff := cmp.Diff(header[k], d.Header[k]); diff != "" {
					t.Errorf("header %s relayed (-want +got):\n%s", k, diff)
				}
			}
			if v := d.Header.Get("X-Hop"); v != "" {
				t.Errorf("header X-Hop, named in Connection, was relayed: %q", v)
			}

			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 || recs[0].ForwardStatus != tt.pipelineStatus || recs[0].ForwardError != "" {
				t.Fatalf("records %+v, want one with forward_status %d", recs, tt.pipelineStatus)
			}
			line := decode[receiver.Record](t, []byte(lw.wait(t, 1, 10*time.Second)[0]))
			if line.ForwardStatus != tt.pipelineStatus {
				t.Errorf("record line forward_status %d, want %d: the line is written after the relay", line.ForwardStatus, tt.pipelineStatus)
			}
		})
	}
}

func TestForwardUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/webhook"
	ln.Close() // nothing listens there any more

	rc, srv := start(t, receiver.Config{ForwardTo: dead})
	status, _ := do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	if status != http.StatusOK {
		t.Errorf("sender's status with the pipeline down: %d, want 200", status)
	}
	recs := rc.Events(receiver.Filter{})
	if len(recs) != 1 || recs[0].ForwardStatus != 0 || !strings.Contains(recs[0].ForwardError, dead) {
		t.Errorf("records %+v, want one with a forward_error naming %s", recs, dead)
	}
}

func TestForwardSkipsRejected(t *testing.T) {
	pl, deliveries := pipeline(t, http.StatusOK)
	rc, srv := start(t, receiver.Config{ForwardTo: pl.URL, RejectInvalid: true, MaxBodyBytes: 64})
	for _, body := range []string{
		`not json`,
		`{"action":"TASKS_CREATED","tasks":[{"id":"x"}]}`,
		`{"action":"TASKS_CREATED","pad":"` + strings.Repeat("x", 64) + `"}`,
	} {
		if status, _ := do(t, http.MethodPost, srv.URL+"/", body, nil); status == http.StatusOK {
			t.Errorf("POST %s: status 200, want a rejection", body)
		}
	}
	// The relay happens before the answer, so by now it would have arrived.
	select {
	case d := <-deliveries:
		t.Errorf("a rejected webhook was relayed: %+v", d)
	default:
	}
	for _, r := range rc.Events(receiver.Filter{}) {
		if r.ForwardStatus != 0 || r.ForwardError != "" {
			t.Errorf("rejected record %d has forward fields: %d %q", r.Seq, r.ForwardStatus, r.ForwardError)
		}
	}
}

// TestShutdownWaitsForRelays: a relay in flight may finish within the
// grace period; past it, it is cancelled and recorded as such.
func TestShutdownWaitsForRelays(t *testing.T) {
	tests := []struct {
		name      string
		release   bool // the pipeline answers during the grace period
		wantErr   bool
		wantField string
	}{
		{name: "relay finishes", release: true},
		{name: "relay cancelled", wantErr: true, wantField: "cancelled by receiver shutdown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived, release := make(chan struct{}), make(chan struct{})
			pl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body) // only then does r.Context notice the relay is cancelled
				close(arrived)
				select {
				case <-release:
					w.WriteHeader(http.StatusCreated)
				case <-r.Context().Done():
				}
			}))
			t.Cleanup(pl.Close)
			rc, srv := start(t, receiver.Config{ForwardTo: pl.URL})
			go func() {
				if resp, err := http.Post(srv.URL+"/", "application/json", strings.NewReader(`{"action":"TASKS_CREATED"}`)); err == nil {
					resp.Body.Close()
				}
			}()
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the relay never reached the pipeline")
			}

			ctx, cancel := context.WithCancel(context.Background())
			if tt.release {
				close(release)
				defer cancel()
			} else {
				cancel() // no grace at all
			}
			err := rc.Shutdown(ctx)
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, context.Canceled)) {
				t.Errorf("Shutdown: err %v, want error %v", err, tt.wantErr)
			}
			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			if tt.release && recs[0].ForwardStatus != http.StatusCreated {
				t.Errorf("relay finished in the grace period: forward_status %d, want 201", recs[0].ForwardStatus)
			}
			if !strings.Contains(recs[0].ForwardError, tt.wantField) {
				t.Errorf("forward_error %q, want it to contain %q", recs[0].ForwardError, tt.wantField)
			}
		})
	}
}

// Finding: with a hanging pipeline the relay waited as long as the sender
// does, so the sender's delivery failed although a pipeline failure must
// never count against the webhook. Each case is what the sender sees: the
// receiver's own answer (200, or the planned status) whatever the pipeline
// did, within ForwardTimeout; refused webhooks are never relayed.
func TestPipelineFailureCountedAgainstWebhook(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) }) // before the pipelines close (cleanups run last first)
	answering := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hanging.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + ln.Addr().String()
	ln.Close()

	valid := `{"action":"TASKS_CREATED"}`
	invalid := `{"action":"TASKS_CREATED","tasks":[{"id":"x"}]}`
	tests := []struct {
		name           string
		pipeline       string
		reject         bool
		plan           int // a planned status, 0 for none
		body           string
		wantStatus     int
		wantForward    int    // forward_status in answer and record
		wantForwardErr string // in forward_error
	}{
		{name: "pipeline 2xx", pipeline: answering(204), body: valid, wantStatus: 200, wantForward: 204},
		{name: "pipeline 4xx", pipeline: answering(422), body: valid, wantStatus: 200, wantForward: 422},
		{name: "pipeline 5xx", pipeline: answering(503), body: valid, wantStatus: 200, wantForward: 503},
		{name: "pipeline 5xx, planned 500", pipeline: answering(503), plan: 500, body: valid, wantStatus: 500, wantForward: 503},
		{name: "pipeline 2xx, planned 500", pipeline: answering(200), plan: 500, body: valid, wantStatus: 500, wantForward: 200},
		{name: "pipeline hangs", pipeline: hanging.URL, body: valid, wantStatus: 200, wantForwardErr: "timed out: no answer within 100ms"},
		{name: "pipeline unreachable", pipeline: unreachable, body: valid, wantStatus: 200, wantForwardErr: "connection refused"},
		{name: "invalid event relayed without reject-invalid", pipeline: answering(200), body: invalid, wantStatus: 200, wantForward: 200},
		{name: "invalid event refused with reject-invalid", pipeline: answering(200), reject: true, body: invalid, wantStatus: 400},
		{name: "not JSON", pipeline: answering(200), body: "not json", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := start(t, receiver.Config{ForwardTo: tt.pipeline, ForwardTimeout: 100 * time.Millisecond, RejectInvalid: tt.reject})
			if tt.plan != 0 {
				if err := rc.SetResponses(receiver.Step{Status: tt.plan}); err != nil {
					t.Fatal(err)
				}
			}
			// The sender gives up after 10 s, as Label Studio does.
			sender := &http.Client{Timeout: 10 * time.Second}
			resp, err := sender.Post(srv.URL+"/hook", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("the sender got no answer: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("sender's status %d, want %d; answer %s", resp.StatusCode, tt.wantStatus, b)
			}
			answer := decode[struct {
				ForwardStatus int    `json:"forward_status"`
				ForwardError  string `json:"forward_error"`
			}](t, b)
			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			rec := recs[0]
			for _, got := range []struct {
				where  string
				status int
				err    string
			}{{"answer", answer.ForwardStatus, answer.ForwardError}, {"record", rec.ForwardStatus, rec.ForwardError}} {
				if got.status != tt.wantForward || !strings.Contains(got.err, tt.wantForwardErr) || (tt.wantForwardErr == "") != (got.err == "") {
					t.Errorf("%s: forward_status %d, forward_error %q; want %d and %q", got.where, got.status, got.err, tt.wantForward, tt.wantForwardErr)
				}
			}
			relayed := tt.wantForward != 0 || tt.wantForwardErr != ""
			if relayed != (rec.ForwardMS > 0) {
				t.Errorf("forward_ms %v, want it set iff relayed (%v)", rec.ForwardMS, relayed)
			}
		})
	}
}
