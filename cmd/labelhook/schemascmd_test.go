package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/labelhook/labelhook/schemas"
)

func TestSchemasWritesEveryFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a", "schemas") // created, parents too
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"schemas", "--out", out}, mapEnv(nil), &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	files := schemas.Files()
	var want []string
	for name, content := range files {
		want = append(want, filepath.Join(out, name))
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s differs from schemas.Files()", name)
		}
	}
	slices.Sort(want)
	if got := strings.Fields(stdout.String()); !slices.Equal(got, want) {
		t.Errorf("stdout lists %q, want %q", got, want)
	}
	if len(files) != 13 {
		t.Errorf("%d files, want 12 actions + definitions.json", len(files))
	}
}

// The written files carry no $id, so their relative $refs resolve beside
// them: a validator that loads them from disk needs nothing else.
func TestSchemasFilesWorkFromDisk(t *testing.T) {
	out := t.TempDir()
	if err := run(context.Background(), []string{"schemas", "--out", out}, mapEnv(nil), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	schema, err := gojsonschema.NewSchema(gojsonschema.NewReferenceLoader("file://" + filepath.ToSlash(filepath.Join(out, "tasks_created.json"))))
	if err != nil {
		t.Fatal(err)
	}
	for body, wantValid := range map[string]bool{
		validTasksCreated: true,
		badTaskID:         false,
		`{"action": "TASKS_CREATED", "tasks": [], "project": {"id": 2}}`: false,
	} {
		res, err := schema.Validate(gojsonschema.NewStringLoader(body))
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid() != wantValid {
			t.Errorf("%s: valid = %v, want %v (%v)", body, res.Valid(), wantValid, res.Errors())
		}
	}
}

func TestSchemasErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no --out", nil, exitUsage},
		{"empty --out", []string{"--out", ""}, exitUsage},
		{"extra argument", []string{"--out", t.TempDir(), "more"}, exitUsage},
		{"--out is a file", []string{"--out", file}, exitFailed},
		{"--out under a file", []string{"--out", filepath.Join(file, "dir")}, exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"schemas"}, tt.args...), mapEnv(nil), &bytes.Buffer{}, &bytes.Buffer{})
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit code %d, want %d (err %v)", code, tt.code, err)
			}
		})
	}
}
