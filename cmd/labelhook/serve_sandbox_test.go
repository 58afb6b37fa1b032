package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// apiJSON calls the mock's API with the development token and decodes
// the answer into out (when not nil); it fails the test on a non-2xx.
func apiJSON(t *testing.T, base, method, path string, body, out any) {
	t.Helper()
	if err := apiclient.New(base, server.DefaultToken).Call(context.Background(), method, path, body, out); err != nil {
		t.Fatal(err)
	}
}

type projectPage struct {
	Count   int `json:"count"`
	Results []struct {
		ID                   int    `json:"id"`
		Title                string `json:"title"`
		TaskNumber           int    `json:"task_number"`
		TotalAnnotations     int    `json:"total_annotations_number"`
		TotalPredictions     int    `json:"total_predictions_number"`
		TasksWithAnnotations int    `json:"num_tasks_with_annotations"`
		FinishedTaskNumber   int    `json:"finished_task_number"`
		SkippedAnnotations   int    `json:"skipped_annotations_number"`
		LabelConfig          string `json:"label_config"`
	} `json:"results"`
}

func waitRecords(t *testing.T, rc *receivertest.Receiver, f receiver.Filter, n int) []receiver.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	recs, err := rc.Wait(ctx, f, n)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestServeSampleDataAndWebhook(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	url, logs, stop := startServe(t, []string{"--addr", "127.0.0.1:0", "--sample-data", "--seed", "3", "--webhook", rc.URL + "/hook"}, nil)

	var page projectPage
	apiJSON(t, url, "GET", "/api/projects?page_size=100", nil, &page)
	if page.Count != len(fakedata.Samples) {
		t.Fatalf("%d projects, want the %d samples", page.Count, len(fakedata.Samples))
	}
	for i, p := range page.Results {
		s := fakedata.Samples[i]
		// Tasks 0,1 mod 4 are annotated, 0,2 mod 4 predicted.
		if p.Title != s.Title || p.TaskNumber != 20 || p.TotalAnnotations != 10 || p.TotalPredictions != 10 || p.FinishedTaskNumber != 10 {
			t.Errorf("project %d: %+v, want %q with 20 tasks, 10 annotated, 10 predicted", p.ID, p, s.Title)
		}
	}

	// The webhook was registered before the sample data, so the receiver
	// saw the sandbox fill up, before the ready line.
	recs := rc.Events(receiver.Filter{})
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Action))
		if !r.Valid {
			t.Errorf("%s breaks the contract: %v", r.Action, r.Errors)
		}
		if r.Path != "/hook" {
			t.Errorf("webhook posted to %q, want /hook", r.Path)
		}
	}
	want := []string{"PROJECT_CREATED", "TASKS_CREATED", "PROJECT_CREATED", "TASKS_CREATED", "PROJECT_CREATED", "TASKS_CREATED"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("webhooks during start (-want +got):\n%s", diff)
	}
	// Every TASKS_CREATED carries task data with the keys of its config.
	for i, r := range rc.Events(receiver.Filter{Action: schemas.TasksCreated}) {
		c, _ := fakedata.ParseConfig(fakedata.Samples[i].LabelConfig)
		var body struct {
			Tasks []struct {
				Data map[string]any `json:"data"`
			} `json:"tasks"`
		}
		_ = json.Unmarshal(r.Body, &body)
		if len(body.Tasks) != 20 {
			t.Errorf("TASKS_CREATED %d has %d tasks, want 20", i, len(body.Tasks))
		}
		for _, task := range body.Tasks {
			for _, k := range c.DataKeys() {
				if _, ok := task.Data[k]; !ok {
					t.Errorf("sample task %v lacks %q", task.Data, k)
				}
			}
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `msg="sample data created" projects=3`) {
		t.Errorf("no sample data line in the log:\n%s", logs.String())
	}
}

// TestServeSimulatedAnnotatorsAnnotate checks the wiring of
// --simulate-annotators and --annotation-rate; internal/sandbox tests
// what the annotators do.
func TestServeSimulatedAnnotatorsAnnotate(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	_, logs, stop := startServe(t, []string{"--addr", "127.0.0.1:0", "--sample-data", "--seed", "5",
		"--simulate-annotators", "3", "--annotation-rate", "200", "--webhook", rc.URL}, nil)
	all := waitRecords(t, rc, receiver.Filter{}, 6+5)
	if err := stop(); err != nil {
		t.Fatalf("serve with annotators did not stop cleanly: %v", err)
	}
	for _, r := range all[6:] {
		if r.Action != schemas.AnnotationCreated && r.Action != schemas.AnnotationUpdated {
			t.Errorf("simulated annotators sent %s", r.Action)
		}
	}
	if !strings.Contains(logs.String(), `msg="simulated annotators started" annotators=3 actions_per_second=200 seed=5`) {
		t.Errorf("no start line for the annotators:\n%s", logs.String())
	}
}

func TestServeStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sandbox.json")
	rc := receivertest.NewReceiver(t)
	args := []string{"--addr", "127.0.0.1:0", "--state", path, "--verbose", "--webhook", rc.URL}

	url, _, stop := startServe(t, args, nil)
	apiJSON(t, url, "POST", "/api/projects", map[string]any{"title": "Kept across restarts"}, nil)
	// Journaled before the answer: on disk already, before any shutdown.
	if b, _ := os.ReadFile(path + ".journal"); !bytes.Contains(b, []byte("Kept across restarts")) {
		t.Errorf("the journal lacks the acknowledged change:\n%s", b)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	url, logs, stop := startServe(t, append(args, "--sample-data"), nil)
	var page projectPage
	apiJSON(t, url, "GET", "/api/projects", nil, &page)
	if page.Count != 1 || page.Results[0].Title != "Kept across restarts" {
		t.Errorf("after a restart: %+v, want only the saved project (no sample data on top)", page)
	}
	var hooks []any
	apiJSON(t, url, "GET", "/api/webhooks", nil, &hooks)
	if len(hooks) != 1 {
		t.Errorf("%d webhooks after a restart with the same --webhook, want 1 (reused)", len(hooks))
	}
	var p struct {
		ID int `json:"id"`
	}
	apiJSON(t, url, "POST", "/api/projects", map[string]any{"title": "Second"}, &p)
	if p.ID != 2 {
		t.Errorf("new project id %d after a restart, want 2", p.ID)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	wantContains(t, "log", logs.String(), `msg="state loaded"`, `msg="sample data skipped`)
	b, _ := os.ReadFile(path)
	if !bytes.Contains(b, []byte(`"title":"Second"`)) {
		t.Errorf("the shutdown save lacks the last change:\n%s", b)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"sandbox.json", "sandbox.json.journal", "sandbox.json.lock"}; !slices.Equal(names, want) {
		t.Errorf("state directory holds %v, want %v (no temporary files)", names, want)
	}
	if b, _ := os.ReadFile(path + ".journal"); len(b) != 0 {
		t.Errorf("after a clean stop the journal holds %d bytes, want 0 (folded into the state file)", len(b))
	}
}

func TestServeCorruptStateIsUsageError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	corrupt := []byte(`{"format":"labelhook-state","version":1,"next":{"task":1},"projects":[],"tasks":[{"id":1,"project":7,"data":{}}],` +
		`"annotations":[],"predictions":[],"webhooks":[],"views":[]}`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--state", path}, mapEnv(nil), io.Discard, io.Discard)
	if code := exitCode(err); code != exitUsage || !strings.Contains(fmt.Sprint(err), path) || !strings.Contains(fmt.Sprint(err), "project 7 does not exist") {
		t.Errorf("exit %d, err %v; want %d naming the file and the problem", code, err, exitUsage)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, corrupt) {
		t.Errorf("a corrupt state file was overwritten:\n%s", b)
	}
}

func TestServeWebhooksFromEnvironment(t *testing.T) {
	a, b := receivertest.NewReceiver(t), receivertest.NewReceiver(t)
	url, _, _ := startServe(t, nil, map[string]string{"LABELHOOK_ADDR": "127.0.0.1:0", "LABELHOOK_WEBHOOKS": a.URL + "/x, " + b.URL + "/y"})
	var hooks []struct {
		URL     string `json:"url"`
		Project *int   `json:"project"`
	}
	apiJSON(t, url, "GET", "/api/webhooks", nil, &hooks)
	if len(hooks) != 2 || hooks[0].URL != a.URL+"/x" || hooks[1].URL != b.URL+"/y" || hooks[0].Project != nil {
		t.Errorf("webhooks %+v, want two organization-level ones in order", hooks)
	}
	apiJSON(t, url, "POST", "/api/projects", map[string]any{"title": "Ping"}, nil)
	waitRecords(t, a, receiver.Filter{Action: schemas.ProjectCreated}, 1)
	waitRecords(t, b, receiver.Filter{Action: schemas.ProjectCreated}, 1)
}

func TestServeSandboxUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"negative annotators", []string{"--simulate-annotators", "-1"}, nil},
		{"zero rate", []string{"--simulate-annotators", "2", "--annotation-rate", "0"}, nil},
		{"webhook not http", []string{"--webhook", "ftp://example.com/hook"}, nil},
		{"webhook without host", []string{"--webhook", "http:///hook"}, nil},
		{"bad webhook in env", nil, map[string]string{"LABELHOOK_WEBHOOKS": "http://a.example/hook,not a url"}},
		{"bad seed", []string{"--seed", "abc"}, nil},
		{"bad seed in env", nil, map[string]string{"LABELHOOK_SEED": "1.5"}},
		{"state in a missing directory", []string{"--state", filepath.Join(t.TempDir(), "no", "such", "dir", "s.json"), "--addr", "127.0.0.1:0"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"serve"}, tc.args...), mapEnv(tc.vars), io.Discard, io.Discard)
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit %d (err %v), want %d", code, err, exitUsage)
			}
		})
	}
}
