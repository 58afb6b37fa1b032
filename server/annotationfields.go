package server

import (
	"strconv"

	"github.com/labelhook/labelhook/internal/pyjson"
)

// The REST annotation (annotationObject) and the exported one
// (exportAnnotation) are different serializers of one model, and they
// write two runs of the model's fields the same way: its state after
// completed_by and result, and its links at the end. Each run is one
// struct, embedded in both views (encoding/json writes an embedded
// struct's fields where it stands), filled by one function and written
// fast by one writer, so a field added to a run is added once.

// annotationState is an annotation's state: was it cancelled, is it the
// ground truth, when was it made and changed, how long it took.
type annotationState struct {
	WasCancelled   bool     `json:"was_cancelled"`
	GroundTruth    bool     `json:"ground_truth"`
	CreatedAt      stamp    `json:"created_at"`
	UpdatedAt      stamp    `json:"updated_at"`
	DraftCreatedAt *stamp   `json:"draft_created_at"`
	LeadTime       *pyFloat `json:"lead_time"`
}

func annotationStateOf(a *annotation) annotationState {
	return annotationState{
		WasCancelled: a.WasCancelled, GroundTruth: a.GroundTruth,
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.UpdatedAt),
		DraftCreatedAt: optStamp(a.DraftCreatedAt), LeadTime: optPyFloat(a.LeadTime),
	}
}

// appendAnnotationState writes annotationStateOf(a)'s fields as
// encoding/json writes them inside an object, each after a comma, without
// building the struct; stamps may be nil.
func appendAnnotationState(b []byte, a *annotation, stamps *stampCache) []byte {
	b = append(b, `,"was_cancelled":`...)
	b = strconv.AppendBool(b, a.WasCancelled)
	b = append(b, `,"ground_truth":`...)
	b = strconv.AppendBool(b, a.GroundTruth)
	b = append(b, `,"created_at":`...)
	b = stamps.append(b, stamp(a.CreatedAt))
	b = append(b, `,"updated_at":`...)
	b = stamps.append(b, stamp(a.UpdatedAt))
	b = append(b, `,"draft_created_at":`...)
	if a.DraftCreatedAt == nil {
		b = append(b, "null"...)
	} else {
		b = stamps.append(b, stamp(*a.DraftCreatedAt))
	}
	b = append(b, `,"lead_time":`...)
	if a.LeadTime == nil {
		return append(b, "null"...)
	}
	return pyjson.AppendFloat(b, *a.LeadTime)
}

// annotationLinks is where an annotation comes from and belongs: its
// import, last action, task, project and the users and objects it was
// made from.
type annotationLinks struct {
	ImportID         *int    `json:"import_id"`
	LastAction       *string `json:"last_action"`
	BulkCreated      bool    `json:"bulk_created"`
	Task             int     `json:"task"`
	Project          int     `json:"project"`
	UpdatedBy        *int    `json:"updated_by"`
	ParentPrediction *int    `json:"parent_prediction"`
	ParentAnnotation *int    `json:"parent_annotation"`
	LastCreatedBy    *int    `json:"last_created_by"`
}

func annotationLinksOf(a *annotation) annotationLinks {
	return annotationLinks{
		ImportID: a.ImportID, LastAction: a.LastAction, BulkCreated: a.BulkCreated,
		Task: a.TaskID, Project: a.ProjectID, UpdatedBy: a.UpdatedBy,
		ParentPrediction: a.ParentPrediction, ParentAnnotation: a.ParentAnnotation, LastCreatedBy: a.LastCreatedBy,
	}
}

// appendAnnotationLinks writes annotationLinksOf(a)'s fields as
// appendAnnotationState writes its own.
func appendAnnotationLinks(b []byte, a *annotation) []byte {
	b = append(b, `,"import_id":`...)
	b = appendIntPtr(b, a.ImportID)
	b = append(b, `,"last_action":`...)
	b = appendStringPtr(b, a.LastAction)
	b = append(b, `,"bulk_created":`...)
	b = strconv.AppendBool(b, a.BulkCreated)
	b = append(b, `,"task":`...)
	b = strconv.AppendInt(b, int64(a.TaskID), 10)
	b = append(b, `,"project":`...)
	b = strconv.AppendInt(b, int64(a.ProjectID), 10)
	b = append(b, `,"updated_by":`...)
	b = appendIntPtr(b, a.UpdatedBy)
	b = append(b, `,"parent_prediction":`...)
	b = appendIntPtr(b, a.ParentPrediction)
	b = append(b, `,"parent_annotation":`...)
	b = appendIntPtr(b, a.ParentAnnotation)
	b = append(b, `,"last_created_by":`...)
	return appendIntPtr(b, a.LastCreatedBy)
}
