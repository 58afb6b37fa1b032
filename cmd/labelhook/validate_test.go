package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
)

const (
	validTasksCreated = `{"action": "TASKS_CREATED", "tasks": [{"id": 18, "data": {"text": "great"}, "project": 2}], "project": {"id": 2, "title": "Sentiment"}}`
	badTaskID         = `{"action": "TASKS_CREATED", "tasks": [{"id": "18", "data": {"text": "great"}, "project": 2}], "project": {"id": 2}}`
	prettyValid       = "{\n  \"action\": \"TASKS_DELETED\",\n  \"tasks\": [\n    {\"id\": 18},\n    {\"id\": 19}\n  ]\n}\n"
	prettyBroken      = "{\n  \"action\": \"TASKS_DELETED\",\n  \"tasks\": [\n    {\"id\": 18},\n  ]\n}\n"
)

func TestValidateCommand(t *testing.T) {
	files := map[string]string{
		"valid.json":   validTasksCreated,
		"pretty.json":  prettyValid,
		"bad.json":     badTaskID,
		"broken.json":  prettyBroken,
		"empty.json":   "",
		"nopay.json":   `{"action": "ANNOTATION_CREATED"}`,
		"events.jsonl": validTasksCreated + "\r\n" + badTaskID + "\n\n" + `{"action": "TASK_CREATED"}` + "\n" + `{"action": "PROJECT_DELETED", "project": {"id": 3}}` + "\n",
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		out   string
		inErr string // in the returned error
	}{
		{name: "one valid body", args: []string{"valid.json"}, code: exitOK,
			out: "1 body checked: all valid\n"},
		{name: "valid bodies, one pretty-printed, one without payload", args: []string{"valid.json", "pretty.json", "nopay.json"}, code: exitOK,
			out: "3 bodies checked: all valid\n"},
		{name: "invalid body", args: []string{"valid.json", "bad.json"}, code: exitFailed,
			out: "bad.json: $.tasks[0].id: expected integer, got string\n" +
				"2 bodies checked: 1 valid, 1 invalid (1 problem)\n"},
		{name: "broken pretty-printed body is one body, named by the line of the error", args: []string{"broken.json"}, code: exitFailed,
			out: "broken.json:5: $: not JSON: invalid character ']' looking for beginning of value\n" +
				"1 body checked: 0 valid, 1 invalid (1 problem)\n"},
		{name: "empty file", args: []string{"empty.json"}, code: exitFailed,
			out: "empty.json: $: not JSON: empty body\n" +
				"1 body checked: 0 valid, 1 invalid (1 problem)\n"},
		{name: "JSON Lines report line numbers", args: []string{"events.jsonl"}, code: exitFailed,
			out: "events.jsonl:2: $.tasks[0].id: expected integer, got string\n" +
				"events.jsonl:4: $.action: unknown action \"TASK_CREATED\" (Label Studio sends TASKS_CREATED)\n" +
				"4 bodies checked: 2 valid, 2 invalid (2 problems)\n"},
		{name: "unreadable file is a usage error", args: []string{"bad.json", "missing.json", "valid.json"}, code: exitUsage,
			out: "bad.json: $.tasks[0].id: expected integer, got string\n" +
				"2 bodies checked: 1 valid, 1 invalid (1 problem)\n",
			inErr: "validate: open missing.json: no such file or directory"},
		{name: "directory is unreadable", args: []string{"."}, code: exitUsage,
			inErr: "validate: read .: is a directory"},
		{name: "no file", args: nil, code: exitUsage, inErr: "validate: no file given"},
		{name: "unknown flag", args: []string{"--strict", "valid.json"}, code: exitUsage},
	}
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"validate"}, tt.args...), mapEnv(nil), &stdout, &stderr)
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit code %d, want %d (err %v, stderr %q)", code, tt.code, err, stderr.String())
			}
			if diff := cmp.Diff(tt.out, stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if tt.inErr != "" && (err == nil || !strings.Contains(err.Error(), tt.inErr)) {
				t.Errorf("error %v, want it to contain %q", err, tt.inErr)
			}
		})
	}
}

// An invalid body is reported on stdout, so main must not print the error again.
func TestValidateFailureIsSilent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(badTaskID), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"validate", path}, mapEnv(nil), &bytes.Buffer{}, &bytes.Buffer{})
	var failed *checkFailedError
	if !errors.As(err, &failed) || !errors.Is(err, errSilent) {
		t.Errorf("err = %#v, want a *checkFailedError wrapping errSilent", err)
	}
}

func TestValidateReadsStdin(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		code  int
		out   string
	}{
		{name: "valid", stdin: validTasksCreated, code: exitOK, out: "1 body checked: all valid\n"},
		{name: "invalid lines", stdin: badTaskID + "\n" + `{"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 17, "task": 19}], "project": {"id": 2}}` + "\n", code: exitFailed,
			out: "<stdin>:1: $.tasks[0].id: expected integer, got string\n" +
				"<stdin>:2: $.annotations[0]: unexpected field \"task\"\n" +
				"2 bodies checked: 0 valid, 2 invalid (2 problems)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := validateFiles(context.Background(), []string{"-"}, mapEnv(nil), strings.NewReader(tt.stdin), &stdout, &bytes.Buffer{})
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit code %d, want %d (err %v)", code, tt.code, err)
			}
			if diff := cmp.Diff(tt.out, stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateJSONLinesWithABrokenFirstLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	data := "{\"action\":\n{\"action\":\"TASK_CREATED\"}\n{\"action\":\"PROJECT_CREATED\"}\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"validate", path}, mapEnv(nil), &out, io.Discard)
	if exitCode(err) != exitFailed {
		t.Errorf("exit %d, want %d", exitCode(err), exitFailed)
	}
	wantContains(t, "output", out.String(), path+":1: $: not JSON", path+":2: $.action: unknown action \"TASK_CREATED\"", "3 bodies checked: 1 valid, 2 invalid")
}

// Finding (issue 13): `labelhook validate` on the receiver's own --record
// file reported every line invalid: it checked the record, not its body.
// A record stands for its body, in a record file, in a saved GET /events
// answer and on stdin, and problems name FILE:LINE.
func TestValidateCheckedTheRecordNotItsBody(t *testing.T) {
	dir := t.TempDir()
	recordPath := filepath.Join(dir, "events.jsonl")
	f, err := os.Create(recordPath)
	if err != nil {
		t.Fatal(err)
	}
	rc := receiver.New(receiver.Config{RecordFile: f, MaxBodyBytes: 200})
	srv := httptest.NewServer(rc)
	for _, body := range []string{
		validTasksCreated,
		badTaskID,
		"not json",
		`{"action": "TASKS_CREATED", "pad": "` + strings.Repeat("x", 200) + `"}`,
		`{"action": "PROJECT_DELETED", "project": {"id": 3}}`,
		`"a JSON string"`,
	} {
		postBody(t, srv.URL+"/hook", body)
	}
	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Close()
	rc.Close()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// GET /events pretty-printed, as `curl ... | jq . > saved.json` leaves it.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, answer, "", "  "); err != nil {
		t.Fatal(err)
	}
	savedPath := filepath.Join(dir, "saved.json")
	if err := os.WriteFile(savedPath, pretty.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	records, err := os.ReadFile(recordPath)
	if err != nil {
		t.Fatal(err)
	}
	// The line where each record starts in the pretty-printed list.
	var starts []int
	for i, l := range strings.Split(pretty.String(), "\n") {
		if l == "  {" {
			starts = append(starts, i+1)
		}
	}
	if len(starts) != 6 {
		t.Fatalf("saved GET /events has %d records, want 6:\n%s", len(starts), pretty.String())
	}
	problems := func(file string, lines []int) string {
		return fmt.Sprintf("%[1]s:%[2]d: $.tasks[0].id: expected integer, got string\n"+
			"%[1]s:%[3]d: $: not JSON: invalid character 'o' in literal null (expecting 'u')\n"+
			"%[1]s:%[4]d: $: body not recorded: body exceeds the limit of 200 bytes\n"+
			"%[1]s:%[5]d: $: expected object, got string\n", file, lines[1], lines[2], lines[3], lines[5])
	}
	const summary = "6 bodies checked: 2 valid, 4 invalid (4 problems)\n"
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"record file", []string{recordPath}, "", problems(recordPath, []int{1, 2, 3, 4, 5, 6}) + summary},
		{"saved GET /events", []string{savedPath}, "", problems(savedPath, starts) + summary},
		{"record file on stdin", []string{"-"}, string(records), problems("<stdin>", []int{1, 2, 3, 4, 5, 6}) + summary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := validateFiles(context.Background(), tt.args, mapEnv(nil), strings.NewReader(tt.stdin), &stdout, io.Discard)
			if code := exitCode(err); code != exitFailed {
				t.Errorf("validate %v: exit code %d (err %v), want %d", tt.args, code, err, exitFailed)
			}
			if diff := cmp.Diff(tt.want, stdout.String()); diff != "" {
				t.Errorf("validate %v: stdout (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}
