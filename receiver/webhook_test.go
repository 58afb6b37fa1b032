package receiver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/signing"
	"github.com/labelhook/labelhook/receiver"
)

// TestRecordFile: every webhook, whatever became of it, is one parseable
// JSON line equal to the record kept in memory, flushed before the answer.
func TestRecordFile(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriterSize(&buf, 1<<20) // large enough never to flush by itself
	rc, srv := start(t, receiver.Config{RecordFile: bw, MaxBodyBytes: 4096, Now: clock})
	annotation := readTestdata(t, "annotation_created.json")
	bodies := []string{
		string(annotation),
		`{"action":"TASKS_CREATED","tasks":[{"id":"x"}]}`,
		"not json\nat all",
		strings.Repeat("x", 5000),
	}
	for i, body := range bodies {
		do(t, http.MethodPost, srv.URL+"/hook", body, nil)
		if n := bytes.Count(buf.Bytes(), []byte("\n")); n != i+1 {
			t.Fatalf("after %d webhooks the record file has %d lines: each record must be flushed before the answer", i+1, n)
		}
	}
	rc.Close()

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	var fromFile []receiver.Record
	for i, line := range lines {
		var r receiver.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not a JSON record: %v\n%s", i+1, err, line)
		}
		fromFile = append(fromFile, r)
	}
	if diff := cmp.Diff(rc.Events(receiver.Filter{}), fromFile); diff != "" {
		t.Errorf("record file vs memory (-memory +file):\n%s", diff)
	}
	if !strings.Contains(lines[0], `<View><Text name=\"text\"`) {
		t.Errorf("label_config is HTML-escaped in the record line; want it as sent:\n%s", lines[0][:300])
	}
}

func TestRecordFileOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, srv := start(t, receiver.Config{RecordFile: f})
	for range 3 {
		do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	}
	rc.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 3 {
		t.Errorf("%s has %d lines, want 3:\n%s", path, n, b)
	}
}

// FuzzReceive: no body crashes the handler, every POST yields exactly one
// record, and record and answer are always JSON.
func FuzzReceive(f *testing.F) {
	for _, name := range []string{"annotation_created.json", "tasks_created.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{"", "{", "null", `"x"`, "[]", `{"action":5}`, "\xff\xfe", `{"action":"TASKS_CREATED","tasks":[{"id":1e400}]}`, strings.Repeat("[", 300),
		// Text that ends up in the per-webhook line and the record file.
		`{"action":"TASKS_CREATED\u001b[31m\nvalid -> 200"}`, "{\"action\":\"TASKS_CREATED\"}\n\n{\"action\":\"PROJECT_CREATED\"}",
		`{"body":{"action":"TASKS_CREATED"},"seq":1}`, "{\"action\":\"TASKS_CREATED\",\r\n\"tasks\":[]}"} {
		f.Add([]byte(s))
	}
	const limit = 512
	f.Fuzz(func(t *testing.T, body []byte) {
		rc := receiver.New(receiver.Config{MaxBodyBytes: limit})
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/fuzz", bytes.NewReader(body)))

		recs := rc.Events(receiver.Filter{})
		if len(recs) != 1 || recs[0].Seq != 1 {
			t.Fatalf("POST %q: %d records, want exactly one with seq 1", body, len(recs))
		}
		r := recs[0]
		if !json.Valid(w.Body.Bytes()) {
			t.Errorf("POST %q: answer is not JSON: %s", body, w.Body)
		}
		line, err := json.Marshal(r)
		if err != nil || bytes.ContainsRune(line, '\n') {
			t.Errorf("POST %q: record does not marshal to one line: %v %s", body, err, line)
		}
		if r.ResponseStatus != w.Code {
			t.Errorf("POST %q: answered %d, recorded %d", body, w.Code, r.ResponseStatus)
		}
		switch {
		case len(body) > limit:
			if w.Code != http.StatusRequestEntityTooLarge || r.Valid || string(r.Body) != "null" {
				t.Errorf("POST %d bytes over a %d limit: %d, valid %v, body %s; want 413, false, null", len(body), limit, w.Code, r.Valid, r.Body)
			}
		case !json.Valid(body) || !utf8.Valid(body): // JSON text is UTF-8 (RFC 8259)
			var text string
			if w.Code != http.StatusBadRequest || r.Valid || len(r.Errors) == 0 || json.Unmarshal(r.Body, &text) != nil {
				t.Errorf("POST non-JSON %q: %d, valid %v, errors %v, body %s; want 400, false, a reason, a string", body, w.Code, r.Valid, r.Errors, r.Body)
			}
		default:
			var buf bytes.Buffer
			_ = json.Compact(&buf, body)
			if w.Code != http.StatusOK || !bytes.Equal(r.Body, buf.Bytes()) || r.Valid != (len(r.Errors) == 0) {
				t.Errorf("POST JSON %q: %d, body %s, valid %v, errors %v; want 200, the body compacted, valid iff no errors", body, w.Code, r.Body, r.Valid, r.Errors)
			}
		}
	})
}

// BenchmarkReceive measures one realistic ANNOTATION_CREATED webhook:
// read, validate, record, answer.
func BenchmarkReceive(b *testing.B) {
	body := readTestdata(b, "annotation_created.json")
	rc := receiver.New(receiver.Config{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body)))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if i++; i%4096 == 0 {
			rc.Clear() // keep memory flat over long runs
		}
	}
}

// BenchmarkReceiveParallel is BenchmarkReceive from 16 senders at once
// (with GOMAXPROCS 2), as P4 of `labelhook bench` sends: the record lock,
// the pooled body buffers and the allocations under contention.
func BenchmarkReceiveParallel(b *testing.B) {
	body := readTestdata(b, "annotation_created.json")
	rc := receiver.New(receiver.Config{MaxRecords: 4096}) // memory stays flat
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			rc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body)))
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}

func TestInvalidUTF8IsNotJSON(t *testing.T) {
	rc := receiver.New(receiver.Config{})
	req := httptest.NewRequest(http.MethodPost, "/u", strings.NewReader("{\"action\":\"TASKS_DELETED\",\"tasks\":[{\"id\":1}],\"x\":\"\xff\xfe\"}"))
	rec := httptest.NewRecorder()
	rc.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", rec.Code)
	}
	got := rc.Events(receiver.Filter{})
	if len(got) != 1 || got[0].Valid || !utf8.Valid(got[0].Body) {
		t.Fatalf("record %+v: want one invalid record whose body is valid UTF-8", got)
	}
	line, err := json.Marshal(got[0])
	if err != nil || !utf8.Valid(line) {
		t.Errorf("record line is not UTF-8 JSON: %v", err)
	}
	if !regexp.MustCompile(`"received_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"`).Match(line) {
		t.Errorf("received_at is not UTC with six fraction digits: %s", line)
	}
}

// FuzzReceiveSigned: with a signing secret, no body or header crashes the
// handler or gets a 5xx; a signature failure is always 401 with its reason,
// never "schema", and nothing else is.
func FuzzReceiveSigned(f *testing.F) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	signer, err := signing.New(secret)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	for _, body := range []string{`{"action":"TASKS_CREATED"}`, `{"action":"TASKS_CREATED","tasks":[{"id":"x"}]}`, "not json", "", strings.Repeat("x", 600)} {
		good := signer.Sign("msg_1", now, []byte(body))
		f.Add([]byte(body), "msg_1", ts, good)
		f.Add([]byte(body), "msg_1", ts, "v1,AAAA "+good)
		f.Add([]byte(body), "msg_1", ts, "v1,Zm9yZ2Vk")
		f.Add([]byte(body), "", "", "")
		f.Add([]byte(body), "msg_1", "-1", good)
		f.Add([]byte(body), "msg_1", "99999999999999999999999", good)
		f.Add([]byte(body), "msg\n1", ts+" ", good+"\x00")
	}
	const limit = 512
	f.Fuzz(func(t *testing.T, body []byte, id, timestamp, signature string) {
		rc := receiver.New(receiver.Config{MaxBodyBytes: limit, SigningSecret: secret, RejectInvalid: len(body)%2 == 0, Now: func() time.Time { return now }})
		req := httptest.NewRequest(http.MethodPost, "/fuzz", bytes.NewReader(body))
		req.Header["Webhook-Id"] = []string{id}
		req.Header["Webhook-Timestamp"] = []string{timestamp}
		req.Header["Webhook-Signature"] = []string{signature}
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, req)

		if w.Code >= 500 || !slices.Contains([]int{200, 400, 401, 413}, w.Code) {
			t.Fatalf("POST %q with id %q, timestamp %q, signature %q: status %d; answer %s", body, id, timestamp, signature, w.Code, w.Body)
		}
		recs := rc.Events(receiver.Filter{})
		if len(recs) != 1 || recs[0].ResponseStatus != w.Code {
			t.Fatalf("POST %q: %d records (want 1) answered %d", body, len(recs), w.Code)
		}
		var answer struct{ Detail string }
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			t.Fatalf("POST %q: answer is not JSON: %s", body, w.Body)
		}
		r := recs[0]
		sigProblem := len(r.Errors) > 0 && r.Errors[0].Path == "headers" && strings.HasPrefix(r.Errors[0].Message, "signature: ")
		if (w.Code == http.StatusUnauthorized) != sigProblem {
			t.Errorf("POST %q: status %d but signature problem recorded: %v (errors %v)", body, w.Code, sigProblem, r.Errors)
		}
		if w.Code == http.StatusUnauthorized && (r.Valid || !strings.HasPrefix(answer.Detail, "signature: ") || strings.Contains(answer.Detail, "schema")) {
			t.Errorf("POST %q: 401 with valid %v and detail %q; want invalid and a signature reason", body, r.Valid, answer.Detail)
		}
		if line, err := json.Marshal(r); err != nil || bytes.ContainsRune(line, '\n') || !utf8.Valid(line) {
			t.Errorf("POST %q: record does not marshal to one UTF-8 line: %v", body, err)
		}
	})
}
