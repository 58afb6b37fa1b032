package server

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestExportOfManyChunks: an export of several chunks, encoded by one
// goroutine or a chunk per CPU, is the tasks' export views in order, each
// once, comma-separated: the chunks are joined in order and only the
// list's first item goes without a comma.
func TestExportOfManyChunks(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("chunks")
	const n = 5*streamChunk + 17
	var rows []string
	for i := range n {
		row := fmt.Sprintf(`{"data": {"text": "task %d"}}`, i)
		if i%3 != 0 || i == 1 { // the first task has none: the list starts later
			row = fmt.Sprintf(`{"data": {"text": "task %d"}, "annotations": [{"result": [], "lead_time": %d.5}]}`, i, i)
		}
		rows = append(rows, row)
	}
	if status, body := e.call("POST", "/api/projects/"+itoa(pid)+"/import", "["+strings.Join(rows, ",")+"]"); status != 201 {
		t.Fatalf("import: %d %s", status, body)
	}
	want := func(all bool) string {
		e.srv.st.mu.Lock()
		defer e.srv.st.mu.Unlock()
		var items []string
		for _, id := range e.srv.st.projects[pid].taskIDs {
			tk := e.srv.st.tasks[id]
			if !all && len(tk.annIDs) == 0 {
				continue
			}
			v := e.srv.snapshotTaskOf(tk, snapshotOptions{})
			items = append(items, string(v.appendJSON(nil)))
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	for _, procs := range []int{1, 2, maxEncoders + 1} {
		for _, all := range []bool{false, true} {
			t.Run(fmt.Sprintf("GOMAXPROCS=%d all=%v", procs, all), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				status, got := e.call("GET", fmt.Sprintf("/api/projects/%d/export?exportType=JSON&download_all_tasks=%v", pid, all), nil)
				if status != 200 {
					t.Fatalf("export: %d %s", status, got)
				}
				if w := want(all); string(got) != w {
					t.Errorf("export of %d bytes differs from the views (%d bytes)", len(got), len(w))
					for i := range min(len(got), len(w)) {
						if got[i] != w[i] {
							t.Errorf("first difference at byte %d:\n got …%s…\nwant …%s…", i, got[max(0, i-80):min(len(got), i+80)], w[max(0, i-80):min(len(w), i+80)])
							break
						}
					}
				}
			})
		}
	}
}

// TestTaskListOfManyChunks: one page of the whole project, default and
// fields=all, encoded by one goroutine or a chunk per CPU, is the tasks'
// list views in order.
func TestTaskListOfManyChunks(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("chunks")
	tids := e.importTasks(pid, 3*streamChunk+5)
	for _, i := range []int{0, 300, 700} {
		e.must("POST", "/api/tasks/"+itoa(tids[i])+"/annotations", map[string]any{"result": []any{}, "lead_time": 2}, 201)
	}
	want := func(all bool) string {
		e.srv.st.mu.Lock()
		defer e.srv.st.mu.Unlock()
		var items []string
		for _, id := range e.srv.st.projects[pid].taskIDs {
			v := e.srv.fullTaskOf(e.srv.st.tasks[id], all)
			items = append(items, string(v.appendJSON(nil)))
		}
		return fmt.Sprintf(`{"total_annotations":3,"total_predictions":0,"total":%d,"tasks":[`, len(tids)) + strings.Join(items, ",") + `]}`
	}
	for _, procs := range []int{1, 2} {
		for _, all := range []bool{false, true} {
			t.Run(fmt.Sprintf("GOMAXPROCS=%d fields=all:%v", procs, all), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				path := fmt.Sprintf("/api/tasks?project=%d&page_size=100000", pid)
				if all {
					path += "&fields=all"
				}
				status, got := e.call("GET", path, nil)
				if status != 200 {
					t.Fatalf("list: %d %s", status, got)
				}
				if w := want(all); string(got) != w {
					t.Errorf("list of %d bytes differs from the views (%d bytes)\n got %.300s…\nwant %.300s…", len(got), len(w), got, w)
				}
			})
		}
	}
}
