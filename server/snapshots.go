package server

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Export snapshots (data_export.Export), the SDK 2.x projects.exports
// client's objects: POST /api/projects/{id}/exports makes the export file
// at once (Label Studio without Redis does too) and keeps it; list, get,
// delete and download it, convert it to another format. No webhook.
// Also here: the plain export's other formats (JSON_MIN, CSV, TSV), the
// format list, and POST /api/projects/{id}/validate.

// maxExportsListed is how many snapshots a list shows (newest first).
const maxExportsListed = 100

// snapshotUser is the snapshot answer's created_by (UserSimpleSerializer).
type snapshotUser struct {
	ID        int     `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Email     string  `json:"email"`
	Avatar    *string `json:"avatar"`
}

// convertedObject is ConvertedFormatSerializer's output.
type convertedObject struct {
	ID         int     `json:"id"`
	Status     string  `json:"status"`
	ExportType string  `json:"export_type"`
	Traceback  *string `json:"traceback"`
}

// snapshotObject is ExportSerializer's output; the create answer
// (ExportCreateSerializer) adds the three options, always null.
type snapshotObject struct {
	Title            string            `json:"title"`
	ID               int               `json:"id"`
	CreatedBy        snapshotUser      `json:"created_by"`
	CreatedAt        stamp             `json:"created_at"`
	FinishedAt       stamp             `json:"finished_at"`
	Status           string            `json:"status"`
	MD5              string            `json:"md5"`
	Counters         map[string]int    `json:"counters"`
	ConvertedFormats []convertedObject `json:"converted_formats"`
	TaskFilter       *opt[any]         `json:"task_filter_options,omitempty"`
	AnnotationFilter *opt[any]         `json:"annotation_filter_options,omitempty"`
	Serialization    *opt[any]         `json:"serialization_options,omitempty"`
}

func snapshotObjectOf(x *exportSnapshot, created bool) snapshotObject {
	out := snapshotObject{Title: x.Title, ID: x.ID, CreatedBy: snapshotUser{ID: userID, Email: userEmail},
		CreatedAt: stamp(x.CreatedAt), FinishedAt: stamp(x.FinishedAt), Status: "completed", MD5: x.MD5,
		Counters: map[string]int{"task_number": x.TaskNumber}, ConvertedFormats: []convertedObject{}}
	for _, c := range x.Converted {
		out.ConvertedFormats = append(out.ConvertedFormats, convertedObject{ID: c.ID, Status: "completed", ExportType: c.ExportType})
	}
	if created {
		none := &opt[any]{v: nil, set: true}
		out.TaskFilter, out.AnnotationFilter, out.Serialization = none, none, none
	}
	return out
}

// exportFilename is the snapshot file's name: project-<id>-at-<minute>-<md5[:8]>.json.
func exportFilename(x *exportSnapshot) string {
	return fmt.Sprintf("project-%d-at-%s-%s.json", x.ProjectID, x.CreatedAt.UTC().Format("2006-01-02-15-04"), x.MD5[:8])
}

// snapshotOptions are an export's task_filter_options,
// annotation_filter_options and serialization_options.
type snapshotOptions struct {
	skipped, finished, annotated   string // "", "only" or "exclude"
	usual, groundTruth, skippedAnn bool   // annotation filter: any set narrows
	expandPredictions, expandUser  bool
}

// readSnapshotOptions reads the options of POST /api/projects/{id}/exports.
func readSnapshotOptions(f form) (snapshotOptions, error) {
	var o snapshotOptions
	nested := map[string]any{}
	obj := func(k string) map[string]json.RawMessage {
		raw, ok := f.raw[k]
		if !ok || jsonKind(raw) == 'n' {
			return nil
		}
		if jsonKind(raw) != '{' {
			nested[k] = map[string][]string{"non_field_errors": {fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(raw))}}
			return nil
		}
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		return m
	}
	choice := func(opts map[string]json.RawMessage, parent, k string, dst *string) {
		raw, ok := opts[k]
		if !ok || jsonKind(raw) == 'n' {
			return
		}
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != "only" && v != "exclude") {
			nested[parent] = map[string][]string{k: {fmt.Sprintf("%q is not a valid choice.", strings.Trim(string(raw), `"`))}}
			return
		}
		*dst = v
	}
	if t := obj("task_filter_options"); t != nil {
		choice(t, "task_filter_options", "skipped", &o.skipped)
		choice(t, "task_filter_options", "finished", &o.finished)
		choice(t, "task_filter_options", "annotated", &o.annotated)
	}
	if a := obj("annotation_filter_options"); a != nil {
		o.usual = pyTruthy(a["usual"])
		o.groundTruth = pyTruthy(a["ground_truth"])
		o.skippedAnn = pyTruthy(a["skipped"])
	}
	if sopt := obj("serialization_options"); sopt != nil {
		expand := func(k string) bool {
			var m map[string]json.RawMessage
			if json.Unmarshal(sopt[k], &m) != nil {
				return false
			}
			return !pyTruthy(m["only_id"])
		}
		o.expandPredictions = expand("predictions")
		o.expandUser = expand("annotations__completed_by")
	}
	var title string
	if f.str("title", &title) && len([]rune(title)) > 2048 {
		f.errs.add("title", "Ensure this field has no more than 2048 characters.")
	}
	for k, v := range f.errs {
		nested[k] = v
	}
	if len(nested) > 0 {
		return o, &apiError{Status: http.StatusBadRequest, Detail: "Validation error", Validation: nested}
	}
	return o, nil
}

// snapshotTaskIDs are the tasks an export with these options holds.
func (st *store) snapshotTaskIDs(p *project, o snapshotOptions) []int {
	var out []int
	for _, tid := range p.taskIDs {
		t := st.tasks[tid]
		anyCancelled, anyDone := false, false
		for _, aid := range t.annIDs {
			if st.annotations[aid].WasCancelled {
				anyCancelled = true
			} else {
				anyDone = true
			}
		}
		if !filterOK(o.skipped, anyCancelled) || !filterOK(o.finished, t.IsLabeled) || !filterOK(o.annotated, anyDone) {
			continue
		}
		out = append(out, tid)
	}
	return out
}

func filterOK(mode string, has bool) bool {
	switch mode {
	case "only":
		return has
	case "exclude":
		return !has
	}
	return true
}

// annotationOK is the annotation filter: with any option set, only
// annotations of a chosen kind are exported.
func (o snapshotOptions) annotationOK(a *annotation) bool {
	if !o.usual && !o.groundTruth && !o.skippedAnn {
		return true
	}
	return o.usual && !a.WasCancelled && !a.GroundTruth || o.groundTruth && a.GroundTruth || o.skippedAnn && a.WasCancelled
}

// snapshotTask is ExportDataSerializer's task as an export file holds it:
// annotations with completed_by as an id and predictions as ids, unless
// the serialization options expand them.
type snapshotTask struct {
	ID                     int                `json:"id"`
	Annotations            []exportAnnotation `json:"annotations"`
	FileUpload             opt[string]        `json:"file_upload,omitzero"`
	Drafts                 []any              `json:"drafts"`
	Predictions            any                `json:"predictions"`
	Data                   json.RawMessage    `json:"data"`
	Meta                   json.RawMessage    `json:"meta"`
	CreatedAt              stamp              `json:"created_at"`
	UpdatedAt              stamp              `json:"updated_at"`
	AllowSkip              opt[bool]          `json:"allow_skip,omitzero"`
	InnerID                int                `json:"inner_id"`
	TotalAnnotations       int                `json:"total_annotations"`
	CancelledAnnotations   int                `json:"cancelled_annotations"`
	TotalPredictions       int                `json:"total_predictions"`
	CommentCount           int                `json:"comment_count"`
	UnresolvedCommentCount int                `json:"unresolved_comment_count"`
	LastCommentUpdatedAt   *stamp             `json:"last_comment_updated_at"`
	Project                int                `json:"project"`
	UpdatedBy              *int               `json:"updated_by"`
	CommentAuthors         []int              `json:"comment_authors"`
}

func (s *Server) snapshotTaskOf(t *task, o snapshotOptions) snapshotTask {
	st := s.st
	c := st.countsOf(t)
	out := snapshotTask{
		ID: t.ID, Annotations: []exportAnnotation{}, Drafts: []any{}, Data: t.Data, Meta: orNull(t.Meta),
		CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt), InnerID: t.InnerID,
		TotalAnnotations: c.total, CancelledAnnotations: c.cancelled, TotalPredictions: c.predictions,
		Project: t.ProjectID, UpdatedBy: t.UpdatedBy, CommentAuthors: []int{},
	}
	if name := st.uploadName(t); name != nil {
		out.FileUpload = some(*name)
	}
	if st.profile.allowSkip {
		out.AllowSkip = some(true)
	}
	for _, aid := range t.annIDs {
		if a := st.annotations[aid]; o.annotationOK(a) {
			out.Annotations = append(out.Annotations, exportAnnotationOf(a, o.expandUser))
		}
	}
	if !o.expandPredictions {
		out.Predictions = append([]int{}, t.predIDs...)
		return out
	}
	preds := []predictionObject{}
	for _, pid := range t.predIDs {
		preds = append(preds, s.predictionObjectOf(st.predictions[pid]))
	}
	out.Predictions = preds
	return out
}

// exportTasks renders the tasks as compact JSON, the export file before
// its layout (pySpace). Call under st.mu; the layout and any conversion
// are done after it is released.
func (s *Server) exportTasks(ids []int, o snapshotOptions) ([]byte, error) {
	list := make([]snapshotTask, 0, len(ids))
	for _, id := range ids {
		list = append(list, s.snapshotTaskOf(s.st.tasks[id], o))
	}
	return marshal(list)
}

// pySpace lays compact JSON out as Python's json.dumps does: ", " and ": "
// between items and after keys, non-ASCII as it is (ensure_ascii=False).
func pySpace(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/6)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out
}

// requestSnapshot is the project and the snapshot a request's {id} and
// {export} name.
func (st *store) requestSnapshot(r *http.Request) (*project, *exportSnapshot, error) {
	p, err := st.project(pathID(r, "id"))
	if err != nil {
		return nil, nil, err
	}
	if x := st.exports[pathID(r, "export")]; x != nil && x.ProjectID == p.ID {
		return p, x, nil
	}
	return nil, nil, errNotFound("No Export matches the given query.")
}

// handleExportCreate serves POST /api/projects/{id}/exports: the snapshot
// is made and completed in the request. The tasks are read under the
// store lock; the file's layout and md5 are made after it, so a big
// export holds other requests up for the read only.
func (s *Server) handleExportCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	opts, err := readSnapshotOptions(f)
	if err != nil {
		return err
	}
	var (
		compact []byte
		n       int
		now     = s.cfg.Now()
	)
	err = func() error {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		p, err := s.st.project(pathID(r, "id"))
		if err != nil {
			return err
		}
		ids := s.st.snapshotTaskIDs(p, opts)
		n = len(ids)
		compact, err = s.exportTasks(ids, opts)
		return err
	}()
	if err != nil {
		return err
	}
	file := pySpace(compact)
	sum := md5.Sum(file)
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		p, err := st.project(pathID(r, "id")) // deleted meanwhile?
		if err != nil {
			return nil, nil, err
		}
		st.next.Export++
		x := &exportSnapshot{ID: st.next.Export, ProjectID: p.ID, CreatedAt: now, FinishedAt: s.cfg.Now(),
			TaskNumber: n, MD5: hex.EncodeToString(sum[:]), File: string(file), Converted: []convertedFormat{}}
		var title string
		if f.str("title", &title) && title != "" {
			x.Title = title
		} else {
			x.Title = fmt.Sprintf("%s-at-%s", strings.ReplaceAll(deref(p.Title), " ", "-"), now.UTC().Format("2006-01-02-15-04"))
		}
		st.exports[x.ID] = x
		st.changed(kindExport, x.ID)
		return snapshotObjectOf(x, true), nil, nil
	})
}

// handleExportList serves GET /api/projects/{id}/exports: the newest 100.
func (s *Server) handleExportList(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		var list []*exportSnapshot
		for _, x := range st.exports {
			if x.ProjectID == p.ID {
				list = append(list, x)
			}
		}
		slices.SortFunc(list, func(a, b *exportSnapshot) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return b.ID - a.ID
		})
		out := []snapshotObject{}
		for _, x := range list[:min(len(list), maxExportsListed)] {
			out = append(out, snapshotObjectOf(x, false))
		}
		return out, nil, nil
	})
}

// handleExportGet serves GET /api/projects/{id}/exports/{export}.
func (s *Server) handleExportGet(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		_, x, err := st.requestSnapshot(r)
		if err != nil {
			return nil, nil, err
		}
		return snapshotObjectOf(x, false), nil, nil
	})
}

// handleExportDelete serves DELETE /api/projects/{id}/exports/{export}.
func (s *Server) handleExportDelete(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusNoContent, func() (any, []delivery, error) {
		st := s.st
		_, x, err := st.requestSnapshot(r)
		if err != nil {
			return nil, nil, err
		}
		delete(st.exports, x.ID)
		st.changed(kindExport, x.ID)
		return nil, nil, nil
	})
}

// handleExportConvert serves POST /api/projects/{id}/exports/{export}/convert:
// {"export_type": "CSV"} records the conversion (done at once).
func (s *Server) handleExportConvert(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	var typ string
	if !f.has("export_type") {
		f.errs.add("export_type", "This field is required.")
	} else if f.str("export_type", &typ) {
		if _, ok := converters[typ]; !ok {
			f.errs.add("export_type", fmt.Sprintf("%q is not a valid choice.", typ))
		}
	}
	var dl bool
	f.boolean("download_resources", &dl)
	if err := f.errs.err(); err != nil {
		return err
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		_, x, err := st.requestSnapshot(r)
		if err != nil {
			return nil, nil, err
		}
		if slices.ContainsFunc(x.Converted, func(c convertedFormat) bool { return c.ExportType == typ }) {
			return nil, nil, errValidation("non_field_errors", fmt.Sprintf("Conversion to %s already started", typ))
		}
		st.next.Converted++
		x.Converted = append(x.Converted, convertedFormat{ID: st.next.Converted, ExportType: typ})
		st.changed(kindExport, x.ID)
		return map[string]any{"export_type": typ, "converted_format": st.next.Converted}, nil, nil
	})
}

// handleExportDownload serves GET /api/projects/{id}/exports/{export}/download:
// the snapshot file, or (exportType=) its conversion.
func (s *Server) handleExportDownload(w http.ResponseWriter, r *http.Request) error {
	typ, hasType := lookup(r.URL.Query(), "exportType")
	var (
		body []byte
		name string
		ct   string
		conv func([]*jnode, *labelConfig) []byte
		lc   *labelConfig
	)
	err := func() error {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		st := s.st
		p, x, err := st.requestSnapshot(r)
		if err != nil {
			return err
		}
		base := exportFilename(x)
		if !hasType {
			body, name, ct = []byte(x.File), fmt.Sprintf("export/%d/%s", p.ID, base), "application/json"
			return nil
		}
		c, ok := converters[typ]
		if !ok {
			return errBadRequest(fmt.Sprintf("labelhook converts export snapshots to JSON, JSON_MIN, CSV and TSV, not %q.", typ))
		}
		body, name = []byte(x.File), strings.TrimSuffix(base, ".json")+c.ext
		ct = "application/" + strings.TrimPrefix(c.ext, ".")
		conv, lc = c.conv, p.parsed // a label config is replaced, never changed: safe to read unlocked
		return nil
	}()
	if err != nil {
		return err
	}
	if conv != nil {
		tasks, err := parseJNode(body)
		if err != nil {
			return errBadRequest("the snapshot file is not JSON: " + err.Error())
		}
		body = conv(tasks.items, lc)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("filename", name)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// handleExportFormats serves GET /api/projects/{id}/export/formats.
func (s *Server) handleExportFormats(w http.ResponseWriter, r *http.Request) error {
	list, err := exportFormatList()
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		if _, err := s.st.project(pathID(r, "id")); err != nil {
			return nil, nil, err
		}
		return list, nil, nil
	})
}

// handleConvertedExport is GET /api/projects/{id}/export with an
// exportType other than JSON (handleExport sends it here): the same tasks,
// through the converter, as Label Studio's plain export does.
func (s *Server) handleConvertedExport(w http.ResponseWriter, r *http.Request, typ string) error {
	c, ok := converters[typ]
	if !ok || c.conv == nil {
		// Label Studio answers 500 for a name it does not know, and makes
		// COCO, YOLO, … files labelhook does not.
		return errValidation("export_type", fmt.Sprintf("labelhook exports JSON, JSON_MIN, CSV and TSV, not %q (GET /api/projects/{id}/export/formats lists them).", typ))
	}
	all := queryBool(r, "download_all_tasks", false)
	only, err := exportIDs(r)
	if err != nil {
		return err
	}
	var (
		body []byte
		name string
		lc   *labelConfig
		pid  int
	)
	err = func() error {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		st := s.st
		p, err := st.project(pathID(r, "id"))
		if err != nil {
			return err
		}
		var ids []int
		for _, tid := range p.taskIDs {
			t := st.tasks[tid]
			if (only == nil || only[tid]) && (all || len(t.annIDs) > 0) {
				ids = append(ids, tid)
			}
		}
		if body, err = s.exportTasks(ids, snapshotOptions{}); err != nil {
			return err
		}
		lc, pid = p.parsed, p.ID
		return nil
	}()
	if err != nil {
		return err
	}
	tasks, err := parseJNode(body)
	if err != nil {
		return err
	}
	sum := md5.Sum(body)
	name = fmt.Sprintf("project-%d-at-%s-%s%s", pid, s.cfg.Now().UTC().Format("2006-01-02-15-04"), hex.EncodeToString(sum[:4]), c.ext)
	body = c.conv(tasks.items, lc)
	w.Header().Set("Content-Type", "application/"+c.ext) // Label Studio's f'application/{ext}', dot included
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("filename", name)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// handleProjectValidate serves POST /api/projects/{id}/validate:
// {"label_config": ...} is checked as a PATCH would check it, and against
// the project's annotations; the answer says whether it changes essential
// data (true, or null).
func (s *Server) handleProjectValidate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).project, func(st *store, f form, p *project) (any, []delivery, error) {
		var cfg string
		if raw, ok := f.raw["label_config"]; ok && pyTruthy(raw) {
			if !f.str("label_config", &cfg) {
				return nil, nil, f.errs.err()
			}
		}
		if cfg == "" {
			return nil, nil, errValidation("non_field_errors", "Label config is not set or is empty")
		}
		lc, err := parseLabelConfig(cfg)
		if err != nil {
			return nil, nil, errBadRequest(err.Error())
		}
		if msg := st.validateConfig(p, lc, true); msg != "" {
			return nil, nil, errValidation("non_field_errors", msg)
		}
		var changed *bool
		if essentialChange(lc, p.parsed) {
			changed = ptr(true)
		}
		return map[string]*bool{"config_essential_data_has_changed": changed}, nil, nil
	})
}

// essentialChange is config_essential_data_has_changed: a control new or
// of another type, other inputs, or a label gone.
func essentialChange(next, old *labelConfig) bool {
	if next == nil || old == nil {
		return next != nil
	}
	for _, name := range next.order {
		n := next.controls[name]
		o, ok := old.controls[name]
		if !ok || n.Type != o.Type {
			return true
		}
		if fmt.Sprint(n.Inputs) != fmt.Sprint(o.Inputs) {
			return true
		}
		for _, l := range o.Labels {
			if !slices.Contains(n.Labels, l) {
				return true
			}
		}
	}
	return false
}
