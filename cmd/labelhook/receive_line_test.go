package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startReceiveOut runs `labelhook receive` in the background like
// startReceive, keeping its stdout.
func startReceiveOut(t *testing.T, args []string, vars map[string]string) (url string, stdout, stderr *serveLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = newServeLog(), newServeLog()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"receive"}, args...), mapEnv(vars), stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("receive returned %v after a graceful stop, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("receive did not return within 30s of cancellation")
		}
	})
	return stderr.waitMatch(t, receiverReadyURL, 10*time.Second), stdout, stderr
}

// Finding (issue 13): `labelhook receive` printed nothing when webhooks
// arrived. It prints one line per webhook on stdout, plain when stdout is
// not a terminal; --quiet turns it off.
func TestReceivePrintedNothing(t *testing.T) {
	pipeline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer pipeline.Close()
	url, stdout, stderr := startReceiveOut(t, []string{"--addr", "127.0.0.1:0", "--forward-to", pipeline.URL, "--reject-invalid"}, nil)

	const ts = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`
	for _, tc := range []struct {
		body string
		want string // the line, a regexp
	}{
		{`{"action": "TASKS_CREATED"}`, `^` + ts + ` #1 TASKS_CREATED /hooks -> 200 pipeline 202 in \S+ valid$`},
		{badTaskID, `^` + ts + ` #2 TASKS_CREATED /hooks -> 400 invalid: \$\.tasks\[0\]\.id: expected integer, got string$`},
		{`{"action": "TASKS_CREATED", "tasks": [{"id": "x"}]}`, `^` + ts + ` #3 TASKS_CREATED /hooks -> 400 invalid: \S+: .+ \(\+3 more\)$`},
		{`not json`, `^` + ts + ` #4 - /hooks -> 400 invalid: \$: not JSON: .+$`},
	} {
		postBody(t, url+"/hooks", tc.body)
		stdout.waitMatch(t, regexp.MustCompile(`(?m)^(`+strings.TrimPrefix(tc.want, "^")+`)`), 10*time.Second)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Errorf("stdout has %d lines for 4 webhooks, want one each:\n%s", len(lines), stdout.String())
	}
	if strings.Contains(stdout.String(), "\x1b[") {
		t.Errorf("stdout is not a terminal but the lines have colour codes:\n%q", stdout.String())
	}
	if strings.Contains(stderr.String(), "webhook rejected") {
		t.Errorf("rejections are logged on stderr as well as printed on stdout:\n%s", stderr.String())
	}

	quietURL, quietOut, quietErr := startReceiveOut(t, []string{"--addr", "127.0.0.1:0", "--reject-invalid"}, map[string]string{"LABELHOOK_RECEIVER_QUIET": "true"})
	postBody(t, quietURL+"/hooks", `{"action": "TASKS_CREATED"}`)
	postBody(t, quietURL+"/hooks", `not json`)
	quietErr.waitMatch(t, regexp.MustCompile(`(webhook rejected)`), 10*time.Second)
	if got := quietOut.String(); got != "" {
		t.Errorf("with LABELHOOK_RECEIVER_QUIET=true stdout has %q, want nothing", got)
	}
	if !strings.Contains(quietErr.String(), "webhook rejected") {
		t.Errorf("with --quiet a rejection is not logged on stderr either:\n%s", quietErr.String())
	}
}
