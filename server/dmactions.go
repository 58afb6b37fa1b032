package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// dmActionList is GET /api/dm/actions as Label Studio 1.23.2 answers it
// (recorded: conformance/labelstudio/captures/1.23.2/dm_actions), data
// rather than structs since its entries do not share one shape.
const dmActionList = `[{"id":"retrieve_tasks_predictions","title":"Retrieve Predictions","order":90,"permission":"predictions.any","dialog":{"title":"Retrieve Predictions","text":"Send the selected tasks to all ML backends connected to the project.This operation might be abruptly interrupted due to a timeout. The recommended way to get predictions is to update tasks using the Label Studio API.Please confirm your action.","type":"confirm"}},{"id":"predictions_to_annotations","title":"Create Annotations From Predictions","order":91,"permission":"tasks.change","dialog":{"title":"Create Annotations From Predictions","text":"Create annotations from predictions using selected predictions set for each selected task. Your account will be assigned as an owner to those annotations. ","type":"confirm","form":null}},{"id":"remove_duplicates","title":"Remove Duplicated Tasks","order":95,"permission":["projects.change","tasks.delete"],"experimental":false,"dialog":{"text":"Confirm that you want to remove duplicated tasks with the same data fields. Duplicated tasks will be deleted and all annotations will be moved to the first task from duplicated tasks. Also Source Storage Links will be restored if at least one duplicated task has a storage link. Warning: Task assignments (enterprise only) won't be saved.","type":"confirm"}},{"id":"delete_tasks","title":"Delete Tasks","order":100,"permission":"tasks.delete","reload":true,"dialog":{"text":"You are going to delete the selected tasks. Please confirm your action.","type":"confirm"}},{"id":"delete_tasks_annotations","title":"Delete Annotations","order":101,"permission":["tasks.change","annotations.delete"],"dialog":{"text":"You are going to delete annotations from the selected tasks.\nYou can select specific annotators to delete annotations for.\nPlease confirm your action.","type":"confirm","form":null}},{"id":"delete_tasks_predictions","title":"Delete Predictions","order":102,"permission":"predictions.any","dialog":{"text":"You are going to delete all predictions from the selected tasks. Please confirm your action.","type":"confirm"}}]`

// bareError is an error of /api/dm/actions, which answers {"detail": …}
// without the envelope.
func bareError(status int, format string, args ...any) error {
	return &apiError{Status: status, Detail: fmt.Sprintf(format, args...), Bare: true}
}

// handleDMActionList serves GET /api/dm/actions?project=N: the project
// must exist, as in Label Studio.
func (s *Server) handleDMActionList(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		if _, _, err := dmTarget(s.st, r.URL.Query()); err != nil {
			return nil, nil, err
		}
		return json.RawMessage(dmActionList), nil, nil
	})
}

// dmTarget resolves the project (required) and the view (optional) of a
// Data Manager actions request, as Label Studio does before it looks at
// the action: both ids read (a bad view is reported first), then each
// looked up; every error here is in the envelope. Call under st.mu.
func dmTarget(st *store, q url.Values) (*project, *view, error) {
	vid, byView, err := queryDigits(q, "view")
	if err != nil {
		return nil, nil, err
	}
	pid, _, err := queryDigits(q, "project")
	if err != nil {
		return nil, nil, err
	}
	p, err := st.project(pid) // no project has id 0, the id of none given
	if err != nil || !byView {
		return p, nil, err
	}
	vw := st.views[vid]
	if vw == nil {
		return nil, nil, notFoundError{"View"}
	}
	return p, vw, nil
}

// dmBody is the body of POST /api/dm/actions.
type dmBody struct {
	Selected     *selectedItems  `json:"selectedItems"`
	Filters      *dmFilters      `json:"filters"`
	Ordering     []string        `json:"ordering"`
	ModelVersion json.RawMessage `json:"model_version"`
}

// handleDMActionRun serves POST /api/dm/actions?id=<action>&project=<id>.
// The bulk actions send one event per request (chunked): TASKS_DELETED,
// ANNOTATIONS_DELETED, ANNOTATIONS_CREATED. What is wrong is reported in
// Label Studio's order: the project and view, the action, the body.
func (s *Server) handleDMActionRun(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id := param(q, "id")
	b, dq, bodyErr := s.readDMBody(w, r)
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		p, vw, err := dmTarget(st, q)
		switch {
		case err != nil:
			return nil, nil, err
		case id == "":
			return nil, nil, bareError(http.StatusUnprocessableEntity, "No action id \"None\", use ?id=<action-id>")
		case dmRunners[id] == nil:
			return nil, nil, bareError(http.StatusBadRequest, "Can't find '%s' in registered actions", id)
		case bodyErr != nil:
			return nil, nil, bodyErr
		}
		if vw != nil {
			vq := viewQuery(vw)
			dq.Filters, dq.Ordering = vq.Filters, vq.Ordering
		}
		ids := s.selectTasks(p, dq, nil)
		result, ev, err := dmRunners[id](s, p, ids, b, s.cfg.Now())
		if err != nil {
			return nil, nil, err
		}
		return result, s.plan(ev...), nil
	})
}

// readDMBody reads an action's body and the selection it makes; its
// errors are bare, as the endpoint's are.
func (s *Server) readDMBody(w http.ResponseWriter, r *http.Request) (dmBody, dmQuery, error) {
	var b dmBody
	body, err := s.readBody(w, r)
	if err != nil {
		if ae, ok := asAPIError(err); ok {
			ae.Bare = true
		}
		return b, dmQuery{}, err
	}
	raw, err := parseJSON(body)
	if err != nil {
		msg := err.Error()
		if ae, ok := asAPIError(err); ok {
			msg = ae.Detail
		}
		return b, dmQuery{}, bareError(http.StatusBadRequest, "%s", msg)
	}
	if jsonKind(raw) != '{' {
		return b, dmQuery{}, bareError(http.StatusBadRequest, "The body must be a JSON object with selectedItems, got %s", pyTypeName(raw))
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, dmQuery{}, bareError(http.StatusBadRequest, "Invalid action body: %v", err)
	}
	dq := dmQuery{Filters: b.Filters, Ordering: b.Ordering, Selected: b.Selected}
	if err := dq.check("body"); err != nil {
		return b, dmQuery{}, bareError(http.StatusBadRequest, "%s", fieldErrText(err))
	}
	if b.Selected == nil {
		// Label Studio's default when the body names no selection: every task.
		dq.Selected = &selectedItems{All: true}
	}
	return b, dq, nil
}

// dmRun runs one Data Manager action over the selected tasks of p, under
// st.mu: the answer and the events the action sends.
type dmRun func(s *Server, p *project, ids []int, b dmBody, now time.Time) (map[string]any, []event, error)

// dmRunners are the actions POST /api/dm/actions runs, by id.
var dmRunners = map[string]dmRun{
	"delete_tasks":               runDeleteTasks,
	"delete_tasks_annotations":   runDeleteAnnotations,
	"predictions_to_annotations": runPredictionsToAnnotations,
	"delete_tasks_predictions":   runDeletePredictions,
	"delete_ground_truths":       runDeleteGroundTruths,
	"retrieve_tasks_predictions": runRetrievePredictions,
	// 1.23.2 answers this one with an empty object and sends nothing.
	"remove_duplicates": runRemoveDuplicates,
	"cache_labels":      runNothing,
}

func runDeleteTasks(s *Server, p *project, ids []int, _ dmBody, _ time.Time) (map[string]any, []event, error) {
	s.st.deleteTasks(p.ID, ids)
	// reload: the project has no task left.
	return map[string]any{"processed_items": len(ids), "reload": len(p.taskIDs) == 0, "detail": fmt.Sprintf("Deleted %d tasks", len(ids))},
		[]event{idsEvent(schemas.TasksDeleted, p.ID, ids)}, nil
}

func runDeleteAnnotations(s *Server, p *project, ids []int, _ dmBody, now time.Time) (map[string]any, []event, error) {
	st := s.st
	// 1.23.2 serializes the project before it updates its tasks'
	// is_labeled: finished_task_number is from before.
	finished := st.projectCountsOf(p).finishedTasks
	var annIDs []int
	for _, tid := range ids {
		t := st.tasks[tid]
		gone := t.annIDs
		annIDs = append(annIDs, gone...)
		st.deleteAnnotations(t, append([]int(nil), gone...))
		st.relabel(t, now)
	}
	e := idsEvent(schemas.AnnotationsDeleted, p.ID, annIDs)
	e.project = st.projectJSONFinished(p, finished)
	return map[string]any{"processed_items": len(annIDs), "detail": fmt.Sprintf("Deleted %d annotations", len(annIDs))}, []event{e}, nil
}

func runPredictionsToAnnotations(s *Server, p *project, ids []int, b dmBody, now time.Time) (map[string]any, []event, error) {
	st := s.st
	finished := st.projectCountsOf(p).finishedTasks
	created, tasksBefore, err := s.predictionsToAnnotations(ids, b.ModelVersion, now)
	if err != nil {
		return nil, nil, err
	}
	e := staleAnnotationsCreated(st, p.ID, created, st.projectJSONFinished(p, finished), tasksBefore)
	return map[string]any{"detail": fmt.Sprintf("Created %d annotations", len(created))}, []event{e}, nil
}

func runDeletePredictions(s *Server, _ *project, ids []int, _ dmBody, _ time.Time) (map[string]any, []event, error) {
	n := 0
	for _, tid := range ids {
		t := s.st.tasks[tid]
		n += len(t.predIDs)
		s.st.deletePredictions(t, append([]int(nil), t.predIDs...))
	}
	return map[string]any{"processed_items": n, "detail": fmt.Sprintf("Deleted %d predictions", n)}, nil, nil
}

func runDeleteGroundTruths(s *Server, _ *project, ids []int, _ dmBody, _ time.Time) (map[string]any, []event, error) {
	n := 0
	for _, tid := range ids {
		for _, aid := range s.st.tasks[tid].annIDs {
			if a := s.st.annotations[aid]; a.GroundTruth {
				s.st.touch(tid)
				a.GroundTruth = false
				s.st.changed(kindAnnotation, aid)
				n++
			}
		}
	}
	return map[string]any{"processed_items": n, "detail": fmt.Sprintf("Deleted %d ground truths", n)}, nil, nil
}

func runRetrievePredictions(_ *Server, _ *project, ids []int, _ dmBody, _ time.Time) (map[string]any, []event, error) {
	// Without an ML backend there is nothing to retrieve.
	return map[string]any{"processed_items": len(ids), "detail": "Retrieved 0 predictions: labelhook has no ML backend"}, nil, nil
}

func runNothing(*Server, *project, []int, dmBody, time.Time) (map[string]any, []event, error) {
	return map[string]any{}, nil, nil
}

// predictionsToAnnotations does what Label Studio's action does: every
// prediction of the selected tasks that has no annotation made from it yet
// (and whose model_version matches, when one or a list is given) becomes an
// annotation with last_action "prediction". Call under st.mu.
func (s *Server) predictionsToAnnotations(taskIDs []int, version json.RawMessage, now time.Time) ([]int, map[int]taskSnap, error) {
	var versions []string
	filter := len(version) > 0 && jsonKind(version) != 'n'
	if filter {
		switch jsonKind(version) {
		case '"':
			var v string
			_ = json.Unmarshal(version, &v)
			versions = []string{v}
		case '[':
			if err := json.Unmarshal(version, &versions); err != nil {
				return nil, nil, bareError(http.StatusBadRequest, "model_version must be a string or a list of strings")
			}
		default:
			return nil, nil, bareError(http.StatusBadRequest, "model_version must be a string or a list of strings")
		}
	}
	st := s.st
	used := map[int]bool{}
	for _, a := range st.annotations {
		if a.ParentPrediction != nil {
			used[*a.ParentPrediction] = true
		}
	}
	var created []int
	before := map[int]taskSnap{}
	for _, tid := range taskIDs {
		t := st.tasks[tid]
		touched := false
		snap := taskSnap{st.countsOf(t), t.IsLabeled}
		for _, pid := range slices.Clone(t.predIDs) {
			p := st.predictions[pid]
			if used[p.ID] || (filter && !slices.Contains(versions, p.ModelVersion)) {
				continue
			}
			parent := p.ID
			in := annotationInput{result: p.Result, hasResult: jsonKind(p.Result) == '[', parentPredict: &parent, hasParentPred: true}
			// 1.23.2 leaves bulk_created false and last_action null here.
			a := s.newAnnotation(t, in, now)
			a.UpdatedBy = nil // 1.23.2 leaves it null here
			created = append(created, a.ID)
			touched = true
		}
		if touched {
			before[t.ID] = snap
			st.annotatedBy(t, userID, now)
		}
	}
	return created, before, nil
}
