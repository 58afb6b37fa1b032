package main

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestServeRestartLosesNoAcknowledgedWrite acknowledges many concurrent
// writes, stops serve gracefully and starts it again from the state file:
// every write that got its 201 must be there, with the counters it made.
func TestServeRestartLosesNoAcknowledgedWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--addr", "127.0.0.1:0", "--state", path}
	url, _, stop := startServe(t, args, nil)
	var p struct {
		ID int `json:"id"`
	}
	apiJSON(t, url, "POST", "/api/projects", map[string]any{"title": "Restart"}, &p)
	var imported struct {
		TaskIDs []int `json:"task_ids"`
	}
	apiJSON(t, url, "POST", fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", p.ID), []map[string]string{{"a": "1"}, {"a": "2"}, {"a": "3"}, {"a": "4"}}, &imported)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				task := imported.TaskIDs[(w+i)%len(imported.TaskIDs)]
				apiJSON(t, url, "POST", fmt.Sprintf("/api/tasks/%d/annotations/", task), map[string]any{"result": []any{}}, nil)
			}
		})
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	url, _, _ = startServe(t, args, nil)
	var proj struct {
		TaskNumber             int `json:"task_number"`
		TotalAnnotationsNumber int `json:"total_annotations_number"`
		FinishedTaskNumber     int `json:"finished_task_number"`
	}
	apiJSON(t, url, "GET", fmt.Sprintf("/api/projects/%d", p.ID), nil, &proj)
	if proj.TaskNumber != 4 || proj.TotalAnnotationsNumber != writers*each || proj.FinishedTaskNumber != 4 {
		t.Errorf("after a restart: %+v, want 4 tasks, %d annotations, 4 finished", proj, writers*each)
	}
}
