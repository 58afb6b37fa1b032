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
	"time"

	"github.com/labelhook/labelhook/receiver"
)

var receiverReadyURL = regexp.MustCompile(`msg="receiver ready" url=(http://\S+)`)

// startReceive runs `labelhook receive` in the background.
func startReceive(t *testing.T, args []string, vars map[string]string) (string, *serveLog, func() error) {
	t.Helper()
	return startCommand(t, "receive", receiverReadyURL, args, vars)
}

// getRecords returns what GET url (a receiver's /events, with its query)
// answered: the records and the headers.
func getRecords(t *testing.T, url string) ([]receiver.Record, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recs []receiver.Record
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return recs, resp.Header
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
	if invalid, _ := getRecords(t, url+"/events?valid=false"); len(invalid) != 2 {
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
	if recs, _ := getRecords(t, url+"/events"); len(recs) != 1 || recs[0].ForwardStatus != http.StatusAccepted {
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
		{"zero record cap", []string{"--max-records", "0"}, nil},
		{"record cap not a number in env", nil, map[string]string{"LABELHOOK_RECEIVER_MAX_RECORDS": "100k"}},
		{"zero forward timeout", []string{"--forward-timeout", "0s"}, nil},
		{"forward timeout not a duration in env", nil, map[string]string{"LABELHOOK_RECEIVER_FORWARD_TIMEOUT": "5 minutes"}},
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

// Finding (issue 11): with --forward-to, a hanging pipeline held the
// sender's answer as long as the sender waits, so the delivery failed.
// --forward-timeout (here from its environment variable) gives up first.
func TestReceiveHangingPipelineFailsTheSender(t *testing.T) {
	hang := make(chan struct{})
	pipeline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer pipeline.Close()
	defer close(hang)
	url, stdout, _ := startReceiveOut(t, []string{"--addr", "127.0.0.1:0", "--forward-to", pipeline.URL},
		map[string]string{"LABELHOOK_RECEIVER_FORWARD_TIMEOUT": "100ms"})

	sender := &http.Client{Timeout: 10 * time.Second} // Label Studio's
	resp, err := sender.Post(url+"/hooks", "application/json", strings.NewReader(`{"action": "TASKS_CREATED"}`))
	if err != nil {
		t.Fatalf("the sender got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "timed out: no answer within 100ms") {
		t.Errorf("sender got %d %s, want 200 and the forward error", resp.StatusCode, b)
	}
	stdout.waitMatch(t, regexp.MustCompile(`( -> 200 pipeline timeout in \S+ valid\n)`), 10*time.Second)
}

func TestReceiveWarnsOfAForwardTimeoutAsLongAsTheSenders(t *testing.T) {
	_, _, stderr := startReceiveOut(t, []string{"--addr", "127.0.0.1:0", "--forward-to", "http://127.0.0.1:1/x", "--forward-timeout", "10s"}, nil)
	if !strings.Contains(stderr.String(), "level=WARN msg=\"the forward timeout is not below Label Studio's delivery timeout") {
		t.Errorf("no warning for --forward-timeout 10s:\n%s", stderr.String())
	}
}

// Finding (issue 11): the receiver kept every record. --max-records (here
// from its environment variable) keeps the newest; the drop is counted
// and logged once.
func TestReceiveKeptEveryRecord(t *testing.T) {
	url, _, stderr := startReceiveOut(t, []string{"--addr", "127.0.0.1:0", "--quiet"},
		map[string]string{"LABELHOOK_RECEIVER_MAX_RECORDS": "2"})
	for range 4 {
		postBody(t, url+"/hooks", `{"action": "TASKS_CREATED"}`)
	}
	recs, h := getRecords(t, url+"/events")
	if len(recs) != 2 || recs[0].Seq != 3 || h.Get(receiver.DroppedHeader) != "2" {
		t.Errorf("GET /events: %d records from seq %v, %s %q; want 2 from seq 3 and 2 dropped",
			len(recs), seqsOf(recs), receiver.DroppedHeader, h.Get(receiver.DroppedHeader))
	}
	if n := strings.Count(stderr.String(), "record limit reached"); n != 1 {
		t.Errorf("the drop is logged %d times, want once:\n%s", n, stderr.String())
	}
}

func seqsOf(recs []receiver.Record) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}
