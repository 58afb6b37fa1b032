package server

import (
	"encoding/json"
)

// The objects Label Studio's webhook serializers (serializers_for_hooks.py)
// put in payloads. They differ from the REST API's objects; field order
// follows the serializers.

// projectPayload is ProjectWebhookSerializer's output.
type projectPayload struct {
	ID                               int             `json:"id"`
	TaskNumber                       int             `json:"task_number"`
	FinishedTaskNumber               int             `json:"finished_task_number"`
	TotalPredictionsNumber           int             `json:"total_predictions_number"`
	TotalAnnotationsNumber           int             `json:"total_annotations_number"`
	NumTasksWithAnnotations          int             `json:"num_tasks_with_annotations"`
	UsefulAnnotationNumber           int             `json:"useful_annotation_number"`
	GroundTruthNumber                int             `json:"ground_truth_number"`
	SkippedAnnotationsNumber         int             `json:"skipped_annotations_number"`
	Title                            *string         `json:"title"`
	Description                      *string         `json:"description"`
	LabelConfig                      string          `json:"label_config"`
	ParsedLabelConfig                json.RawMessage `json:"parsed_label_config"`
	LabelConfigHash                  *int64          `json:"label_config_hash"`
	ExpertInstruction                string          `json:"expert_instruction"`
	ShowInstruction                  bool            `json:"show_instruction"`
	ShowSkipButton                   bool            `json:"show_skip_button"`
	EnableEmptyAnnotation            bool            `json:"enable_empty_annotation"`
	RevealPreannotations             bool            `json:"reveal_preannotations_interactively"`
	ShowAnnotationHistory            bool            `json:"show_annotation_history"`
	ShowCollabPredictions            bool            `json:"show_collab_predictions"`
	EvaluatePredictionsAutomatically bool            `json:"evaluate_predictions_automatically"`
	Token                            string          `json:"token"`
	ResultCount                      int             `json:"result_count"`
	Color                            string          `json:"color"`
	MaximumAnnotations               int             `json:"maximum_annotations"`
	MinAnnotationsToStartTraining    int             `json:"min_annotations_to_start_training"`
	ControlWeights                   json.RawMessage `json:"control_weights"`
	ModelVersion                     string          `json:"model_version"`
	DataTypes                        json.RawMessage `json:"data_types"`
	IsDraft                          bool            `json:"is_draft"`
	IsPublished                      bool            `json:"is_published"`
	CreatedAt                        stamp           `json:"created_at"`
	UpdatedAt                        stamp           `json:"updated_at"`
	Sampling                         string          `json:"sampling"`
	SkipQueue                        string          `json:"skip_queue"`
	ShowGroundTruthFirst             bool            `json:"show_ground_truth_first"`
	ShowOverlapFirst                 bool            `json:"show_overlap_first"`
	OverlapCohortPercentage          int             `json:"overlap_cohort_percentage"`
	TaskDataLogin                    *string         `json:"task_data_login"`
	TaskDataPassword                 *string         `json:"task_data_password"`
	PinnedAt                         *stamp          `json:"pinned_at"`
	Organization                     int             `json:"organization"`
	CreatedBy                        *int            `json:"created_by"`
}

func (st *store) projectPayload(p *project) projectPayload {
	c := st.projectCountsOf(p)
	hash := p.parsed.hash
	createdBy := userID
	return projectPayload{
		ID:                               p.ID,
		TaskNumber:                       c.taskNumber,
		FinishedTaskNumber:               c.finishedTasks,
		TotalPredictionsNumber:           c.predictions,
		TotalAnnotationsNumber:           c.annotations,
		NumTasksWithAnnotations:          c.tasksWithAnnotations,
		UsefulAnnotationNumber:           c.usefulAnnotations,
		GroundTruthNumber:                c.groundTruth,
		SkippedAnnotationsNumber:         c.skipped,
		Title:                            p.Title,
		Description:                      p.Description,
		LabelConfig:                      p.LabelConfig,
		ParsedLabelConfig:                p.parsed.parsedJSON(),
		LabelConfigHash:                  &hash,
		ExpertInstruction:                p.ExpertInstruction,
		ShowInstruction:                  p.ShowInstruction,
		ShowSkipButton:                   p.ShowSkipButton,
		EnableEmptyAnnotation:            p.EnableEmptyAnnotation,
		RevealPreannotations:             p.RevealPreannotationsInteractive,
		ShowAnnotationHistory:            p.ShowAnnotationHistory,
		ShowCollabPredictions:            p.ShowCollabPredictions,
		EvaluatePredictionsAutomatically: p.EvaluatePredictionsAutomatically,
		Token:                            p.Token,
		ResultCount:                      c.resultCount,
		Color:                            p.Color,
		MaximumAnnotations:               p.MaximumAnnotations,
		MinAnnotationsToStartTraining:    p.MinAnnotationsToStartTraining,
		ControlWeights:                   orEmptyObject(p.ControlWeights),
		ModelVersion:                     p.ModelVersion,
		DataTypes:                        p.parsed.dataTypesJSON(),
		IsDraft:                          p.IsDraft,
		IsPublished:                      p.IsPublished,
		CreatedAt:                        stamp(p.CreatedAt),
		UpdatedAt:                        stamp(p.UpdatedAt),
		Sampling:                         p.Sampling,
		SkipQueue:                        p.SkipQueue,
		ShowGroundTruthFirst:             p.ShowGroundTruthFirst,
		ShowOverlapFirst:                 p.ShowOverlapFirst,
		OverlapCohortPercentage:          p.OverlapCohortPercentage,
		TaskDataLogin:                    p.TaskDataLogin,
		TaskDataPassword:                 p.TaskDataPassword,
		PinnedAt:                         optStamp(p.PinnedAt),
		Organization:                     orgID,
		CreatedBy:                        &createdBy,
	}
}

// taskPayload is TaskWebhookSerializer's output: no annotations, no predictions.
type taskPayload struct {
	ID                     int             `json:"id"`
	Data                   json.RawMessage `json:"data"`
	Meta                   json.RawMessage `json:"meta"`
	CreatedAt              stamp           `json:"created_at"`
	UpdatedAt              stamp           `json:"updated_at"`
	IsLabeled              bool            `json:"is_labeled"`
	Overlap                int             `json:"overlap"`
	InnerID                int             `json:"inner_id"`
	TotalAnnotations       int             `json:"total_annotations"`
	CancelledAnnotations   int             `json:"cancelled_annotations"`
	TotalPredictions       int             `json:"total_predictions"`
	CommentCount           int             `json:"comment_count"`
	UnresolvedCommentCount int             `json:"unresolved_comment_count"`
	LastCommentUpdatedAt   *stamp          `json:"last_comment_updated_at"`
	Project                int             `json:"project"`
	UpdatedBy              *int            `json:"updated_by"`
	FileUpload             *int            `json:"file_upload"`
	CommentAuthors         []int           `json:"comment_authors"`
}

func (st *store) taskPayload(t *task) taskPayload {
	c := st.countsOf(t)
	return taskPayload{
		ID:                   t.ID,
		Data:                 t.Data,
		Meta:                 orNull(t.Meta),
		CreatedAt:            stamp(t.CreatedAt),
		UpdatedAt:            stamp(t.UpdatedAt),
		IsLabeled:            t.IsLabeled,
		Overlap:              t.Overlap,
		InnerID:              t.InnerID,
		TotalAnnotations:     c.total,
		CancelledAnnotations: c.cancelled,
		TotalPredictions:     c.predictions,
		Project:              t.ProjectID,
		UpdatedBy:            t.UpdatedBy,
		FileUpload:           t.FileUpload,
		CommentAuthors:       []int{},
	}
}

// annotationPayload is AnnotationWebhookSerializer's output.
type annotationPayload struct {
	ID               int             `json:"id"`
	Result           json.RawMessage `json:"result"`
	WasCancelled     bool            `json:"was_cancelled"`
	GroundTruth      bool            `json:"ground_truth"`
	CreatedAt        stamp           `json:"created_at"`
	UpdatedAt        stamp           `json:"updated_at"`
	DraftCreatedAt   *stamp          `json:"draft_created_at"`
	LeadTime         *float64        `json:"lead_time"`
	Prediction       json.RawMessage `json:"prediction"`
	ResultCount      int             `json:"result_count"`
	UniqueID         string          `json:"unique_id"`
	ImportID         *int            `json:"import_id"`
	LastAction       *string         `json:"last_action"`
	Task             int             `json:"task"`
	Project          *int            `json:"project"`
	CompletedBy      *int            `json:"completed_by"`
	UpdatedBy        *int            `json:"updated_by"`
	ParentPrediction *int            `json:"parent_prediction"`
	ParentAnnotation *int            `json:"parent_annotation"`
	LastCreatedBy    *int            `json:"last_created_by"`
}

func annotationPayloadOf(a *annotation) annotationPayload {
	pid := a.ProjectID
	return annotationPayload{
		ID:               a.ID,
		Result:           orEmptyList(a.Result),
		WasCancelled:     a.WasCancelled,
		GroundTruth:      a.GroundTruth,
		CreatedAt:        stamp(a.CreatedAt),
		UpdatedAt:        stamp(a.UpdatedAt),
		DraftCreatedAt:   optStamp(a.DraftCreatedAt),
		LeadTime:         a.LeadTime,
		Prediction:       orEmptyObject(a.Prediction),
		ResultCount:      a.resultN,
		UniqueID:         a.UniqueID,
		ImportID:         a.ImportID,
		LastAction:       a.LastAction,
		Task:             a.TaskID,
		Project:          &pid,
		CompletedBy:      a.CompletedBy,
		UpdatedBy:        a.UpdatedBy,
		ParentPrediction: a.ParentPrediction,
		ParentAnnotation: a.ParentAnnotation,
		LastCreatedBy:    a.LastCreatedBy,
	}
}

// idOnly is OnlyIDWebhookSerializer's output, used by every delete.
type idOnly struct {
	ID int `json:"id"`
}

func orEmptyObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

func orEmptyList(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("[]")
	}
	return raw
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
