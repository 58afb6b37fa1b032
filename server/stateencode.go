package server

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// The state file and every journal record hold tasks, annotations and
// predictions by the hundred thousand: an annotation's write journals its
// task and itself, and a compaction writes them all under the store lock.
// These three are written by hand, byte for byte as encoding/json (HTML
// escaping off) writes them, without its reflection and without its second
// pass over each raw JSON field (TestStateEncodingMatchesEncodingJSON).
// The other kinds, a few per project, go through encoding/json.

// stateAppender is an entity that writes its own state JSON.
type stateAppender interface {
	appendState(b []byte) ([]byte, error)
}

func (t *task) appendState(b []byte) ([]byte, error) {
	b = appendKeyInt(append(b, '{'), `"id":`, t.ID)
	b = appendKeyInt(b, `,"project":`, t.ProjectID)
	b = appendRaw(append(b, `,"data":`...), t.Data)
	if len(t.Meta) > 0 {
		b = appendRaw(append(b, `,"meta":`...), t.Meta)
	}
	b = appendStateTime(append(b, `,"created_at":`...), &t.CreatedAt)
	b = appendStateTime(append(b, `,"updated_at":`...), &t.UpdatedAt)
	b = appendStateTime(append(b, `,"completed_at":`...), t.CompletedAt)
	b = strconv.AppendBool(append(b, `,"is_labeled":`...), t.IsLabeled)
	b = appendKeyInt(b, `,"overlap":`, t.Overlap)
	b = appendKeyInt(b, `,"inner_id":`, t.InnerID)
	b = appendIntPtr(append(b, `,"updated_by":`...), t.UpdatedBy)
	b = appendIntPtr(append(b, `,"file_upload":`...), t.FileUpload)
	return append(b, '}'), nil
}

func (a *annotation) appendState(b []byte) ([]byte, error) {
	var err error
	b = appendKeyInt(append(b, '{'), `"id":`, a.ID)
	b = appendKeyInt(b, `,"task":`, a.TaskID)
	b = appendKeyInt(b, `,"project":`, a.ProjectID)
	if len(a.Result) > 0 {
		b = appendRaw(append(b, `,"result":`...), a.Result)
	}
	b = strconv.AppendBool(append(b, `,"was_cancelled":`...), a.WasCancelled)
	b = strconv.AppendBool(append(b, `,"ground_truth":`...), a.GroundTruth)
	b = appendStateTime(append(b, `,"created_at":`...), &a.CreatedAt)
	b = appendStateTime(append(b, `,"updated_at":`...), &a.UpdatedAt)
	b = appendStateTime(append(b, `,"draft_created_at":`...), a.DraftCreatedAt)
	if b, err = appendStateFloatPtr(append(b, `,"lead_time":`...), a.LeadTime); err != nil {
		return b, err
	}
	if len(a.Prediction) > 0 {
		b = appendRaw(append(b, `,"prediction":`...), a.Prediction)
	}
	b = appendString(append(b, `,"unique_id":`...), a.UniqueID)
	b = appendIntPtr(append(b, `,"import_id":`...), a.ImportID)
	b = appendStringPtr(append(b, `,"last_action":`...), a.LastAction)
	b = appendIntPtr(append(b, `,"completed_by":`...), a.CompletedBy)
	b = appendIntPtr(append(b, `,"updated_by":`...), a.UpdatedBy)
	b = appendIntPtr(append(b, `,"parent_prediction":`...), a.ParentPrediction)
	b = appendIntPtr(append(b, `,"parent_annotation":`...), a.ParentAnnotation)
	b = appendIntPtr(append(b, `,"last_created_by":`...), a.LastCreatedBy)
	b = strconv.AppendBool(append(b, `,"bulk_created":`...), a.BulkCreated)
	return append(b, '}'), nil
}

func (p *prediction) appendState(b []byte) ([]byte, error) {
	var err error
	b = appendKeyInt(append(b, '{'), `"id":`, p.ID)
	b = appendKeyInt(b, `,"task":`, p.TaskID)
	b = appendKeyInt(b, `,"project":`, p.ProjectID)
	if len(p.Result) > 0 {
		b = appendRaw(append(b, `,"result":`...), p.Result)
	}
	b = appendString(append(b, `,"model_version":`...), p.ModelVersion)
	if b, err = appendStateFloatPtr(append(b, `,"score":`...), p.Score); err != nil {
		return b, err
	}
	b = appendIntPtr(append(b, `,"cluster":`...), p.Cluster)
	if len(p.Neighbors) > 0 {
		b = appendRaw(append(b, `,"neighbors":`...), p.Neighbors)
	}
	if b, err = appendStateFloat(append(b, `,"mislabeling":`...), p.Mislabeling); err != nil {
		return b, err
	}
	b = appendStateTime(append(b, `,"created_at":`...), &p.CreatedAt)
	b = appendStateTime(append(b, `,"updated_at":`...), &p.UpdatedAt)
	return append(b, '}'), nil
}

func appendKeyInt(b []byte, key string, n int) []byte {
	return strconv.AppendInt(append(b, key...), int64(n), 10)
}

// appendStateTime writes a time as time.Time's MarshalJSON does (RFC 3339
// with nanoseconds), null for nil.
func appendStateTime(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendStateFloatPtr(b []byte, f *float64) ([]byte, error) {
	if f == nil {
		return append(b, "null"...), nil
	}
	return appendStateFloat(b, *f)
}

// appendStateFloat writes a float64 as encoding/json does: the shortest
// form, an exponent only below 1e-6 or from 1e21 on, and no leading zero
// in a negative exponent.
func appendStateFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
