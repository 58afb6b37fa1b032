package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveLog is a goroutine-safe stderr that lets a test wait for a line.
type serveLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	cond *sync.Cond
}

func newServeLog() *serveLog {
	l := &serveLog{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cond.Broadcast()
	return l.buf.Write(p)
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitMatch waits until re matches the log and returns the first group.
func (l *serveLog) waitMatch(t *testing.T, re *regexp.Regexp, within time.Duration) string {
	t.Helper()
	timer := time.AfterFunc(within, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(within)
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if m := re.FindStringSubmatch(l.buf.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never matched %s:\n%s", re, l.buf.String())
		}
		l.cond.Wait()
	}
}

var readyURL = regexp.MustCompile(`msg="labelhook mock Label Studio ready" url=(http://\S+)`)

// mapEnv is an environment of the variables in m (a key with an empty
// value is set but empty).
func mapEnv(m map[string]string) env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// startCommand runs `labelhook NAME args...` in the background until its
// ready line matches ready, and returns the URL the line names, the log
// and a stop function that cancels it and returns run's error (failing
// the test if it does not return within 30 s).
func startCommand(t *testing.T, name string, ready *regexp.Regexp, args []string, vars map[string]string) (string, *serveLog, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newServeLog()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{name}, args...), mapEnv(vars), io.Discard, logs) }()
	url := logs.waitMatch(t, ready, 10*time.Second)
	stopped := false
	var err error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("%s did not return within 30s of cancellation", name)
			}
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return url, logs, stop
}

// startServe runs `labelhook serve` in the background.
func startServe(t *testing.T, args []string, vars map[string]string) (string, *serveLog, func() error) {
	t.Helper()
	return startCommand(t, "serve", readyURL, args, vars)
}

func TestServeStartsAnswersAndStops(t *testing.T) {
	url, logs, stop := startServe(t, []string{"--addr", "127.0.0.1:0"}, nil)
	resp, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status": "UP"}` { // Label Studio's bytes
		t.Errorf("/health = %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "token=labelhook-dev-token-0123456789abcdef0123") {
		t.Errorf("the development token is not printed at start:\n%s", logs.String())
	}
	req, _ := http.NewRequest("GET", url+"/api/projects", nil)
	req.Header.Set("Authorization", "Token labelhook-dev-token-0123456789abcdef0123")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /api/projects with the default token: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("serve returned %v after a graceful stop, want nil", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no stop line in the log:\n%s", logs.String())
	}
}

func TestServeReadsEnvironment(t *testing.T) {
	vars := map[string]string{
		"LABELHOOK_ADDR":                   "127.0.0.1:0",
		"LABELHOOK_TOKEN":                  "env-token",
		"WEBHOOK_TIMEOUT":                  "2.5",
		"WEBHOOK_BATCH_SIZE":               "7",
		"WEBHOOK_MAX_CONSECUTIVE_FAILURES": "0",
		"LABELHOOK_ASYNC_DELIVERY":         "true",
		"LABELHOOK_RENDER_CACHE":           "0",
	}
	url, logs, _ := startServe(t, nil, vars)
	wantContains(t, "ready line", logs.String(), "token=e…n token_source=LABELHOOK_TOKEN", "webhook_timeout=2.5s", "webhook_batch_size=7", "max_consecutive_failures=0", "async_delivery=true", "render_cache=0")
	req, _ := http.NewRequest("GET", url+"/api/version", nil)
	req.Header.Set("Authorization", "Token env-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 200 || v["edition"] != "Community" {
		t.Errorf("GET /api/version with the env token: %d %v", resp.StatusCode, v)
	}
}

func TestServeFlagWinsOverEnvironment(t *testing.T) {
	_, logs, _ := startServe(t, []string{"--addr", "127.0.0.1:0", "--webhook-batch-size", "3"}, map[string]string{"WEBHOOK_BATCH_SIZE": "9"})
	if !strings.Contains(logs.String(), "webhook_batch_size=3") {
		t.Errorf("flag did not win over the environment:\n%s", logs.String())
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"unknown flag", []string{"--nope"}, nil},
		{"bad duration", []string{"--webhook-timeout", "soon"}, nil},
		{"negative timeout", []string{"--webhook-timeout", "-1"}, nil},
		{"unknown Label Studio version", []string{"--label-studio-version", "9.9.9"}, nil},
		{"negative batch", []string{"--webhook-batch-size", "-1"}, nil},
		{"negative render cache", []string{"--render-cache", "-1"}, nil},
		{"bad retry schedule", []string{"--retry-schedule", "1s,soon"}, nil},
		{"bad signing secret", []string{"--signing-secret", "whsec_!!"}, nil},
		{"duplicate probability", []string{"--fault-duplicate", "1.5"}, nil},
		{"drop probability", []string{"--fault-drop", "-0.1"}, nil},
		{"delay range", []string{"--fault-delay", "2s-1s"}, nil},
		{"bad fault env", nil, map[string]string{"LABELHOOK_FAULT_DELAY": "soon"}},
		{"bad env value", nil, map[string]string{"WEBHOOK_BATCH_SIZE": "many"}},
		{"stray argument", []string{"extra"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), append([]string{"serve"}, tc.args...), mapEnv(tc.vars), io.Discard, &stderr)
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit code %d (err %v), want %d", code, err, exitUsage)
			}
		})
	}
}

func TestServeNegativeThresholdMeansOff(t *testing.T) {
	_, logs, _ := startServe(t, []string{"--addr", "127.0.0.1:0", "--max-consecutive-failures", "-1"}, nil)
	if !strings.Contains(logs.String(), "max_consecutive_failures=0") {
		t.Errorf("a negative threshold is not reported as off (0):\n%s", logs.String())
	}
}

func TestServeOptInDeliveryFlags(t *testing.T) {
	_, logs, _ := startServe(t, []string{"--addr", "127.0.0.1:0", "--retry-schedule", "1s,5s", "--signing-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--fault-delay", "1ms-2ms", "--ssrf-protection"}, nil)
	wantContains(t, "ready line", logs.String(), "retry_schedule=1s,5s", "signing=true", "ssrf_protection=true", "faults=true")
}

func TestServeWarnsWhenExposedWithDefaultToken(t *testing.T) {
	_, logs, _ := startServe(t, []string{"--addr", "127.0.0.1:0"}, nil)
	if strings.Contains(logs.String(), "LISTENING BEYOND LOOPBACK") {
		t.Errorf("warned on loopback:\n%s", logs.String())
	}
}

func TestServeListenFailureIsExit1(t *testing.T) {
	url, _, _ := startServe(t, []string{"--addr", "127.0.0.1:0"}, nil)
	addr := strings.TrimPrefix(url, "http://")
	err := run(context.Background(), []string{"serve", "--addr", addr}, mapEnv(nil), io.Discard, io.Discard)
	if code := exitCode(err); code != exitFailed {
		t.Errorf("exit code %d (err %v), want %d", code, err, exitFailed)
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, mapEnv(nil), &out, io.Discard); err != nil || !strings.Contains(out.String(), "serve") {
		t.Errorf("help: err %v, output %q", err, out.String())
	}
	if code := exitCode(run(context.Background(), []string{"bogus"}, mapEnv(nil), io.Discard, io.Discard)); code != exitUsage {
		t.Errorf("unknown command exit %d, want %d", code, exitUsage)
	}
	if code := exitCode(run(context.Background(), nil, mapEnv(nil), io.Discard, io.Discard)); code != exitUsage {
		t.Errorf("no command exit %d, want %d", code, exitUsage)
	}
}
