package compare

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/labelhook/labelhook/scenarios"
	"github.com/labelhook/labelhook/server"
	"github.com/labelhook/labelhook/server/servertest"
)

const importScenario = `- name: import sends one event
  steps:
    - create_project: {title: Import}
    - create_webhook: {project: "${project}", url: "${receiver.url}"}
    - import_tasks: {tasks: [{text: a}, {text: b}, {text: c}]}
- name: annotate
  steps:
    - create_project: {title: Annotate}
    - create_webhook: {project: "${project}", url: "${receiver.url}"}
    - import_tasks: {tasks: [{text: a}]}
    - annotate: {task: "${task_ids[0]}"}
- name: chunks
  server: {webhook_batch_size: 2}
  steps:
    - create_project: {title: Chunks}
    - create_webhook: {project: "${project}", url: "${receiver.url}"}
    - import_tasks: {tasks: [{text: a}, {text: b}, {text: c}]}
`

func parse(t *testing.T) []*scenarios.Scenario {
	t.Helper()
	scs, err := scenarios.Parse("compare.yaml", []byte(importScenario))
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

func TestRunAgainstAnotherMockFindsNothing(t *testing.T) {
	ls := servertest.NewServer(t)
	var out bytes.Buffer
	rep, err := Run(context.Background(), parse(t), Options{Server: ls.URL, Token: ls.Token, Out: &out, Settle: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if rep.Differences != 0 || rep.Compared != 2 || rep.Skipped != 1 || rep.Events != 3 {
		t.Errorf("got %d differences, %d compared, %d skipped, %d events; want 0, 2, 1, 3\n%s", rep.Differences, rep.Compared, rep.Skipped, rep.Events, out.String())
	}
	if !strings.Contains(out.String(), "--- SKIP: chunks (compare.yaml)\n    needs server: webhook_batch_size: 2; the external server runs with its default") {
		t.Errorf("the skipped scenario does not say why:\n%s", out.String())
	}
}

// TestRunFindsADifferentBatchSize compares with a server that cuts every
// list event into chunks of 1: the import must be reported, event by
// event, and the matching settings let the chunks scenario run.
func TestRunFindsADifferentBatchSize(t *testing.T) {
	ls := servertest.NewServer(t, servertest.WithBatchSize(1))
	var settings Settings
	if err := settings.Set("webhook_batch_size", "2"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := Run(context.Background(), parse(t), Options{Server: ls.URL, Token: ls.Token, Out: &out, Settle: 20 * time.Millisecond, Settings: settings})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if rep.Skipped != 0 || rep.Compared != 3 {
		t.Fatalf("got %d compared, %d skipped; want 3, 0\n%s", rep.Compared, rep.Skipped, out.String())
	}
	for _, want := range []string{
		// The mock runs with the declared batch size 2, the server with 1.
		"--- DIFF: import sends one event (compare.yaml): 5 differences\n    step 3: POST /api/projects/<project 1>/import?return_task_ids=true\n      events TASKS_CREATED at /: only in real (real 3, mock 2)\n      event TASKS_CREATED at / #1 $.tasks: length differs (real 1, mock 2)\n",
		"--- SAME: annotate (compare.yaml)\n",
		"--- DIFF: chunks (compare.yaml)",
		"compared 3 scenarios (0 skipped) against Label Studio 1.23.2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckRefusesBadServers(t *testing.T) {
	ls := servertest.NewServer(t)
	notLS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(notLS.Close)
	closed := "http://" + loopback.ClosedAddr(t)
	tests := []struct {
		name, url, token string
		want             error
		line             string
	}{
		{"unreachable", closed, "t", ErrUnreachable, "server unreachable: " + closed},
		{"not a URL", "localhost:8080", "t", ErrUnreachable, `server unreachable: want an http:// or https:// URL, got "localhost:8080"`},
		{"wrong token", ls.URL, "wrong", ErrBadToken, "server refuses the token: GET " + ls.URL + "/api/version answered 401"},
		{"not Label Studio", notLS.URL, "t", ErrNotLabelStudio, "not a Label Studio: GET " + notLS.URL + "/api/version answered 404"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(context.Background(), tc.url, tc.token)
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), tc.line) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Check(%s, %s) = %v, want one line starting %q (%v)", tc.url, tc.token, err, tc.line, tc.want)
			}
		})
	}
	info, err := Check(context.Background(), ls.URL, ls.Token)
	if err != nil || info.Release != "1.23.2" {
		t.Errorf("Check(mock) = %+v, %v; want release 1.23.2", info, err)
	}
}

// TestRunStopsWhenTheServerDies kills the external server after a few
// requests: the run ends with the scenarios before it reported and an
// error naming the one it died in, without waiting for timeouts.
func TestRunStopsWhenTheServerDies(t *testing.T) {
	srv, err := server.New(server.Config{Token: server.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	var requests atomic.Int64
	// Check costs 3 requests; the first scenario 3 more (+ clean-up): the
	// server dies during the second scenario.
	dying := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) > 9 {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(dying.Close)
	var out bytes.Buffer
	start := time.Now()
	rep, err := Run(context.Background(), parse(t), Options{Server: dying.URL, Token: server.DefaultToken, Out: &out, Settle: 10 * time.Millisecond, RequestTimeout: 5 * time.Second})
	if !errors.Is(err, ErrServerDied) || !strings.Contains(err.Error(), `during "annotate"`) {
		t.Fatalf("Run = %v, want ErrServerDied during \"annotate\"\n%s", err, out.String())
	}
	if rep == nil || rep.Compared != 1 || rep.Results[0].Name != "import sends one event" {
		t.Fatalf("report %+v, want the first scenario compared\n%s", rep, out.String())
	}
	if !strings.Contains(out.String(), "stopped: server stopped answering during \"annotate\"") {
		t.Errorf("output does not say the server stopped:\n%s", out.String())
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the run took %v after the server died; want no waiting for timeouts", d)
	}
}
