package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// trigger runs `labelhook trigger args...` and returns stdout, stderr and
// the exit code.
func trigger(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"trigger"}, args...), mapEnv(nil), &out, &errOut)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

var deliveryLine = regexp.MustCompile(`^([A-Z_]+) +(\d{3}|error) +\S+`)

// lines parses trigger's output into "ACTION STATUS" strings.
func lines(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		m := deliveryLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("output line %q is not 'ACTION STATUS DURATION'", l)
		}
		got = append(got, m[1]+" "+m[2])
	}
	return got
}

func TestTriggerEachAction(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	for _, info := range schemas.Catalog {
		a := info.Action
		t.Run(string(a), func(t *testing.T) {
			rc.Reset()
			out, errOut, code := trigger(t, string(a), "--to", rc.URL+"/hook", "--seed", "2")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if diff := cmp.Diff([]string{string(a) + " 200"}, lines(t, out)); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 {
				t.Fatalf("%d webhooks arrived, want exactly 1 %s (set-up must not reach the target)", len(recs), a)
			}
			r := recs[0]
			if r.Action != a || !r.Valid || r.Path != "/hook" {
				t.Errorf("got %s at %s, valid %v %v\n%s", r.Action, r.Path, r.Valid, r.Errors, r.Body)
			}
			if ua := r.Headers.Get("User-Agent"); ua != server.DefaultUserAgent {
				t.Errorf("User-Agent %q, want %q like every delivery of the mock", ua, server.DefaultUserAgent)
			}
			var body map[string]json.RawMessage
			_ = json.Unmarshal(r.Body, &body)
			if _, ok := body[info.Key]; !ok {
				t.Errorf("the body lacks its payload key %q:\n%s", info.Key, r.Body)
			}
		})
	}
}

func TestTriggerAllWithCount(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	out, errOut, code := trigger(t, "--all", "--count", "2", "--to", rc.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var want []string
	for _, info := range schemas.Catalog {
		want = append(want, string(info.Action)+" 200", string(info.Action)+" 200")
	}
	if diff := cmp.Diff(want, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	var got []string
	for _, r := range rc.Events(receiver.Filter{}) {
		got = append(got, string(r.Action)+" 200")
		if !r.Valid {
			t.Errorf("%s breaks the contract: %v", r.Action, r.Errors)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what arrived (-want +got):\n%s", diff)
	}
}

func TestTriggerNoPayloadAndHeaders(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	for _, a := range []string{"TASKS_CREATED", "PROJECT_DELETED", "LABEL_LINK_UPDATED"} {
		rc.Reset()
		_, errOut, code := trigger(t, a, "--to", rc.URL, "--no-payload", "--header", "X-Token: s3cret", "--header", "X-Env:dev", "--header", "User-Agent: my-ua")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", a, code, errOut)
		}
		recs := rc.Events(receiver.Filter{})
		if len(recs) != 1 {
			t.Fatalf("%s: %d webhooks, want 1", a, len(recs))
		}
		r := recs[0]
		if string(r.Body) != `{"action":"`+a+`"}` {
			t.Errorf("%s: body %s, want only the action", a, r.Body)
		}
		for k, want := range map[string]string{"X-Token": "s3cret", "X-Env": "dev", "User-Agent": "my-ua", "Content-Type": "application/json"} {
			if got := r.Headers.Get(k); got != want {
				t.Errorf("%s: header %s = %q, want %q", a, k, got, want)
			}
		}
	}
}

func TestTriggerLabelConfigShapesTheData(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	path := filepath.Join(t.TempDir(), "ner.xml")
	if err := os.WriteFile(path, []byte(fakedata.NERConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := trigger(t, "ANNOTATION_CREATED", "--to", rc.URL, "--label-config", path, "--count", "3"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, r := range rc.Events(receiver.Filter{}) {
		var body struct {
			Annotation struct {
				Result []struct {
					FromName string `json:"from_name"`
					Type     string `json:"type"`
					Value    struct {
						Start  int      `json:"start"`
						End    int      `json:"end"`
						Text   string   `json:"text"`
						Labels []string `json:"labels"`
					} `json:"value"`
				} `json:"result"`
			} `json:"annotation"`
			Task struct {
				Data struct {
					Text string `json:"text"`
				} `json:"data"`
			} `json:"task"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Annotation.Result) == 0 {
			t.Fatalf("empty result:\n%s", r.Body)
		}
		for _, reg := range body.Annotation.Result {
			v := reg.Value
			if reg.FromName != "label" || reg.Type != "labels" || len(v.Labels) != 1 || !slices.Contains([]string{"PER", "ORG", "LOC", "MISC"}, v.Labels[0]) {
				t.Errorf("region %+v does not follow the NER config", reg)
			}
			if text := body.Task.Data.Text; v.End > len(text) || text[v.Start:v.End] != v.Text {
				t.Errorf("span %d..%d %q does not match the task text %q", v.Start, v.End, v.Text, text)
			}
		}
	}
}

func TestTriggerSameSeedSameData(t *testing.T) {
	data := func(seed string) string {
		rc := receivertest.NewReceiver(t)
		if _, errOut, code := trigger(t, "TASKS_CREATED", "--to", rc.URL, "--seed", seed, "--count", "2"); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var all []string
		for _, r := range rc.Events(receiver.Filter{}) {
			var body struct {
				Tasks []struct {
					Data json.RawMessage `json:"data"`
				} `json:"tasks"`
			}
			_ = json.Unmarshal(r.Body, &body)
			for _, task := range body.Tasks {
				all = append(all, string(task.Data))
			}
		}
		return strings.Join(all, "\n")
	}
	a, b, c := data("9"), data("9"), data("10")
	if a != b {
		t.Errorf("seed 9 sent different data twice:\n%s\n---\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 9 and 10 sent the same data:\n%s", a)
	}
}

func TestTriggerFailingTargetIsExit1(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	rc.SetResponses(receiver.Step{Status: 503, Times: 1})
	out, _, code := trigger(t, "ANNOTATION_UPDATED", "--to", rc.URL, "--count", "2")
	if code != exitFailed {
		t.Errorf("exit %d, want %d when the target answers 503", code, exitFailed)
	}
	if diff := cmp.Diff([]string{"ANNOTATION_UPDATED 503", "ANNOTATION_UPDATED 200"}, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	out, errOut, code := trigger(t, "LABEL_LINK_CREATED", "--to", closed)
	if code != exitFailed || !strings.Contains(errOut, "1 of 1 deliveries") {
		t.Errorf("unreachable target: exit %d, stderr %q; want %d", code, errOut, exitFailed)
	}
	if diff := cmp.Diff([]string{"LABEL_LINK_CREATED error"}, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	out, _, code = trigger(t, "PROJECT_CREATED", "--to", closed)
	if code != exitFailed || !strings.Contains(out, "refused") {
		t.Errorf("unreachable target through the mock: exit %d, output %q", code, out)
	}
}

func TestTriggerUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badXML := filepath.Join(dir, "bad.xml")
	_ = os.WriteFile(badXML, []byte("<View><Text name="), 0o644)
	noObject := filepath.Join(dir, "noobject.xml")
	_ = os.WriteFile(noObject, []byte(`<View><Choices name="c" toName="missing"/></View>`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"doc-only action name", []string{"TASK_CREATED", "--to", "http://x"}, "Label Studio sends TASKS_CREATED"},
		{"unknown action", []string{"NOPE", "--to", "http://x"}, `unknown action "NOPE"`},
		{"missing --to", []string{"TASKS_CREATED"}, "--to URL is required"},
		{"bad --to", []string{"TASKS_CREATED", "--to", "ftp://x"}, "http or https"},
		{"no action", []string{"--to", "http://x"}, "no action given"},
		{"action and --all", []string{"TASKS_CREATED", "--all", "--to", "http://x"}, "not both"},
		{"two actions", []string{"TASKS_CREATED", "--to", "http://x", "TASKS_DELETED"}, "one action"},
		{"header without colon", []string{"TASKS_CREATED", "--to", "http://x", "--header", "X-Token"}, "Name: value"},
		{"header name with a space", []string{"TASKS_CREATED", "--to", "http://x", "--header", "X Token: a"}, "letters, digits"},
		{"zero count", []string{"TASKS_CREATED", "--to", "http://x", "--count", "0"}, "--count"},
		{"missing label config", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", filepath.Join(dir, "none.xml")}, "read label config"},
		{"label config not XML", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", badXML}, "not valid XML"},
		{"label config naming no object", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", noObject}, "does not name an object"},
		{"unknown flag", []string{"TASKS_CREATED", "--to", "http://x", "--bogus"}, "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := trigger(t, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, tc.want)
			}
			if out != "" {
				t.Errorf("a usage error sent something: %q", out)
			}
		})
	}
}
