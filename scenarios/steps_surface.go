package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Steps for the parts of Label Studio beyond tasks and annotations: file
// uploads, labels and label links, local files storage and export
// snapshots.
//
// Local files: a scenario that creates a local files storage writes its
// files below a folder of its own (${local_files.dir}) inside the local
// files root (${local_files.root}): in-process, a temporary folder the
// scenario's mock serves from; against an external server,
// Options.LocalFilesRoot, which must be that server's
// LOCAL_FILES_DOCUMENT_ROOT. The folder is removed when the scenario ends.

// maxLocalFileBytes bounds what one step writes.
const maxLocalFileBytes = 64 << 20

// uploadFile is one file of an upload_file step.
type uploadFile struct {
	name    string
	content []byte
}

func init() {
	for _, d := range []*stepDef{
		{name: "upload_file", doc: "POST /api/projects/{project}/import?return_task_ids=true with files: {name: content} as a multipart upload (a string is sent as it is, anything else as JSON); query adds parameters",
			keys: map[string]string{"project": "id", "files": "map", "query": "map"}, required: []string{"files"}, ids: []string{"project"},
			status: http.StatusCreated, save: "task_ids", savePath: "task_ids",
			build: func(a map[string]any) (*call, error) {
				files, err := fileContents(a["files"])
				if err != nil {
					return nil, err
				}
				q, err := query(a["query"])
				if err != nil {
					return nil, err
				}
				if !q.Has("return_task_ids") {
					q.Set("return_task_ids", "true")
				}
				return &call{method: "POST", path: fmt.Sprintf("/api/projects/%s/import", str(a["project"])), query: q, files: files, body: a["files"]}, nil
			}},
		{name: "create_labels", doc: "POST /api/labels with labels: [{title, value, from_name}] for project; saves ${label} (the first label) and ${label_link} (its link to the project)",
			keys: map[string]string{"project": "id", "labels": "list"}, required: []string{"labels"}, ids: []string{"project"},
			status: http.StatusCreated, save: "label", savePath: "[0].id",
			build: func(a map[string]any) (*call, error) {
				list, _ := a["labels"].([]any)
				items := make([]any, 0, len(list))
				for i, l := range list {
					m, ok := l.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("labels[%d]: want a mapping {title, value, from_name}, got %s", i, describe(l))
					}
					item := rest(m)
					if _, ok := item["project"]; !ok {
						item["project"] = a["project"]
					}
					items = append(items, item)
				}
				return &call{method: "POST", path: "/api/labels", body: items, hasBody: true}, nil
			},
			after: saveLabelLink, alsoSaves: []string{"label_link"}},
		{name: "update_label_link", doc: "PATCH (or method: PUT) /api/label_links/{label_link} with the other fields",
			keys: map[string]string{"label_link": "id", "method": "update"}, ids: []string{"label_link"}, body: true, status: http.StatusOK,
			build: func(a map[string]any) (*call, error) {
				return &call{method: method(a), path: fmt.Sprintf("/api/label_links/%s", str(a["label_link"])), body: rest(a, "label_link", "method"), hasBody: true}, nil
			}},
		{name: "delete_label_link", doc: "DELETE /api/label_links/{label_link}", scalar: "label_link",
			keys: map[string]string{"label_link": "id"}, ids: []string{"label_link"}, status: http.StatusNoContent,
			build: func(a map[string]any) (*call, error) {
				return &call{method: "DELETE", path: fmt.Sprintf("/api/label_links/%s", str(a["label_link"]))}, nil
			}},
		{name: "create_local_storage", doc: "write files: {name: content} to a new folder below ${local_files.dir} (folder: names it), then POST /api/storages/localfiles with project, that path (or path: as given) and the other fields",
			keys: map[string]string{"project": "id", "files": "map", "folder": "string", "path": "string"}, ids: []string{"project"}, body: true,
			status: http.StatusCreated, save: "storage", savePath: "id", localFiles: true,
			prepare: prepareStorage,
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: "/api/storages/localfiles", body: rest(a, "files", "folder", "local_folder"), hasBody: true}, nil
			},
			after: func(_ context.Context, s *scenarioRun, a map[string]any, answer any) error {
				obj, _ := answer.(map[string]any)
				if id, ok := obj["id"].(float64); ok {
					if dir, ok := a["local_folder"].(string); ok {
						s.storageDirs[int(id)] = dir
					}
				}
				return nil
			}},
		{name: "sync_storage", doc: "write files: {name: content} to the storage's folder (one this scenario created), then POST /api/storages/localfiles/{storage}/sync",
			scalar: "storage", keys: map[string]string{"storage": "id", "files": "map"}, ids: []string{"storage"},
			status: http.StatusOK, localFiles: true,
			prepare: func(s *scenarioRun, a map[string]any) error {
				if a["files"] == nil {
					return nil
				}
				id, _ := a["storage"].(float64)
				dir, ok := s.storageDirs[int(id)]
				if !ok {
					return fmt.Errorf("files: storage %s was not made by a create_local_storage step of this scenario, so its folder is unknown", str(a["storage"]))
				}
				files, err := fileContents(a["files"])
				if err != nil {
					return err
				}
				return writeLocalFiles(dir, files)
			},
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: fmt.Sprintf("/api/storages/localfiles/%s/sync", str(a["storage"]))}, nil
			}},
		{name: "create_export", doc: "POST /api/projects/{project}/exports with the other fields (title, task_filter_options, …): an export snapshot",
			keys: map[string]string{"project": "id"}, ids: []string{"project"}, body: true,
			status: http.StatusCreated, save: "export", savePath: "id",
			build: func(a map[string]any) (*call, error) {
				return &call{method: "POST", path: fmt.Sprintf("/api/projects/%s/exports", str(a["project"])), body: rest(a, "project"), hasBody: true}, nil
			}},
	} {
		stepDefs[d.name] = d
	}
}

// fileContents turns files: {name: content} into files in name order: a
// string content as it is, anything else as JSON. Names are relative
// paths that stay below their folder.
func fileContents(v any) ([]uploadFile, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, fmt.Errorf("files: want a mapping of file name: content, got %s", describe(v))
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]uploadFile, 0, len(m))
	total := 0
	for _, n := range names {
		if !filepath.IsLocal(n) {
			return nil, fmt.Errorf("files: %q is not a relative path that stays in its folder", n)
		}
		var b []byte
		if text, ok := m[n].(string); ok {
			b = []byte(text)
		} else {
			var err error
			if b, err = json.Marshal(m[n]); err != nil {
				return nil, fmt.Errorf("files: %s: %w", n, err)
			}
		}
		if total += len(b); total > maxLocalFileBytes {
			return nil, fmt.Errorf("files: more than %d bytes in one step", maxLocalFileBytes)
		}
		out = append(out, uploadFile{name: n, content: b})
	}
	return out, nil
}

// multipartBody is a multipart form with one "file" part per file, as the
// SDKs upload.
func multipartBody(files []uploadFile) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i, f := range files {
		field := "file"
		if i > 0 {
			field = "file" + strconv.Itoa(i)
		}
		w, err := mw.CreateFormFile(field, f.name)
		if err != nil {
			return nil, "", fmt.Errorf("build the upload: %w", err)
		}
		_, _ = w.Write(f.content)
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("build the upload: %w", err)
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// writeLocalFiles writes files below dir.
func writeLocalFiles(dir string, files []uploadFile) error {
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		if err := os.WriteFile(p, f.content, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	return nil
}

// prepareStorage makes the storage's folder below the scenario's own,
// writes its files and sets path (unless the step gives one).
func prepareStorage(s *scenarioRun, a map[string]any) error {
	if s.localDir == "" {
		return fmt.Errorf("create_local_storage needs a local files root: run against the in-process mock, or give the external server's LOCAL_FILES_DOCUMENT_ROOT (--local-files-root)")
	}
	if _, given := a["path"]; given {
		if a["files"] != nil {
			return fmt.Errorf("files: write files to a folder of this scenario (folder:), not to a path: given as is")
		}
		return nil
	}
	s.storages++
	name := fmt.Sprintf("storage-%d", s.storages)
	if f, ok := a["folder"].(string); ok {
		if !filepath.IsLocal(f) {
			return fmt.Errorf("folder: %q is not a relative path that stays in ${local_files.dir}", f)
		}
		name = f
	}
	dir := filepath.Join(s.localDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make the storage's folder: %w", err)
	}
	if a["files"] != nil {
		files, err := fileContents(a["files"])
		if err != nil {
			return err
		}
		if err := writeLocalFiles(dir, files); err != nil {
			return err
		}
	}
	a["path"] = dir
	a["local_folder"] = dir
	return nil
}

// saveLabelLink saves ${label_link}: the link of the first label to the
// step's project, which POST /api/labels does not answer with.
func saveLabelLink(ctx context.Context, s *scenarioRun, a map[string]any, answer any) error {
	list, _ := answer.([]any)
	if len(list) == 0 {
		return nil
	}
	first, _ := list[0].(map[string]any)
	label, project := first["id"], first["project"]
	q := url.Values{"project": {str(project)}}
	status, got, raw, err := s.do(ctx, &call{method: http.MethodGet, path: "/api/label_links", query: q})
	if err != nil {
		return fmt.Errorf("look up ${label_link}: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("look up ${label_link}: GET /api/label_links?%s answered %d: %s", q.Encode(), status, truncate(string(raw), 200))
	}
	page, _ := got.(map[string]any)
	results, _ := page["results"].([]any)
	for _, r := range results {
		if m, ok := r.(map[string]any); ok && m["label"] == label {
			s.vars["label_link"] = m["id"]
			return nil
		}
	}
	return fmt.Errorf("look up ${label_link}: no link of label %s to project %s", str(label), str(project))
}

// localFilesFor sets up the scenario's local files folder: below root
// (made now when root is "", for an in-process mock), named for the run.
func (s *scenarioRun) localFilesFor(root, name string) error {
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "labelhook-local-files-"); err != nil {
			return fmt.Errorf("local files root: %w", err)
		}
		s.ownRoot = true
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("local files root: %w", err)
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("local files folder: %w", err)
	}
	s.localRoot, s.localDir = root, dir
	s.storageDirs = map[int]string{}
	return nil
}

// removeLocalFiles removes what localFilesFor made.
func (s *scenarioRun) removeLocalFiles() {
	switch {
	case s.ownRoot:
		_ = os.RemoveAll(s.localRoot)
	case s.localDir != "":
		_ = os.RemoveAll(s.localDir)
	}
}
