package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
)

// maxImportTasks is Label Studio's TASKS_MAX_NUMBER.
const maxImportTasks = 1000000

// importItem is one validated task of an import.
type importItem struct {
	data json.RawMessage
	meta json.RawMessage
	// pre holds the annotations and predictions that came with the task;
	// nil for most rows, so a big import of plain rows stays small.
	pre *preannotations
}

// preannotations are a row's annotations and predictions.
type preannotations struct {
	annotations []annotationInput
	predictions []predictionInput
}

// annotations and predictions of the row (none when pre is nil).
func (it importItem) annotations() []annotationInput {
	if it.pre == nil {
		return nil
	}
	return it.pre.annotations
}

func (it importItem) predictions() []predictionInput {
	if it.pre == nil {
		return nil
	}
	return it.pre.predictions
}

// preFor returns the row's preannotations, made on first use.
func (it *importItem) preFor() *preannotations {
	if it.pre == nil {
		it.pre = &preannotations{}
	}
	return it.pre
}

// emptyObject is "{}", shared: stored JSON is never changed in place.
var emptyObject = json.RawMessage("{}")

// importSummary is the Community edition's synchronous import answer.
// Never an "import" key: that makes clients poll as on Enterprise.
type importSummary struct {
	TaskCount        int      `json:"task_count"`
	AnnotationCount  *int     `json:"annotation_count"`
	PredictionCount  *int     `json:"prediction_count"`
	Duration         float64  `json:"duration"`
	FileUploadIDs    []int    `json:"file_upload_ids"`
	CouldBeTasksList bool     `json:"could_be_tasks_list"`
	FoundFormats     []string `json:"found_formats"`
	DataColumns      []string `json:"data_columns"`
	TaskIDs          *[]int   `json:"task_ids,omitempty"`
}

// handleImport serves POST /api/projects/{id}/import: a JSON list or one
// object; each item is the task data, or {data, annotations, predictions,
// meta}. One TASKS_CREATED per request (chunked by the batch size); the
// embedded annotations and predictions send no events.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && strings.HasPrefix(mt, "multipart/"):
			return s.handleImportFiles(w, r) // uploads.go
		case err == nil && mt == "application/x-www-form-urlencoded":
			return errValidation("url", "labelhook does not fetch tasks from URLs; send the tasks as a JSON list.")
		}
	}
	raw, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	var rows []json.RawMessage
	switch jsonKind(raw) {
	case '[':
		rows = splitList(raw) // raw is checked JSON; rows are not kept past the import
	case '{':
		rows = []json.RawMessage{raw}
	default:
		return errValidation("non_field_errors", fmt.Sprintf("load_tasks: No data found in DATA or in FILES (the body must be a list of tasks or one task object, got %s)", pyTypeName(raw)))
	}

	preFields := preannotatedFields(r)
	commit := queryBool(r, "commit_to_project", true)

	returnIDs := queryBool(r, "return_task_ids", false)
	return answerFor(s, w, r, http.StatusCreated, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		if err := checkImportSize(len(rows)); err != nil {
			return nil, nil, err
		}
		items, err := readImportItems(rows, p.parsed, preFields)
		rows = nil // the items hold what is needed; let a big body go
		if err != nil {
			return nil, nil, err
		}
		sum := importSummary{TaskCount: len(items), FileUploadIDs: []int{}, FoundFormats: []string{}, DataColumns: []string{}}
		ids := []int{}
		var ds []delivery
		if commit {
			ids = s.commitImport(p, items, nil, &sum)
			ds = s.plan(tasksCreated(st, p.ID, ids))
		}
		if returnIDs && commit { // a dry run answers without task_ids
			sum.TaskIDs = &ids
		}
		sum.Duration = time.Since(start).Seconds()
		return sum, ds, nil
	})
}

// checkImportSize refuses an import of no task or of more than Label
// Studio takes in one request.
func checkImportSize(n int) error {
	if n == 0 {
		return errValidation("non_field_errors", "load_tasks: No tasks added")
	}
	if n > maxImportTasks {
		return errValidation("non_field_errors", fmt.Sprintf("Maximum task number is %d, current task number is %d", maxImportTasks, n))
	}
	return nil
}

// commitImport makes the tasks of validated import items, with their
// annotations and predictions, and sets the summary's counts; under
// st.mu. uploadOf, if not nil, gives the file upload of item i. It
// returns the new task ids, in item order.
func (s *Server) commitImport(p *project, items []importItem, uploadOf func(i int) int, sum *importSummary) []int {
	st := s.st
	ids := make([]int, 0, len(items))
	var nAnn, nPred int
	now := s.cfg.Now()
	st.startInnerIDs(p)
	for i, it := range items {
		t := s.newTask(p, it.data, it.meta)
		if uploadOf != nil {
			id := uploadOf(i)
			t.FileUpload = &id
		}
		ids = append(ids, t.ID)
		for _, in := range it.annotations() {
			// An imported annotation is ground truth unless it says
			// otherwise, and a bulk import unsets no other (1.23.2).
			gt := in.groundTruth
			in.groundTruth = nil
			a := s.newAnnotation(t, in, now)
			a.GroundTruth = gt == nil || *gt
			imported := "imported"
			a.LastAction = &imported
			nAnn++
		}
		for _, in := range it.predictions() {
			s.newPrediction(t, in, now)
			nPred++
			if p.ModelVersion == "" {
				// The project takes the imported predictions' version,
				// "undefined" when they have none (1.23.2).
				p.ModelVersion = cmp.Or(in.modelVersion, "undefined")
				st.changed(kindProject, p.ID)
			}
		}
		if len(it.annotations()) > 0 {
			st.relabel(t, now)
		}
	}
	sum.AnnotationCount, sum.PredictionCount = &nAnn, &nPred
	return ids
}

// readImportItems validates every row, and on failure reports the first
// bad row, as a loop would. Rows are independent, so big imports are cut
// into one span per CPU: the rows are parsed several times each (object,
// data keys, compaction), which made this most of an import's time.
func readImportItems(rows []json.RawMessage, lc *labelConfig, preFields []string) ([]importItem, error) {
	items := make([]importItem, len(rows))
	errs := make([]error, len(rows))
	read := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if items[i], errs[i] = readImportItem(rows[i], i, lc, preFields); errs[i] != nil {
				return // later rows of this span cannot matter
			}
		}
	}
	const minSpan = 1000
	workers := min(runtime.GOMAXPROCS(0), len(rows)/minSpan)
	if workers <= 1 {
		read(0, len(rows))
	} else {
		var wg sync.WaitGroup
		span := (len(rows) + workers - 1) / workers
		for lo := 0; lo < len(rows); lo += span {
			wg.Go(func() { read(lo, min(lo+span, len(rows))) })
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// preannotatedFields reads preannotated_from_fields (comma-separated or repeated).
func preannotatedFields(r *http.Request) []string {
	var out []string
	for _, v := range r.URL.Query()["preannotated_from_fields"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// readImportItem validates one import row: an object that holds the task
// data, or {data, annotations, predictions, meta}. The data must carry
// every $variable the label config reads.
func readImportItem(row json.RawMessage, i int, lc *labelConfig, preFields []string) (importItem, error) {
	itemErr := func(msg string) error {
		return errValidation("non_field_errors", fmt.Sprintf("Error at item %d: %s", i, msg))
	}
	if jsonKind(row) != '{' {
		return importItem{}, itemErr(fmt.Sprintf("a task must be a JSON object, got %s", pyTypeName(row)))
	}
	fields, ok := objectFields(row) // rows are checked JSON (parseJSON)
	if !ok {
		if err := json.Unmarshal(row, &fields); err != nil {
			return importItem{}, itemErr(err.Error())
		}
	}
	it := importItem{meta: emptyObject}
	if d, ok := fields["data"]; ok {
		if jsonKind(d) != '{' {
			return importItem{}, itemErr(fmt.Sprintf("\"data\" must be a JSON object, got %s", pyTypeName(d)))
		}
		it.data = compactChecked(d)
		if m, ok := fields["meta"]; ok {
			if k := jsonKind(m); k != '{' && k != 'n' {
				return importItem{}, itemErr(fmt.Sprintf("\"meta\" must be a JSON object, got %s", pyTypeName(m)))
			}
			it.meta = compactChecked(m)
		}
		if a, ok := fields["annotations"]; ok && jsonKind(a) != 'n' {
			list, err := readList(a, "annotations")
			if err != nil {
				return importItem{}, itemErr(err.Error())
			}
			for j, one := range list {
				in, err := readAnnotationInput(one)
				if err != nil {
					return importItem{}, itemErr(fmt.Sprintf("annotations[%d]: %s", j, fieldErrText(err)))
				}
				it.preFor().annotations = append(it.preFor().annotations, in)
			}
		}
		if pr, ok := fields["predictions"]; ok && jsonKind(pr) != 'n' {
			list, err := readList(pr, "predictions")
			if err != nil {
				return importItem{}, itemErr(err.Error())
			}
			for j, one := range list {
				in, err := readPredictionInput(one, false, "undefined")
				if err != nil {
					return importItem{}, itemErr(fmt.Sprintf("predictions[%d]: %s", j, fieldErrText(err)))
				}
				it.preFor().predictions = append(it.preFor().predictions, in)
			}
		}
	} else {
		data := fields
		if len(preFields) > 0 {
			data = map[string]json.RawMessage{}
			for k, v := range fields {
				data[k] = v
			}
			for _, f := range preFields {
				res, ok := data[f]
				if !ok {
					continue
				}
				delete(data, f)
				it.preFor().predictions = append(it.preFor().predictions, predictionInput{result: compact(res), modelVersion: "undefined"})
			}
			it.data, _ = marshal(data)
		} else {
			it.data = compact(row)
		}
		fields = data
	}
	dataKeys, ok := objectFields(it.data)
	if !ok {
		_ = json.Unmarshal(it.data, &dataKeys)
	}
	if miss := lc.missingKeys(dataKeys); len(miss) > 0 {
		return importItem{}, itemErr(fmt.Sprintf("%q key is expected in task data [assume: item as is = task root with values]  :: %s", miss[0], orderedRepr(it.data)))
	}
	return it, nil
}

// readList splits a list member of a checked import row or storage object
// into its items; anything but a list is an error naming the member.
func readList(raw json.RawMessage, name string) ([]json.RawMessage, error) {
	if jsonKind(raw) != '[' {
		return nil, fmt.Errorf("%q must be a list, got %s", name, pyTypeName(raw))
	}
	return splitList(bytes.TrimSpace(raw)), nil
}

// fieldErrText flattens a validation error into "field: message" text.
func fieldErrText(err error) string {
	ae, ok := asAPIError(err)
	if !ok || len(ae.Fields) == 0 {
		return err.Error()
	}
	var parts []string
	for k, msgs := range ae.Fields {
		parts = append(parts, k+": "+strings.Join(msgs, " "))
	}
	return strings.Join(parts, "; ")
}

// handleImportPredictions serves POST /api/projects/{id}/import/predictions:
// [{task, result, score?, model_version?}] -> 201 {"created": n}. No webhook.
func (s *Server) handleImportPredictions(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	rows := []json.RawMessage{raw}
	if jsonKind(raw) == '[' {
		if rows, err = listItems(raw); err != nil {
			return err
		}
	}
	return answerFor(s, w, r, http.StatusCreated, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		inputs := make([]predictionInput, 0, len(rows))
		targets := make([]*task, 0, len(rows))
		for i, row := range rows {
			in, err := readPredictionInput(row, true, "undefined")
			if err != nil {
				return nil, nil, prefixItem(err, i)
			}
			t := st.tasks[in.taskID]
			if t == nil || t.ProjectID != p.ID {
				return nil, nil, prefixItem(errValidation("task", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", in.taskID)), i)
			}
			inputs = append(inputs, in)
			targets = append(targets, t)
		}
		now := s.cfg.Now()
		for i, in := range inputs {
			s.newPrediction(targets[i], in, now)
		}
		return map[string]int{"created": len(inputs)}, nil, nil
	})
}
