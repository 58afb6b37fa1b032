package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/loopback"
)

// checkCmd runs `labelhook check args...`.
func checkCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"check"}, args...), mapEnv(nil), &out, &errOut)
	return out.String(), errOut.String(), err
}

// webhookConsumer starts a consumer: it answers 400 to a body that is
// not JSON, 500 to a TASKS_DELETED without project when strict, sleeps
// on a skip when slow, and 200 otherwise.
func webhookConsumer(t *testing.T, strict bool, slow time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if json.Unmarshal(b, &body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, hasTasks := body["tasks"]
		if _, hasProject := body["project"]; strict && body["action"] == "TASKS_DELETED" && hasTasks && !hasProject {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if ann, _ := body["annotation"].(map[string]any); slow > 0 && ann["was_cancelled"] == true {
			time.Sleep(slow) // a slow consumer is the point
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/webhook"
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	junit, jsonPath := filepath.Join(dir, "check.xml"), filepath.Join(dir, "check.json")
	tests := []struct {
		name string
		url  string
		args []string
		code int
		want []string
	}{
		// Bounds no machine reaches, but in the timing case: the defaults
		// are the package's (scenarios/check TestDefaults).
		{"good consumer", webhookConsumer(t, false, 0), []string{"--actions", "TASKS_DELETED,ANNOTATION_CREATED", "--timeout", "30", "--slow", "10s"}, 0,
			[]string{": 12 cases, sent as Label Studio sends them (timeout 30s, warn over 10s, seed 1)\n",
				"pass  TASKS_DELETED from delete all (no project)", "\n12 passed, 0 warnings, 0 failed ("}},
		{"fails on TASKS_DELETED without project", webhookConsumer(t, true, 0), []string{"--actions", "TASKS_DELETED", "--timeout", "30s", "--junit", junit, "--json", jsonPath}, 1,
			[]string{"FAIL  TASKS_DELETED from delete all (no project)            500 ", "      answered 500\n",
				"1 failed (", "In Label Studio a failed delivery is not retried"}},
		// 3 s, not 1: a loaded machine once took 1.04 s over the 512 KiB case.
		{"slow consumer warns", webhookConsumer(t, false, 3500*time.Millisecond), []string{"--actions", "ANNOTATION_CREATED", "--slow", "3s", "--timeout", "30"}, 0,
			[]string{"(timeout 30s, warn over 3s, seed 1)", "WARN  a skip (ANNOTATION_CREATED with was_cancelled)", ", over 3s\n", "1 warning, 0 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := checkCmd(t, append(tt.args, tt.url)...)
			if code := exitCode(err); code != tt.code {
				t.Fatalf("check %q: exit %d (%v), want %d\n%s%s", tt.args, code, err, tt.code, out, errOut)
			}
			if !strings.HasPrefix(out, "labelhook check "+tt.url+": ") {
				t.Errorf("the first line does not name the URL:\n%s", out)
			}
			wantContains(t, "output", out, tt.want...)
		})
	}

	x, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x, &suites); err != nil || len(suites.Suites) != 1 || suites.Suites[0].Failures != 1 {
		t.Fatalf("--junit: %v\n%s", err, x)
	}
	j, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Failed int `json:"failed"`
		Cases  []struct {
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(j, &doc); err != nil || doc.Failed != 1 {
		t.Fatalf("--json: %v\n%s", err, j)
	}
	for _, c := range doc.Cases {
		if (c.Verdict == "fail") != (c.Name == "TASKS_DELETED from delete all (no project)") {
			t.Errorf("--json case %q: %s", c.Name, c.Verdict)
		}
	}
}

func TestCheckCommandUnreachable(t *testing.T) {
	url := "http://" + loopback.ClosedAddr(t) + "/webhook"
	out, _, err := checkCmd(t, url)
	if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), url+" is unreachable: dial tcp") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("check against a closed port: exit %d, %v; want 2 with the connection error", code, err)
	}
	if out != "" {
		t.Errorf("printed:\n%s", out)
	}
}

func TestCheckCommandUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no URL", nil, "check needs the URL of your running webhook consumer"},
		{"two URLs", []string{"http://a", "http://b"}, "check takes one URL"},
		{"not a URL", []string{"localhost:8000"}, `want an http:// or https:// URL, got "localhost:8000"`},
		{"unknown action", []string{"--actions", "TASK_CREATED", "http://127.0.0.1:1"}, `--actions: unknown action "TASK_CREATED" (did you mean TASKS_CREATED?)`},
		{"bad timeout", []string{"--timeout", "soon", "http://127.0.0.1:1"}, "want a duration such as 10s or 500ms, or a number of seconds"},
		{"zero slow", []string{"--slow", "0", "http://127.0.0.1:1"}, "want more than zero"},
		{"bad header", []string{"--header", "no colon", "http://127.0.0.1:1"}, "is not 'Name: value'"},
		{"missing label config", []string{"--label-config", filepath.Join(dir, "nope.xml"), "http://127.0.0.1:1"}, "--label-config: open"},
		{"junit in a missing folder", []string{"--junit", filepath.Join(dir, "no", "r.xml"), "http://127.0.0.1:1"}, "--junit: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := checkCmd(t, tt.args...)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check %q: exit %d, %v; want 2 with %q", tt.args, code, err, tt.want)
			}
		})
	}
}
