package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The REST API's objects (as opposed to webhook payloads, payloads.go).

// annotationObject is the REST API's Annotation (AnnotationSerializer), §6.3.
type annotationObject struct {
	ID               int             `json:"id"`
	Result           json.RawMessage `json:"result"`
	CreatedUsername  string          `json:"created_username"`
	CreatedAgo       string          `json:"created_ago"`
	CompletedBy      any             `json:"completed_by"`
	WasCancelled     bool            `json:"was_cancelled"`
	GroundTruth      bool            `json:"ground_truth"`
	CreatedAt        stamp           `json:"created_at"`
	UpdatedAt        stamp           `json:"updated_at"`
	DraftCreatedAt   *stamp          `json:"draft_created_at"`
	LeadTime         *float64        `json:"lead_time"`
	ImportID         *int            `json:"import_id"`
	LastAction       *string         `json:"last_action"`
	BulkCreated      bool            `json:"bulk_created"`
	Task             int             `json:"task"`
	Project          *int            `json:"project"`
	UpdatedBy        *int            `json:"updated_by"`
	ParentPrediction *int            `json:"parent_prediction"`
	ParentAnnotation *int            `json:"parent_annotation"`
	LastCreatedBy    *int            `json:"last_created_by"`
}

// annotationObjectOf renders an annotation; expand turns completed_by
// into a user object (as the full task shape does).
func (s *Server) annotationObjectOf(a *annotation, expand bool) annotationObject {
	pid := a.projectID
	var by any = a.completedBy
	if expand && a.completedBy != nil {
		by = theUser()
	}
	return annotationObject{
		ID:               a.id,
		Result:           orEmptyList(a.result),
		CreatedUsername:  " " + userEmail + ", " + strconv.Itoa(userID),
		CreatedAgo:       ago(s.cfg.Now(), a.createdAt),
		CompletedBy:      by,
		WasCancelled:     a.wasCancelled,
		GroundTruth:      a.groundTruth,
		CreatedAt:        stamp(a.createdAt),
		UpdatedAt:        stamp(a.updatedAt),
		DraftCreatedAt:   optStamp(a.draftCreatedAt),
		LeadTime:         a.leadTime,
		ImportID:         a.importID,
		LastAction:       a.lastAction,
		BulkCreated:      a.bulkCreated,
		Task:             a.taskID,
		Project:          &pid,
		UpdatedBy:        a.updatedBy,
		ParentPrediction: a.parentPrediction,
		ParentAnnotation: a.parentAnnotation,
		LastCreatedBy:    a.lastCreatedBy,
	}
}

// predictionObject is the REST API's Prediction, §6.4.
type predictionObject struct {
	ID           int             `json:"id"`
	Result       json.RawMessage `json:"result"`
	ModelVersion string          `json:"model_version"`
	CreatedAgo   string          `json:"created_ago"`
	Score        *float64        `json:"score"`
	Cluster      *int            `json:"cluster"`
	Neighbors    json.RawMessage `json:"neighbors"`
	Mislabeling  float64         `json:"mislabeling"`
	CreatedAt    stamp           `json:"created_at"`
	UpdatedAt    stamp           `json:"updated_at"`
	Model        *int            `json:"model"`
	ModelRun     *int            `json:"model_run"`
	Task         int             `json:"task"`
	Project      int             `json:"project"`
}

func (s *Server) predictionObjectOf(p *prediction) predictionObject {
	return predictionObject{
		ID:           p.id,
		Result:       orEmptyList(p.result),
		ModelVersion: p.modelVersion,
		CreatedAgo:   ago(s.cfg.Now(), p.createdAt),
		Score:        p.score,
		Cluster:      p.cluster,
		Neighbors:    orNull(p.neighbors),
		Mislabeling:  p.mislabeling,
		CreatedAt:    stamp(p.createdAt),
		UpdatedAt:    stamp(p.updatedAt),
		Task:         p.taskID,
		Project:      p.projectID,
	}
}

// taskUpdatedBy is one entry of the full task's updated_by list.
type taskUpdatedBy struct {
	UserID int `json:"user_id"`
}

// fullTask is the Data Manager task shape (GET /api/tasks, /api/tasks/{id}).
type fullTask struct {
	ID                       int                `json:"id"`
	Project                  int                `json:"project"`
	CreatedAt                stamp              `json:"created_at"`
	UpdatedAt                stamp              `json:"updated_at"`
	Annotations              []annotationObject `json:"annotations"`
	Predictions              []predictionObject `json:"predictions"`
	Drafts                   []any              `json:"drafts"`
	Data                     json.RawMessage    `json:"data"`
	Meta                     json.RawMessage    `json:"meta"`
	UpdatedBy                []taskUpdatedBy    `json:"updated_by"`
	IsLabeled                bool               `json:"is_labeled"`
	Overlap                  int                `json:"overlap"`
	FileUpload               *int               `json:"file_upload"`
	AnnotationsIDs           string             `json:"annotations_ids"`
	AnnotationsResults       string             `json:"annotations_results"`
	Annotators               []int              `json:"annotators"`
	CompletedAt              *stamp             `json:"completed_at"`
	PredictionsModelVersions string             `json:"predictions_model_versions"`
	DraftExists              bool               `json:"draft_exists"`
	PredictionsResults       string             `json:"predictions_results"`
	PredictionsScore         *float64           `json:"predictions_score"`
	TotalAnnotations         int                `json:"total_annotations"`
	TotalPredictions         int                `json:"total_predictions"`
	AvgLeadTime              *float64           `json:"avg_lead_time"`
	CancelledAnnotations     int                `json:"cancelled_annotations"`
	InnerID                  int                `json:"inner_id"`
	StorageFilename          *string            `json:"storage_filename"`
	CommentAuthors           []int              `json:"comment_authors"`
	CommentCount             int                `json:"comment_count"`
	LastCommentUpdatedAt     *stamp             `json:"last_comment_updated_at"`
	UnresolvedCommentCount   int                `json:"unresolved_comment_count"`
}

// fullTaskOf renders the full shape; withRelated includes annotations and
// predictions (fields=all, or a single GET).
func (s *Server) fullTaskOf(t *task, withRelated bool) fullTask {
	st := s.st
	c := st.countsOf(t)
	ft := fullTask{
		ID: t.id, Project: t.projectID, CreatedAt: stamp(t.createdAt), UpdatedAt: stamp(t.updatedAt),
		Annotations: []annotationObject{}, Predictions: []predictionObject{}, Drafts: []any{},
		Data: t.data, Meta: orNull(t.meta), UpdatedBy: []taskUpdatedBy{}, IsLabeled: t.isLabeled,
		Overlap: t.overlap, FileUpload: t.fileUpload, Annotators: []int{}, CompletedAt: optStamp(t.completedAt),
		TotalAnnotations: c.total, TotalPredictions: c.predictions, CancelledAnnotations: c.cancelled,
		InnerID: t.innerID, CommentAuthors: []int{},
	}
	if t.updatedBy != nil {
		ft.UpdatedBy = append(ft.UpdatedBy, taskUpdatedBy{UserID: *t.updatedBy})
	}
	var ids, results, versions, presults []string
	var leadSum, scoreSum float64
	var leadN, scoreN int
	seen := map[int]bool{}
	for _, aid := range t.annIDs {
		a := st.annotations[aid]
		if withRelated {
			ft.Annotations = append(ft.Annotations, s.annotationObjectOf(a, true))
		}
		ids = append(ids, strconv.Itoa(a.id))
		results = append(results, string(orEmptyList(a.result)))
		if a.completedBy != nil && !seen[*a.completedBy] {
			seen[*a.completedBy] = true
			ft.Annotators = append(ft.Annotators, *a.completedBy)
		}
		if a.leadTime != nil {
			leadSum += *a.leadTime
			leadN++
		}
	}
	for _, pid := range t.predIDs {
		p := st.predictions[pid]
		if withRelated {
			ft.Predictions = append(ft.Predictions, s.predictionObjectOf(p))
		}
		versions = append(versions, p.modelVersion)
		presults = append(presults, string(orEmptyList(p.result)))
		if p.score != nil {
			scoreSum += *p.score
			scoreN++
		}
	}
	ft.AnnotationsIDs = strings.Join(ids, ", ")
	ft.AnnotationsResults = strings.Join(results, ", ")
	ft.PredictionsModelVersions = strings.Join(versions, ", ")
	ft.PredictionsResults = strings.Join(presults, ", ")
	if leadN > 0 {
		avg := leadSum / float64(leadN)
		ft.AvgLeadTime = &avg
	}
	if scoreN > 0 {
		avg := scoreSum / float64(scoreN)
		ft.PredictionsScore = &avg
	}
	return ft
}

// simpleTask is the shape of POST /api/tasks, PATCH /api/tasks/{id} and
// GET /api/projects/{id}/tasks.
type simpleTask struct {
	ID                     int                `json:"id"`
	Project                int                `json:"project"`
	CreatedAt              stamp              `json:"created_at"`
	UpdatedAt              stamp              `json:"updated_at"`
	Annotations            []annotationObject `json:"annotations"`
	Predictions            []predictionObject `json:"predictions"`
	Data                   json.RawMessage    `json:"data"`
	Meta                   json.RawMessage    `json:"meta"`
	UpdatedBy              *int               `json:"updated_by"`
	IsLabeled              bool               `json:"is_labeled"`
	Overlap                int                `json:"overlap"`
	FileUpload             *int               `json:"file_upload"`
	TotalAnnotations       int                `json:"total_annotations"`
	TotalPredictions       int                `json:"total_predictions"`
	CancelledAnnotations   int                `json:"cancelled_annotations"`
	InnerID                int                `json:"inner_id"`
	CommentAuthors         []int              `json:"comment_authors"`
	CommentCount           int                `json:"comment_count"`
	LastCommentUpdatedAt   *stamp             `json:"last_comment_updated_at"`
	UnresolvedCommentCount int                `json:"unresolved_comment_count"`
}

func (s *Server) simpleTaskOf(t *task) simpleTask {
	st := s.st
	c := st.countsOf(t)
	out := simpleTask{
		ID: t.id, Project: t.projectID, CreatedAt: stamp(t.createdAt), UpdatedAt: stamp(t.updatedAt),
		Annotations: []annotationObject{}, Predictions: []predictionObject{},
		Data: t.data, Meta: orNull(t.meta), UpdatedBy: t.updatedBy, IsLabeled: t.isLabeled,
		Overlap: t.overlap, FileUpload: t.fileUpload, TotalAnnotations: c.total,
		TotalPredictions: c.predictions, CancelledAnnotations: c.cancelled, InnerID: t.innerID,
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
