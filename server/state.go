package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// stateFormat and stateVersion name the format Snapshot writes. A change
// that older labelhooks could misread bumps stateVersion; Restore reads
// only its own version.
const (
	stateFormat  = "labelhook-state"
	stateVersion = 1
)

// state is the whole store as Snapshot writes it: every id counter and
// every object, each list in ascending id. The relations a store keeps as
// id lists (a project's tasks, a task's annotations) are derived again on
// Restore.
type state struct {
	Format      string            `json:"format"`
	Version     int               `json:"version"`
	Next        stateCounters     `json:"next"`
	Projects    []stateProject    `json:"projects"`
	Tasks       []stateTask       `json:"tasks"`
	Annotations []stateAnnotation `json:"annotations"`
	Predictions []statePrediction `json:"predictions"`
	Webhooks    []stateWebhook    `json:"webhooks"`
	Views       []stateView       `json:"views"`
}

// stateCounters are the last id handed out of each kind; ids are never
// reused, also across a restart.
type stateCounters struct {
	Project    int `json:"project"`
	Task       int `json:"task"`
	Annotation int `json:"annotation"`
	Prediction int `json:"prediction"`
	Webhook    int `json:"webhook"`
	View       int `json:"view"`
	Drafts     int `json:"drafts"`
}

type stateProject struct {
	ID                               int             `json:"id"`
	Title                            *string         `json:"title"`
	Description                      *string         `json:"description"`
	LabelConfig                      string          `json:"label_config"`
	ExpertInstruction                string          `json:"expert_instruction"`
	ShowInstruction                  bool            `json:"show_instruction"`
	ShowSkipButton                   bool            `json:"show_skip_button"`
	EnableEmptyAnnotation            bool            `json:"enable_empty_annotation"`
	RevealPreannotationsInteractive  bool            `json:"reveal_preannotations_interactively"`
	ShowAnnotationHistory            bool            `json:"show_annotation_history"`
	ShowCollabPredictions            bool            `json:"show_collab_predictions"`
	EvaluatePredictionsAutomatically bool            `json:"evaluate_predictions_automatically"`
	Token                            string          `json:"token"`
	Color                            string          `json:"color"`
	MaximumAnnotations               int             `json:"maximum_annotations"`
	MinAnnotationsToStartTraining    int             `json:"min_annotations_to_start_training"`
	ControlWeights                   json.RawMessage `json:"control_weights,omitempty"`
	ModelVersion                     string          `json:"model_version"`
	IsDraft                          bool            `json:"is_draft"`
	IsPublished                      bool            `json:"is_published"`
	CreatedAt                        time.Time       `json:"created_at"`
	UpdatedAt                        time.Time       `json:"updated_at"`
	Sampling                         string          `json:"sampling"`
	SkipQueue                        string          `json:"skip_queue"`
	ShowGroundTruthFirst             bool            `json:"show_ground_truth_first"`
	ShowOverlapFirst                 bool            `json:"show_overlap_first"`
	OverlapCohortPercentage          int             `json:"overlap_cohort_percentage"`
	TaskDataLogin                    *string         `json:"task_data_login"`
	TaskDataPassword                 *string         `json:"task_data_password"`
	PinnedAt                         *time.Time      `json:"pinned_at"`
	NextInnerID                      int             `json:"next_inner_id"`
}

type stateTask struct {
	ID          int             `json:"id"`
	Project     int             `json:"project"`
	Data        json.RawMessage `json:"data"`
	Meta        json.RawMessage `json:"meta,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	IsLabeled   bool            `json:"is_labeled"`
	Overlap     int             `json:"overlap"`
	InnerID     int             `json:"inner_id"`
	UpdatedBy   *int            `json:"updated_by"`
	FileUpload  *int            `json:"file_upload"`
}

type stateAnnotation struct {
	ID               int             `json:"id"`
	Task             int             `json:"task"`
	Project          int             `json:"project"`
	Result           json.RawMessage `json:"result,omitempty"`
	WasCancelled     bool            `json:"was_cancelled"`
	GroundTruth      bool            `json:"ground_truth"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	DraftCreatedAt   *time.Time      `json:"draft_created_at"`
	LeadTime         *float64        `json:"lead_time"`
	Prediction       json.RawMessage `json:"prediction,omitempty"`
	UniqueID         string          `json:"unique_id"`
	ImportID         *int            `json:"import_id"`
	LastAction       *string         `json:"last_action"`
	CompletedBy      *int            `json:"completed_by"`
	UpdatedBy        *int            `json:"updated_by"`
	ParentPrediction *int            `json:"parent_prediction"`
	ParentAnnotation *int            `json:"parent_annotation"`
	LastCreatedBy    *int            `json:"last_created_by"`
	BulkCreated      bool            `json:"bulk_created"`
}

type statePrediction struct {
	ID           int             `json:"id"`
	Task         int             `json:"task"`
	Project      int             `json:"project"`
	Result       json.RawMessage `json:"result,omitempty"`
	ModelVersion string          `json:"model_version"`
	Score        *float64        `json:"score"`
	Cluster      *int            `json:"cluster"`
	Neighbors    json.RawMessage `json:"neighbors,omitempty"`
	Mislabeling  float64         `json:"mislabeling"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

type stateWebhook struct {
	ID                  int         `json:"id"`
	Project             *int        `json:"project"`
	URL                 string      `json:"url"`
	SendPayload         bool        `json:"send_payload"`
	SendForAllActions   bool        `json:"send_for_all_actions"`
	Headers             [][2]string `json:"headers"` // [name, value] in the order given
	IsActive            bool        `json:"is_active"`
	ConsecutiveFailures int         `json:"consecutive_failures"`
	Actions             []string    `json:"actions"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
}

type stateView struct {
	ID      int             `json:"id"`
	Project int             `json:"project"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Snapshot returns the whole state of the server (every id counter,
// project, task, annotation, prediction, webhook and saved view) as JSON
// that Restore reads back. It is consistent: it is taken under the store
// lock, between two requests' changes.
func (s *Server) Snapshot() ([]byte, error) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	n := st.next
	out := state{Format: stateFormat, Version: stateVersion, Next: stateCounters{
		Project: n.project, Task: n.task, Annotation: n.annotation, Prediction: n.prediction,
		Webhook: n.webhook, View: n.view, Drafts: n.drafts,
	}}
	for _, id := range idsOf(st.projects) {
		p := st.projects[id]
		out.Projects = append(out.Projects, stateProject{
			ID: p.id, Title: p.title, Description: p.description, LabelConfig: p.labelConfig,
			ExpertInstruction: p.expertInstruction, ShowInstruction: p.showInstruction,
			ShowSkipButton: p.showSkipButton, EnableEmptyAnnotation: p.enableEmptyAnnotation,
			RevealPreannotationsInteractive: p.revealPreannotationsInteractive,
			ShowAnnotationHistory:           p.showAnnotationHistory, ShowCollabPredictions: p.showCollabPredictions,
			EvaluatePredictionsAutomatically: p.evaluatePredictionsAutomatically, Token: p.token, Color: p.color,
			MaximumAnnotations: p.maximumAnnotations, MinAnnotationsToStartTraining: p.minAnnotationsToStartTraining,
			ControlWeights: p.controlWeights, ModelVersion: p.modelVersion, IsDraft: p.isDraft,
			IsPublished: p.isPublished, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt, Sampling: p.sampling,
			SkipQueue: p.skipQueue, ShowGroundTruthFirst: p.showGroundTruthFirst, ShowOverlapFirst: p.showOverlapFirst,
			OverlapCohortPercentage: p.overlapCohortPercentage, TaskDataLogin: p.taskDataLogin,
			TaskDataPassword: p.taskDataPassword, PinnedAt: p.pinnedAt, NextInnerID: p.nextInnerID,
		})
	}
	for _, id := range idsOf(st.tasks) {
		t := st.tasks[id]
		out.Tasks = append(out.Tasks, stateTask{
			ID: t.id, Project: t.projectID, Data: t.data, Meta: t.meta, CreatedAt: t.createdAt,
			UpdatedAt: t.updatedAt, CompletedAt: t.completedAt, IsLabeled: t.isLabeled, Overlap: t.overlap,
			InnerID: t.innerID, UpdatedBy: t.updatedBy, FileUpload: t.fileUpload,
		})
	}
	for _, id := range idsOf(st.annotations) {
		a := st.annotations[id]
		out.Annotations = append(out.Annotations, stateAnnotation{
			ID: a.id, Task: a.taskID, Project: a.projectID, Result: a.result, WasCancelled: a.wasCancelled,
			GroundTruth: a.groundTruth, CreatedAt: a.createdAt, UpdatedAt: a.updatedAt,
			DraftCreatedAt: a.draftCreatedAt, LeadTime: a.leadTime, Prediction: a.prediction,
			UniqueID: a.uniqueID, ImportID: a.importID, LastAction: a.lastAction, CompletedBy: a.completedBy,
			UpdatedBy: a.updatedBy, ParentPrediction: a.parentPrediction, ParentAnnotation: a.parentAnnotation,
			LastCreatedBy: a.lastCreatedBy, BulkCreated: a.bulkCreated,
		})
	}
	for _, id := range idsOf(st.predictions) {
		p := st.predictions[id]
		out.Predictions = append(out.Predictions, statePrediction{
			ID: p.id, Task: p.taskID, Project: p.projectID, Result: p.result, ModelVersion: p.modelVersion,
			Score: p.score, Cluster: p.cluster, Neighbors: p.neighbors, Mislabeling: p.mislabeling,
			CreatedAt: p.createdAt, UpdatedAt: p.updatedAt,
		})
	}
	for _, id := range idsOf(st.webhooks) {
		w := st.webhooks[id]
		hs := make([][2]string, 0, len(w.headers))
		for _, h := range w.headers {
			hs = append(hs, [2]string{h.name, h.value})
		}
		out.Webhooks = append(out.Webhooks, stateWebhook{
			ID: w.id, Project: w.projectID, URL: w.url, SendPayload: w.sendPayload,
			SendForAllActions: w.sendForAllActions, Headers: hs, IsActive: w.isActive,
			ConsecutiveFailures: w.consecutiveFailures, Actions: slices.Clone(w.actions),
			CreatedAt: w.createdAt, UpdatedAt: w.updatedAt,
		})
	}
	for _, id := range idsOf(st.views) {
		v := st.views[id]
		out.Views = append(out.Views, stateView{ID: v.id, Project: v.projectID, Data: v.data})
	}
	b, err := marshal(out)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return b, nil
}

// ErrNotEmpty is returned by Restore into a server that already has state.
var ErrNotEmpty = errors.New("the server already has state; restore into a new server")

// Restore loads a Snapshot into a new, empty server, checking it first:
// a file that is not JSON, of another format or version, or whose objects
// contradict each other (a task of a missing project, an id above its
// counter, a label config that does not parse) is an error naming the
// problem, and the server is left unchanged. No webhook is sent.
func (s *Server) Restore(data []byte) error {
	st, err := decodeState(data)
	if err != nil {
		return fmt.Errorf("restore state: %w", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur, empty := s.st, newStore()
	if cur.next != empty.next || len(cur.projects)+len(cur.tasks)+len(cur.annotations)+
		len(cur.predictions)+len(cur.webhooks)+len(cur.views) > 0 {
		return fmt.Errorf("restore state: %w", ErrNotEmpty)
	}
	cur.next = st.next
	cur.projects, cur.tasks, cur.annotations = st.projects, st.tasks, st.annotations
	cur.predictions, cur.webhooks, cur.views = st.predictions, st.webhooks, st.views
	cur.recountAll()
	return nil
}

// decodeState parses and checks a snapshot into a store (without its mutex
// in use).
func decodeState(data []byte) (*store, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in state
	if err := dec.Decode(&in); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the state is empty")
		}
		return nil, fmt.Errorf("not a labelhook state file: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a labelhook state file: data after the end of the JSON object")
	}
	if in.Format != stateFormat {
		return nil, fmt.Errorf("not a labelhook state file: format is %q, want %q", in.Format, stateFormat)
	}
	if in.Version != stateVersion {
		return nil, fmt.Errorf("state format version %d is not supported (this labelhook reads version %d)", in.Version, stateVersion)
	}
	st := newStore()
	c := in.Next
	st.next.project, st.next.task, st.next.annotation, st.next.prediction = c.Project, c.Task, c.Annotation, c.Prediction
	st.next.webhook, st.next.view, st.next.drafts = c.Webhook, c.View, c.Drafts
	for _, c := range []struct {
		name string
		n    int
	}{{"project", c.Project}, {"task", c.Task}, {"annotation", c.Annotation}, {"prediction", c.Prediction},
		{"webhook", c.Webhook}, {"view", c.View}, {"drafts", c.Drafts}} {
		if c.n < 0 {
			return nil, fmt.Errorf("next.%s is %d, below zero", c.name, c.n)
		}
	}
	checkID := func(kind string, id, last int, seen map[int]bool) error {
		switch {
		case id <= 0:
			return fmt.Errorf("%s id %d is not positive", kind, id)
		case id > last:
			return fmt.Errorf("%s %d is above next.%s = %d, so a new %s would reuse its id", kind, id, kind, last, kind)
		case seen[id]:
			return fmt.Errorf("%s %d appears twice", kind, id)
		}
		seen[id] = true
		return nil
	}
	seen := map[int]bool{}
	for _, sp := range in.Projects {
		if err := checkID("project", sp.ID, in.Next.Project, seen); err != nil {
			return nil, err
		}
		parsed, err := parseLabelConfig(sp.LabelConfig)
		if err != nil {
			return nil, fmt.Errorf("project %d: label_config: %w", sp.ID, err)
		}
		if sp.NextInnerID < 1 {
			return nil, fmt.Errorf("project %d: next_inner_id is %d, want 1 or more", sp.ID, sp.NextInnerID)
		}
		cw, err := rawOr(sp.ControlWeights, "{}", '{')
		if err != nil {
			return nil, fmt.Errorf("project %d: control_weights: %w", sp.ID, err)
		}
		st.projects[sp.ID] = &project{
			id: sp.ID, title: sp.Title, description: sp.Description, labelConfig: sp.LabelConfig, parsed: parsed,
			expertInstruction: sp.ExpertInstruction, showInstruction: sp.ShowInstruction,
			showSkipButton: sp.ShowSkipButton, enableEmptyAnnotation: sp.EnableEmptyAnnotation,
			revealPreannotationsInteractive: sp.RevealPreannotationsInteractive,
			showAnnotationHistory:           sp.ShowAnnotationHistory, showCollabPredictions: sp.ShowCollabPredictions,
			evaluatePredictionsAutomatically: sp.EvaluatePredictionsAutomatically, token: sp.Token, color: sp.Color,
			maximumAnnotations: sp.MaximumAnnotations, minAnnotationsToStartTraining: sp.MinAnnotationsToStartTraining,
			controlWeights: cw, modelVersion: sp.ModelVersion, isDraft: sp.IsDraft, isPublished: sp.IsPublished,
			createdAt: sp.CreatedAt, updatedAt: sp.UpdatedAt, sampling: sp.Sampling, skipQueue: sp.SkipQueue,
			showGroundTruthFirst: sp.ShowGroundTruthFirst, showOverlapFirst: sp.ShowOverlapFirst,
			overlapCohortPercentage: sp.OverlapCohortPercentage, taskDataLogin: sp.TaskDataLogin,
			taskDataPassword: sp.TaskDataPassword, pinnedAt: sp.PinnedAt, nextInnerID: sp.NextInnerID,
		}
	}
	seen = map[int]bool{}
	for _, stt := range in.Tasks {
		if err := checkID("task", stt.ID, in.Next.Task, seen); err != nil {
			return nil, err
		}
		p := st.projects[stt.Project]
		if p == nil {
			return nil, fmt.Errorf("task %d: project %d does not exist", stt.ID, stt.Project)
		}
		if jsonKind(stt.Data) != '{' || !json.Valid(stt.Data) {
			return nil, fmt.Errorf("task %d: data must be a JSON object", stt.ID)
		}
		meta := stt.Meta
		if len(meta) > 0 && (!json.Valid(meta) || (jsonKind(meta) != '{' && jsonKind(meta) != 'n')) {
			return nil, fmt.Errorf("task %d: meta must be a JSON object or null", stt.ID)
		}
		if stt.InnerID < 1 || stt.InnerID >= p.nextInnerID {
			return nil, fmt.Errorf("task %d: inner_id %d is outside 1..%d (project %d's next_inner_id - 1)", stt.ID, stt.InnerID, p.nextInnerID-1, p.id)
		}
		st.tasks[stt.ID] = &task{
			id: stt.ID, projectID: stt.Project, data: stt.Data, meta: meta, createdAt: stt.CreatedAt,
			updatedAt: stt.UpdatedAt, completedAt: stt.CompletedAt, isLabeled: stt.IsLabeled, overlap: stt.Overlap,
			innerID: stt.InnerID, updatedBy: stt.UpdatedBy, fileUpload: stt.FileUpload,
		}
		p.taskIDs = append(p.taskIDs, stt.ID)
	}
	// belongs checks that an object of a task names the task's project.
	belongs := func(kind string, id, taskID, projectID int) (*task, error) {
		t := st.tasks[taskID]
		if t == nil {
			return nil, fmt.Errorf("%s %d: task %d does not exist", kind, id, taskID)
		}
		if t.projectID != projectID {
			return nil, fmt.Errorf("%s %d: project is %d, but its task %d is in project %d", kind, id, projectID, taskID, t.projectID)
		}
		return t, nil
	}
	seen = map[int]bool{}
	for _, sa := range in.Annotations {
		if err := checkID("annotation", sa.ID, in.Next.Annotation, seen); err != nil {
			return nil, err
		}
		t, err := belongs("annotation", sa.ID, sa.Task, sa.Project)
		if err != nil {
			return nil, err
		}
		result, err := rawOr(sa.Result, "[]", '[')
		if err != nil {
			return nil, fmt.Errorf("annotation %d: result: %w", sa.ID, err)
		}
		pred, err := rawOr(sa.Prediction, "{}", '{')
		if err != nil {
			return nil, fmt.Errorf("annotation %d: prediction: %w", sa.ID, err)
		}
		if sa.LeadTime != nil && (math.IsNaN(*sa.LeadTime) || math.IsInf(*sa.LeadTime, 0)) {
			return nil, fmt.Errorf("annotation %d: lead_time is not a number", sa.ID)
		}
		st.annotations[sa.ID] = &annotation{
			id: sa.ID, result: result, wasCancelled: sa.WasCancelled, groundTruth: sa.GroundTruth,
			createdAt: sa.CreatedAt, updatedAt: sa.UpdatedAt, draftCreatedAt: sa.DraftCreatedAt,
			leadTime: sa.LeadTime, prediction: pred, uniqueID: sa.UniqueID, importID: sa.ImportID,
			lastAction: sa.LastAction, taskID: sa.Task, projectID: sa.Project, completedBy: sa.CompletedBy,
			updatedBy: sa.UpdatedBy, parentPrediction: sa.ParentPrediction, parentAnnotation: sa.ParentAnnotation,
			lastCreatedBy: sa.LastCreatedBy, bulkCreated: sa.BulkCreated, resultN: resultCount(result),
		}
		t.annIDs = append(t.annIDs, sa.ID)
	}
	seen = map[int]bool{}
	for _, sp := range in.Predictions {
		if err := checkID("prediction", sp.ID, in.Next.Prediction, seen); err != nil {
			return nil, err
		}
		t, err := belongs("prediction", sp.ID, sp.Task, sp.Project)
		if err != nil {
			return nil, err
		}
		if len(sp.Result) > 0 && !json.Valid(sp.Result) {
			return nil, fmt.Errorf("prediction %d: result is not valid JSON", sp.ID)
		}
		if len(sp.Neighbors) > 0 && !json.Valid(sp.Neighbors) {
			return nil, fmt.Errorf("prediction %d: neighbors is not valid JSON", sp.ID)
		}
		if sp.Score != nil && (math.IsNaN(*sp.Score) || math.IsInf(*sp.Score, 0)) {
			return nil, fmt.Errorf("prediction %d: score is not a number", sp.ID)
		}
		st.predictions[sp.ID] = &prediction{
			id: sp.ID, result: sp.Result, modelVersion: sp.ModelVersion, score: sp.Score, cluster: sp.Cluster,
			neighbors: sp.Neighbors, mislabeling: sp.Mislabeling, createdAt: sp.CreatedAt, updatedAt: sp.UpdatedAt,
			taskID: sp.Task, projectID: sp.Project,
		}
		t.predIDs = append(t.predIDs, sp.ID)
	}
	seen = map[int]bool{}
	for _, sw := range in.Webhooks {
		if err := checkID("webhook", sw.ID, in.Next.Webhook, seen); err != nil {
			return nil, err
		}
		if sw.Project != nil && st.projects[*sw.Project] == nil {
			return nil, fmt.Errorf("webhook %d: project %d does not exist", sw.ID, *sw.Project)
		}
		if sw.URL == "" {
			return nil, fmt.Errorf("webhook %d: url is empty", sw.ID)
		}
		if len(sw.Headers) > maxHeaders {
			return nil, fmt.Errorf("webhook %d: %d headers, at most %d", sw.ID, len(sw.Headers), maxHeaders)
		}
		hs := headerList{}
		for _, h := range sw.Headers {
			if !headerNameRE.MatchString(h[0]) {
				return nil, fmt.Errorf("webhook %d: header name %q is not allowed", sw.ID, h[0])
			}
			hs = append(hs, header{h[0], h[1]})
		}
		actions := []string{}
		for _, a := range sw.Actions {
			if _, ok := schemas.Lookup(a); !ok {
				return nil, fmt.Errorf("webhook %d: unknown action %q", sw.ID, a)
			}
			actions = append(actions, a)
		}
		if sw.Project != nil && hasOrgOnly(actions) {
			return nil, fmt.Errorf("webhook %d: a project webhook cannot have an organization-only action", sw.ID)
		}
		if sw.ConsecutiveFailures < 0 {
			return nil, fmt.Errorf("webhook %d: consecutive_failures is %d, below zero", sw.ID, sw.ConsecutiveFailures)
		}
		st.webhooks[sw.ID] = &webhook{
			id: sw.ID, projectID: sw.Project, url: sw.URL, sendPayload: sw.SendPayload,
			sendForAllActions: sw.SendForAllActions, headers: hs, isActive: sw.IsActive,
			consecutiveFailures: sw.ConsecutiveFailures, actions: actions, createdAt: sw.CreatedAt, updatedAt: sw.UpdatedAt,
		}
	}
	seen = map[int]bool{}
	for _, sv := range in.Views {
		if err := checkID("view", sv.ID, in.Next.View, seen); err != nil {
			return nil, err
		}
		if st.projects[sv.Project] == nil {
			return nil, fmt.Errorf("view %d: project %d does not exist", sv.ID, sv.Project)
		}
		data, err := rawOr(sv.Data, "{}", '{')
		if err != nil {
			return nil, fmt.Errorf("view %d: data: %w", sv.ID, err)
		}
		st.views[sv.ID] = &view{id: sv.ID, projectID: sv.Project, data: data}
	}
	// The store keeps these lists ascending; the file need not be sorted.
	for _, p := range st.projects {
		slices.Sort(p.taskIDs)
	}
	for _, t := range st.tasks {
		slices.Sort(t.annIDs)
		slices.Sort(t.predIDs)
	}
	return st, nil
}

// rawOr returns raw, or def when raw is absent; raw must be valid JSON
// starting with kind.
func rawOr(raw json.RawMessage, def string, kind byte) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage(def), nil
	}
	if !json.Valid(raw) || jsonKind(raw) != kind {
		want := map[byte]string{'{': "a JSON object", '[': "a JSON list"}[kind]
		return nil, fmt.Errorf("want %s, got %.40s", want, raw)
	}
	return raw, nil
}

// idsOf returns a map's keys in ascending order.
func idsOf[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
