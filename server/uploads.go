package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// File uploads: POST /api/projects/{id}/import with multipart files, as the
// legacy SDK's import_tasks(path) and the UI send them. Each file becomes a
// FileUpload (upload/<project>/<8 hex>-<name>) and its tasks point at it
// (task.file_upload); the request sends one TASKS_CREATED, chunked, as a
// JSON import does. Files are read as Label Studio reads them: JSON (a
// task, or a list), CSV and TSV (a task per row, numbers typed as pandas
// types them), TXT (a task per line), anything else of a supported type
// one task with the file's URL (HTML and XML: its text). A bad file is a
// 400 with Label Studio's message and, unlike Label Studio (which keeps
// the FileUpload rows of a failed import), changes nothing.

// maxUploadFilesSize is Label Studio's TASKS_MAX_FILE_SIZE (the default
// DATA_UPLOAD_MAX_MEMORY_SIZE, 250 MiB): the most all files of one request
// may hold.
const maxUploadFilesSize = 250 << 20

// maxUploadFiles is Django's DATA_UPLOAD_MAX_NUMBER_FILES default.
const maxUploadFiles = 100

// undefinedKey is Label Studio's DATA_UNDEFINED_NAME: the data key of a
// task made from a whole file or a text line, renamed to the project's
// first data key.
const undefinedKey = "$undefined$"

// supportedExtensions are Label Studio's SUPPORTED_EXTENSIONS.
var supportedExtensions = []string{".bmp", ".csv", ".flac", ".gif", ".htm", ".html", ".jpg", ".jpeg", ".json", ".m4a",
	".mp3", ".ogg", ".png", ".svg", ".tsv", ".txt", ".wav", ".xml", ".mp4", ".webm", ".webp", ".pdf"}

// uploadedFile is one file of a multipart import.
type uploadedFile struct {
	name string // as the client named it
	data []byte
	// stored is the name Label Studio gives it: <8 hex>-<name>.
	stored string
}

// ext is the file's extension as Label Studio's format is: lower case for
// the check, as given otherwise.
func (f *uploadedFile) ext() string { return path.Ext(f.name) }

// fileTask is one task read from a file: its object (data and, from JSON,
// annotations, predictions, meta) and the file it came from.
type fileTask struct {
	raw  json.RawMessage // {"data": {...}, ...}
	file int             // index in the request's files
}

// readUploadedFiles reads the multipart body's files, within the body
// limit, in the order sent. Form fields without a file name are ignored.
func (s *Server) readUploadedFiles(w http.ResponseWriter, r *http.Request) ([]*uploadedFile, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, errBadRequest("Multipart form parse error - Invalid boundary in multipart: None")
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	mr := multipart.NewReader(body, params["boundary"])
	var files []*uploadedFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FileName() == "" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		if len(files) == maxUploadFiles {
			return nil, errBadRequest(fmt.Sprintf("The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES (%d).", maxUploadFiles))
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, uploadReadError(err)
		}
		files = append(files, &uploadedFile{name: path.Base(strings.ReplaceAll(part.FileName(), `\`, "/")), data: data})
	}
	return files, nil
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("Request body is larger than the limit of %d bytes.", mbe.Limit)}
	}
	return errBadRequest("Multipart form parse error - " + err.Error())
}

// handleImportFiles is POST /api/projects/{id}/import with a multipart
// body (handleImport sends it here).
func (s *Server) handleImportFiles(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	files, err := s.readUploadedFiles(w, r)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errValidation("non_field_errors", "load_tasks: No data found in DATA or in FILES")
	}
	var total int64
	for _, f := range files {
		total += int64(len(f.data))
	}
	if total >= maxUploadFilesSize {
		return errValidation("non_field_errors", fmt.Sprintf("Maximum total size of all files is %d bytes, current size is %d bytes", maxUploadFilesSize, total))
	}
	for _, f := range files {
		if !slices.Contains(supportedExtensions, strings.ToLower(f.ext())) {
			return errValidation("non_field_errors", fmt.Sprintf("%s extension is not supported", f.ext()))
		}
		f.stored = s.cfg.NewUUID()[:8] + "-" + f.name
	}
	commit := queryBool(r, "commit_to_project", true)
	returnIDs := queryBool(r, "return_task_ids", false)
	return answerFor(s, w, r, http.StatusCreated, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		tasks, formats, columns, err := readFileTasks(files, p)
		if err != nil {
			return nil, nil, err
		}
		if err := checkImportSize(len(tasks)); err != nil {
			return nil, nil, err
		}
		items := make([]importItem, len(tasks))
		for i, ft := range tasks {
			if items[i], err = readFileItem(ft, i, p, st.next.FileUpload+1+ft.file); err != nil {
				return nil, nil, err
			}
		}
		sum := importSummary{TaskCount: len(items), FileUploadIDs: []int{}, FoundFormats: []string{}, DataColumns: columns}
		uploadIDs := make([]int, len(files))
		for i, f := range files {
			st.next.FileUpload++
			u := &fileUpload{ID: st.next.FileUpload, ProjectID: p.ID, File: fmt.Sprintf("upload/%d/%s", p.ID, f.stored), Size: int64(len(f.data))}
			st.uploads[u.ID] = u
			st.changed(kindUpload, u.ID)
			uploadIDs[i] = u.ID
			sum.FileUploadIDs = append(sum.FileUploadIDs, u.ID)
			if slices.Contains([]string{".csv", ".tsv", ".txt"}, f.ext()) {
				sum.CouldBeTasksList = true
			}
		}
		var ds []delivery
		ids := []int{}
		if commit {
			ids = s.commitImport(p, items, func(i int) int { return uploadIDs[tasks[i].file] }, &sum)
			ds = s.plan(tasksCreated(st, p.ID, ids))
		}
		if returnIDs && commit {
			sum.TaskIDs = &ids
		}
		sum.Duration = time.Since(start).Seconds()
		return uploadSummary{importSummary: sum, FoundFormats: formats}, ds, nil
	})
}

// uploadSummary is the import answer of a file upload: found_formats is
// an object there ({".csv": 1}), a list for a JSON body.
type uploadSummary struct {
	importSummary
	FoundFormats orderedCounts `json:"found_formats"`
}

func (u uploadSummary) MarshalJSON() ([]byte, error) {
	base, err := marshal(u.importSummary)
	if err != nil {
		return nil, err
	}
	ff, err := u.FoundFormats.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return bytes.Replace(base, []byte(`"found_formats":[]`), append([]byte(`"found_formats":`), ff...), 1), nil
}

// orderedCounts is a Counter of file formats in first-seen order.
type orderedCounts struct {
	keys []string
	n    map[string]int
}

func (c *orderedCounts) add(k string) {
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[k] == 0 {
		c.keys = append(c.keys, k)
	}
	c.n[k]++
}

func (c orderedCounts) MarshalJSON() ([]byte, error) {
	var w jsonw
	w.b = append(w.b, '{')
	for i, k := range c.keys {
		w.key(i, k)
		w.int(c.n[k])
	}
	return append(w.b, '}'), nil
}

// readFileTasks reads every file's tasks, in order, and checks that the
// files share data keys, as FileUpload.load_tasks_from_uploaded_files
// does. columns are the common data keys (data_columns).
func readFileTasks(files []*uploadedFile, p *project) (tasks []fileTask, formats orderedCounts, columns []string, err error) {
	var common []string
	for i, f := range files {
		objs, err := readFile(f, p)
		if err != nil {
			return nil, formats, nil, errValidation("non_field_errors", fmt.Sprintf("Failed to parse input file %s: %s", f.stored, err))
		}
		for _, o := range objs {
			tasks = append(tasks, fileTask{raw: o, file: i})
		}
		var keys []string
		if len(objs) > 0 {
			keys = dataKeysOf(objs[0])
		}
		switch {
		case len(common) == 0:
			common = keys
		case !slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(common, k) }):
			return nil, formats, nil, errValidation("non_field_errors", inconsistentKeys(keys, common, "upload/"+fmt.Sprint(p.ID)+"/"+f.stored))
		default:
			common = slices.DeleteFunc(common, func(k string) bool { return !slices.Contains(keys, k) })
		}
		formats.add(f.ext())
	}
	if common == nil {
		common = []string{}
	}
	return tasks, formats, common, nil
}

// dataKeysOf lists the keys of a task object's data, in order.
func dataKeysOf(task json.RawMessage) []string {
	var t struct {
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(task, &t)
	pairs, _ := objectPairs(t.Data)
	keys := make([]string, len(pairs))
	for i, kv := range pairs {
		keys[i] = kv.key
	}
	return keys
}

// inconsistentKeys is _old_vs_new_data_keys_inconsistency_message.
func inconsistentKeys(newKeys, oldKeys []string, file string) string {
	n, o := strings.Join(newKeys, ","), strings.Join(oldKeys, ",")
	const prefix = "You're trying to import inconsistent data:\n"
	switch {
	case n == undefinedKey:
		return prefix + fmt.Sprintf("uploading a single file %s clashes with data key(s) found from other files:\n%q", file, o)
	case o == undefinedKey:
		return prefix + fmt.Sprintf("uploading tabular data from %s with data key(s) %s, clashes with other raw binary files (images, audios, etc.)", file, n)
	}
	return prefix + fmt.Sprintf("uploading tabular data from %q with data key(s) %q, clashes with data key(s) found from other files:\n%q", file, n, o)
}

// readFile reads one file's tasks as {"data": {...}} objects (JSON files
// may add annotations, predictions and meta), as FileUpload.read_tasks
// does. Its error is the reason Label Studio gives.
func readFile(f *uploadedFile, p *project) ([]json.RawMessage, error) {
	switch strings.ToLower(f.ext()) {
	case ".csv":
		return readCSVTasks(f.data, csvSeparator(f.data))
	case ".tsv":
		return readCSVTasks(f.data, '\t')
	case ".txt":
		text, err := utf8Text(f.data)
		if err != nil {
			return nil, err
		}
		var out []json.RawMessage
		for _, line := range splitLines(text) {
			out = append(out, undefinedTask(line))
		}
		return out, nil
	case ".json":
		return readJSONFileTasks(f.data)
	}
	if p.parsed != nil && len(p.parsed.dataKeys) > 1 {
		return nil, reason("Your label config has more than one data key and direct file upload supports only one data key. To import data with multiple data keys, use a JSON or CSV file.")
	}
	switch strings.ToLower(f.ext()) {
	case ".html", ".htm", ".xml":
		text, err := utf8Text(f.data)
		if err != nil {
			return nil, err
		}
		return []json.RawMessage{undefinedTask(text)}, nil
	}
	return []json.RawMessage{undefinedTask(fmt.Sprintf("/data/upload/%d/%s", p.ID, f.stored))}, nil
}

func undefinedTask(v string) json.RawMessage {
	var w jsonw
	w.b = append(w.b, `{"data":{`...)
	w.str(undefinedKey)
	w.b = append(w.b, ':')
	w.str(v)
	w.b = append(w.b, "}}"...)
	return w.b
}

// utf8Text is a file's content as Python's decode('utf-8') reads it.
func utf8Text(b []byte) (string, error) {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return "", fmt.Errorf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", b[i], i)
	}
	return strings.TrimPrefix(string(b), "\ufeff"), nil
}

// splitLines is Python's str.splitlines for the usual line ends.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// readJSONFileTasks is read_tasks_list_from_json: one object or a list;
// an item without a truthy "data" is the data itself.
func readJSONFileTasks(b []byte) ([]json.RawMessage, error) {
	text, err := utf8Text(b)
	if err != nil {
		return nil, err
	}
	raw := json.RawMessage(strings.TrimSpace(text))
	if !json.Valid(raw) {
		return nil, reason("Expected object or value")
	}
	var items []json.RawMessage
	switch jsonKind(raw) {
	case '{':
		items = []json.RawMessage{raw}
	case '[':
		_ = json.Unmarshal(raw, &items)
	case '"':
		return nil, errors.New("'str' object has no attribute 'get'")
	default:
		return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(raw))
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		if jsonKind(it) != '{' {
			return nil, fmt.Errorf("'%s' object has no attribute 'get'", pyTypeName(it))
		}
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(it, &fields)
		if d, ok := fields["data"]; ok && pyTruthy(d) {
			if jsonKind(d) != '{' {
				return nil, reason("Task item should be dict")
			}
			out = append(out, compact(it))
			continue
		}
		out = append(out, append(append(json.RawMessage(`{"data":`), compact(it)...), '}'))
	}
	return out, nil
}

// pyTruthy is Python's truth of a JSON value.
func pyTruthy(v json.RawMessage) bool {
	switch s := strings.TrimSpace(string(v)); {
	case s == "null", s == "false", s == `""`, s == "[]", s == "{}":
		return false
	case s == "0", s == "0.0", s == "-0", s == "-0.0":
		return false
	default:
		if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
			var x []any
			if json.Unmarshal(v, &x) == nil {
				return len(x) > 0
			}
			var m map[string]any
			if json.Unmarshal(v, &m) == nil {
				return len(m) > 0
			}
		}
		return true
	}
}

// readFileItem validates one task read from a file as the import
// serializer does: the data must hold every key the label config reads
// (a whole file or line fills the first one).
func readFileItem(ft fileTask, i int, p *project, uploadID int) (importItem, error) {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(ft.raw, &fields)
	pairs, _ := objectPairs(fields["data"])
	if len(pairs) > 0 && pairs[0].key == undefinedKey && len(pairs) == 1 && p.parsed != nil && len(p.parsed.dataKeys) > 0 {
		pairs[0].key = p.parsed.dataKeys[0]
		fields["data"] = writePairs(pairs)
		ft.raw = replaceData(ft.raw, fields["data"])
	}
	var data map[string]json.RawMessage
	_ = json.Unmarshal(fields["data"], &data)
	if miss := p.parsed.missingKeys(data); len(miss) > 0 {
		item := strings.TrimSuffix(orderedRepr(ft.raw), "}") + fmt.Sprintf(", 'file_upload_id': %d}", uploadID)
		return importItem{}, errValidation("non_field_errors",
			fmt.Sprintf("Error at item %d: %q key is expected in task data [assume: item[\"data\"] = task root with values] :: %s", i, miss[0], item))
	}
	return readImportItem(ft.raw, i, p.parsed, nil)
}

// replaceData puts data as the "data" of a task object, keeping the other
// keys.
func replaceData(task, data json.RawMessage) json.RawMessage {
	pairs, err := objectPairs(task)
	if err != nil {
		return task
	}
	for i := range pairs {
		if pairs[i].key == "data" {
			pairs[i].val = data
		}
	}
	return writePairs(pairs)
}

// fileUploadObject is FileUploadSerializer's output.
type fileUploadObject struct {
	ID   int    `json:"id"`
	File string `json:"file"`
	Size int64  `json:"size"`
}

func fileUploadObjectOf(u *fileUpload) fileUploadObject {
	return fileUploadObject{ID: u.ID, File: u.File, Size: u.Size}
}

func (st *store) fileUpload(id int) (*fileUpload, error) {
	if u := st.uploads[id]; u != nil {
		return u, nil
	}
	return nil, errNotFound("No FileUpload matches the given query.")
}

// handleFileUploadList serves GET /api/projects/{id}/file-uploads: the
// uploads named by ids=[1,2] (a JSON list), or all of them with all=true.
func (s *Server) handleFileUploadList(w http.ResponseWriter, r *http.Request) error {
	all := queryBool(r, "all", false)
	var ids []int
	if v := param(r.URL.Query(), "ids"); v != "" && !all {
		if err := json.Unmarshal([]byte(v), &ids); err != nil {
			return errValidation("ids", fmt.Sprintf("ids must be a JSON list of file upload ids, got %q.", v))
		}
	}
	return answerFor(s, w, r, http.StatusOK, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		out := []fileUploadObject{}
		for _, id := range idsOf(st.uploads) {
			u := st.uploads[id]
			if u.ProjectID == p.ID && (all || p.IsDraft || slices.Contains(ids, id)) {
				out = append(out, fileUploadObjectOf(u))
			}
		}
		return out, nil, nil
	})
}

// handleFileUploadsDelete serves DELETE /api/projects/{id}/file-uploads:
// {"file_upload_ids": [...]} or, without it, every upload of the project.
// Their tasks stay, with file_upload null.
func (s *Server) handleFileUploadsDelete(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	var only []int
	if f.has("file_upload_ids") && !f.isNull("file_upload_ids") {
		if err := json.Unmarshal(f.raw["file_upload_ids"], &only); err != nil || only == nil {
			return errValidation("file_upload_ids", `"file_upload_ids" parameter must be a list of integers`)
		}
	}
	byIDs := f.has("file_upload_ids") && !f.isNull("file_upload_ids")
	return answerFor(s, w, r, http.StatusOK, (*store).project, func(st *store, p *project) (any, []delivery, error) {
		var gone []int
		for _, id := range idsOf(st.uploads) {
			if st.uploads[id].ProjectID == p.ID && (!byIDs || slices.Contains(only, id)) {
				gone = append(gone, id)
			}
		}
		st.deleteUploads(p, gone)
		return map[string]int{"deleted": len(gone)}, nil, nil
	})
}

// deleteUploads removes uploads of p and sets their tasks' file_upload to
// null (on_delete=SET_NULL).
func (st *store) deleteUploads(p *project, ids []int) {
	if len(ids) == 0 {
		return
	}
	for _, tid := range p.taskIDs {
		t := st.tasks[tid]
		if t.FileUpload != nil && slices.Contains(ids, *t.FileUpload) {
			t.FileUpload = nil
			st.changed(kindTask, t.ID)
		}
	}
	for _, id := range ids {
		delete(st.uploads, id)
		st.changed(kindUpload, id)
	}
}

// handleFileUploadGet serves GET /api/import/file-upload/{id}.
func (s *Server) handleFileUploadGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).fileUpload, func(st *store, u *fileUpload) (any, []delivery, error) {
		return fileUploadObjectOf(u), nil, nil
	})
}

// handleFileUploadUpdate serves PATCH and PUT /api/import/file-upload/{id}:
// only a new file could change it, which labelhook does not take.
func (s *Server) handleFileUploadUpdate(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	f := form{raw: map[string]json.RawMessage{}, errs: validation{}}
	if ct != "multipart/form-data" {
		var err error
		if f, err = s.readObject(w, r); err != nil {
			return err
		}
	}
	return answerFor(s, w, r, http.StatusOK, (*store).fileUpload, func(st *store, u *fileUpload) (any, []delivery, error) {
		if f.has("file") || r.Method == http.MethodPut || ct == "multipart/form-data" {
			return nil, nil, errValidation("file", "The submitted data was not a file. Check the encoding type on the form.")
		}
		return fileUploadObjectOf(u), nil, nil
	})
}

// handleFileUploadDelete serves DELETE /api/import/file-upload/{id}.
func (s *Server) handleFileUploadDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).fileUpload, func(st *store, u *fileUpload) (any, []delivery, error) {
		st.deleteUploads(st.projects[u.ProjectID], []int{u.ID})
		return nil, nil, nil
	})
}

// reason is why Label Studio could not read a file, in its own words (a
// capitalised message, shown to the client as it is).
type reason string

func (r reason) Error() string { return string(r) }

func reasonf(format string, args ...any) reason { return reason(fmt.Sprintf(format, args...)) }
