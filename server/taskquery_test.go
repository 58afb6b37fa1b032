package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFieldValueMatchesTheTaskView: the values filters and ordering read
// from a task's annotations and predictions are the ones its Data
// Manager view shows (fullTaskOf), though fieldValue no longer builds the
// view for them.
func TestFieldValueMatchesTheTaskView(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("fields")
	rows := `[
		{"data": {"text": "none"}},
		{"data": {"text": "one"}, "annotations": [{"result": [], "lead_time": 2.5}]},
		{"data": {"text": "two"}, "annotations": [{"result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["A"]}}], "lead_time": 1},
			{"result": [], "was_cancelled": true}],
		 "predictions": [{"result": [], "model_version": "m1", "score": 0.5}, {"result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["B"]}}], "model_version": "m2"}]},
		{"data": {"text": "three"}, "predictions": [{"result": [], "model_version": "", "score": 0.25}, {"result": [], "model_version": "m3", "score": 1}]}
	]`
	if status, body := e.call("POST", "/api/projects/"+itoa(pid)+"/import", rows); status != 201 {
		t.Fatalf("import: %d %s", status, body)
	}
	s := e.srv
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	// Annotators: several users, one of them twice.
	users := []int{7, 3, 7}
	n := 0
	for _, tid := range s.st.projects[pid].taskIDs {
		for _, aid := range s.st.tasks[tid].annIDs {
			u := users[n%len(users)]
			s.st.annotations[aid].CompletedBy = &u
			n++
		}
	}
	// The reference: the values as the task's view shows them.
	fromView := func(tk *task, field string) any {
		ft := s.fullTaskOf(tk, true)
		switch field {
		case "annotators":
			parts := make([]string, len(ft.Annotators))
			for i, a := range ft.Annotators {
				parts[i] = strconv.Itoa(a)
			}
			return strings.Join(parts, ",")
		case "annotations_results":
			return ft.AnnotationsResults
		case "predictions_results":
			return ft.PredictionsResults
		case "predictions_model_versions":
			return ft.PredictionsModelVersions
		case "predictions_score":
			if ft.PredictionsScore.v == nil {
				return nil
			}
			return float64(*ft.PredictionsScore.v)
		case "avg_lead_time":
			if ft.AvgLeadTime.v == nil {
				return nil
			}
			return float64(*ft.AvgLeadTime.v)
		case "total_annotations":
			return float64(ft.TotalAnnotations)
		case "cancelled_annotations":
			return float64(ft.CancelledAnnotations)
		case "total_predictions":
			return float64(ft.TotalPredictions)
		}
		t.Fatalf("no reference for %s", field)
		return nil
	}
	// The data is what the cases need: task "two" has two annotators and
	// two predictions, one without a score.
	two := s.st.tasks[s.st.projects[pid].taskIDs[2]]
	if got := s.fieldValue(two, "annotators"); got != "3,7" {
		t.Fatalf("annotators of task two = %v, want 3,7", got)
	}
	if got := s.fieldValue(two, "predictions_model_versions"); got != "m1, m2" {
		t.Fatalf("predictions_model_versions of task two = %v, want \"m1, m2\"", got)
	}
	for _, tid := range s.st.projects[pid].taskIDs {
		tk := s.st.tasks[tid]
		for _, field := range []string{"annotators", "annotations_results", "predictions_results", "predictions_model_versions",
			"predictions_score", "avg_lead_time", "total_annotations", "cancelled_annotations", "total_predictions"} {
			if diff := cmp.Diff(fromView(tk, field), s.fieldValue(tk, field)); diff != "" {
				t.Errorf("task %d (%s) %s (-view +fieldValue):\n%s", tid, tk.Data, field, diff)
			}
		}
	}
}
