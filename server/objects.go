package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// The REST API's objects (as opposed to webhook payloads, payloads.go).

// annotationObject is the REST API's Annotation (AnnotationSerializer),
// docs/label-studio-behaviour.md#rest-annotation.
type annotationObject struct {
	ID              int             `json:"id"`
	Result          json.RawMessage `json:"result"`
	CreatedUsername string          `json:"created_username"`
	CreatedAgo      string          `json:"created_ago"`
	CompletedBy     any             `json:"completed_by"`
	annotationState
	annotationLinks

	// src is what the view was made from: appendJSON writes its state
	// and links.
	src *annotation
}

// dmUser is an annotation's completed_by as a Data Manager task expands
// it (CompletedByDMSerializer): the user with its initials, which are
// the email's first two letters for a user with no name.
type dmUser struct {
	ID        int     `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Avatar    *string `json:"avatar"`
	Email     string  `json:"email"`
	Initials  string  `json:"initials"`
}

// annotationObjectOf renders an annotation; expand turns completed_by
// into a user object (as the full task shape does).
func (s *Server) annotationObjectOf(a *annotation, expand bool) annotationObject {
	var by any = a.CompletedBy
	if expand && a.CompletedBy != nil {
		by = dmUser{ID: userID, Email: userEmail, Initials: userEmail[:2]}
	}
	return annotationObject{
		ID:              a.ID,
		Result:          orEmptyList(a.Result),
		CreatedUsername: " " + userEmail + ", " + strconv.Itoa(userID),
		CreatedAgo:      ago(s.cfg.Now(), a.CreatedAt),
		CompletedBy:     by,
		annotationState: annotationStateOf(a),
		annotationLinks: annotationLinksOf(a),
		src:             a,
	}
}

// predictionObject is the REST API's Prediction,
// docs/label-studio-behaviour.md#rest-prediction.
type predictionObject struct {
	ID           int             `json:"id"`
	Result       json.RawMessage `json:"result"`
	ModelVersion string          `json:"model_version"`
	CreatedAgo   string          `json:"created_ago"`
	Score        *pyFloat        `json:"score"`
	Cluster      *int            `json:"cluster"`
	Neighbors    json.RawMessage `json:"neighbors"`
	Mislabeling  pyFloat         `json:"mislabeling"`
	CreatedAt    stamp           `json:"created_at"`
	UpdatedAt    stamp           `json:"updated_at"`
	Model        *int            `json:"model"`
	ModelRun     *int            `json:"model_run"`
	Task         int             `json:"task"`
	Project      int             `json:"project"`
}

func (s *Server) predictionObjectOf(p *prediction) predictionObject {
	return predictionObject{
		ID:           p.ID,
		Result:       orEmptyList(p.Result),
		ModelVersion: p.ModelVersion,
		CreatedAgo:   ago(s.cfg.Now(), p.CreatedAt),
		Score:        optPyFloat(p.Score),
		Cluster:      p.Cluster,
		Neighbors:    orNull(p.Neighbors),
		Mislabeling:  pyFloat(p.Mislabeling),
		CreatedAt:    stamp(p.CreatedAt),
		UpdatedAt:    stamp(p.UpdatedAt),
		Task:         p.TaskID,
		Project:      p.ProjectID,
	}
}

// taskUpdatedBy is one entry of the full task's updated_by list.
type taskUpdatedBy struct {
	UserID int `json:"user_id"`
}

// fullTask is the Data Manager task shape (GET /api/tasks, /api/tasks/{id}),
// its keys in the order 1.23.2 answers them (DataManagerTaskSerializer:
// the primary key, the declared fields, the model's fields, its forward
// relations).
type fullTask struct {
	ID                       int                     `json:"id"`
	Predictions              opt[[]predictionObject] `json:"predictions,omitzero"`
	Annotations              opt[[]annotationObject] `json:"annotations,omitzero"`
	Drafts                   []any                   `json:"drafts"`
	Annotators               []int                   `json:"annotators"`
	InnerID                  int                     `json:"inner_id"`
	CancelledAnnotations     int                     `json:"cancelled_annotations"`
	TotalAnnotations         int                     `json:"total_annotations"`
	TotalPredictions         int                     `json:"total_predictions"`
	CompletedAt              opt[*stamp]             `json:"completed_at,omitzero"`
	AnnotationsResults       string                  `json:"annotations_results"`
	PredictionsResults       string                  `json:"predictions_results"`
	PredictionsScore         opt[*pyFloat]           `json:"predictions_score,omitzero"`
	FileUpload               *string                 `json:"file_upload"` // the file's name, not the upload's id
	StorageFilename          *string                 `json:"storage_filename"`
	AnnotationsIDs           string                  `json:"annotations_ids"`
	PredictionsModelVersions string                  `json:"predictions_model_versions"`
	AvgLeadTime              opt[*pyFloat]           `json:"avg_lead_time,omitzero"`
	DraftExists              opt[bool]               `json:"draft_exists,omitzero"`
	UpdatedBy                []taskUpdatedBy         `json:"updated_by"`
	Data                     json.RawMessage         `json:"data"`
	Meta                     json.RawMessage         `json:"meta"`
	CreatedAt                stamp                   `json:"created_at"`
	UpdatedAt                stamp                   `json:"updated_at"`
	IsLabeled                bool                    `json:"is_labeled"`
	Overlap                  int                     `json:"overlap"`
	CommentCount             int                     `json:"comment_count"`
	UnresolvedCommentCount   int                     `json:"unresolved_comment_count"`
	LastCommentUpdatedAt     *stamp                  `json:"last_comment_updated_at"`
	Project                  int                     `json:"project"`
	CommentAuthors           []int                   `json:"comment_authors"`
}

// opt is a key that a view may leave out: omitzero drops it unless set.
type opt[T any] struct {
	v   T
	set bool
}

func some[T any](v T) opt[T]                  { return opt[T]{v, true} }
func (o opt[T]) IsZero() bool                 { return !o.set }
func (o opt[T]) MarshalJSON() ([]byte, error) { return marshal(o.v) }

// fullTaskOf renders the Data Manager shape. withRelated (fields=all, or
// a single GET) adds annotations, predictions, completed_at,
// draft_exists, predictions_score and avg_lead_time, which the default
// list (fields=task_only) leaves out, as 1.23.2 does.
func (s *Server) fullTaskOf(t *task, withRelated bool) fullTask {
	st := s.st
	c := st.countsOf(t)
	ft := fullTask{
		ID: t.ID, Project: t.ProjectID, CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt),
		Drafts: []any{},
		Data:   t.Data, Meta: orNull(t.Meta), UpdatedBy: []taskUpdatedBy{}, IsLabeled: t.IsLabeled,
		Overlap: t.Overlap, FileUpload: st.uploadName(t), Annotators: []int{},
		TotalAnnotations: c.total, TotalPredictions: c.predictions, CancelledAnnotations: c.cancelled,
		InnerID: t.InnerID, CommentAuthors: []int{},
	}
	if t.UpdatedBy != nil {
		ft.UpdatedBy = append(ft.UpdatedBy, taskUpdatedBy{UserID: *t.UpdatedBy})
	}
	// The joined strings are built in place: a page of 100 tasks would
	// otherwise allocate a slice and a map per task for them.
	var ids, results, versions, presults []byte
	var leadSum, scoreSum float64
	var leadN, scoreN int
	for i, aid := range t.annIDs {
		a := st.annotations[aid]
		if withRelated {
			ft.Annotations.v = append(ft.Annotations.v, s.annotationObjectOf(a, true))
		}
		if i > 0 {
			ids = append(ids, ", "...)
			results = append(results, ", "...)
		}
		ids = strconv.AppendInt(ids, int64(a.ID), 10)
		results = append(results, orEmptyList(a.Result)...)
		if a.CompletedBy != nil && !slices.Contains(ft.Annotators, *a.CompletedBy) {
			ft.Annotators = append(ft.Annotators, *a.CompletedBy)
		}
		if a.LeadTime != nil {
			leadSum += *a.LeadTime
			leadN++
		}
	}
	for i, pid := range t.predIDs {
		p := st.predictions[pid]
		if withRelated {
			ft.Predictions.v = append(ft.Predictions.v, s.predictionObjectOf(p))
		}
		if i > 0 {
			versions = append(versions, ", "...)
			presults = append(presults, ", "...)
		}
		versions = append(versions, p.ModelVersion...)
		presults = append(presults, orEmptyList(p.Result)...)
		if p.Score != nil {
			scoreSum += *p.Score
			scoreN++
		}
	}
	ft.AnnotationsIDs = string(ids)
	ft.AnnotationsResults = string(results)
	ft.PredictionsModelVersions = string(versions)
	ft.PredictionsResults = string(presults)
	if !withRelated {
		return ft
	}
	ft.Annotations.set, ft.Predictions.set = true, true
	if ft.Annotations.v == nil {
		ft.Annotations.v = []annotationObject{}
	}
	if ft.Predictions.v == nil {
		ft.Predictions.v = []predictionObject{}
	}
	ft.CompletedAt, ft.DraftExists = some(optStamp(t.CompletedAt)), some(false)
	ft.AvgLeadTime, ft.PredictionsScore = some[*pyFloat](nil), some[*pyFloat](nil)
	if leadN > 0 {
		avg := leadSum / float64(leadN)
		ft.AvgLeadTime.v = optPyFloat(&avg)
	}
	if scoreN > 0 {
		avg := scoreSum / float64(scoreN)
		ft.PredictionsScore.v = optPyFloat(&avg)
	}
	return ft
}

// simpleTask is the shape of PATCH /api/tasks/{id} and GET
// /api/projects/{id}/tasks, its keys in the order 1.23.2 answers them
// (TaskSerializer's fields, then the annotations and predictions).
type simpleTask struct {
	ID                     int                `json:"id"`
	Data                   json.RawMessage    `json:"data"`
	Meta                   json.RawMessage    `json:"meta"`
	CreatedAt              stamp              `json:"created_at"`
	UpdatedAt              stamp              `json:"updated_at"`
	IsLabeled              bool               `json:"is_labeled"`
	Overlap                int                `json:"overlap"`
	InnerID                int                `json:"inner_id"`
	TotalAnnotations       int                `json:"total_annotations"`
	CancelledAnnotations   int                `json:"cancelled_annotations"`
	TotalPredictions       int                `json:"total_predictions"`
	CommentCount           int                `json:"comment_count"`
	UnresolvedCommentCount int                `json:"unresolved_comment_count"`
	LastCommentUpdatedAt   *stamp             `json:"last_comment_updated_at"`
	Project                int                `json:"project"`
	UpdatedBy              *int               `json:"updated_by"`
	FileUpload             *int               `json:"file_upload"`
	CommentAuthors         []int              `json:"comment_authors"`
	Annotations            []annotationObject `json:"annotations"`
	Predictions            []predictionObject `json:"predictions"`
}

func (s *Server) simpleTaskOf(t *task) simpleTask {
	st := s.st
	c := st.countsOf(t)
	out := simpleTask{
		ID: t.ID, Project: t.ProjectID, CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt),
		Annotations: []annotationObject{}, Predictions: []predictionObject{},
		Data: t.Data, Meta: orNull(t.Meta), UpdatedBy: t.UpdatedBy, IsLabeled: t.IsLabeled,
		Overlap: t.Overlap, FileUpload: t.FileUpload, TotalAnnotations: c.total,
		TotalPredictions: c.predictions, CancelledAnnotations: c.cancelled, InnerID: t.InnerID,
		CommentAuthors: []int{},
	}
	for _, aid := range t.annIDs {
		out.Annotations = append(out.Annotations, s.annotationObjectOf(st.annotations[aid], false))
	}
	for _, pid := range t.predIDs {
		out.Predictions = append(out.Predictions, s.predictionObjectOf(st.predictions[pid]))
	}
	return out
}

// ago renders Django's timesince the way created_ago shows it.
func ago(now, then time.Time) string {
	d := now.Sub(then)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/(24*time.Hour)), "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1\u00a0" + unit
	}
	return strconv.Itoa(n) + "\u00a0" + unit + "s"
}
