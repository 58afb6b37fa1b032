package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"path/filepath"

	"github.com/google/go-cmp/cmp"
)

// stateConfig makes two servers answer byte for byte alike.
func stateConfig(t testing.TB) Config {
	var n atomic.Int64
	return Config{
		LocalFilesRoot:       t.TempDir(),
		OrganizationWebhooks: true, // richState has an organization webhook
		Now:                  func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC) },
		NewUUID: func() string {
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1))
		},
	}
}

// richState fills a server with one of everything the store keeps, with
// gaps in the ids (deleted objects), and returns the webhook receiver.
func richState(t *testing.T, e *apiEnv) *hookReceiver {
	hooks := newHookReceiver(t)
	gone := e.project("Deleted later")
	pid := e.project("Kept")
	surfaceState(t, e, pid, gone) // before the webhooks: 1.23.2 refuses labels a webhook would hear of
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"description": "d <b>&</b>", "pinned_at": "2026-01-02T03:04:05Z",
		"task_data_password": "secret", "control_weights": map[string]any{"sentiment": map[string]any{"overall": 1.0}}, "maximum_annotations": 2}, 200)
	e.hookOn(0, hooks.URL, map[string]any{"headers": map[string]any{"X-B": "2", "X-A": "1"}, "send_for_all_actions": false,
		"actions": []string{"ANNOTATION_CREATED", "PROJECT_CREATED"}})
	e.hookOn(pid, hooks.URL, map[string]any{"send_payload": false})
	e.hookOn(gone, hooks.URL, nil)
	res := []any{map[string]any{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Positive"}}}}
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import?return_task_ids=1", []any{
		map[string]any{"data": map[string]any{"text": "ü <p>one</p>"}, "meta": nil,
			"annotations": []any{map[string]any{"result": res, "lead_time": 2.5}, map[string]any{"result": []any{}, "was_cancelled": true}},
			"predictions": []any{map[string]any{"result": res, "score": 0.75, "model_version": "m1"}}},
		map[string]any{"data": map[string]any{"text": "two"}, "meta": map[string]any{"source": "x"}},
		map[string]any{"text": "three"},
		map[string]any{"text": "four"},
	}, 201)
	ids := out["task_ids"].([]any)
	t2, t3 := int(ids[1].(float64)), int(ids[2].(float64))
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", `[{"text": "<i>raw</i> & more"}]`, 201)
	e.must("POST", "/api/predictions", map[string]any{"task": t2, "result": res, "score": 0.5}, 201)
	e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	a := e.must("POST", "/api/tasks/"+itoa(t3)+"/annotations", map[string]any{"result": res, "ground_truth": true}, 201)
	e.must("PATCH", "/api/annotations/"+itoa(int(a["id"].(float64))), map[string]any{"lead_time": 9.5}, 200)
	e.must("DELETE", "/api/tasks/"+itoa(int(ids[3].(float64))), nil, 204)
	e.must("POST", "/api/dm/views", map[string]any{"project": pid, "data": map[string]any{"filters": map[string]any{"conjunction": "and",
		"items": []any{map[string]any{"filter": "filter:tasks:completed_at", "operator": "empty", "value": false, "type": "Datetime"}}}}}, 201)
	e.must("POST", "/api/dm/views", map[string]any{"project": gone}, 201)
	e.must("DELETE", "/api/projects/"+itoa(gone), nil, 204)
	hooks.take()
	return hooks
}

// reads are the GETs that show the whole state through the API.
func reads(e *apiEnv) map[string]string {
	out := map[string]string{}
	for _, path := range []string{
		"/api/projects?page_size=100", "/api/projects/2", "/api/tasks?project=2&fields=all", "/api/projects/2/tasks",
		"/api/projects/2/export?download_all_tasks=true", "/api/predictions", "/api/webhooks", "/api/dm/views",
		"/api/projects/2/model-versions", "/api/tasks/2/annotations",
		"/api/labels", "/api/label_links", "/api/projects/2/file-uploads?all=1", "/api/projects/2/exports",
		"/api/projects/2/exports/1/download", "/api/storages",
	} {
		status, body := e.call("GET", path, nil)
		out[path] = fmt.Sprintf("%d %s", status, body)
	}
	return out
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	orig := newAPI(t, stateConfig(t))
	hooks := richState(t, orig)
	snap, err := orig.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(snap, []byte(`"text":"<i>raw</i> & more"`)) || !bytes.Contains(snap, []byte(`"description":"d <b>&</b>"`)) {
		t.Errorf("task data is not stored as sent (HTML escaped?):\n%s", snap)
	}

	restored := newAPI(t, stateConfig(t))
	if err := restored.srv.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(reads(orig), reads(restored)); diff != "" {
		t.Errorf("the API answers differently after a restore (-before +after):\n%s", diff)
	}
	again, err := restored.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap, again) {
		t.Errorf("snapshot of the restored server differs:\n%s\n%s", snap, again)
	}

	// Ids continue after the deleted ones, and webhooks fire again.
	p := restored.must("POST", "/api/projects", map[string]any{"title": "After"}, 201)
	if p["id"] != 3.0 {
		t.Errorf("new project id %v after restore, want 3 (ids are never reused)", p["id"])
	}
	restored.must("POST", "/api/tasks/3/annotations", map[string]any{"result": []any{}}, 201)
	got := actions(hooks.take())
	if diff := cmp.Diff([]string{"PROJECT_CREATED", "ANNOTATION_CREATED", "ANNOTATION_CREATED"}, got); diff != "" {
		t.Errorf("webhooks of the restored server (-want +got):\n%s", diff)
	}
}

func TestRestoreIntoNonEmptyServer(t *testing.T) {
	e := newAPI(t, Config{})
	e.project("One")
	snap, err := e.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Restore(snap); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Restore into a server with a project: %v, want ErrNotEmpty", err)
	}
	e.must("DELETE", "/api/projects/1", nil, 204)
	if err := e.srv.Restore(snap); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Restore into a server whose counters moved: %v, want ErrNotEmpty", err)
	}
}

func TestRestoreRejectsBrokenState(t *testing.T) {
	orig := newAPI(t, stateConfig(t))
	richState(t, orig)
	snap, err := orig.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(snap, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	first := func(m map[string]any, list string) map[string]any { return m[list].([]any)[0].(map[string]any) }
	for _, tc := range []struct {
		name, state, want string
	}{
		{"empty", "", "the state is empty"},
		{"not json", `{"format": "labelhook-state",`, "not a labelhook state file"},
		{"half written", string(snap[:len(snap)/2]), "not a labelhook state file"},
		{"trailing data", string(snap) + `{}`, "data after the end"},
		{"other format", `{"format": "something", "version": 1}`, `format is "something"`},
		{"newer version", edit(func(m map[string]any) { m["version"] = 4 }), "version 4 is not supported"},
		{"unknown field", edit(func(m map[string]any) { m["surprise"] = true }), `unknown field "surprise"`},
		{"negative counter", edit(func(m map[string]any) { m["next"].(map[string]any)["view"] = -1 }), "next.view is -1"},
		{"id above counter", edit(func(m map[string]any) { m["next"].(map[string]any)["task"] = 1 }), "above next.task"},
		{"duplicate id", edit(func(m map[string]any) { m["tasks"] = append(m["tasks"].([]any), first(m, "tasks")) }), "appears twice"},
		{"task of a missing project", edit(func(m map[string]any) { first(m, "tasks")["project"] = 9 }), "project 9 does not exist"},
		{"task data not an object", edit(func(m map[string]any) { first(m, "tasks")["data"] = []any{} }), "data must be a JSON object"},
		{"bad label config", edit(func(m map[string]any) { first(m, "projects")["label_config"] = "<View>" }), "label_config"},
		{"annotation in another project", edit(func(m map[string]any) { first(m, "annotations")["project"] = 1 }), "but its task"},
		{"annotation of a missing task", edit(func(m map[string]any) { first(m, "annotations")["task"] = 99 }), "task 99 does not exist"},
		{"webhook with an unknown action", edit(func(m map[string]any) { first(m, "webhooks")["actions"] = []any{"TASK_CREATED"} }), `unknown action "TASK_CREATED"`},
		{"inner id out of range", edit(func(m map[string]any) { first(m, "tasks")["inner_id"] = 50 }), "inner_id 50"},
		{"inner ids out of order", edit(func(m map[string]any) { swapInner(m, false) }), "a project's inner ids grow with its task ids"},
		{"inner id twice", edit(func(m map[string]any) { swapInner(m, true) }), "is also task"},
		{"view of a missing project", edit(func(m map[string]any) { first(m, "views")["project"] = 1 }), "view 1: project 1 does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAPI(t, Config{OrganizationWebhooks: true})
			err := e.srv.Restore([]byte(tc.state))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore = %v, want an error containing %q", err, tc.want)
			}
			// Nothing was half loaded: the server is still empty.
			if err := e.srv.Restore(snap); err != nil {
				t.Errorf("a good state after a rejected one: %v", err)
			}
		})
	}
}

// swapInner gives the second task of the first project with two tasks
// the first's inner_id (same) or swaps the two (!same).
func swapInner(m map[string]any, same bool) {
	byProject := map[any]map[string]any{}
	for _, x := range m["tasks"].([]any) {
		t := x.(map[string]any)
		if a, ok := byProject[t["project"]]; ok {
			if !same {
				a["inner_id"], t["inner_id"] = t["inner_id"], a["inner_id"]
			} else {
				t["inner_id"] = a["inner_id"]
			}
			return
		}
		byProject[t["project"]] = t
	}
	panic("no project with two tasks")
}

// FuzzRestore feeds arbitrary files to Restore: it never panics, and what
// it accepts snapshots to a file that restores to the same snapshot.
func FuzzRestore(f *testing.F) {
	f.Add([]byte(`{"format":"labelhook-state","version":1,"next":{"project":1,"task":1,"annotation":0,"prediction":0,"webhook":0,"view":0,"drafts":0},` +
		`"projects":[{"id":1,"title":"t","description":null,"label_config":"<View></View>","next_inner_id":2,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","pinned_at":null}],` +
		`"tasks":[{"id":1,"project":1,"data":{"a":1},"inner_id":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}],"annotations":null,"predictions":null,"webhooks":null,"views":null}`))
	f.Add([]byte(`{"format":"labelhook-state","version":1,"next":{"webhook":1},"webhooks":[{"id":1,"project":null,"url":"http://x","headers":[["A","b"]],"actions":["PROJECT_CREATED"]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := mustNew(t, Config{})
		if err := s.Restore(data); err != nil {
			return
		}
		snap, err := s.Snapshot()
		if err != nil {
			t.Fatalf("snapshot after an accepted restore: %v", err)
		}
		s2 := mustNew(t, Config{})
		if err := s2.Restore(snap); err != nil {
			t.Fatalf("a snapshot does not restore: %v\n%s", err, snap)
		}
		snap2, _ := s2.Snapshot()
		if !bytes.Equal(snap, snap2) {
			t.Fatalf("snapshot changed across a restore:\n%s\n%s", snap, snap2)
		}
	})
}

// TestEntityFieldsAreSaved fails when an entity gains an unexported
// field: the state file holds only the exported (tagged) fields, so an
// unexported one must be derived again on load (add it to derived and to
// loaded.build) or be exported with its JSON key.
func TestEntityFieldsAreSaved(t *testing.T) {
	derived := map[string]bool{"project.parsed": true, "project.taskIDs": true, "task.annIDs": true,
		"task.predIDs": true, "annotation.resultN": true, "project.counts": true,
		"task.rendered": true} // a cache, made again on the first read
	for _, tc := range []struct {
		name   string
		entity any
	}{
		{"project", project{}}, {"task", task{}}, {"annotation", annotation{}},
		{"prediction", prediction{}}, {"webhook", webhook{}}, {"view", view{}}, {"file upload", fileUpload{}},
		{"label", label{}}, {"label link", labelLink{}}, {"storage", storage{}}, {"export", exportSnapshot{}},
	} {
		rt := reflect.TypeOf(tc.entity)
		for i := range rt.NumField() {
			f := rt.Field(i)
			switch {
			case !f.IsExported() && !derived[tc.name+"."+f.Name]:
				t.Errorf("%s.%s is unexported, so the state file loses it", tc.name, f.Name)
			case f.IsExported() && f.Tag.Get("json") == "":
				t.Errorf("%s.%s has no JSON key", tc.name, f.Name)
			}
		}
	}
}

// surfaceState adds the objects state version 3 keeps: labels and label
// links (one deleted), file uploads (one deleted), a synced local files
// storage, and export snapshots (one converted, one of a project deleted
// later).
func surfaceState(t *testing.T, e *apiEnv, pid, gone int) {
	t.Helper()
	e.mustList("POST", "/api/labels", labelBody(pid, "Neutral", "Mixed"), 201)
	e.mustList("POST", "/api/labels", labelBody(gone, "Mixed"), 201)
	e.must("PATCH", "/api/label_links/1", map[string]any{"from_name": "mood"}, 200)
	e.must("DELETE", "/api/label_links/2", nil, 204)
	if status, body := e.upload(pid, "", "a.csv", "text,n\nx,1\n", "b.json", `[{"text": "j"}]`); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	e.must("DELETE", "/api/import/file-upload/2", nil, 204)
	dir := filepath.Join(e.srv.cfg.LocalFilesRoot, "incoming")
	writeFiles(t, dir, map[string]string{"a.json": `[{"text": "from storage"}]`})
	sid := e.storage(pid, dir, map[string]any{"title": "incoming"})
	e.must("POST", "/api/storages/localfiles/"+itoa(sid)+"/sync", nil, 200)
	e.must("POST", "/api/projects/"+itoa(pid)+"/exports", map[string]any{"title": "kept"}, 201)
	e.must("POST", "/api/projects/"+itoa(pid)+"/exports/1/convert", map[string]any{"export_type": "CSV"}, 200)
	e.must("POST", "/api/projects/"+itoa(gone)+"/exports", map[string]any{}, 201)
}

// TestVersion2StateLoads: a state file of version 2 (before uploads,
// labels, storages and exports) loads with none of them; a version 3 file
// must have their keys.
func TestVersion2StateLoads(t *testing.T) {
	e := newAPI(t, Config{})
	e.project("Old")
	snap, err := e.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(snap, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range stateKeysV3 {
		delete(m, k)
	}
	v3, _ := json.Marshal(m)
	if err := newAPI(t, Config{}).srv.Restore(v3); err == nil || !strings.Contains(err.Error(), `the state has no "file_uploads"`) {
		t.Errorf("version 3 without its keys: %v, want a refusal", err)
	}
	m["version"] = 2
	v2, _ := json.Marshal(m)
	restored := newAPI(t, Config{})
	if err := restored.srv.Restore(v2); err != nil {
		t.Fatalf("version 2: %v", err)
	}
	if got := restored.must("GET", "/api/labels", nil, 200); got["count"] != 0.0 {
		t.Errorf("labels after a version 2 load: %v", got)
	}
}

// FuzzReadStateMatchesDecoder: the parallel state reader (stateread.go)
// accepts exactly the files one json.Decoder reading front to back
// accepts, and loads the same objects from them.
func FuzzReadStateMatchesDecoder(f *testing.F) {
	// Batches of a few items, so that small files go through many.
	old := batchBytes
	batchBytes = 200
	f.Cleanup(func() { batchBytes = old })
	for _, seed := range stateSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := readState(bytes.NewReader(data))
		want, wantErr := readStateDecoder(bytes.NewReader(data))
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("readState: %v; the decoder: %v\n%q", gotErr, wantErr, data)
		}
		if gotErr != nil {
			return
		}
		if a, b := loadedJSON(t, got), loadedJSON(t, want); a != b {
			t.Fatalf("readState loaded\n%s\nthe decoder\n%s", a, b)
		}
	})
}

// loadedJSON writes a loaded state as a state file.
func loadedJSON(t *testing.T, l *loaded) string {
	st := &store{next: l.next, tables: l.tables}
	var b bytes.Buffer
	if err := st.writeState(&b, l.journal); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// stateSeeds are state files, good and damaged.
func stateSeeds() [][]byte {
	snap := []byte(`{"format":"labelhook-state","version":1,"next":{"project":1,"task":2},"projects":[{"id":1,"title":"t","description":null,"label_config":"<View></View>","next_inner_id":3,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","pinned_at":null}],` +
		`"tasks":[{"id":1,"project":1,"data":{"a":1},"inner_id":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}, null ,{"id":2,"project":1,"data":{"a":"x]}"},"inner_id":2,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}],"annotations":null,"predictions":[],"webhooks":null,"views":null}`)
	var big bytes.Buffer
	big.WriteString(`{"format":"labelhook-state","version":2,"journal":0,"next":{"project":1,"task":30},"projects":[{"id":1,"title":"t","description":null,"label_config":"<View></View>","next_inner_id":31,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","pinned_at":null}],"tasks":[`)
	for i := 1; i <= 30; i++ {
		if i > 1 {
			big.WriteString(",\n ")
		}
		fmt.Fprintf(&big, `{"id":%d,"project":1,"data":{"text":"%s \" ] } [ {"},"inner_id":%d,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, i, strings.Repeat("word ", 3), i)
	}
	big.WriteString(`],"annotations":[],"predictions":[],"webhooks":[],"views":[]}`)
	seeds := [][]byte{snap, big.Bytes(), bytes.Replace(big.Bytes(), []byte(`"id":29,`), []byte(`"id":2,`), 1), bytes.Replace(big.Bytes(), []byte(`"inner_id":15`), []byte(`"inner_id":15,"surprise":1`), 1), []byte(`{}`), []byte(`[]`), []byte(""), []byte(` { "format" : "labelhook-state" , "version" : 2 } `)}
	for _, cut := range []int{1, 10, len(snap) / 2, len(snap) - 1} {
		seeds = append(seeds, snap[:cut])
	}
	seeds = append(seeds, append(append([]byte{}, snap...), `{}`...), bytes.Replace(snap, []byte(`"inner_id":2`), []byte(`"inner_id":2,"x":1`), 1),
		bytes.Replace(snap, []byte(`null ,`), []byte(`,`), 1), bytes.Replace(snap, []byte(`}],"annotations"`), []byte(`},],"annotations"`), 1))
	return seeds
}

// FuzzChangeSetMatchesDecoder: a big journal record, read list by list in
// parallel batches, gives what decoding it whole gives, or fails as that
// does.
func FuzzChangeSetMatchesDecoder(f *testing.F) {
	old := batchBytes
	batchBytes = 200
	f.Cleanup(func() { batchBytes = old })
	f.Add([]byte(`{"next":{"task":3},"tasks":[{"id":1,"project":1,"data":{"a":"]"},"inner_id":1},null,{"id":3,"project":1,"data":{}}],"deleted":{"tasks":[2]}}`))
	f.Add([]byte(`{"reset":true,"next":{},"projects":[{"id":1,"title":"x"}],"Tasks":[],"next":{"view":2}}`))
	f.Add([]byte(`{"annotations":[{"id":1,"task":1,"result":[{"value":{"choices":["A"]}}]}],"surprise":1}`))
	f.Add([]byte(`{"webhooks":[{"id":1,"url":"http://x","headers":[["A","b"]]}]} x`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var want changeSet
		wantErr := decodeStrict(payload, &want)
		if wantErr == nil && want.hasNull() {
			wantErr = errNullItem // as decodeChangeSet refuses it
		}
		var got changeSet
		gotErr := readChangeSet(newJSONBytes(payload), &got)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("read in batches: %v; decoded whole: %v\n%q", gotErr, wantErr, payload)
		}
		if gotErr != nil {
			return
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) {
			t.Fatalf("read in batches\n%s\ndecoded whole\n%s", a, b)
		}
	})
}

// FuzzCountItems: on valid JSON, countItems (which counts the regions of
// every annotation, loaded or made through the API) counts what decoding
// the list counts; anything but a list counts 0.
func FuzzCountItems(f *testing.F) {
	for _, s := range []string{`[]`, ` [ ] `, `[1,"a,]",{"b":[1,2]},[[]],null,true,-1.5e3]`, `[{"value":{"choices":["x"]}}]`, `{"a":1}`, `"[1]"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items) // a list, or nothing
		if got, want := countItems(raw), len(items); got != want {
			t.Errorf("countItems(%s) = %d, want %d", raw, got, want)
		}
	})
}

// TestNullItemsAreRefused: a null where a state or a journal record lists
// objects is an error naming it, whether the record is decoded whole
// (small) or read in batches (big), never a nil that replay dereferences.
func TestNullItemsAreRefused(t *testing.T) {
	old := batchBytes
	batchBytes = 10
	defer func() { batchBytes = old }()
	for _, tc := range []struct{ name, payload string }{
		{"small record, tasks", `{"next":{},"tasks":[null]}`},
		{"small record, exports", `{"next":{},"exports":[{"id":1},null]}`},
		{"record read in batches", `{"next":{},"tasks":[{"id":1,"project":1,"data":{}},null]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if strings.Contains(tc.name, "batches") {
				var cs changeSet
				err = readChangeSet(newJSONStream(strings.NewReader(tc.payload)), &cs)
			} else {
				err = newLoaded().apply([]byte(tc.payload))
			}
			if err == nil || !strings.Contains(err.Error(), "null") {
				t.Errorf("%s: error %v, want one naming the null item", tc.payload, err)
			}
		})
	}
}

// TestRestoreDropsKeptSelections: a filtered list read before a Restore
// is not served again from what was kept for the empty store.
func TestRestoreDropsKeptSelections(t *testing.T) {
	orig := newAPI(t, Config{})
	pid := orig.project("Kept selections")
	orig.must("POST", "/api/projects/"+itoa(pid)+"/import", []any{map[string]any{"text": "a"}, map[string]any{"text": "b"}}, 201)
	snap, err := orig.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/tasks?fields=all&query=" + url.QueryEscape(`{"ordering":["-tasks:id"]}`)
	e := newAPI(t, Config{})
	if got := e.must("GET", path, nil, 200)["total"]; got != 0.0 {
		t.Fatalf("total before the restore = %v, want 0", got)
	}
	if err := e.srv.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got := e.must("GET", path, nil, 200)["total"]; got != 2.0 {
		t.Errorf("total after the restore = %v, want 2 (a selection kept for the empty store was served)", got)
	}
}
