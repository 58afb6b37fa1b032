package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// fieldValue returns a task field as a Go value: float64, string, bool,
// time.Time or nil. The values a Data Manager task shows joined or
// averaged (annotators, annotations_results, …) are worked out as
// fullTaskOf works them out, without building the task's view.
func (s *Server) fieldValue(t *task, field string) any {
	st := s.st
	switch field {
	case "id":
		return float64(t.ID)
	case "inner_id":
		return float64(t.InnerID)
	case "total_annotations":
		return float64(st.countsOf(t).total)
	case "cancelled_annotations":
		return float64(st.countsOf(t).cancelled)
	case "total_predictions":
		return float64(len(t.predIDs))
	case "is_labeled":
		return t.IsLabeled
	case "completed_at":
		if t.CompletedAt == nil {
			return nil
		}
		return *t.CompletedAt
	case "created_at":
		return t.CreatedAt
	case "updated_at":
		return t.UpdatedAt
	case "overlap":
		return float64(t.Overlap)
	case "annotators":
		return st.annotatorsOf(t)
	case "annotations_results":
		return st.annotationResultsOf(t)
	case "predictions_results":
		return st.joinedPredictions(t, true)
	case "predictions_model_versions":
		return st.joinedPredictions(t, false)
	case "predictions_score":
		return st.meanPredictionScore(t)
	case "avg_lead_time":
		return st.meanLeadTime(t)
	}
	if key, ok := strings.CutPrefix(field, "data."); ok {
		return dataValue(t, key)
	}
	return nil
}

// missing marks a data key that is absent (as opposed to null).
type missing struct{}

// annotatorsOf joins with "," the ids of the users who completed t's
// annotations, each once, in annotation order.
func (st *store) annotatorsOf(t *task) string {
	var b []byte
	var seen [8]int
	by := seen[:0]
	for _, aid := range t.annIDs {
		a := st.annotations[aid]
		if a.CompletedBy != nil && !slices.Contains(by, *a.CompletedBy) {
			if len(by) > 0 {
				b = append(b, ',')
			}
			by = append(by, *a.CompletedBy)
			b = strconv.AppendInt(b, int64(*a.CompletedBy), 10)
		}
	}
	return string(b)
}

// annotationResultsOf joins with ", " the results of t's annotations.
func (st *store) annotationResultsOf(t *task) string {
	var b []byte
	for i, aid := range t.annIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, orEmptyList(st.annotations[aid].Result)...)
	}
	return string(b)
}

// joinedPredictions joins with ", " the results (or, if not results, the
// model versions) of t's predictions.
func (st *store) joinedPredictions(t *task, results bool) string {
	var b []byte
	for i, pid := range t.predIDs {
		if i > 0 {
			b = append(b, ", "...)
		}
		if p := st.predictions[pid]; results {
			b = append(b, orEmptyList(p.Result)...)
		} else {
			b = append(b, p.ModelVersion...)
		}
	}
	return string(b)
}

// meanPredictionScore is the mean score of t's predictions that have one,
// or nil if none has.
func (st *store) meanPredictionScore(t *task) any {
	var sum float64
	var n int
	for _, pid := range t.predIDs {
		if p := st.predictions[pid]; p.Score != nil {
			sum += *p.Score
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return sum / float64(n)
}

// meanLeadTime is the mean lead time of t's annotations that have one, or
// nil if none has.
func (st *store) meanLeadTime(t *task) any {
	var sum float64
	var n int
	for _, aid := range t.annIDs {
		if a := st.annotations[aid]; a.LeadTime != nil {
			sum += *a.LeadTime
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return sum / float64(n)
}

// dataValue is the value of key in t's data: missing{} if the data has no
// such key, nil if the data does not decode into an object.
func dataValue(t *task, key string) any {
	var data map[string]any
	if json.Unmarshal(t.Data, &data) != nil {
		return nil
	}
	v, ok := data[key]
	if !ok {
		return missing{}
	}
	return v
}
