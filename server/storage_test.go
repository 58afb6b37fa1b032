package server

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles writes name -> content files below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *apiEnv) storage(project int, path string, extra map[string]any) int {
	e.t.Helper()
	body := map[string]any{"project": project, "path": path}
	for k, v := range extra {
		body[k] = v
	}
	return int(e.must("POST", "/api/storages/localfiles", body, 201)["id"].(float64))
}

func createdTexts(t *testing.T, r received) ([]string, float64) {
	t.Helper()
	var b struct {
		Tasks []struct {
			Data map[string]any `json:"data"`
		} `json:"tasks"`
		Project struct {
			TaskNumber float64 `json:"task_number"`
		} `json:"project"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range b.Tasks {
		out = append(out, x.Data["text"].(string))
	}
	return out, b.Project.TaskNumber
}

// TestStorageSyncChunks: a sync makes a task per JSON item, in file name
// order, and sends TASKS_CREATED each time the batch size is reached and
// once for the rest, each with task_number as it was then; a second sync
// skips the synced files and takes only new ones.
func TestStorageSyncChunks(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "incoming")
	writeFiles(t, data, map[string]string{
		"01.json": `[{"text": "a"}, {"text": "b"}, {"data": {"text": "c"}}]`,
		"02.json": `{"text": "d"}`,
		"03.json": "{\"text\": \"e\"}\n{\"text\": \"f\"}\n",
	})
	h := newHookReceiver(t)
	e := newAPI(t, Config{LocalFilesRoot: root, BatchSize: 4})
	pid := e.project("Sync")
	e.hookOn(pid, h.URL, nil)
	sid := e.storage(pid, data, nil)

	st := e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if st["status"] != "completed" || st["last_sync_count"] != 6.0 {
		t.Fatalf("sync answer %v, want completed with 6", st)
	}
	got := h.take()
	if len(got) != 2 {
		t.Fatalf("events %v, want 2 TASKS_CREATED (4 + 2)", actions(got))
	}
	for i, want := range []struct {
		texts []string
		n     float64
	}{{[]string{"a", "b", "c", "d"}, 4}, {[]string{"e", "f"}, 6}} {
		texts, n := createdTexts(t, got[i])
		if !reflect.DeepEqual(texts, want.texts) || n != want.n {
			t.Errorf("event %d: tasks %v, task_number %v; want %v, %v", i+1, texts, n, want.texts, want.n)
		}
	}

	st = e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if st["last_sync_count"] != 0.0 || st["meta"].(map[string]any)["tasks_existed"] != 6.0 {
		t.Errorf("second sync %v, want 0 new, tasks_existed 6", st)
	}
	h.takeNone(t, "second sync")
	writeFiles(t, data, map[string]string{"04.json": `[{"text": "g"}]`})
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if got := h.take(); len(got) != 1 {
		t.Fatalf("third sync sent %v, want one TASKS_CREATED", actions(got))
	} else if texts, n := createdTexts(t, got[0]); !reflect.DeepEqual(texts, []string{"g"}) || n != 7 {
		t.Errorf("third sync: %v, task_number %v", texts, n)
	}
	// A file whose tasks were all deleted is synced again (its links went
	// with its tasks).
	e.must("DELETE", "/api/tasks/7", nil, 204)
	h.take()
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if got := h.take(); len(got) != 1 {
		t.Errorf("sync after deleting the task of 04.json sent %v, want one TASKS_CREATED", actions(got))
	}
}

// TestStorageSyncFailure: a file that is not JSON fails the sync (answered
// 200, status failed); the tasks of the files before it stay, and their
// TASKS_CREATED, still pending, is never sent — as in Label Studio.
func TestStorageSyncFailure(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "d")
	writeFiles(t, data, map[string]string{"01.json": `[{"text": "ok"}]`, "02.json": `[{"text": `, "03.json": `[{"text": "after"}]`})
	h := newHookReceiver(t)
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Failing")
	e.hookOn(pid, h.URL, nil)
	sid := e.storage(pid, data, nil)
	st := e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if st["status"] != "failed" || st["last_sync_count"] != nil || !strings.Contains(st["traceback"].(string), "Can't import JSON-formatted tasks from "+filepath.Join(data, "02.json")) {
		t.Errorf("answer %v, want failed with the file named", st)
	}
	h.takeNone(t, "failed sync")
	if tasks := e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200); len(tasks) != 1 {
		t.Errorf("tasks %v, want the one of 01.json", tasks)
	}
}

// TestStorageRefusesEscapes: paths outside the root, the root itself, and
// paths or files that leave it through symlinks are refused; nothing is
// created and no file outside the root is read.
func TestStorageRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	writeFiles(t, outside, map[string]string{"secret.json": `[{"text": "secret"}]`})
	writeFiles(t, root, map[string]string{"ok/a.json": `[{"text": "a"}]`, "leaky/a.json": `[{"text": "fine"}]`})
	if err := os.Symlink(outside, filepath.Join(root, "door")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(root, "leaky", "b.json")); err != nil {
		t.Fatal(err)
	}
	h := newHookReceiver(t)
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Escapes")
	e.hookOn(pid, h.URL, nil)
	before, _ := e.srv.Snapshot()
	for _, tc := range []struct{ name, path, want string }{
		{"outside", outside, "must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT"},
		{"dot dot", filepath.Join(root, "ok", "..", "..", "outside"), "must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT"},
		{"the root", root, "cannot be the same as LOCAL_FILES_DOCUMENT_ROOT"},
		{"symlinked folder", filepath.Join(root, "door"), "labelhook refuses paths that leave the root"},
		{"relative", "ok", "does not exist"},
		{"missing", filepath.Join(root, "nope"), "does not exist"},
		{"empty", "", "Path must be set for Local Files storage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": tc.path})
			if status != 400 || !strings.Contains(string(body), tc.want) {
				t.Errorf("path %q: %d %s, want 400 with %q", tc.path, status, body, tc.want)
			}
			if after, _ := e.srv.Snapshot(); !bytes.Equal(before, after) {
				t.Errorf("state changed")
			}
		})
	}
	// A file inside that links outside fails the sync before it is read.
	sid := e.storage(pid, filepath.Join(root, "leaky"), nil)
	st := e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	if st["status"] != "failed" || !strings.Contains(st["traceback"].(string), "outside LOCAL_FILES_DOCUMENT_ROOT") {
		t.Errorf("sync over a symlink out: %v", st)
	}
	for _, tk := range e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200) {
		if d := tk.(map[string]any)["data"].(map[string]any); d["text"] == "secret" {
			t.Errorf("a task holds the file outside the root: %v", d)
		}
	}
	h.takeNone(t, "sync outside the root")
}

// TestStorageOffByDefault: without a root, local files storage answers
// Label Studio's LOCAL_FILES_SERVING_ENABLED message and touches nothing.
func TestStorageOffByDefault(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Off")
	status, body := e.call("POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": t.TempDir()})
	if status != 400 || !strings.Contains(string(body), "LOCAL_FILES_SERVING_ENABLED is disabled by default") {
		t.Errorf("%d %s", status, body)
	}
	status, body = e.call("POST", "/api/storages/localfiles/validate", map[string]any{"project": pid, "path": "/etc"})
	if status != 400 || !strings.Contains(string(body), "--local-files-root") {
		t.Errorf("validate: %d %s", status, body)
	}
}

// TestStorageBlobURLsAndFilters: use_blob_urls makes one task per file
// with its /data/local-files URL in the config's first data key;
// regex_filter matches file names from their start; recursive_scan
// descends.
func TestStorageBlobURLsAndFilters(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"media/a b.txt": "x", "media/skip.txt": "y", "media/sub/c.txt": "z"})
	h := newHookReceiver(t)
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Blobs")
	e.hookOn(pid, h.URL, nil)
	sid := e.storage(pid, filepath.Join(root, "media"), map[string]any{"use_blob_urls": true, "regex_filter": `[ac]`, "recursive_scan": true})
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	got := h.take()
	if len(got) != 1 {
		t.Fatalf("events %v", actions(got))
	}
	texts, _ := createdTexts(t, got[0])
	want := []string{"/data/local-files/?d=media/a%20b.txt", "/data/local-files/?d=media/sub/c.txt"}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("tasks %v, want %v", texts, want)
	}
}

// TestStorageSyncRefusals: a storage with synchronizable false, or whose
// folder no longer validates, is refused before the sync (400): the
// storage is unchanged and no event is sent.
func TestStorageSyncRefusals(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "d")
	writeFiles(t, data, map[string]string{"01.json": `[{"text": "a"}]`})
	h := newHookReceiver(t)
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Refusals")
	e.hookOn(pid, h.URL, nil)

	off := e.storage(pid, data, map[string]any{"synchronizable": false})
	before := e.must("GET", "/api/storages/localfiles/"+itoa(off), nil, 200)
	if before["synchronizable"] != false {
		t.Fatalf("storage %v, want synchronizable false", before)
	}
	if status, body := e.call("POST", "/api/storages/localfiles/"+itoa(off)+"/sync", nil); status != 400 ||
		string(body) != `{"message":"Storage 1 is not synchronizable"}` {
		t.Errorf("sync of a storage not synchronizable: %d %s", status, body)
	}

	on := e.storage(pid, data, nil)
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	status, body := e.call("POST", "/api/storages/localfiles/"+itoa(on)+"/sync", nil)
	if status != 400 || !strings.Contains(string(body), `does not exist`) {
		t.Errorf("sync of a storage whose folder is gone: %d %s", status, body)
	}
	for _, id := range []int{off, on} {
		got := e.must("GET", "/api/storages/localfiles/"+itoa(id), nil, 200)
		if got["status"] != "initialized" || got["meta"].(map[string]any)["attempts"] != nil {
			t.Errorf("storage %d after a refused sync: %v, want it unchanged", id, got)
		}
	}
	h.takeNone(t, "refused syncs")
}

// TestStorageListNeedsProject: the local files list needs ?project= (400
// without, 404 for an unknown one); the list of every storage type answers
// those with an empty list, as Label Studio's does.
func TestStorageListNeedsProject(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "d")
	writeFiles(t, data, map[string]string{"01.json": `[]`})
	e := newAPI(t, Config{LocalFilesRoot: root})
	one, two := e.project("Storages one"), e.project("Storages two")
	sid := e.storage(one, data, nil)
	e.storage(two, data, nil)
	for _, tc := range []struct {
		name, path string
		status     int
		want       string // in the body
	}{
		{"no project", "/api/storages/localfiles", 400, `"non_field_errors":["query parameter \"project\" is required"]`},
		{"unknown project", "/api/storages/localfiles?project=99", 404, `No Project matches the given query.`},
		{"not a number", "/api/storages/localfiles?project=x", 404, `"detail":"Not found."`},
		{"a number and more", "/api/storages/localfiles?project=" + itoa(one) + "abc", 404, `"detail":"Not found."`},
		{"a project", "/api/storages/localfiles?project=" + itoa(one), 200, `"id":` + itoa(sid) + `,`},
		{"all types, no project", "/api/storages", 200, `[]`},
		{"all types, unknown project", "/api/storages?project=99", 200, `[]`},
		{"all types, a project", "/api/storages?project=" + itoa(one), 200, `"id":` + itoa(sid) + `,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("GET", tc.path, nil)
			if status != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s: %d %s, want %d with %s", tc.path, status, body, tc.status, tc.want)
			}
			if status == 200 && strings.Count(string(body), `"id":`) > 1 {
				t.Errorf("GET %s: %s, want one project's storage", tc.path, body)
			}
		})
	}
}

// TestStorageValidateChecksTheRequestAlone: validate checks what the
// request sends, as a create would (an id alone is not enough), and an
// unknown id is 404.
func TestStorageValidateChecksTheRequestAlone(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "d")
	writeFiles(t, data, map[string]string{"01.json": `[]`})
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Validate")
	sid := e.storage(pid, data, nil)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"id alone", map[string]any{"id": sid}, 400, `"project":["This field is required."]`},
		{"id and project, no path", map[string]any{"id": sid, "project": pid}, 400, `Path must be set`},
		{"id, project and path", map[string]any{"id": sid, "project": pid, "path": data}, 200, ``},
		{"unknown id", map[string]any{"id": 99, "project": pid, "path": data}, 404, `No `},
		{"no id", map[string]any{"project": pid, "path": data}, 200, ``},
		{"id 0 is no id", map[string]any{"id": 0, "project": pid, "path": data}, 200, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", "/api/storages/localfiles/validate", tc.body)
			if status != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("validate %v: %d %s, want %d with %s", tc.body, status, body, tc.status, tc.want)
			}
		})
	}
	// A storage named by a validate that passes takes the request's fields
	// (the serializer's update saves them), synchronizable back to its
	// default; one that fails keeps its own.
	e.must("POST", "/api/storages/localfiles/validate", map[string]any{"id": sid, "project": pid, "path": data, "title": "bad", "regex_filter": "("}, 400)
	if got := e.must("GET", "/api/storages/localfiles/"+itoa(sid), nil, 200); got["title"] != nil {
		t.Errorf("storage after a failed validate: title %v, want null", got["title"])
	}
	e.must("PATCH", "/api/storages/localfiles/"+itoa(sid), map[string]any{"path": data, "synchronizable": false}, 200)
	e.must("POST", "/api/storages/localfiles/validate", map[string]any{"id": sid, "project": pid, "path": data, "title": "renamed"}, 200)
	if got := e.must("GET", "/api/storages/localfiles/"+itoa(sid), nil, 200); got["title"] != "renamed" || got["synchronizable"] != true {
		t.Errorf("storage after validate with its id: title %v, synchronizable %v; want renamed, true", got["title"], got["synchronizable"])
	}
}

// TestEmptySyncAfterDeletingTheNewestTask: a sync that makes no task after
// the newest task was deleted still journals what it changed (the
// package's tests replay every record and compare with the store).
func TestEmptySyncAfterDeletingTheNewestTask(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "d")
	writeFiles(t, data, map[string]string{"01.json": `[{"text": "a"}, {"text": "b"}]`})
	e := newAPI(t, Config{LocalFilesRoot: root})
	pid := e.project("Empty sync")
	sid := e.storage(pid, data, nil)
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	e.must("DELETE", "/api/tasks/2", nil, 204)
	if st := e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200); st["last_sync_count"] != 0.0 {
		t.Errorf("second sync %v, want no new task (01.json still has a task)", st)
	}
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", `[{"text": "c"}]`, 201)
	if got := e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200)[0].(map[string]any)["inner_id"]; got != 2.0 {
		t.Errorf("inner_id of the next task %v, want 2 (the deleted newest one's)", got)
	}
}
