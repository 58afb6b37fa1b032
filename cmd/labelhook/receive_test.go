package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/receiver"
)

var receiverReadyURL = regexp.MustCompile(`msg="receiver ready" url=(http://\S+)`)

// startReceive runs `labelhook receive` in the background.
func startReceive(t *testing.T, args []string, vars map[string]string) (string, *serveLog, func() error) {
	t.Helper()
	return startCommand(t, "receive", receiverReadyURL, args, vars)
}

func postBody(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceiveRecordsAndStops(t *testing.T) {
	record := filepath.Join(t.TempDir(), "webhooks.jsonl")
	vars := map[string]string{
		"LABELHOOK_RECEIVER_ADDR":           "127.0.0.1:-1", // the flag wins
		"LABELHOOK_RECEIVER_RECORD":         record,
		"LABELHOOK_RECEIVER_REJECT_INVALID": "true",
		"LABELHOOK_RECEIVER_MAX_BODY_BYTES": "200",
	}
	url, logs, stop := startReceive(t, []string{"--addr", "127.0.0.1:0"}, vars)

	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"action": "TASKS_CREATED"}`, http.StatusOK},
		{`{"action": "TASKS_CREATED", "tasks": [{"id": "x"}]}`, http.StatusBadRequest}, // reject-invalid from the environment
		{`{"action": "TASKS_CREATED", "pad": "` + strings.Repeat("x", 200) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		if got := postBody(t, url+"/hooks", tc.body); got != tc.want {
			t.Errorf("POST %.60s: status %d, want %d", tc.body, got, tc.want)
		}
	}
	resp, err := http.Get(url + "/events?valid=false")
	if err != nil {
		t.Fatal(err)
	}
	var invalid []receiver.Record
	_ = json.NewDecoder(resp.Body).Decode(&invalid)
	resp.Body.Close()
	if len(invalid) != 2 {
		t.Errorf("GET /events?valid=false: %d records, want 2", len(invalid))
	}

	if err := stop(); err != nil {
		t.Errorf("receive returned %v after a graceful stop, want nil", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped records=3") {
		t.Errorf("no stop line in the log:\n%s", logs.String())
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%s has %d lines, want 3:\n%s", record, len(lines), b)
	}
	for i, line := range lines {
		var r receiver.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Seq == 0 {
			t.Errorf("line %d is not a record (%v): %s", i+1, err, line)
		}
	}
}

func TestReceiveForwards(t *testing.T) {
	got := make(chan string, 1)
	pipeline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer pipeline.Close()
	url, _, _ := startReceive(t, []string{"--addr", "127.0.0.1:0", "--forward-to", pipeline.URL + "/ingest"}, nil)

	if status := postBody(t, url+"/hooks", `{"action": "TASKS_CREATED"}`); status != http.StatusOK {
		t.Errorf("POST: status %d, want 200", status)
	}
	select {
	case d := <-got:
		if d != `/ingest {"action": "TASKS_CREATED"}` {
			t.Errorf("pipeline got %q", d)
		}
	default:
		t.Fatal("the sender was answered before the pipeline got the webhook")
	}
	resp, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	var recs []receiver.Record
	_ = json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	if len(recs) != 1 || recs[0].ForwardStatus != http.StatusAccepted {
		t.Errorf("records %+v, want one with forward_status 202", recs)
	}
}

func TestReceiveUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"zero body limit", []string{"--max-body-bytes", "0"}, nil},
		{"bad body limit in env", nil, map[string]string{"LABELHOOK_RECEIVER_MAX_BODY_BYTES": "64MiB"}},
		{"forward-to not http", []string{"--forward-to", "ftp://pipeline/x"}, nil},
		{"forward-to without host", []string{"--forward-to", "pipeline:8000"}, nil},
		{"record file in a missing directory", []string{"--record", filepath.Join(t.TempDir(), "no", "such.jsonl")}, nil},
		{"stray argument", []string{"extra"}, nil},
		{"unknown flag", []string{"--forward"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), append([]string{"receive"}, tc.args...), mapEnv(tc.vars), io.Discard, &stderr)
			if code := exitCode(err); code != exitUsage {
				t.Errorf("receive %q: exit code %d (err %v), want %d", tc.args, code, err, exitUsage)
			}
		})
	}
}

func TestReceiveListenFailureIsExit1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(context.Background(), []string{"receive", "--addr", ln.Addr().String()}, mapEnv(nil), io.Discard, io.Discard)
	if code := exitCode(err); code != exitFailed || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("receive on a busy address: exit code %d (err %v), want %d and the address named", code, err, exitFailed)
	}
}
