package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		{name: "broken pretty-printed body is one body", args: []string{"broken.json"}, code: exitFailed,
			out: "broken.json: $: not JSON: invalid character ']' looking for beginning of value\n" +
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
	for _, want := range []string{path + ":1: $: not JSON", path + ":2: $.action: unknown action \"TASK_CREATED\"", "3 bodies checked: 1 valid, 2 invalid"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
