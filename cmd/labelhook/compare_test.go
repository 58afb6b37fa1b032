package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/labelhook/labelhook/server/servertest"
)

// compareCmd runs `labelhook compare args...`.
func compareCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"compare"}, args...), mapEnv(nil), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCompareCommand(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing})
	same := servertest.NewServer(t)
	chunky := servertest.NewServer(t, servertest.WithBatchSize(1))
	closed := "http://" + loopback.ClosedAddr(t)
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		line string // the error's text
	}{
		{"same", []string{"--server", same.URL, "--token", same.Token, dir}, exitOK, "--- SAME: import sends one event (", ""},
		{"different", []string{"--server", chunky.URL, "--token", chunky.Token, dir}, exitFailed,
			"events TASKS_CREATED at /: only in real (real 2, mock 1)", "2 difference(s) in 1 scenario(s)"},
		{"no server", []string{dir}, exitUsage, "", "compare needs --server and --token"},
		{"unreachable", []string{"--server", closed, "--token", "t", dir}, exitUsage, "", "server unreachable: " + closed},
		{"wrong token", []string{"--server", same.URL, "--token", "nope", dir}, exitUsage, "", "server refuses the token"},
		{"bad setting", []string{"--server", same.URL, "--token", same.Token, "--server-setting", "webhook_batch_size=0", dir}, exitUsage, "", "webhook_batch_size \"0\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := compareCmd(t, tc.args...)
			if got := exitCode(err); got != tc.code {
				t.Fatalf("compare %v: exit %d (%v), want %d\n%s%s", tc.args, got, err, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.out) {
				t.Errorf("compare %v: stdout lacks %q:\n%s", tc.args, tc.out, out)
			}
			if tc.line != "" && (err == nil || !strings.Contains(err.Error(), tc.line) || strings.Contains(err.Error(), "\n")) {
				t.Errorf("compare %v: error %v, want one line with %q", tc.args, err, tc.line)
			}
		})
	}
}

func TestCompareRecords(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing})
	ls := servertest.NewServer(t)
	rec := filepath.Join(t.TempDir(), "traces")
	out, errOut, err := compareCmd(t, "--server", ls.URL, "--token", ls.Token, "--record", rec, dir)
	if err != nil {
		t.Fatalf("compare: %v\n%s%s", err, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(rec, "a.json"))
	if err != nil {
		t.Fatalf("--record wrote no a.json: %v\n%s", err, out)
	}
	var tr struct {
		LabelStudio string `json:"label_studio"`
		Scenarios   []struct {
			Name  string
			Steps []struct{ Request string }
		}
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.LabelStudio != "1.23.2" || len(tr.Scenarios) != 1 || len(tr.Scenarios[0].Steps) != 3 ||
		tr.Scenarios[0].Steps[2].Request != "POST /api/projects/<project 1>/import?return_task_ids=true" {
		t.Errorf("recorded traces %s", b)
	}
}
