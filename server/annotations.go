package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// annotationInput is a validated annotation body.
type annotationInput struct {
	result          json.RawMessage
	hasResult       bool
	wasCancelled    *bool
	groundTruth     *bool
	leadTime        *float64
	hasLeadTime     bool
	completedBy     *int
	hasCompletedBy  bool
	parentPredict   *int
	hasParentPred   bool
	parentAnnotate  *int
	hasParentAnn    bool
	draftCreatedAt  *time.Time
	hasDraftCreated bool
}

// readAnnotationInput validates an annotation of an import or a storage
// file.
func readAnnotationInput(raw json.RawMessage) (annotationInput, error) {
	f, err := checkedForm(raw)
	if err != nil {
		return annotationInput{}, err
	}
	return readAnnotationForm(f)
}

// readAnnotationBody reads and validates a request's annotation body
// (create, update).
func (s *Server) readAnnotationBody(w http.ResponseWriter, r *http.Request) (annotationInput, error) {
	f, err := s.readObject(w, r)
	if err != nil {
		return annotationInput{}, err
	}
	return readAnnotationForm(f)
}

func readAnnotationForm(f form) (annotationInput, error) {
	var in annotationInput
	if f.has("result") {
		switch jsonKind(f.raw["result"]) {
		case '[':
			// A form's values are checked JSON (parseJSON, then a scan
			// or json.Unmarshal): the list's items are found by a scan.
			for i, it := range splitList(f.raw["result"]) {
				if jsonKind(it) != '{' {
					f.errs.add("result", fmt.Sprintf("Item %d must be a region object, got %s.", i, pyTypeName(it)))
					break
				}
			}
			in.result, in.hasResult = compactChecked(f.raw["result"]), true
		case 'n':
			in.result, in.hasResult = json.RawMessage("[]"), true
		default:
			f.errs.add("result", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(f.raw["result"])))
		}
	}
	var b bool
	if f.boolean("was_cancelled", &b) {
		in.wasCancelled = &b
	}
	var gt bool
	if f.boolean("ground_truth", &gt) {
		in.groundTruth = &gt
	}
	in.hasLeadTime = f.number("lead_time", &in.leadTime)
	if f.has("completed_by") {
		var by *int
		if f.nullInt("completed_by", &by) {
			if by != nil && *by != userID {
				f.errs.add("completed_by", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", *by))
			} else {
				in.completedBy, in.hasCompletedBy = by, true
			}
		}
	}
	in.hasParentPred = f.nullInt("parent_prediction", &in.parentPredict)
	in.hasParentAnn = f.nullInt("parent_annotation", &in.parentAnnotate)
	in.hasDraftCreated = f.datetime("draft_created_at", &in.draftCreatedAt)
	return in, f.errs.err()
}

// applyTo sets the fields the body gave on a.
func (in annotationInput) applyTo(a *annotation) {
	if in.hasResult {
		a.Result = in.result
		a.resultN = resultCount(a.Result)
	}
	if in.wasCancelled != nil {
		a.WasCancelled = *in.wasCancelled
	}
	if in.groundTruth != nil {
		a.GroundTruth = *in.groundTruth
	}
	if in.hasLeadTime {
		a.LeadTime = in.leadTime
	}
	if in.hasCompletedBy {
		a.CompletedBy = in.completedBy
	}
	if in.hasParentPred {
		a.ParentPrediction = in.parentPredict
	}
	if in.hasParentAnn {
		a.ParentAnnotation = in.parentAnnotate
	}
	if in.hasDraftCreated {
		a.DraftCreatedAt = in.draftCreatedAt
	}
}

// newAnnotation adds an annotation to t (counters are the caller's to
// refresh with relabel). Call under st.mu.
func (s *Server) newAnnotation(t *task, in annotationInput, now time.Time) *annotation {
	st := s.st
	st.touch(t.ID)
	st.next.Annotation++
	by := userID
	a := &annotation{
		ID: st.next.Annotation, Result: json.RawMessage("[]"), CreatedAt: now, UpdatedAt: now,
		Prediction: json.RawMessage("{}"), UniqueID: s.cfg.NewUUID(), TaskID: t.ID, ProjectID: t.ProjectID,
		CompletedBy: &by, UpdatedBy: &by, // 1.23.2 sets both to the creating user
	}
	in.applyTo(a)
	st.annotations[a.ID] = a
	st.changed(kindAnnotation, a.ID)
	t.annIDs = append(t.annIDs, a.ID)
	if a.GroundTruth {
		st.clearGroundTruth(t, a.ID)
	}
	return a
}

// clearGroundTruth unsets ground_truth on t's annotations other than keep.
func (st *store) clearGroundTruth(t *task, keep int) {
	st.touch(t.ID)
	for _, id := range t.annIDs {
		if a := st.annotations[id]; id != keep && a.GroundTruth {
			a.GroundTruth = false
			st.changed(kindAnnotation, id)
		}
	}
}

// annotation returns an annotation or Label Studio's 404. Call under st.mu.
func (st *store) annotation(id int) (*annotation, error) {
	a := st.annotations[id]
	if a == nil {
		return nil, notFoundError{"Annotation"}
	}
	return a, nil
}

// handleAnnotationCreate serves POST /api/tasks/{id}/annotations. A skip
// (was_cancelled in the body or ?was_cancelled=1) is a normal create:
// ANNOTATION_CREATED with was_cancelled true, never ANNOTATION_UPDATED.
func (s *Server) handleAnnotationCreate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readAnnotationBody(w, r)
	if err != nil {
		return err
	}
	if queryBool(r, "was_cancelled", false) {
		t := true
		in.wasCancelled = &t
	}
	return answerFor(s, w, r, http.StatusCreated, (*store).task, func(st *store, t *task) (any, []delivery, error) {
		now := s.cfg.Now()
		a := s.newAnnotation(t, in, now)
		st.annotatedBy(t, userID, now)
		return s.annotationObjectOf(a, false), s.plan(annotationEvent(st, schemas.AnnotationCreated, a)), nil
	})
}

// handleAnnotationList serves GET /api/tasks/{id}/annotations: the task's
// non-cancelled annotations, in id order.
func (s *Server) handleAnnotationList(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).task, func(st *store, t *task) (any, []delivery, error) {
		out := []annotationObject{}
		for _, id := range t.annIDs {
			if a := st.annotations[id]; !a.WasCancelled {
				out = append(out, s.annotationObjectOf(a, false))
			}
		}
		return out, nil, nil
	})
}

// handleAnnotationGet serves GET /api/annotations/{id}.
func (s *Server) handleAnnotationGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).annotation, func(st *store, a *annotation) (any, []delivery, error) {
		return s.annotationObjectOf(a, false), nil, nil
	})
}

// handleAnnotationUpdate serves PATCH and PUT /api/annotations/{id}: one
// ANNOTATION_UPDATED per request.
func (s *Server) handleAnnotationUpdate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readAnnotationBody(w, r)
	if err != nil {
		return err
	}
	return answerFor(s, w, r, http.StatusOK, (*store).annotation, func(st *store, a *annotation) (any, []delivery, error) {
		now := s.cfg.Now()
		st.touch(a.TaskID)
		st.changed(kindAnnotation, a.ID)
		in.applyTo(a)
		a.UpdatedBy = ptr(userID)
		a.UpdatedAt = now
		t := st.tasks[a.TaskID]
		if a.GroundTruth {
			st.clearGroundTruth(t, a.ID)
		}
		st.annotatedBy(t, userID, now)
		return s.annotationObjectOf(a, false), s.plan(annotationEvent(st, schemas.AnnotationUpdated, a)), nil
	})
}

// handleAnnotationDelete serves DELETE /api/annotations/{id}: one
// ANNOTATIONS_DELETED with [{"id": N}] (plural key) and the project.
func (s *Server) handleAnnotationDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).annotation, func(st *store, a *annotation) (any, []delivery, error) {
		t := st.tasks[a.TaskID]
		st.deleteAnnotations(t, []int{a.ID})
		st.relabel(t, s.cfg.Now())
		return nil, s.plan(idsEvent(schemas.AnnotationsDeleted, a.ProjectID, []int{a.ID})), nil
	})
}

// deleteAnnotations removes annotations of one task.
func (st *store) deleteAnnotations(t *task, ids []int) {
	st.touch(t.ID)
	st.changedIDs(kindAnnotation, ids)
	for _, id := range ids {
		delete(st.annotations, id)
	}
	drop := toSet(ids)
	t.annIDs = removeIDs(t.annIDs, drop)
}
