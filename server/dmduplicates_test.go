package server

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRemoveDuplicates: as Label Studio 1.23.2 was seen to do, each group
// of tasks with the same data keeps its first annotated task (else its
// first task), which takes the others' annotations; the rest are deleted
// with one TASKS_DELETED; the answer is {}.
func TestRemoveDuplicates(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{})
	pid := e.project("Duplicates")
	e.hookOn(pid, h.URL, nil)
	// 1 a, 2 b, 3 a, 4 c, 5 a with its keys in another order, 6 c, 7 b with
	// another number form, 8 b
	e.must("POST", "/api/projects/"+itoa(pid)+"/import",
		`[{"text":"a","n":1},{"text":"b"},{"text":"a","n":1},{"text":"c"},{"n":1,"text":"a"},{"text":"c"},{"text":"b","n":1.0},{"text":"b"}]`, 201)
	res := []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"x"}}}}
	e.must("POST", "/api/tasks/3/annotations/", map[string]any{"result": res}, 201)                                            // annotation 1
	e.must("POST", "/api/tasks/6/annotations/", map[string]any{"result": res}, 201)                                            // annotation 2
	e.must("POST", "/api/tasks/4/annotations/", map[string]any{"result": res}, 201)                                            // annotation 3
	e.must("POST", "/api/tasks/8/annotations/?was_cancelled=1", map[string]any{"result": []any{}, "was_cancelled": true}, 201) // annotation 4
	h.take()

	got := e.must("POST", "/api/dm/actions?id=remove_duplicates&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []any{}}}, 200)
	if len(got) != 0 {
		t.Errorf("answer %v, want {}", got)
	}
	events := h.take()
	if len(events) != 1 || events[0].Action() != "TASKS_DELETED" {
		t.Fatalf("events %v, want one TASKS_DELETED", actions(events))
	}
	var body struct {
		Tasks []struct{ ID int } `json:"tasks"`
	}
	if err := json.Unmarshal(events[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	var deleted []int
	for _, x := range body.Tasks {
		deleted = append(deleted, x.ID)
	}
	// a: 1, 3 keep 3 (annotated); b: 2, 8 keep 8 (a cancelled annotation
	// counts); c: 4, 6 keep 4, which takes annotation 2. 5 and 7 differ as
	// Python's json.dumps writes them: key order is kept, 1.0 is not 1.
	if diff := cmp.Diff([]int{1, 2, 6}, deleted); diff != "" {
		t.Errorf("deleted tasks (-want +got):\n%s", diff)
	}
	left := map[int][]int{}
	for _, x := range e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200) {
		task := x.(map[string]any)
		var anns []int
		for _, a := range e.mustList("GET", "/api/tasks/"+itoa(int(task["id"].(float64)))+"/annotations", nil, 200) {
			anns = append(anns, int(a.(map[string]any)["id"].(float64)))
		}
		left[int(task["id"].(float64))] = anns
	}
	// (The list of a task's annotations leaves out cancelled ones.)
	if diff := cmp.Diff(map[int][]int{3: {1}, 4: {2, 3}, 5: nil, 7: nil, 8: nil}, left); diff != "" {
		t.Errorf("tasks left and their annotations (-want +got):\n%s", diff)
	}
	if p := e.must("GET", "/api/projects/"+itoa(pid), nil, 200); p["task_number"] != 5.0 || p["num_tasks_with_annotations"] != 2.0 ||
		p["skipped_annotations_number"] != 1.0 {
		t.Errorf("project counts task_number %v, num_tasks_with_annotations %v, skipped_annotations_number %v; want 5, 2, 1",
			p["task_number"], p["num_tasks_with_annotations"], p["skipped_annotations_number"])
	}

	// Nothing left to remove: no event (1.23.2 sends a bulk event in
	// batches, and no task makes no batch).
	e.must("POST", "/api/dm/actions?id=remove_duplicates&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []any{}}}, 200)
	if got := h.take(); len(got) != 0 {
		t.Errorf("second run sent %v, want nothing", actions(got))
	}
}
