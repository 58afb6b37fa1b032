package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labelhook/labelhook/schemas"
)

// lastInnerID is the highest inner_id among p's tasks, 0 when it has
// none: the newest task's, since every task is made with the highest + 1.
func (st *store) lastInnerID(p *project) int {
	if n := len(p.taskIDs); n > 0 {
		return st.tasks[p.taskIDs[n-1]].InnerID
	}
	return 0
}

// startInnerIDs sets the inner_id of the next task a request makes in p:
// the project's highest + 1, as the bulk create and the storage sync
// compute it once per request (a deleted newest task's inner_id is given
// again). Call under st.mu.
func (st *store) startInnerIDs(p *project) {
	if n := st.lastInnerID(p) + 1; n != p.NextInnerID {
		p.NextInnerID = n
		st.changed(kindProject, p.ID) // journalled even if no task is made
	}
}

// newTask adds a task to p with data and meta, with inner_id
// p.NextInnerID. Call under st.mu.
func (s *Server) newTask(p *project, data, meta json.RawMessage) *task {
	st := s.st
	now := s.cfg.Now()
	st.next.Task++
	t := &task{
		ID: st.next.Task, ProjectID: p.ID, Data: data, Meta: meta,
		CreatedAt: now, UpdatedAt: now, Overlap: max(p.MaximumAnnotations, 1), InnerID: p.NextInnerID,
	}
	p.NextInnerID++
	st.changed(kindProject, p.ID)
	st.changed(kindTask, t.ID)
	st.putTask(t)
	p.taskIDs = append(p.taskIDs, t.ID)
	// Its share of the counts is added now rather than through touch: a
	// 1,000,000-task import would otherwise fill the dirty set with every
	// task (tens of MB) for nothing. A later change in the same request
	// touches it as usual.
	p.counts.add(st.share(t), 1)
	return t
}

// taskInput is one validated task of a create request.
type taskInput struct {
	project *project
	data    json.RawMessage
	meta    json.RawMessage
}

// readTaskInput validates one task object of POST /api/tasks or
// POST /api/projects/{id}/tasks. fixed is the project from the URL, if any.
func (s *Server) readTaskInput(raw json.RawMessage, fixed *project) (taskInput, error) {
	f, err := objectForm(raw)
	if err != nil {
		return taskInput{}, err
	}
	in := taskInput{project: fixed, meta: json.RawMessage("{}")}
	if fixed == nil {
		if id, ok := f.pk("project", s.st.hasProject); ok {
			in.project = s.st.projects[id]
		}
	}
	if !f.has("data") {
		f.errs.add("data", "This field is required.")
	} else {
		f.object("data", &in.data, false)
	}
	f.object("meta", &in.meta, true)
	return in, f.errs.err()
}

// handleTaskCreate serves POST /api/tasks: one task object, or a list of
// them. One TASKS_CREATED per project holds every task the request made.
func (s *Server) handleTaskCreate(w http.ResponseWriter, r *http.Request) error {
	return s.createTasks(w, r, 0)
}

// handleProjectTaskCreate serves POST /api/projects/{id}/tasks.
func (s *Server) handleProjectTaskCreate(w http.ResponseWriter, r *http.Request) error {
	return s.createTasks(w, r, pathID(r, "id"))
}

func (s *Server) createTasks(w http.ResponseWriter, r *http.Request, projectID int) error {
	raw, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	items := []json.RawMessage{raw}
	isList := jsonKind(raw) == '['
	if isList && projectID == 0 {
		// Label Studio 1.23.2 fails on a list here with a 500 ("'list'
		// object has no attribute 'get'"): a client that relies on it
		// breaks there, so the mock refuses it too, as bad input.
		return errBadRequest("POST /api/tasks takes one task object: Label Studio 1.23.2 answers a list with 500 ('list' object has no attribute 'get'); import a list with POST /api/projects/{id}/import")
	}
	if isList {
		if items, err = listItems(raw); err != nil {
			return err
		}
		if len(items) == 0 {
			return &apiError{Status: http.StatusBadRequest, Detail: "Validation error",
				Fields: map[string][]string{"non_field_errors": {"This list may not be empty."}}}
		}
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		var fixed *project
		if projectID != 0 {
			if fixed, err = st.project(projectID); err != nil {
				return nil, nil, err
			}
		}
		inputs := make([]taskInput, 0, len(items))
		for i, item := range items {
			in, err := s.readTaskInput(item, fixed)
			if err != nil {
				if isList {
					return nil, nil, prefixItem(err, i)
				}
				return nil, nil, err
			}
			inputs = append(inputs, in)
		}
		byProject := map[int][]int{}
		var order []int
		created := make([]json.RawMessage, 0, len(inputs))
		for _, in := range inputs {
			// Task.save gives a task made through the API the project's
			// highest inner_id + 1, counting its own default of 1: the
			// first task of a project gets 2 (1.23.2).
			if n := max(st.lastInnerID(in.project), 1) + 1; n != in.project.NextInnerID {
				in.project.NextInnerID = n
				st.changed(kindProject, in.project.ID)
			}
			t := s.newTask(in.project, in.data, in.meta)
			if _, seen := byProject[in.project.ID]; !seen {
				order = append(order, in.project.ID)
			}
			byProject[in.project.ID] = append(byProject[in.project.ID], t.ID)
			var w jsonw
			taskREST.writeTo(&w, &taskCtx{t, st.countsOf(t)}, st.profile)
			created = append(created, w.b)
		}
		var events []event
		for _, pid := range order {
			events = append(events, tasksCreated(st, pid, byProject[pid]))
		}
		if isList {
			return created, s.plan(events...), nil
		}
		return created[0], s.plan(events...), nil
	})
}

// prefixItem names the list item a validation error came from.
func prefixItem(err error, i int) error {
	ae, ok := asAPIError(err)
	if !ok || ae.Fields == nil {
		return err
	}
	fields := map[string][]string{}
	for k, msgs := range ae.Fields {
		for _, m := range msgs {
			fields[k] = append(fields[k], fmt.Sprintf("item %d: %s", i, m))
		}
	}
	return &apiError{Status: ae.Status, Detail: ae.Detail, Fields: fields}
}

// task returns a task or Label Studio's 404. Call under st.mu.
func (st *store) task(id int) (*task, error) {
	t := st.tasks[id]
	if t == nil {
		return nil, notFoundError{"Task"}
	}
	return t, nil
}

// handleTaskGet serves GET /api/tasks/{id} with the full shape.
func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).task, func(st *store, t *task) (any, []delivery, error) {
		ft := s.fullTaskOf(t, true)
		// TaskAPI leaves these out of the evaluated fields: always "".
		ft.AnnotationsResults, ft.PredictionsResults = "", ""
		return ft, nil, nil
	})
}

// handleTaskUpdate serves PATCH and PUT /api/tasks/{id}. No webhook:
// Label Studio has no task-update event.
func (s *Server) handleTaskUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).task, func(st *store, f form, t *task) (any, []delivery, error) {
		next := *t
		f.object("data", &next.Data, false)
		f.object("meta", &next.Meta, true)
		f.boolean("is_labeled", &next.IsLabeled)
		f.integerMin("overlap", 1, &next.Overlap)
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		now := s.cfg.Now()
		if f.has("overlap") && !f.has("is_labeled") {
			st.relabel(&next, now)
		}
		if next.IsLabeled != t.IsLabeled {
			if next.IsLabeled {
				next.CompletedAt = &now
			} else {
				next.CompletedAt = nil
			}
		}
		next.UpdatedAt = now // updated_by stays as it was (1.23.2)
		st.touch(t.ID)       // is_labeled may change
		*t = next
		return s.simpleTaskOf(t), nil, nil
	})
}

// handleTaskDelete serves DELETE /api/tasks/{id}: one TASKS_DELETED with
// [{"id": N}] and the project.
func (s *Server) handleTaskDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).task, func(st *store, t *task) (any, []delivery, error) {
		st.deleteTask(t)
		return nil, s.plan(idsEvent(schemas.TasksDeleted, t.ProjectID, []int{t.ID})), nil
	})
}

// handleProjectTaskList serves GET /api/projects/{id}/tasks: a plain
// array of simple tasks, newest updated_at first as Label Studio orders
// them, sliced by page/page_size when given.
func (s *Server) handleProjectTaskList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.answerList(w, http.StatusOK, func() (*listAnswer, error) {
		p, err := s.st.project(pathID(r, "id"))
		if err != nil {
			return nil, err
		}
		lo, hi, err := legacyPage(q, len(p.taskIDs))
		if err != nil {
			return nil, err
		}
		ids := s.st.byUpdatedDesc(p.taskIDs)[lo:hi]
		return &listAnswer{head: "[", tail: "]", ids: ids, item: func(id int) (any, bool) {
			t := s.st.tasks[id]
			if t == nil {
				return nil, false
			}
			return s.simpleTaskOf(t), true
		}}, nil
	})
}

// handleProjectTasksDelete serves DELETE /api/projects/{id}/tasks ("delete
// all tasks"). Label Studio emits this TASKS_DELETED with project None, so
// only organization-level webhooks get it, without a "project" key.
func (s *Server) handleProjectTasksDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		ids := slices.Clone(p.taskIDs)
		st.deleteTasks(p.ID, ids)
		return nil, s.plan(idsEvent(schemas.TasksDeleted, 0, ids)), nil
	})
}
