package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Local files storage (io_storages.localfiles): a folder on the machine,
// below the root the operator allows (Config.LocalFilesRoot, Label Studio's
// LOCAL_FILES_DOCUMENT_ROOT; off when empty), that a sync turns into
// tasks. Each new JSON file (a task, a list, or JSON lines) gives its tasks
// (with use_blob_urls, each file one task with its /data/local-files URL);
// a file already synced is skipped while one of its tasks remains. A sync
// sends TASKS_CREATED each time WEBHOOK_BATCH_SIZE tasks are made, and
// once for the rest at its end, each with the project as it is then. A
// file that cannot be read fails the sync (status "failed", answered 200
// as Label Studio does): the tasks made before it stay, and the tasks
// still waiting for their TASKS_CREATED never get one — Label Studio's own
// behaviour (docs/label-studio-behaviour.md#local-files-storage).
//
// Unlike Label Studio, labelhook resolves symlinks: a storage path or a
// file that leads outside the root is refused, and one sync reads at most
// Config.MaxBodyBytes bytes and maxImportTasks tasks.

// storageStatuses are StorageInfo.Status's values.
var storageStatuses = []string{"initialized", "queued", "in_progress", "failed", "completed", "completed_with_errors"}

// storageTypes is GET /api/storages/types' answer (1.23.2).
var storageTypes = []map[string]string{{"name": "s3", "title": "AWS S3"}, {"name": "gcs", "title": "Google Cloud Storage"},
	{"name": "azure", "title": "Microsoft Azure"}, {"name": "redis", "title": "Redis"}, {"name": "localfiles", "title": "Local files"}}

// storageObject is LocalFilesImportStorageSerializer's output.
var storageREST = newShape([]field[*storage]{
	{"id", "", func(w *jsonw, x *storage) { w.int(x.ID) }},
	{"type", "", func(w *jsonw, x *storage) { w.str("localfiles") }},
	{"synchronizable", "", func(w *jsonw, x *storage) { w.bool(!x.NoSync) }},
	{"path", "", func(w *jsonw, x *storage) { w.str(x.Path) }},
	{"regex_filter", "", func(w *jsonw, x *storage) { w.optStr(x.RegexFilter) }},
	{"use_blob_urls", "", func(w *jsonw, x *storage) { w.bool(x.UseBlobURLs) }},
	{"last_sync", "", func(w *jsonw, x *storage) { w.optStamp(x.LastSync) }},
	{"last_sync_count", "", func(w *jsonw, x *storage) { w.optInt(x.LastSyncCount) }},
	{"last_sync_job", "", func(w *jsonw, x *storage) { w.null() }},
	{"status", "", func(w *jsonw, x *storage) { w.str(x.Status) }},
	{"traceback", "", func(w *jsonw, x *storage) { w.optStr(x.Traceback) }},
	{"meta", "", func(w *jsonw, x *storage) { w.raw(x.Meta, "{}") }},
	{"title", "", func(w *jsonw, x *storage) { w.optStr(x.Title) }},
	{"description", "", func(w *jsonw, x *storage) { w.optStr(x.Description) }},
	{"created_at", "", func(w *jsonw, x *storage) { w.stamp(x.CreatedAt) }},
	{"recursive_scan", "", func(w *jsonw, x *storage) { w.bool(x.RecursiveScan) }},
	{"project", "", func(w *jsonw, x *storage) { w.int(x.ProjectID) }},
})

func (st *store) storageJSON(x *storage) json.RawMessage {
	var w jsonw
	storageREST.writeTo(&w, x, st.profile)
	return w.b
}

func (st *store) storage(id int) (*storage, error) {
	if x := st.storages[id]; x != nil {
		return x, nil
	}
	return nil, errNotFound("No LocalFilesImportStorage matches the given query.")
}

// localFilesOff is Label Studio's answer when local files are not served.
const localFilesOff = "Serving local files from the host filesystem can be a security risk, so " +
	"LOCAL_FILES_SERVING_ENABLED is disabled by default. To enable Local Files storage, set the " +
	"LOCAL_FILES_SERVING_ENABLED environment variable to \"true\" and restart Label Studio. See " +
	"https://labelstud.io/guide/storage.html#Local-storage for details.\n\n Community tip: create a " +
	"\"mydata\" or \"label-studio-data\" directory next to the Label Studio command to auto-enable " +
	"LOCAL_FILES_DOCUMENT_ROOT when the environment variables are unset. " +
	"(labelhook: start it with --local-files-root DIR, or LOCAL_FILES_DOCUMENT_ROOT=DIR.)"

// normalizeStoragePath is normalize_storage_path: trimmed, backslashes as
// slashes, os.path.normpath.
func normalizeStoragePath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	return filepath.Clean(strings.ReplaceAll(p, `\`, "/"))
}

// within reports whether p is root or below it (both clean).
func within(p, root string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// checkStoragePath is validate_connection, plus labelhook's own check that
// the path's real location (symlinks resolved) stays below the root. It
// returns Label Studio's message for non_field_errors, "" when the path is
// fine.
func (s *Server) checkStoragePath(p string) string {
	root := s.cfg.LocalFilesRoot
	if p == "" {
		return "Path must be set for Local Files storage"
	}
	if root == "" {
		return localFilesOff
	}
	example := filepath.Join(root, "dataset1")
	fi, err := os.Stat(p)
	if !filepath.IsAbs(p) || err != nil {
		return fmt.Sprintf("Absolute local path %q does not exist", p)
	}
	if p == root {
		return fmt.Sprintf("Absolute local path %q cannot be the same as LOCAL_FILES_DOCUMENT_ROOT=%q by security reasons. Please add a subdirectory. For example: %q.", p, root, example)
	}
	if !within(p, root) {
		return fmt.Sprintf("Absolute local path %q must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT=%q by security reasons. For example: %q.", p, root, example)
	}
	real, err := realPath(p)
	if err != nil {
		return fmt.Sprintf("Absolute local path %q does not exist", p)
	}
	if realRoot, err := realPath(root); err != nil || real == realRoot || !within(real, realRoot) {
		return fmt.Sprintf("Absolute local path %q leads to %q, outside LOCAL_FILES_DOCUMENT_ROOT=%q: labelhook refuses paths that leave the root (symlinks included).", p, real, root)
	}
	if !fi.IsDir() {
		return fmt.Sprintf("Absolute local path %q is not a directory", p)
	}
	return ""
}

func realPath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	return filepath.Abs(r)
}

// readStorageFields reads a storage's writable fields onto x; all but
// project are optional (partial: project too).
func (s *Server) readStorageFields(f form, x *storage, partial bool) {
	st := s.st
	if !partial || f.has("project") {
		st.readPK(f, "project", &x.ProjectID)
	}
	var p string
	if f.has("path") && !f.isNull("path") && f.str("path", &p) {
		x.Path = normalizeStoragePath(p)
	} else if f.has("path") && f.isNull("path") {
		x.Path = ""
	}
	for _, k := range []string{"title", "description", "regex_filter"} {
		dst := map[string]**string{"title": &x.Title, "description": &x.Description, "regex_filter": &x.RegexFilter}[k]
		f.nullStr(k, dst)
	}
	if x.Title != nil && len([]rune(*x.Title)) > 256 {
		f.errs.add("title", "Ensure this field has no more than 256 characters.")
	}
	if x.RegexFilter != nil && *x.RegexFilter != "" {
		if _, err := regexp.Compile(*x.RegexFilter); err != nil {
			f.errs.add("regex_filter", fmt.Sprintf("labelhook cannot compile this regular expression (Go's RE2 syntax): %v", err))
		}
	}
	f.boolean("use_blob_urls", &x.UseBlobURLs)
	var rec bool
	if f.boolean("recursive_scan", &rec) {
		x.RecursiveScan = rec
	}
	var sync bool
	if f.boolean("synchronizable", &sync) {
		x.NoSync = !sync
	} else if !partial && !f.has("synchronizable") {
		x.NoSync = false // the serializer's default: true
	}
}

// validateStorage checks the fields, then the path, as the serializer's
// validate does.
func (s *Server) validateStorage(f form, x *storage) error {
	if err := f.errs.err(); err != nil {
		return err
	}
	if msg := s.checkStoragePath(x.Path); msg != "" {
		return errValidation("non_field_errors", msg)
	}
	return nil
}

// handleStorageList serves GET /api/storages/localfiles?project=N: the
// project's storages. Like Label Studio's, it needs the project: without
// it 400, an unknown project 404.
func (s *Server) handleStorageList(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		out, err := s.projectStorages(r)
		return out, nil, err
	})
}

// handleAllStorageList serves GET /api/storages?project=N: every import
// storage of the project (only local files ones exist here). Label
// Studio's asks each storage type's list and drops the ones that fail, so
// a missing or unknown project is an empty list, not an error.
func (s *Server) handleAllStorageList(w http.ResponseWriter, r *http.Request) error {
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		out, err := s.projectStorages(r)
		if err != nil {
			return []json.RawMessage{}, nil, nil
		}
		return out, nil, nil
	})
}

// projectStorages lists the storages of the request's ?project=. Call
// under st.mu.
func (s *Server) projectStorages(r *http.Request) ([]json.RawMessage, error) {
	st := s.st
	v := param(r.URL.Query(), "project")
	if v == "" {
		return nil, errValidation("non_field_errors", `query parameter "project" is required`)
	}
	n, ok := pyInt(v)
	if !ok {
		// DRF's get_object_or_404 turns the ValueError into a bare 404.
		return nil, errNotFound("Not found.")
	}
	if _, err := st.project(n); err != nil {
		return nil, err
	}
	out := []json.RawMessage{}
	for _, id := range idsOf(st.storages) {
		if x := st.storages[id]; x.ProjectID == n {
			out = append(out, st.storageJSON(x))
		}
	}
	return out, nil
}

// handleStorageTypes serves GET /api/storages/types.
func (s *Server) handleStorageTypes(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, storageTypes)
	return nil
}

// handleStorageCreate serves POST /api/storages/localfiles. It reads
// nothing yet: sync does.
func (s *Server) handleStorageCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusCreated, func() (any, []delivery, error) {
		st := s.st
		x := &storage{Status: "initialized", Meta: json.RawMessage("{}"), Links: []storageLink{}}
		s.readStorageFields(f, x, false)
		if err := s.validateStorage(f, x); err != nil {
			return nil, nil, err
		}
		st.next.Storage++
		x.ID = st.next.Storage
		x.CreatedAt = s.cfg.Now()
		st.storages[x.ID] = x
		st.changed(kindStorage, x.ID)
		return st.storageJSON(x), nil, nil
	})
}

// handleStorageValidate serves POST /api/storages/localfiles/validate: 200
// with no body when the storage the request describes would be accepted.
// As in Label Studio (io_storages/functions.py), the request is checked
// alone, as a create would be (project and path must be sent); a truthy
// "id" must name a storage, and that storage then takes the request's
// fields (the serializer's update saves them).
func (s *Server) handleStorageValidate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		var target *storage
		if f.has("id") && pyTruthy(f.raw["id"]) {
			id, _ := toInt(f.raw["id"]) // not a number: no such storage
			var err error
			if target, err = st.storage(id); err != nil {
				return nil, nil, err
			}
		}
		x := &storage{}
		s.readStorageFields(f, x, false)
		if err := s.validateStorage(f, x); err != nil {
			return nil, nil, err
		}
		if target != nil {
			next := *target
			s.readStorageFields(f, &next, false)
			*target = next
			st.changed(kindStorage, target.ID)
		}
		return emptyBody{}, nil, nil
	})
}

// handleStorageGet serves GET /api/storages/localfiles/{id}.
func (s *Server) handleStorageGet(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusOK, (*store).storage, func(st *store, x *storage) (any, []delivery, error) {
		return st.storageJSON(x), nil, nil
	})
}

// handleStorageUpdate serves PATCH and PUT /api/storages/localfiles/{id}.
// Like Label Studio's, a PATCH must repeat the path: the serializer checks
// the connection from the fields sent alone.
func (s *Server) handleStorageUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateFor(s, w, r, (*store).storage, func(st *store, f form, x *storage) (any, []delivery, error) {
		next := *x
		next.Path = ""
		if r.Method == http.MethodPatch && !f.has("project") {
			next.ProjectID = x.ProjectID
		}
		s.readStorageFields(f, &next, r.Method == http.MethodPatch)
		if err := s.validateStorage(f, &next); err != nil {
			return nil, nil, err
		}
		*x = next
		st.changed(kindStorage, x.ID)
		return st.storageJSON(x), nil, nil
	})
}

// handleStorageDelete serves DELETE /api/storages/localfiles/{id}: its
// tasks stay.
func (s *Server) handleStorageDelete(w http.ResponseWriter, r *http.Request) error {
	return answerFor(s, w, r, http.StatusNoContent, (*store).storage, func(st *store, x *storage) (any, []delivery, error) {
		delete(st.storages, x.ID)
		st.changed(kindStorage, x.ID)
		return nil, nil, nil
	})
}

// pyStamp is a datetime as Python's str() writes an aware one.
func pyStamp(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000") + "+00:00"
}

// syncFailure is why a sync failed: the Python exception's type and text.
type syncFailure struct{ kind, msg string }

func (e *syncFailure) Error() string { return e.kind + ": " + e.msg }

// handleStorageSync serves POST /api/storages/localfiles/{id}/sync: the
// sync runs in the request (Label Studio without Redis) and the answer is
// the storage after it, 200 whether it completed or failed. The files are
// read without the store lock (planSync); the tasks are made under it.
// Like Label Studio, it first refuses a storage with synchronizable false
// and checks the path again (validate_connection): either is answered 400
// with nothing changed. (Label Studio answers a path that no longer
// validates 500: the check raises Django's ValidationError, which its API
// does not map.)
func (s *Server) handleStorageSync(w http.ResponseWriter, r *http.Request) error {
	var (
		snap   storage
		linked map[string]int
	)
	err := func() error {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		x, err := s.st.storage(pathID(r, "id"))
		if err != nil {
			return err
		}
		snap, linked = *x, s.st.linkedKeys(x)
		return nil
	}()
	if err != nil {
		return err
	}
	if snap.NoSync {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("Storage %d is not synchronizable", snap.ID)})
		return nil
	}
	if msg := s.checkStoragePath(snap.Path); msg != "" {
		return errValidation("non_field_errors", msg)
	}
	start := s.cfg.Now()
	plan := s.planSync(&snap, linked)
	return s.answer(w, http.StatusOK, func() (any, []delivery, error) {
		st := s.st
		x, err := st.storage(pathID(r, "id")) // deleted meanwhile?
		if err != nil {
			return nil, nil, err
		}
		p := st.projects[x.ProjectID]
		x.Attempts++
		meta := []kv{{"attempts", json.RawMessage(fmt.Sprint(x.Attempts))},
			{"time_queued", jsonString(pyStamp(start))}, {"time_in_progress", jsonString(pyStamp(start))},
			{"time_last_ping", jsonString(pyStamp(start))}}
		ds, created, errs, fail := s.applySync(x, p, plan)
		end := s.cfg.Now()
		duration := json.RawMessage(pyFloatText(end.Sub(start).Seconds()))
		st.changed(kindStorage, x.ID)
		if fail != nil {
			x.Status = "failed"
			tb := "Traceback (most recent call last):\n  (labelhook: the sync ran in Go; no Python traceback)\n" + fail.Error() + "\n"
			x.Traceback = &tb
			meta = append(meta, kv{"time_failure", jsonString(pyStamp(end))}, kv{"duration", json.RawMessage("0.0")})
			x.Meta = writePairs(meta)
			return st.storageJSON(x), ds, nil
		}
		x.Status = "completed"
		x.Traceback = nil
		if len(errs) > 0 {
			x.Status = "completed_with_errors"
			tb := strings.Join(errs, "\n")
			x.Traceback = &tb
		}
		x.LastSync, x.LastSyncCount = &end, &created
		meta = append(meta, kv{"time_completed", jsonString(pyStamp(end))}, kv{"duration", duration})
		if len(errs) > 0 {
			meta = append(meta, kv{"tasks_failed_validation", json.RawMessage(fmt.Sprint(len(errs)))})
		}
		meta = append(meta, kv{"tasks_existed", json.RawMessage(fmt.Sprint(plan.existed))})
		x.Meta = writePairs(meta)
		return st.storageJSON(x), ds, nil
	})
}

func jsonString(s string) json.RawMessage {
	var w jsonw
	w.str(s)
	return w.b
}

func pyFloatText(f float64) string {
	var w jsonw
	w.float(f)
	return string(w.b)
}

// storageFile is a file a sync found: its key, the path as listed.
type storageFile struct{ key string }

// listStorage lists the storage's files as iter_objects does: the folder's
// files (recursive_scan: its tree's), sorted by file name, filtered by
// regex_filter matched at the start of the name.
func (s *Server) listStorage(x *storage) ([]storageFile, error) {
	var re *regexp.Regexp
	if x.RegexFilter != nil && *x.RegexFilter != "" {
		var err error
		if re, err = regexp.Compile(`^(?:` + *x.RegexFilter + `)`); err != nil {
			return nil, &syncFailure{"re.error", err.Error()}
		}
	}
	var keys []string
	if x.RecursiveScan {
		err := filepath.WalkDir(x.Path, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != x.Path {
				keys = append(keys, p)
			}
			return nil
		})
		if err != nil {
			return nil, &syncFailure{"OSError", err.Error()}
		}
	} else {
		entries, err := os.ReadDir(x.Path)
		if err != nil {
			return nil, &syncFailure{"OSError", err.Error()}
		}
		for _, e := range entries {
			keys = append(keys, filepath.Join(x.Path, e.Name()))
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	var out []storageFile
	for _, k := range keys {
		fi, err := os.Stat(k) // follows symlinks, as is_file() does
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if re != nil && !re.MatchString(filepath.Base(k)) {
			continue
		}
		out = append(out, storageFile{key: k})
	}
	return out, nil
}

// linkedKeys counts the storage's links by file, those whose task still
// exists (Label Studio deletes a link with its task).
func (st *store) linkedKeys(x *storage) map[string]int {
	linked := map[string]int{}
	for _, l := range x.Links {
		if t := st.tasks[l.Task]; t != nil && t.ProjectID == x.ProjectID {
			linked[l.Key]++
		}
	}
	return linked
}

// fileRead is one new file of a sync and the task objects read from it.
type fileRead struct {
	key  string
	objs []json.RawMessage
}

// syncPlan is what a sync read, before any task is made: the new files in
// order, the tasks the storage already has for the files it found, and
// what stopped the reading (the files before it are still made into
// tasks, as Label Studio does).
type syncPlan struct {
	reads   []fileRead
	existed int
	fail    *syncFailure
}

// planSync reads the storage's new files, without the store lock: x is a
// copy, linked its synced files.
func (s *Server) planSync(x *storage, linked map[string]int) syncPlan {
	var plan syncPlan
	if s.cfg.LocalFilesRoot == "" {
		plan.fail = &syncFailure{"ValueError", localFilesOff}
		return plan
	}
	if msg := s.checkStoragePath(x.Path); msg != "" {
		plan.fail = &syncFailure{"ValueError", msg}
		return plan
	}
	files, err := s.listStorage(x)
	if err != nil {
		plan.fail, _ = err.(*syncFailure)
		return plan
	}
	realRoot, _ := realPath(s.cfg.LocalFilesRoot)
	var read int64
	tasks := 0
	for _, f := range files {
		if n, ok := linked[f.key]; ok {
			plan.existed += n
			continue
		}
		if plan.fail != nil {
			continue // counting what exists; nothing more is read
		}
		real, err := realPath(f.key)
		if err != nil || !within(real, realRoot) {
			plan.fail = &syncFailure{"PermissionError",
				fmt.Sprintf("labelhook refuses %q: it leads to %q, outside LOCAL_FILES_DOCUMENT_ROOT=%q (Label Studio would read it)", f.key, real, s.cfg.LocalFilesRoot)}
			continue
		}
		objs, err := s.storageObjects(x, f.key, &read)
		if err != nil {
			plan.fail, _ = err.(*syncFailure)
			continue
		}
		if tasks += len(objs); tasks > maxImportTasks {
			plan.fail = &syncFailure{"ValueError", fmt.Sprintf("labelhook makes at most %d tasks in one sync", maxImportTasks)}
			continue
		}
		plan.reads = append(plan.reads, fileRead{key: f.key, objs: objs})
	}
	return plan
}

// applySync makes the planned tasks under the store lock, sending
// TASKS_CREATED each time the batch size is reached and once for the rest
// (none of that rest when the sync fails). It returns the deliveries, the
// tasks made, the task validation errors it skipped, and what failed it.
func (s *Server) applySync(x *storage, p *project, plan syncPlan) (ds []delivery, created int, errs []string, fail *syncFailure) {
	st := s.st
	// Links of deleted tasks are gone in Label Studio (on_delete=CASCADE).
	x.Links = slices.DeleteFunc(x.Links, func(l storageLink) bool {
		t := st.tasks[l.Task]
		return t == nil || t.ProjectID != x.ProjectID
	})
	now := s.cfg.Now()
	st.startInnerIDs(p)
	var pending []int
	emit := func() {
		if len(pending) == 0 {
			return
		}
		ev := tasksCreated(st, p.ID, pending)
		ev.project = st.projectJSON(p) // the project as it is at this point of the sync
		ds = append(ds, s.plan(ev)...)
		pending = nil
	}
	for _, f := range plan.reads {
		for _, obj := range f.objs {
			t, verr, ferr := s.addStorageTask(p, obj, now)
			if ferr != nil {
				return ds, created, errs, ferr
			}
			if verr != "" {
				errs = append(errs, fmt.Sprintf("Validation error for task from %s: %s", f.key, verr))
				continue
			}
			x.Links = append(x.Links, storageLink{Key: f.key, Task: t.ID})
			created++
			pending = append(pending, t.ID)
			if len(pending) >= s.cfg.BatchSize {
				emit()
			}
		}
	}
	if plan.fail != nil {
		return ds, created, errs, plan.fail
	}
	emit()
	return ds, created, errs, nil
}

// storageObjects reads one file's task objects (get_data): its JSON tasks,
// or with use_blob_urls one task with its URL.
func (s *Server) storageObjects(x *storage, key string, read *int64) ([]json.RawMessage, error) {
	if x.UseBlobURLs {
		rel, _ := filepath.Rel(s.cfg.LocalFilesRoot, key)
		u := "/data/local-files/?d=" + pyQuote(filepath.ToSlash(rel))
		var w jsonw
		w.b = append(w.b, '{')
		w.str(undefinedKey)
		w.b = append(w.b, ':')
		w.str(u)
		w.b = append(w.b, '}')
		return []json.RawMessage{w.b}, nil
	}
	ext := strings.ToLower(filepath.Ext(key))
	if ext != "" && ext != ".json" && ext != ".jsonl" && ext != ".parquet" {
		return nil, &syncFailure{"io_storages.exceptions.UnsupportedFileFormatError", fmt.Sprintf("File %q is not a JSON/JSONL/Parquet file. "+
			"Only .json, .jsonl, and .parquet files can be processed.\nIf you're trying to import non-JSON data (images, audio, text, etc.), "+
			"edit storage settings and enable \"Tasks\" import method", key)}
	}
	if ext == ".parquet" {
		return nil, &syncFailure{"ValueError", fmt.Sprintf("labelhook does not read Parquet files: %s", key)}
	}
	fi, err := os.Stat(key)
	if err != nil {
		return nil, &syncFailure{"ValueError", fmt.Sprintf("Failed to read file %s: %v", key, err)}
	}
	if *read += fi.Size(); *read > s.cfg.MaxBodyBytes {
		return nil, &syncFailure{"ValueError", fmt.Sprintf("labelhook reads at most %d bytes in one sync (Config.MaxBodyBytes, --max-body-bytes); %s goes past it", s.cfg.MaxBodyBytes, key)}
	}
	blob, err := os.ReadFile(key)
	if err != nil {
		return nil, &syncFailure{"ValueError", fmt.Sprintf("Failed to read file %s: %v", key, err)}
	}
	objs, err := loadTasksJSON(blob)
	if err != nil {
		return nil, &syncFailure{"ValueError", fmt.Sprintf("Can't import JSON-formatted tasks from %s. If you're trying to import binary objects, perhaps you forgot to enable \"Tasks\" import method?", key)}
	}
	return objs, nil
}

// loadTasksJSON is load_tasks_json_lso: a JSON list, one JSON object, or
// JSON lines.
func loadTasksJSON(blob []byte) ([]json.RawMessage, error) {
	trimmed := strings.TrimSpace(string(blob))
	switch {
	case trimmed == "":
		return nil, fmt.Errorf("empty")
	case trimmed[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(trimmed), &items); err != nil {
			return nil, err
		}
		return items, nil
	case trimmed[0] == '{':
		if json.Valid([]byte(trimmed)) {
			return []json.RawMessage{json.RawMessage(trimmed)}, nil
		}
		var out []json.RawMessage
		for _, line := range strings.Split(trimmed, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			if !json.Valid([]byte(line)) {
				return nil, fmt.Errorf("bad line")
			}
			out = append(out, json.RawMessage(line))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected character")
}

// addStorageTask is ImportStorage.add_task: the object is the task data,
// or {data, annotations, predictions}. A bad annotation or prediction
// skips the task (verr); an object that is no task fails the sync (ferr).
func (s *Server) addStorageTask(p *project, obj json.RawMessage, now time.Time) (t *task, verr string, ferr *syncFailure) {
	st := s.st
	if jsonKind(obj) != '{' {
		return nil, "", &syncFailure{"AttributeError", fmt.Sprintf("'%s' object has no attribute 'get'", pyTypeName(obj))}
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(obj, &fields)
	data := compact(obj)
	var anns []annotationInput
	var preds []predictionInput
	for _, k := range []string{"predictions", "annotations"} {
		v, ok := fields[k]
		if !ok || !pyTruthy(v) {
			continue
		}
		if _, hasData := fields["data"]; !hasData {
			return nil, "", &syncFailure{"ValueError", fmt.Sprintf("If you use %q field in the task, you must put \"data\" field in the task too", k)}
		}
		list, err := readList(v, k)
		if err != nil {
			return nil, err.Error(), nil
		}
		for _, one := range list {
			if k == "predictions" {
				in, err := readPredictionInput(one, false, "")
				if err != nil {
					return nil, fieldErrText(err), nil
				}
				preds = append(preds, in)
			} else {
				in, err := readAnnotationInput(one)
				if err != nil {
					return nil, fieldErrText(err), nil
				}
				anns = append(anns, in)
			}
		}
	}
	if d, ok := fields["data"]; ok && jsonKind(d) == '{' {
		data = compact(d)
	}
	if pairs, _ := objectPairs(data); len(pairs) == 1 && pairs[0].key == undefinedKey && p.parsed != nil && len(p.parsed.dataKeys) > 0 {
		pairs[0].key = p.parsed.dataKeys[0] // replace_task_data_undefined_with_config_field
		data = writePairs(pairs)
	}
	t = s.newTask(p, data, json.RawMessage("{}"))
	for _, in := range anns {
		s.newAnnotation(t, in, now)
	}
	for _, in := range preds {
		s.newPrediction(t, in, now)
	}
	if len(anns) > 0 {
		st.relabel(t, now)
	}
	return t, "", nil
}

// pyQuote is Python's urllib.parse.quote with safe="/": letters, digits,
// "_.-~" and "/" as they are, every other byte %XX.
func pyQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
