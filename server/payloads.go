package server

// The objects Label Studio's webhook serializers (serializers_for_hooks.py)
// put in payloads, as recorded from the real server
// (scenarios/compare/testdata): each a ModelSerializer with fields
// '__all__', so every model field in the model's order, which differs from
// the REST API's objects. A field a release added carries its since mark.

// projectCtx is a project with its live counters.
type projectCtx struct {
	p *project
	c projectCounts
}

// projectHook is ProjectWebhookSerializer's output.
var projectHook = newShape([]field[*projectCtx]{
	{"id", "", func(w *jsonw, x *projectCtx) { w.int(x.p.ID) }},
	{"task_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.taskNumber) }},
	{"finished_task_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.finishedTasks) }},
	{"total_predictions_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.predictions) }},
	{"total_annotations_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.annotations) }},
	{"num_tasks_with_annotations", "", func(w *jsonw, x *projectCtx) { w.int(x.c.tasksWithAnnotations) }},
	{"useful_annotation_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.usefulAnnotations) }},
	{"ground_truth_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.groundTruth) }},
	{"skipped_annotations_number", "", func(w *jsonw, x *projectCtx) { w.int(x.c.skipped) }},
	{"title", "", func(w *jsonw, x *projectCtx) { w.optStr(x.p.Title) }},
	{"description", "", func(w *jsonw, x *projectCtx) { w.optStr(x.p.Description) }},
	{"label_config", "", func(w *jsonw, x *projectCtx) { w.str(x.p.LabelConfig) }},
	{"parsed_label_config", "", func(w *jsonw, x *projectCtx) { w.raw(x.p.parsed.parsedJSON(), "{}") }},
	{"label_config_hash", "", func(w *jsonw, x *projectCtx) { w.int64(x.p.parsed.hash) }},
	{"expert_instruction", "", func(w *jsonw, x *projectCtx) { w.str(x.p.ExpertInstruction) }},
	{"show_instruction", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowInstruction) }},
	{"show_skip_button", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowSkipButton) }},
	{"enable_empty_annotation", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.EnableEmptyAnnotation) }},
	{"reveal_preannotations_interactively", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.RevealPreannotationsInteractive) }},
	{"show_annotation_history", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowAnnotationHistory) }},
	{"show_collab_predictions", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowCollabPredictions) }},
	{"evaluate_predictions_automatically", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.EvaluatePredictionsAutomatically) }},
	{"token", "", func(w *jsonw, x *projectCtx) { w.str(x.p.Token) }},
	{"result_count", "", func(w *jsonw, x *projectCtx) { w.int(0) }}, // never updated by 1.23.2
	{"color", "", func(w *jsonw, x *projectCtx) { w.str(x.p.Color) }},
	{"maximum_annotations", "", func(w *jsonw, x *projectCtx) { w.int(x.p.MaximumAnnotations) }},
	{"min_annotations_to_start_training", "", func(w *jsonw, x *projectCtx) { w.int(x.p.MinAnnotationsToStartTraining) }},
	{"control_weights", "", func(w *jsonw, x *projectCtx) { w.raw(x.p.controlWeights(), "{}") }},
	{"model_version", "", func(w *jsonw, x *projectCtx) { w.str(x.p.ModelVersion) }},
	{"data_types", "", func(w *jsonw, x *projectCtx) { w.raw(x.p.parsed.dataTypesJSON(), "{}") }},
	{"is_draft", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.IsDraft) }},
	{"is_published", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.IsPublished) }},
	{"created_at", "", func(w *jsonw, x *projectCtx) { w.stamp(x.p.CreatedAt) }},
	{"updated_at", "", func(w *jsonw, x *projectCtx) { w.stamp(x.p.UpdatedAt) }},
	{"sampling", "", func(w *jsonw, x *projectCtx) { w.str(x.p.Sampling) }},
	{"skip_queue", "", func(w *jsonw, x *projectCtx) { w.str(x.p.SkipQueue) }},
	{"show_ground_truth_first", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowGroundTruthFirst) }},
	{"annotator_evaluation_enabled", "1.23", func(w *jsonw, x *projectCtx) { w.bool(false) }},
	{"show_overlap_first", "", func(w *jsonw, x *projectCtx) { w.bool(x.p.ShowOverlapFirst) }},
	{"overlap_cohort_percentage", "", func(w *jsonw, x *projectCtx) { w.int(x.p.OverlapCohortPercentage) }},
	{"task_data_login", "", func(w *jsonw, x *projectCtx) { w.optStr(x.p.TaskDataLogin) }},
	{"task_data_password", "", func(w *jsonw, x *projectCtx) { w.optStr(x.p.TaskDataPassword) }},
	{"pinned_at", "", func(w *jsonw, x *projectCtx) { w.optStamp(x.p.PinnedAt) }},
	{"custom_task_lock_ttl", "", func(w *jsonw, x *projectCtx) { w.null() }},
	{"deleted_at", "1.23", func(w *jsonw, x *projectCtx) { w.null() }},
	{"purge_at", "1.23", func(w *jsonw, x *projectCtx) { w.null() }},
	{"search_vector", "1.23", func(w *jsonw, x *projectCtx) { w.null() }},
	{"organization", "", func(w *jsonw, x *projectCtx) { w.int(orgID) }},
	{"created_by", "", func(w *jsonw, x *projectCtx) { w.optInt(x.p.CreatedBy) }},
	{"deleted_by", "1.23", func(w *jsonw, x *projectCtx) { w.null() }},
})

// taskCtx is a task with its live counters.
type taskCtx struct {
	t *task
	c taskCounts
}

// taskHook is TaskWebhookSerializer's output: no annotations, no predictions.
var taskHook = newShape([]field[*taskCtx]{
	{"id", "", func(w *jsonw, x *taskCtx) { w.int(x.t.ID) }},
	{"data", "", func(w *jsonw, x *taskCtx) { w.raw(x.t.Data, "{}") }},
	{"meta", "", func(w *jsonw, x *taskCtx) { w.raw(x.t.Meta, "null") }},
	{"created_at", "", func(w *jsonw, x *taskCtx) { w.stamp(x.t.CreatedAt) }},
	{"updated_at", "", func(w *jsonw, x *taskCtx) { w.stamp(x.t.UpdatedAt) }},
	{"is_labeled", "", func(w *jsonw, x *taskCtx) { w.bool(x.t.IsLabeled) }},
	{"allow_skip", "1.23", func(w *jsonw, x *taskCtx) { w.bool(true) }},
	{"overlap", "", func(w *jsonw, x *taskCtx) { w.int(x.t.Overlap) }},
	{"inner_id", "", func(w *jsonw, x *taskCtx) { w.int(x.t.InnerID) }},
	{"total_annotations", "", func(w *jsonw, x *taskCtx) { w.int(x.c.total) }},
	{"cancelled_annotations", "", func(w *jsonw, x *taskCtx) { w.int(x.c.cancelled) }},
	{"total_predictions", "", func(w *jsonw, x *taskCtx) { w.int(x.c.predictions) }},
	{"precomputed_agreement", "1.23", func(w *jsonw, x *taskCtx) { w.null() }},
	{"comment_count", "", func(w *jsonw, x *taskCtx) { w.int(0) }},
	{"unresolved_comment_count", "", func(w *jsonw, x *taskCtx) { w.int(0) }},
	{"last_comment_updated_at", "", func(w *jsonw, x *taskCtx) { w.null() }},
	{"project", "", func(w *jsonw, x *taskCtx) { w.int(x.t.ProjectID) }},
	{"updated_by", "", func(w *jsonw, x *taskCtx) { w.optInt(x.t.UpdatedBy) }},
	{"file_upload", "", func(w *jsonw, x *taskCtx) { w.optInt(x.t.FileUpload) }},
	{"comment_authors", "", func(w *jsonw, x *taskCtx) { w.b = append(w.b, "[]"...) }},
})

// taskREST is the REST API's TaskSerializer, a created task's answer: the
// webhook's keys but allow_skip and precomputed_agreement.
var taskREST = taskHook.without("allow_skip", "precomputed_agreement")

// annotationHook is AnnotationWebhookSerializer's output.
var annotationHook = newShape([]field[*annotation]{
	{"id", "", func(w *jsonw, a *annotation) { w.int(a.ID) }},
	{"result", "", func(w *jsonw, a *annotation) { w.raw(a.Result, "[]") }},
	{"was_cancelled", "", func(w *jsonw, a *annotation) { w.bool(a.WasCancelled) }},
	{"ground_truth", "", func(w *jsonw, a *annotation) { w.bool(a.GroundTruth) }},
	{"created_at", "", func(w *jsonw, a *annotation) { w.stamp(a.CreatedAt) }},
	{"updated_at", "", func(w *jsonw, a *annotation) { w.stamp(a.UpdatedAt) }},
	{"draft_created_at", "", func(w *jsonw, a *annotation) { w.optStamp(a.DraftCreatedAt) }},
	{"lead_time", "", func(w *jsonw, a *annotation) { w.optFloat(a.LeadTime) }},
	{"prediction", "", func(w *jsonw, a *annotation) { w.raw(a.Prediction, "{}") }},
	{"result_count", "", func(w *jsonw, a *annotation) { w.int(a.resultN) }},
	{"unique_id", "", func(w *jsonw, a *annotation) { w.str(a.UniqueID) }},
	{"import_id", "", func(w *jsonw, a *annotation) { w.optInt(a.ImportID) }},
	{"last_action", "", func(w *jsonw, a *annotation) { w.optStr(a.LastAction) }},
	{"bulk_created", "", func(w *jsonw, a *annotation) { w.bool(a.BulkCreated) }},
	{"task", "", func(w *jsonw, a *annotation) { w.int(a.TaskID) }},
	{"project", "", func(w *jsonw, a *annotation) { w.int(a.ProjectID) }},
	{"completed_by", "", func(w *jsonw, a *annotation) { w.optInt(a.CompletedBy) }},
	{"updated_by", "", func(w *jsonw, a *annotation) { w.optInt(a.UpdatedBy) }},
	{"parent_prediction", "", func(w *jsonw, a *annotation) { w.optInt(a.ParentPrediction) }},
	{"parent_annotation", "", func(w *jsonw, a *annotation) { w.optInt(a.ParentAnnotation) }},
	{"last_created_by", "", func(w *jsonw, a *annotation) { w.optInt(a.LastCreatedBy) }},
})

// projectJSON is p's payload object, rendered now.
func (st *store) projectJSON(p *project) []byte {
	var w jsonw
	st.writeProject(&w, p)
	return w.b
}

// projectJSONFinished is p's payload object rendered now, but with
// finished_task_number as it was before a bulk change: Label Studio
// serializes such events before it updates the tasks' is_labeled, while
// the annotation counters are counted afresh.
func (st *store) projectJSONFinished(p *project, finished int) []byte {
	c := st.projectCountsOf(p)
	c.finishedTasks = finished
	var w jsonw
	projectHook.writeTo(&w, &projectCtx{p, c}, st.profile)
	return w.b
}

// writeProject writes p's payload object.
func (st *store) writeProject(w *jsonw, p *project) {
	projectHook.writeTo(w, &projectCtx{p, st.projectCountsOf(p)}, st.profile)
}

// writeTask writes t's payload object.
func (st *store) writeTask(w *jsonw, t *task) {
	w.task = taskCtx{t, st.countsOf(t)}
	taskHook.writeTo(w, &w.task, st.profile)
}

// writeAnnotation writes a's payload object.
func (st *store) writeAnnotation(w *jsonw, a *annotation) {
	annotationHook.writeTo(w, a, st.profile)
}

// writeIDOnly is OnlyIDWebhookSerializer's output, used by every delete.
func writeIDOnly(w *jsonw, id int) {
	w.b = append(w.b, `{"id":`...)
	w.int(id)
	w.b = append(w.b, '}')
}
