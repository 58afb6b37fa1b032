package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A filtered, ordered list is selected once and kept for the next pages
// (selection.go); every change to the store must show in the next page,
// and paging must walk the same list the whole query gives.
func TestTaskListSelectionFollowsChanges(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Selection")
	tids := e.importTasks(pid, 12)
	positive := dmQueryParam(map[string]any{
		"filters":  map[string]any{"conjunction": "and", "items": []any{map[string]any{"filter": "filter:tasks:total_annotations", "operator": "greater", "value": 0, "type": "Number"}}},
		"ordering": []string{"-tasks:id"},
	})
	list := func() []int {
		t.Helper()
		var all []int
		for page := 1; ; page++ {
			status, _ := e.call("GET", "/api/tasks?project="+itoa(pid)+"&page_size=2&page="+itoa(page)+"&query="+positive, nil)
			if status == 404 {
				return all
			}
			got, _ := listIDs(t, e, "project="+itoa(pid)+"&page_size=2&page="+itoa(page)+"&query="+positive)
			all = append(all, got...)
		}
	}
	whole := func() ([]int, map[string]any) {
		t.Helper()
		return listIDs(t, e, "project="+itoa(pid)+"&page_size=1000&query="+positive)
	}
	for _, i := range []int{1, 4, 5, 9} {
		e.must("POST", "/api/tasks/"+itoa(tids[i])+"/annotations", map[string]any{"result": []any{}}, 201)
	}
	for _, step := range []struct {
		name   string
		change func()
		want   []int
	}{
		{"annotated tasks, newest first", func() {}, []int{tids[9], tids[5], tids[4], tids[1]}},
		{"an annotation added", func() {
			e.must("POST", "/api/tasks/"+itoa(tids[7])+"/annotations", map[string]any{"result": []any{}}, 201)
		}, []int{tids[9], tids[7], tids[5], tids[4], tids[1]}},
		{"a task deleted", func() {
			e.call("DELETE", "/api/tasks/"+itoa(tids[5]), nil)
		}, []int{tids[9], tids[7], tids[4], tids[1]}},
		{"an annotation deleted", func() {
			got := e.mustList("GET", "/api/tasks/"+itoa(tids[9])+"/annotations", nil, 200)
			e.call("DELETE", "/api/annotations/"+itoa(int(got[0].(map[string]any)["id"].(float64))), nil)
		}, []int{tids[7], tids[4], tids[1]}},
		{"tasks imported and annotated", func() {
			more := e.importTasks(pid, 2)
			e.must("POST", "/api/tasks/"+itoa(more[1])+"/annotations", map[string]any{"result": []any{}}, 201)
			tids = append(tids, more...)
		}, nil},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.change()
			want := step.want
			if want == nil {
				want = []int{tids[13], tids[7], tids[4], tids[1]}
			}
			if diff := cmp.Diff(want, list()); diff != "" {
				t.Errorf("pages of 2 (-want +got):\n%s", diff)
			}
			got, out := whole()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("one page (-want +got):\n%s", diff)
			}
			if int(out["total"].(float64)) != len(want) || int(out["total_annotations"].(float64)) != len(want) {
				t.Errorf("total %v, total_annotations %v, want %d of each", out["total"], out["total_annotations"], len(want))
			}
		})
	}
}

// The whole project in id order (the SDKs' query: every task selected, no
// filter) is the project's own list: its pages and totals follow changes.
func TestTaskListWholeProjectPages(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Whole")
	tids := e.importTasks(pid, 5)
	sdk := dmQueryParam(map[string]any{"filters": nil, "ordering": []any{}, "selectedItems": map[string]any{"all": true, "excluded": []any{}}})
	page := func(n int) ([]int, map[string]any) {
		return listIDs(t, e, "project="+itoa(pid)+"&page_size=2&page="+itoa(n)+"&fields=all&include=id&query="+sdk)
	}
	got, out := page(3)
	if diff := cmp.Diff(tids[4:], got); diff != "" || out["total"].(float64) != 5 {
		t.Errorf("page 3 of 5 tasks: total %v, ids (-want +got):\n%s", out["total"], diff)
	}
	e.call("DELETE", "/api/tasks/"+itoa(tids[0]), nil)
	e.must("POST", "/api/tasks/"+itoa(tids[1])+"/annotations", map[string]any{"result": []any{}}, 201)
	got, out = page(2)
	if diff := cmp.Diff(tids[3:5], got); diff != "" || out["total"].(float64) != 4 || out["total_annotations"].(float64) != 1 {
		t.Errorf("page 2 after a delete: total %v, total_annotations %v, ids (-want +got):\n%s", out["total"], out["total_annotations"], diff)
	}
}

// TestSelectionOutlivesDeliveryOutcomes: a delivery's outcome changes its
// webhook (failure count, is_active) but no task list, so the selection a
// reader pages through is kept; a change to a task still drops it.
func TestSelectionOutlivesDeliveryOutcomes(t *testing.T) {
	e := newAPI(t, Config{MaxConsecutiveFailures: 3})
	pid := e.project("Kept")
	tids := e.importTasks(pid, 5)
	hid := e.hookOn(pid, "http://127.0.0.1:1/hook", nil)
	q, err := parseDMQuery([]byte(`{"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:id", "operator": "greater", "value": 0, "type": "Number"}]}, "ordering": ["-tasks:id"]}`), "query")
	if err != nil {
		t.Fatal(err)
	}
	st := e.srv.st
	selectNow := func() *selection {
		st.mu.Lock()
		defer st.mu.Unlock()
		return e.srv.listSelection(st.projects[pid], q, false)
	}
	first := selectNow()
	for i, outcome := range []bool{false, false, true} {
		st.withWebhook(hid, st.gen, func(w *webhook) bool {
			if outcome {
				w.ConsecutiveFailures = 0
			} else {
				w.ConsecutiveFailures++
			}
			return true
		})
		if got := selectNow(); got != first {
			t.Fatalf("delivery outcome %d (ok=%v) dropped the kept selection", i, outcome)
		}
	}
	e.must("PATCH", "/api/tasks/"+itoa(tids[0]), map[string]any{"data": map[string]any{"text": "changed"}}, 200)
	if got := selectNow(); got == first {
		t.Errorf("a task change kept the old selection")
	}
}
