package check

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/junit"
	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/labelhook/labelhook/internal/pyjson"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// tolerant is a good consumer: it reads the action, ignores what it does
// not know, answers 400 to a body that is not JSON and 200 to the rest.
func tolerant(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	if _, ok := body["action"].(string); !ok {
		http.Error(w, "no action", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// needsProject fails, as code that reads body["project"] unguarded does,
// on a TASKS_DELETED payload without a project.
func needsProject(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	_, hasTasks := body["tasks"]
	if _, hasProject := body["project"]; body["action"] == "TASKS_DELETED" && hasTasks && !hasProject {
		http.Error(w, "KeyError: 'project'", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func consumer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/webhook"
}

// run runs the battery. Tests not about timing get bounds no machine
// reaches (a 5000-task body takes a while under -race); the default ones
// are the mock's (TestDefaults).
func run(t *testing.T, cfg Config) (*Report, string) {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.SlowAfter == 0 {
		cfg.SlowAfter = 10 * time.Second
	}
	var out bytes.Buffer
	cfg.Out = &out
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	return rep, out.String()
}

// names returns the names of the results with verdict v.
func names(rep *Report, v Verdict) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Verdict == v {
			out = append(out, r.Name)
		}
	}
	return out
}

// wantOutput reports each wanted string that the printed output lacks.
func wantOutput(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunGoodConsumerPasses(t *testing.T) {
	t.Parallel()
	url := consumer(t, tolerant)
	rep, out := run(t, Config{URL: url})
	if rep.Failed != 0 || rep.Warned != 0 || rep.Passed != len(rep.Results) {
		t.Fatalf("%s, want every case to pass\n%s", rep.Summary(), out)
	}
	// Every action twice (full, send_payload off) and the special cases.
	want := []string{
		"TASKS_CREATED with 5000 tasks (one full chunk)", "TASKS_DELETED from delete all (no project)",
		"ANNOTATIONS_DELETED in bulk (50, ids only)", "a skip (ANNOTATION_CREATED with was_cancelled)",
		"ANNOTATIONS_CREATED with a list of 10", "unknown fields (a newer Label Studio)",
		"unicode, 512 KiB of text (TASKS_CREATED)", "ANNOTATION_CREATED delivered twice",
		"10 ANNOTATION_CREATED at once (async Label Studio)", "a body that is not JSON (not from Label Studio)",
	}
	got := names(rep, Pass)
	if len(got) != 2*len(schemas.Catalog)+len(want) || !cmp.Equal(got[2*len(schemas.Catalog):], want) {
		t.Errorf("cases:\n%s", cmp.Diff(want, got[min(len(got), 2*len(schemas.Catalog)):]))
	}
	head := fmt.Sprintf("labelhook check %s: 34 cases, sent as Label Studio sends them (timeout 30s, warn over 10s, seed 0)", url)
	if first := strings.SplitN(out, "\n", 2)[0]; first != head {
		t.Errorf("first line %q", first)
	}
	wantOutput(t, out,
		"pass  TASKS_DELETED from delete all (no project)            200 ",
		"pass  10 ANNOTATION_CREATED at once (async Label Studio)    200 x10 ",
		"      note: the same body came twice: make handling idempotent",
		"\n34 passed, 0 warnings, 0 failed (",
	)
	if strings.Contains(out, "In Label Studio") {
		t.Errorf("a clean run explains failures:\n%s", out)
	}
}

func TestRunFailsOnTasksDeletedWithoutProject(t *testing.T) {
	t.Parallel()
	rep, out := run(t, Config{URL: consumer(t, needsProject)})
	if got := names(rep, Fail); !cmp.Equal(got, []string{"TASKS_DELETED from delete all (no project)"}) {
		t.Fatalf("failed cases %q, want only the delete-all one\n%s", got, out)
	}
	wantOutput(t, out,
		"FAIL  TASKS_DELETED from delete all (no project)            500 ",
		"      answered 500\n",
		`      advice: "Delete all tasks" sends TASKS_DELETED without a project key`,
		"33 passed, 0 warnings, 1 failed",
		"In Label Studio a failed delivery is not retried: that event never reaches your pipeline.",
	)
}

func TestRunWarnsOnSlowAnswers(t *testing.T) {
	t.Parallel()
	slow := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Annotation struct {
				WasCancelled bool `json:"was_cancelled"`
			} `json:"annotation"`
		}
		if json.Unmarshal(b, &body) == nil && body.Annotation.WasCancelled {
			time.Sleep(3500 * time.Millisecond) // a slow consumer is the point
		}
		tolerant(w, &http.Request{Body: io.NopCloser(bytes.NewReader(b))})
	}
	rep, out := run(t, Config{URL: consumer(t, slow), Actions: []schemas.Action{schemas.AnnotationCreated}, SlowAfter: 3 * time.Second})
	// 3 s, not 1: on a loaded CI machine the 512 KiB case alone once took 1.04 s.
	if got := names(rep, Warn); !cmp.Equal(got, []string{"a skip (ANNOTATION_CREATED with was_cancelled)"}) || rep.Failed != 0 {
		t.Fatalf("warnings %q (and %d failures), want only the skip\n%s", got, rep.Failed, out)
	}
	wantOutput(t, out,
		"WARN  a skip (ANNOTATION_CREATED with was_cancelled)        200 ",
		"      answered 200 in ",
		", over 3s\n",
		"      advice: Label Studio holds the annotator's save request until you answer",
		"1 warning, 0 failed",
		"Slow answers slow every save in the labeling UI",
	)
}

func TestRunUnreachable(t *testing.T) {
	url := "http://" + loopback.ClosedAddr(t) + "/webhook"
	var out bytes.Buffer
	rep, err := Run(context.Background(), Config{URL: url, Out: &out})
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "connection refused") || rep != nil {
		t.Fatalf("Run against a closed port: %v (report %v), want an UnreachableError saying why", err, rep)
	}
	if out.Len() != 0 {
		t.Errorf("printed before failing:\n%s", out.String())
	}
}

// TestRunStopsWhenTheConsumerHangs: each delivery is bounded by the
// timeout, and after three timeouts in a row the rest is not sent.
func TestRunStopsWhenTheConsumerHangs(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	hang := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices the sender leave
		select {
		case <-r.Context().Done(): // the sender gave up
		case <-stop:
		}
	}
	url := consumer(t, hang)
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	rep, out := run(t, Config{URL: url, Actions: []schemas.Action{schemas.ProjectUpdated}, Timeout: 50 * time.Millisecond})
	if rep.Failed != len(rep.Results) {
		t.Fatalf("%s, want every case to fail\n%s", rep.Summary(), out)
	}
	sent := 0
	for _, r := range rep.Results {
		if len(r.Answers) > 0 {
			sent++
			if r.Reason != "no answer: no answer within 50ms" || r.Advice != adviceTimeout {
				t.Errorf("%s: reason %q, advice %q", r.Name, r.Reason, r.Advice)
			}
		} else if r.Reason != "not sent: the consumer stopped answering (3 deliveries in a row timed out)" {
			t.Errorf("%s: reason %q", r.Name, r.Reason)
		}
	}
	if sent != 3 {
		t.Errorf("%d cases sent, want 3 before giving up\n%s", sent, out)
	}
	if !strings.Contains(out, "A delivery without an answer within 50ms fails the same way") {
		t.Errorf("output lacks the timeout consequence:\n%s", out)
	}
}

// TestRunSendsWhatTheMockSends receives the battery with the receiver,
// which validates every body against the event contract: every body but
// the not-JSON one is valid, and each carries the mock's headers plus the
// webhook's own.
func TestRunSendsWhatTheMockSends(t *testing.T) {
	t.Parallel()
	rc := receiver.New(receiver.Config{})
	var mu sync.Mutex
	var raw [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		raw = append(raw, b)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		rc.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep, out := run(t, Config{URL: srv.URL + "/hook", Headers: [][2]string{{"Authorization", "Token secret"}}})
	if rep.Failed != 0 {
		t.Fatalf("%s\n%s", rep.Summary(), out)
	}
	recs := rc.Events(receiver.Filter{})
	invalid := 0
	seen := map[schemas.Action]bool{}
	for _, r := range recs {
		seen[r.Action] = true
		if !r.Valid {
			invalid++
			if !strings.Contains(r.Errors[0].Message, "not JSON") {
				t.Errorf("#%d %s is invalid: %v\n%.300s", r.Seq, r.Action, r.Errors, r.Body)
			}
		}
		for name, want := range map[string]string{"User-Agent": server.DefaultUserAgent, "Content-Type": "application/json",
			"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Authorization": "Token secret"} {
			if got := r.Headers.Get(name); got != want {
				t.Errorf("#%d %s: %s is %q, want %q", r.Seq, r.Action, name, got, want)
			}
		}
	}
	delete(seen, "") // the not-JSON body
	// Every body is as python-requests writes it (", ", ": ", \uXXXX),
	// the mock's own and the ones built or changed here alike.
	for _, b := range raw {
		if py, err := pyjson.Dumps(nil, b); json.Valid(b) && (err != nil || !bytes.Equal(py, b)) {
			t.Errorf("a body is not in json.dumps form: %v\n%.200s", err, b)
		}
	}
	if invalid != 1 {
		t.Errorf("%d invalid bodies, want 1 (the not-JSON case)", invalid)
	}
	if len(seen) != len(schemas.Catalog) {
		t.Errorf("actions received: %v, want all 12", seen)
	}
	wantDeliveries := 0
	for _, r := range rep.Results {
		wantDeliveries += len(r.Answers)
	}
	if len(recs) != wantDeliveries {
		t.Errorf("%d webhooks received, the report counts %d answers", len(recs), wantDeliveries)
	}
}

func TestWithUnknownFields(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		nested bool
		want   string
	}{
		{"object payload", `{"action":"ANNOTATION_CREATED","annotation":{"id":1,"result":[{"value":{"a":1}}]},"project":{"id":2},"task":{"id":3,"data":{"text":"é <b>"}}}`, true,
			`{"action":"ANNOTATION_CREATED","annotation":{"id":1,"result":[{"value":{"a":1}}],` + unknownNested + `},"project":{"id":2,` + unknownNested + `},"task":{"id":3,"data":{"text":"é <b>"},` + unknownNested + `},` + unknownTop + `}`},
		{"list payload", `{"action":"TASKS_CREATED","tasks":[{"id":1},{"id":2.50}],"project":{}}`, true,
			`{"action":"TASKS_CREATED","tasks":[{"id":1,` + unknownNested + `},{"id":2.50,` + unknownNested + `}],"project":{` + unknownNested + `},` + unknownTop + `}`},
		{"ids only", `{"action":"TASKS_DELETED","tasks":[{"id":1}]}`, false,
			`{"action":"TASKS_DELETED","tasks":[{"id":1}],` + unknownTop + `}`},
		{"action only", `{"action":"TASKS_DELETED"}`, true, `{"action":"TASKS_DELETED",` + unknownTop + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withUnknownFields([]byte(tt.in), tt.nested)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want || !json.Valid(got) {
				t.Errorf("withUnknownFields(%s):\n%s", tt.in, cmp.Diff(tt.want, string(got)))
			}
		})
	}
}

func TestReportFiles(t *testing.T) {
	t.Parallel()
	rep, _ := run(t, Config{URL: consumer(t, needsProject), Actions: []schemas.Action{schemas.TasksDeleted}})
	var j bytes.Buffer
	if err := rep.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		URL                    string
		Passed, Warned, Failed int
		Consequences           []string
		Cases                  []struct {
			Name, Verdict, Reason, Advice string
			Answers                       []struct{ Status int }
		}
	}
	if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, j.String())
	}
	i := slices.IndexFunc(doc.Cases, func(c struct {
		Name, Verdict, Reason, Advice string
		Answers                       []struct{ Status int }
	}) bool {
		return c.Verdict == "fail"
	})
	if doc.Failed != 1 || i < 0 || doc.Cases[i].Name != "TASKS_DELETED from delete all (no project)" || doc.Cases[i].Answers[0].Status != 500 || len(doc.Consequences) == 0 {
		t.Errorf("JSON report:\n%s", j.String())
	}

	var x bytes.Buffer
	if err := rep.WriteJUnit(&x); err != nil {
		t.Fatal(err)
	}
	var suites junit.Suites
	if err := xml.Unmarshal(x.Bytes(), &suites); err != nil {
		t.Fatalf("%v\n%s", err, x.String())
	}
	s := suites.Suites[0]
	if s.Tests != len(rep.Results) || s.Failures != 1 {
		t.Fatalf("JUnit: %d tests, %d failures\n%s", s.Tests, s.Failures, x.String())
	}
	for _, c := range s.Cases {
		if (c.Failure != nil) != (c.Name == "TASKS_DELETED from delete all (no project)") {
			t.Errorf("JUnit case %q: failure %+v", c.Name, c.Failure)
		}
		if c.Failure != nil && (c.Failure.Message != "answered 500" || !strings.HasPrefix(c.Failure.Text, "advice: ")) {
			t.Errorf("JUnit failure %+v", c.Failure)
		}
	}
}

func TestRunBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no scheme", Config{URL: "127.0.0.1:1/hook"}, `want an http:// or https:// URL, got "127.0.0.1:1/hook"`},
		{"unknown action", Config{URL: "http://127.0.0.1:1", Actions: []schemas.Action{"TASK_CREATED"}}, `unknown action "TASK_CREATED"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run(%+v) = %v, want a ConfigError with %q", tt.cfg, err, tt.want)
			}
		})
	}
	url := consumer(t, tolerant)
	_, err := Run(context.Background(), Config{URL: url, LabelConfig: "<View><Text name='t' value='$t'/><Choices name='c' toName='missing'/></View>"})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "label config") {
		t.Errorf("bad label config: %v, want a ConfigError about the label config", err)
	}
}

func TestJudge(t *testing.T) {
	ok := func(status int, ms float64) Answer { return Answer{Status: status, MS: ms} }
	timeout := Answer{Error: "no answer within 1s", MS: 1000, timeout: true}
	down := Answer{Error: `Post "http://x/": EOF`, MS: 1}
	cfg := Config{SlowAfter: 100 * time.Millisecond}
	plain := caseDef{name: "c", advice: "the case's advice"}
	tests := []struct {
		name           string
		c              caseDef
		answers        []Answer
		verdict        Verdict
		reason, advice string
	}{
		{"2xx", plain, []Answer{ok(204, 3)}, Pass, "answered 204 in 3ms", ""},
		{"500", plain, []Answer{ok(500, 3)}, Fail, "answered 500", "the case's advice"},
		{"redirect left unfollowed", plain, []Answer{ok(302, 3)}, Fail, "answered 302", "the case's advice"},
		{"timeout", plain, []Answer{timeout}, Fail, "no answer: no answer within 1s", adviceTimeout},
		{"connection lost", plain, []Answer{down}, Fail, `no answer: Post "http://x/": EOF`, adviceDown},
		{"slow", plain, []Answer{ok(200, 150)}, Warn, "answered 200 in 150ms, over 100ms", adviceSlow},
		{"twice", plain, []Answer{ok(200, 1), ok(409, 1)}, Fail, "1 of 2 failed: 200, then 409", "the case's advice"},
		{"burst", plain, []Answer{ok(200, 1), timeout, ok(200, 2), timeout}, Fail, "2 of 4 failed: 200 x2, timeout x2: no answer within 1s", adviceTimeout},
		{"burst that a serial consumer cannot take", caseDef{mode: together, advice: "b"}, []Answer{ok(200, 1), timeout}, Fail, "1 of 2 failed: 200, then timeout: no answer within 1s", "b"},
		{"burst passes", plain, []Answer{ok(200, 1), ok(200, 7)}, Pass, "answered 200 x2, the slowest in 7ms", ""},
		{"not JSON, 400", caseDef{mode: garbage, advice: "a"}, []Answer{ok(400, 1)}, Pass, "answered 400 to a body that is not JSON", ""},
		{"not JSON, 200", caseDef{mode: garbage, advice: "a"}, []Answer{ok(200, 1)}, Warn, "answered 200 to a body that is not JSON", "a"},
		{"not JSON, 500", caseDef{mode: garbage, advice: "a"}, []Answer{ok(500, 1)}, Warn, "answered 500 to a body that is not JSON", "a"},
		{"not JSON, crash", caseDef{mode: garbage, advice: "a"}, []Answer{down}, Warn, `no answer: Post "http://x/": EOF`, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(cfg, tt.c, tt.answers)
			if got.Verdict != tt.verdict || got.Reason != tt.reason || got.Advice != tt.advice {
				t.Errorf("judge(%+v):\ngot  %s %q %q\nwant %s %q %q", tt.answers, got.Verdict, got.Reason, got.Advice, tt.verdict, tt.reason, tt.advice)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	got := Config{}.withDefaults()
	want := Config{LabelConfig: fakedata.TextClassificationConfig, Timeout: server.DefaultWebhookTimeout,
		SlowAfter: min(time.Second, server.DefaultWebhookTimeout/2), Burst: 10}
	for _, a := range schemas.Catalog {
		want.Actions = append(want.Actions, a.Action)
	}
	if got.HTTPClient == nil {
		t.Error("no HTTP client")
	}
	got.HTTPClient = nil
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Config{})); diff != "" {
		t.Errorf("Config{}.withDefaults() (-want +got):\n%s", diff)
	}
	if c := (Config{Timeout: 10 * time.Second}).withDefaults(); c.SlowAfter != time.Second {
		t.Errorf("with a 10s timeout, warn over %s, want 1s", c.SlowAfter)
	}
}
