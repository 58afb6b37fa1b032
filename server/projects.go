package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labelhook/labelhook/schemas"
)

// Project enums (Label Studio's model choices).
var (
	samplingChoices  = []string{"Sequential sampling", "Uniform sampling", "Uncertainty sampling"}
	skipQueueChoices = []string{"REQUEUE_FOR_ME", "REQUEUE_FOR_OTHERS", "IGNORE_SKIPPED"}
)

// userObject is the nested user of REST objects (created_by).
type userObject struct {
	ID        int     `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Email     string  `json:"email"`
	Avatar    *string `json:"avatar"`
}

const userEmail = "labelhook@localhost"

func theUser() userObject { return userObject{ID: userID, Email: userEmail} }

// creator is a project's created_by as the REST API nests it.
func creator(id *int) *userObject {
	if id == nil {
		return nil
	}
	u := theUser()
	return &u
}

func ptr[T any](v T) *T { return &v }

// projectAPI is the REST API's Project (ProjectSerializer), as recorded
// from 1.23.2. A new project's answer has null counters (created).
type projectAPI struct {
	p       *project
	c       projectCounts
	created bool
}

// count writes a counter, or null in a create answer.
func (x *projectAPI) count(w *jsonw, n int) {
	if x.created {
		w.null()
		return
	}
	w.int(n)
}

var projectREST = newShape([]field[*projectAPI]{
	{"id", "", func(w *jsonw, x *projectAPI) { w.int(x.p.ID) }},
	{"title", "", func(w *jsonw, x *projectAPI) { w.optStr(x.p.Title) }},
	{"description", "", func(w *jsonw, x *projectAPI) { w.optStr(x.p.Description) }},
	{"label_config", "", func(w *jsonw, x *projectAPI) { w.str(x.p.LabelConfig) }},
	{"expert_instruction", "", func(w *jsonw, x *projectAPI) { w.str(x.p.ExpertInstruction) }},
	{"show_instruction", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowInstruction) }},
	{"show_skip_button", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowSkipButton) }},
	{"enable_empty_annotation", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.EnableEmptyAnnotation) }},
	{"show_annotation_history", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowAnnotationHistory) }},
	{"organization", "", func(w *jsonw, x *projectAPI) { w.int(orgID) }},
	{"color", "", func(w *jsonw, x *projectAPI) { w.str(x.p.Color) }},
	{"maximum_annotations", "", func(w *jsonw, x *projectAPI) { w.int(x.p.MaximumAnnotations) }},
	{"is_published", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.IsPublished) }},
	{"model_version", "", func(w *jsonw, x *projectAPI) { w.str(x.p.ModelVersion) }},
	{"is_draft", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.IsDraft) }},
	{"created_by", "", func(w *jsonw, x *projectAPI) { w.raw(mustMarshal(creator(x.p.CreatedBy)), "null") }},
	{"created_at", "", func(w *jsonw, x *projectAPI) { w.stamp(x.p.CreatedAt) }},
	{"min_annotations_to_start_training", "", func(w *jsonw, x *projectAPI) { w.int(x.p.MinAnnotationsToStartTraining) }},
	{"start_training_on_annotation_update", "", func(w *jsonw, x *projectAPI) { w.bool(false) }},
	{"show_collab_predictions", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowCollabPredictions) }},
	{"num_tasks_with_annotations", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.tasksWithAnnotations) }},
	{"task_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.taskNumber) }},
	{"useful_annotation_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.usefulAnnotations) }},
	{"ground_truth_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.groundTruth) }},
	{"skipped_annotations_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.skipped) }},
	{"total_annotations_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.annotations) }},
	{"total_predictions_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.predictions) }},
	{"sampling", "", func(w *jsonw, x *projectAPI) { w.str(x.p.Sampling) }},
	{"show_ground_truth_first", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowGroundTruthFirst) }},
	{"annotator_evaluation_enabled", "1.23", func(w *jsonw, x *projectAPI) { w.bool(false) }},
	{"show_overlap_first", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.ShowOverlapFirst) }},
	{"overlap_cohort_percentage", "", func(w *jsonw, x *projectAPI) { w.int(x.p.OverlapCohortPercentage) }},
	{"task_data_login", "", func(w *jsonw, x *projectAPI) { w.optStr(x.p.TaskDataLogin) }},
	{"task_data_password", "", func(w *jsonw, x *projectAPI) { w.optStr(x.p.TaskDataPassword) }},
	{"control_weights", "", func(w *jsonw, x *projectAPI) { w.raw(x.p.controlWeights(), "{}") }},
	{"parsed_label_config", "", func(w *jsonw, x *projectAPI) { w.raw(x.p.parsed.parsedJSON(), "{}") }},
	{"evaluate_predictions_automatically", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.EvaluatePredictionsAutomatically) }},
	{"config_has_control_tags", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.parsed.hasControls()) }},
	{"skip_queue", "", func(w *jsonw, x *projectAPI) { w.str(x.p.SkipQueue) }},
	{"reveal_preannotations_interactively", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.RevealPreannotationsInteractive) }},
	{"pinned_at", "", func(w *jsonw, x *projectAPI) { w.optStamp(x.p.PinnedAt) }},
	{"finished_task_number", "", func(w *jsonw, x *projectAPI) { x.count(w, x.c.finishedTasks) }},
	{"queue_total", "", func(w *jsonw, x *projectAPI) { w.int(x.c.taskNumber) }},
	{"queue_done", "", func(w *jsonw, x *projectAPI) { w.int(x.c.finishedTasks) }},
	{"config_suitable_for_bulk_annotation", "", func(w *jsonw, x *projectAPI) { w.bool(x.p.parsed.bulkOK) }},
	{"state", "1.23", func(w *jsonw, x *projectAPI) { w.null() }},
})

// projectObject renders p as the REST API shows it.
func (st *store) projectObject(p *project) json.RawMessage {
	var w jsonw
	projectREST.writeTo(&w, &projectAPI{p: p, c: st.projectCountsOf(p)}, st.profile)
	return w.b
}

// projectCountsREST is ProjectCountsSerializer: the id and the counters.
var projectCountsREST = newShape([]field[*projectAPI]{
	{"id", "", func(w *jsonw, x *projectAPI) { w.int(x.p.ID) }},
	{"task_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.taskNumber) }},
	{"finished_task_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.finishedTasks) }},
	{"total_predictions_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.predictions) }},
	{"total_annotations_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.annotations) }},
	{"num_tasks_with_annotations", "", func(w *jsonw, x *projectAPI) { w.int(x.c.tasksWithAnnotations) }},
	{"useful_annotation_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.usefulAnnotations) }},
	{"ground_truth_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.groundTruth) }},
	{"skipped_annotations_number", "", func(w *jsonw, x *projectAPI) { w.int(x.c.skipped) }},
})

// projectCountsObject renders p as GET /api/projects/counts shows it.
func (st *store) projectCountsObject(p *project) json.RawMessage {
	var w jsonw
	projectCountsREST.writeTo(&w, &projectAPI{p: p, c: st.projectCountsOf(p)}, st.profile)
	return w.b
}

// newProjectObject is a new project's answer: its counters are null.
func (st *store) newProjectObject(p *project) json.RawMessage {
	var w jsonw
	projectREST.writeTo(&w, &projectAPI{p: p, created: true}, st.profile)
	return w.b
}

// mustMarshal encodes a value that always encodes.
func mustMarshal(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// applyProjectFields reads the writable project fields present in f into
// p. Errors collect in f.errs; the caller commits p only when there are none.
func applyProjectFields(f form, p *project) {
	if f.has("title") {
		var t *string
		if f.nullStr("title", &t) {
			if t != nil && *t != "" && utf8.RuneCountInString(*t) < 3 {
				f.errs.add("title", "Ensure this field has at least 3 characters.")
			} else if t != nil && utf8.RuneCountInString(*t) > 50 {
				f.errs.add("title", "Ensure this field has no more than 50 characters.")
			} else {
				p.Title = t
			}
		}
	}
	f.nullStr("description", &p.Description)
	var cfg string
	if f.str("label_config", &cfg) {
		lc, err := parseLabelConfig(cfg)
		if err != nil {
			f.errs.add("label_config", err.Error())
		} else {
			p.LabelConfig, p.parsed = cfg, lc
		}
	}
	f.str("expert_instruction", &p.ExpertInstruction)
	f.boolean("show_instruction", &p.ShowInstruction)
	f.boolean("show_skip_button", &p.ShowSkipButton)
	f.boolean("enable_empty_annotation", &p.EnableEmptyAnnotation)
	f.boolean("reveal_preannotations_interactively", &p.RevealPreannotationsInteractive)
	f.boolean("show_annotation_history", &p.ShowAnnotationHistory)
	f.boolean("show_collab_predictions", &p.ShowCollabPredictions)
	f.boolean("evaluate_predictions_automatically", &p.EvaluatePredictionsAutomatically)
	var color string
	if f.str("color", &color) {
		if utf8.RuneCountInString(color) > 16 {
			f.errs.add("color", "Ensure this field has no more than 16 characters.")
		} else {
			p.Color = color
		}
	}
	f.integerMin("maximum_annotations", 1, &p.MaximumAnnotations)
	f.integer("min_annotations_to_start_training", &p.MinAnnotationsToStartTraining)
	f.object("control_weights", &p.ControlWeights, true)
	f.str("model_version", &p.ModelVersion)
	f.boolean("is_draft", &p.IsDraft)
	f.boolean("is_published", &p.IsPublished)
	f.choice("sampling", &p.Sampling, samplingChoices...)
	f.choice("skip_queue", &p.SkipQueue, skipQueueChoices...)
	f.boolean("show_ground_truth_first", &p.ShowGroundTruthFirst)
	f.boolean("show_overlap_first", &p.ShowOverlapFirst)
	var n int
	if f.integer("overlap_cohort_percentage", &n) {
		if n < 0 || n > 100 {
			f.errs.add("overlap_cohort_percentage", "Ensure this value is between 0 and 100.")
		} else {
			p.OverlapCohortPercentage = n
		}
	}
	f.nullStr("task_data_login", &p.TaskDataLogin)
	f.nullStr("task_data_password", &p.TaskDataPassword)
	f.datetime("pinned_at", &p.PinnedAt)
}

// handleProjectCreate serves POST /api/projects.
func (s *Server) handleProjectCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	empty := ""
	defaultCfg, _ := parseLabelConfig(DefaultLabelConfig)
	p := &project{
		Title: &empty, Description: &empty, LabelConfig: DefaultLabelConfig, parsed: defaultCfg,
		ShowSkipButton: true, EnableEmptyAnnotation: true, ShowCollabPredictions: true,
		Color: "#FFFFFF", MaximumAnnotations: 1, ControlWeights: json.RawMessage("{}"),
		CreatedAt: now, UpdatedAt: now, Sampling: samplingChoices[0], SkipQueue: "REQUEUE_FOR_OTHERS",
		OverlapCohortPercentage: 100, NextInnerID: 1, CreatedBy: ptr(userID),
		Token: strings.ReplaceAll(s.cfg.NewUUID(), "-", "")[:6],
	}
	applyProjectFields(f, p)
	if err := f.errs.err(); err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		st.next.Project++
		p.ID = st.next.Project
		st.projects[p.ID] = p
		st.changed(kindProject, p.ID)
		s.log.Debug("project created", "project_id", p.ID)
		return st.newProjectObject(p), s.plan(projectEvent(st, schemas.ProjectCreated, p)), nil
	})
}

// handleProjectGet serves GET /api/projects/{id}.
func (s *Server) handleProjectGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		return st.projectObject(p), nil, nil
	})
}

// handleProjectUpdate serves PATCH and PUT /api/projects/{id}. Both are
// partial, as Label Studio's ProjectAPI treats them.
func (s *Server) handleProjectUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).project, func(st *store, f form, p *project) (any, []delivery, error) {
		next := *p
		applyProjectFields(f, &next)
		if next.parsed != p.parsed && next.parsed != nil {
			// The serializer's validate_label_config (not strict).
			if msg := st.validateConfig(p, next.parsed, false); msg != "" {
				f.errs.add("label_config", msg)
			}
		}
		if r.Method == http.MethodPut && !f.has("created_by") {
			next.CreatedBy = nil // DRF's PUT sets a field it was not given to null (1.23.2)
		}
		if err := f.errs.err(); err != nil {
			return nil, nil, err
		}
		now := s.cfg.Now()
		next.UpdatedAt = now
		changedOverlap := next.MaximumAnnotations != p.MaximumAnnotations
		*p = next
		st.changed(kindProject, p.ID)
		if changedOverlap {
			// Label Studio rewrites every task's overlap and labeled state
			// when maximum_annotations changes.
			for _, tid := range p.taskIDs {
				t := st.tasks[tid]
				t.Overlap = p.MaximumAnnotations
				st.relabel(t, now)
			}
		}
		return st.projectObject(p), s.plan(projectEvent(st, schemas.ProjectUpdated, p)), nil
	})
}

// handleProjectDelete serves DELETE /api/projects/{id}: the project goes
// with its tasks, annotations, predictions, views, project-level
// webhooks, file uploads, label links, storages and export snapshots. Only PROJECT_DELETED is sent (no cascade events).
func (s *Server) handleProjectDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		st.deleteTasks(p.ID, slices.Clone(p.taskIDs))
		for id, wh := range st.webhooks {
			if wh.ProjectID != nil && *wh.ProjectID == p.ID {
				delete(st.webhooks, id)
				st.changed(kindWebhook, id)
			}
		}
		for id, v := range st.views {
			if v.ProjectID == p.ID {
				delete(st.views, id)
				st.changed(kindView, id)
			}
		}
		st.deleteProjectObjects(p.ID)
		delete(st.projects, p.ID)
		st.changed(kindProject, p.ID)
		return nil, s.plan(idsEvent(schemas.ProjectDeleted, 0, []int{p.ID})), nil
	})
}

// handleProjectList serves GET /api/projects: DRF page-number pagination,
// 30 per page, no page_size cap, 404 past the last page.
func (s *Server) handleProjectList(w http.ResponseWriter, r *http.Request) error {
	return s.projectPage(w, r, (*store).projectObject)
}

// handleProjectCounts serves GET /api/projects/counts (SDK 2.x
// projects.list_counts): the same pages, filters and ordering as the
// project list, each project as its id and counters.
func (s *Server) handleProjectCounts(w http.ResponseWriter, r *http.Request) error {
	return s.projectPage(w, r, (*store).projectCountsObject)
}

// projectPage answers a page of the organization's projects, each
// rendered by view, filtered by ids and title, ordered by ordering and
// cut to the include keys.
func (s *Server) projectPage(w http.ResponseWriter, r *http.Request, view func(*store, *project) json.RawMessage) error {
	q := r.URL.Query()
	var ids map[int]bool
	for _, v := range q["ids"] { // repeated keys (ids=1&ids=2) or a comma list
		if ids == nil {
			ids = map[int]bool{}
		}
		for _, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			n, ok := pyInt(part)
			if !ok {
				return errValidation("ids", fmt.Sprintf("%q is not a valid project id.", part))
			}
			ids[n] = true
		}
	}
	title := strings.ToLower(param(q, "title"))
	include := splitFields(param(q, "include"))
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		var list []*project
		for _, p := range st.projects {
			if ids != nil && !ids[p.ID] {
				continue
			}
			if title != "" && (p.Title == nil || !strings.Contains(strings.ToLower(*p.Title), title)) {
				continue
			}
			list = append(list, p)
		}
		sortProjects(list, param(q, "ordering"))
		pg, err := paginate(r, len(list), 30)
		if err != nil {
			return nil, nil, err
		}
		results := make([]json.RawMessage, 0, pg.hi-pg.lo)
		for _, p := range list[pg.lo:pg.hi] {
			results = append(results, pickKeys(view(st, p), include))
		}
		return pageBody{Count: len(list), Next: pg.next, Previous: pg.previous, Results: results}, nil, nil
	})
}

// sortProjects orders a project list by the DRF ordering parameter
// (default: ascending id).
func sortProjects(list []*project, ordering string) {
	key := strings.TrimSpace(ordering)
	desc := strings.HasPrefix(key, "-")
	key = strings.TrimPrefix(key, "-")
	var cmp func(a, b *project) int
	switch key {
	case "", "id":
		cmp = func(a, b *project) int { return a.ID - b.ID }
	case "created_at":
		cmp = func(a, b *project) int { return a.CreatedAt.Compare(b.CreatedAt)*2 + sign(a.ID-b.ID) }
	case "title":
		cmp = func(a, b *project) int { return strings.Compare(deref(a.Title), deref(b.Title))*2 + sign(a.ID-b.ID) }
	default:
		cmp = func(a, b *project) int { return a.ID - b.ID }
	}
	slices.SortFunc(list, cmp)
	if desc {
		slices.Reverse(list)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// project returns a project or Label Studio's 404. Call under st.mu.
func (st *store) project(id int) (*project, error) {
	p := st.projects[id]
	if p == nil {
		return nil, notFoundError{"Project"}
	}
	return p, nil
}
