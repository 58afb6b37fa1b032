package server

import "testing"

// TestDeleteGroundTruths: the action unsets ground_truth on the selected
// tasks' annotations and says how many; the change is journalled (the
// package's tests replay every journal record and compare).
func TestDeleteGroundTruths(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Ground truths")
	e.must("POST", "/api/projects/"+itoa(pid)+"/import",
		`[{"data": {"text": "a"}, "annotations": [{"result": []}]}, {"data": {"text": "b"}, "annotations": [{"result": [], "ground_truth": false}]}]`, 201)
	if a := e.must("GET", "/api/annotations/1", nil, 200); a["ground_truth"] != true {
		t.Fatalf("imported annotation %v, want ground_truth true (the import's default)", a)
	}
	got := e.must("POST", "/api/dm/actions?id=delete_ground_truths&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	if got["processed_items"] != 1.0 {
		t.Errorf("answer %v, want processed_items 1", got)
	}
	for _, id := range []string{"1", "2"} {
		if a := e.must("GET", "/api/annotations/"+id, nil, 200); a["ground_truth"] != false {
			t.Errorf("annotation %s after the action: ground_truth %v, want false", id, a["ground_truth"])
		}
	}
}
