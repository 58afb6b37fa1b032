package server

import (
	"bytes"
	"testing"
)

const (
	cacheExport = "/api/projects/1/export?exportType=JSON&download_all_tasks=true"
	cacheList   = "/api/tasks?project=1&page_size=100"
)

// cacheEnv is a project of three tasks, each with one annotation and one
// prediction (tasks, annotations and predictions 1, 2, 3), and its file
// upload 1, task 4, imported from a file.
func cacheEnv(t *testing.T) *apiEnv { return cacheEnvWith(t, Config{}) }

func cacheEnvWith(t *testing.T, cfg Config) *apiEnv {
	e := newAPI(t, cfg)
	pid := e.project("Kept renderings")
	rows := make([]map[string]any, 3)
	for i := range rows {
		rows[i] = map[string]any{
			"data":        map[string]any{"text": "task " + itoa(i)},
			"annotations": []any{map[string]any{"result": choice("Positive")}},
			"predictions": []any{map[string]any{"result": choice("Negative"), "model_version": "v1"}},
		}
	}
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", rows, 201)
	if status, out := e.upload(pid, "", "more.json", `[{"text": "from a file"}]`); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	return e
}

func choice(v string) []any {
	return []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []any{v}}}}
}

// reads are the two reads the cache serves.
func (e *apiEnv) reads() [2][]byte {
	e.t.Helper()
	var out [2][]byte
	for i, path := range []string{cacheExport, cacheList} {
		status, body := e.call("GET", path, nil)
		if status != 200 {
			e.t.Fatalf("GET %s: %d %s", path, status, body)
		}
		out[i] = body
	}
	return out
}

// forgetRendered drops every kept rendering, as if none had been read.
func (e *apiEnv) forgetRendered() {
	st := e.srv.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for id := range st.tasks {
		st.dropRendered(kindTask, id)
	}
}

// TestKeptRenderingsFollowEveryChange: after each change that shows in a
// task's export or list JSON, both reads answer what they answer with
// nothing kept, and differ from before the change.
func TestKeptRenderingsFollowEveryChange(t *testing.T) {
	// The export does not show these (its predictions are ids).
	listOnly := map[string]bool{"prediction model version": true}
	all := map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []any{}}}
	for _, tc := range []struct {
		name   string
		change [][3]any // method, path, body
	}{
		{"task data", [][3]any{{"PATCH", "/api/tasks/1", map[string]any{"data": map[string]any{"text": "new"}}}}},
		{"task meta", [][3]any{{"PATCH", "/api/tasks/1", map[string]any{"meta": map[string]any{"k": 1}}}}},
		{"task overlap relabels", [][3]any{{"PATCH", "/api/tasks/1", map[string]any{"overlap": 2}}}},
		{"task put", [][3]any{{"PUT", "/api/tasks/2", map[string]any{"data": map[string]any{"text": "put"}, "is_labeled": false}}}},
		{"task deleted", [][3]any{{"DELETE", "/api/tasks/2", nil}}},
		{"annotation created", [][3]any{{"POST", "/api/tasks/1/annotations", map[string]any{"result": choice("Negative")}}}},
		{"annotation result", [][3]any{{"PATCH", "/api/annotations/1", map[string]any{"result": choice("Negative")}}}},
		{"ground truth moves", [][3]any{
			{"PATCH", "/api/annotations/1", map[string]any{"ground_truth": true}},
			{"POST", "/api/tasks/1/annotations", map[string]any{"result": choice("Negative"), "ground_truth": true}},
		}},
		{"annotation deleted", [][3]any{{"DELETE", "/api/annotations/3", nil}}},
		{"prediction created", [][3]any{{"POST", "/api/predictions", map[string]any{"task": 2, "result": choice("Positive"), "model_version": "v2"}}}},
		{"prediction model version", [][3]any{{"PATCH", "/api/predictions/2", map[string]any{"model_version": "v9"}}}},
		{"prediction deleted", [][3]any{{"DELETE", "/api/predictions/1", nil}}},
		{"action delete_tasks_annotations", [][3]any{{"POST", "/api/dm/actions?id=delete_tasks_annotations&project=1", all}}},
		{"action delete_tasks_predictions", [][3]any{{"POST", "/api/dm/actions?id=delete_tasks_predictions&project=1", all}}},
		{"action delete_ground_truths", [][3]any{
			{"PATCH", "/api/annotations/2", map[string]any{"ground_truth": true}},
			{"POST", "/api/dm/actions?id=delete_ground_truths&project=1", all},
		}},
		{"action predictions_to_annotations", [][3]any{{"POST", "/api/dm/actions?id=predictions_to_annotations&project=1",
			map[string]any{"selectedItems": map[string]any{"all": true, "excluded": []any{}}, "model_version": "v1"}}}},
		{"action remove_duplicates", [][3]any{
			{"PATCH", "/api/tasks/2", map[string]any{"data": map[string]any{"text": "task 0"}}},
			{"POST", "/api/dm/actions?id=remove_duplicates&project=1", all},
		}},
		{"file upload deleted", [][3]any{{"DELETE", "/api/import/file-upload/1", nil}}},
		{"project tasks deleted", [][3]any{{"DELETE", "/api/projects/1/tasks", nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := cacheEnv(t)
			before := e.reads()
			if again := e.reads(); !bytes.Equal(again[0], before[0]) || !bytes.Equal(again[1], before[1]) {
				t.Fatalf("a second read differs from the first:\n%s\n%s", before, again)
			}
			for _, c := range tc.change {
				if status, out := e.call(c[0].(string), c[1].(string), c[2]); status >= 300 {
					t.Fatalf("%s %s: %d %s", c[0], c[1], status, out)
				}
			}
			got := e.reads()
			e.forgetRendered()
			fresh := e.reads()
			for i, path := range []string{cacheExport, cacheList} {
				if !bytes.Equal(got[i], fresh[i]) {
					t.Errorf("GET %s after the change answered a kept rendering:\n%s\nwant\n%s", path, got[i], fresh[i])
				}
				if bytes.Equal(got[i], before[i]) && !(listOnly[tc.name] && path == cacheExport) {
					t.Errorf("GET %s did not change (the case changes nothing it shows)", path)
				}
			}
		})
	}
}

// TestRenderBudgetCountsWhatIsKept: the account of kept bytes is the sum
// of what the tasks keep after reads, changes and deletes, and zero after
// a reset.
func TestRenderBudgetCountsWhatIsKept(t *testing.T) {
	e := cacheEnv(t)
	kept := func() (account, sum int64) {
		st := e.srv.st
		st.mu.Lock()
		defer st.mu.Unlock()
		for _, tk := range st.tasks {
			if tk.rendered != nil {
				for _, b := range tk.rendered {
					sum += int64(len(b))
				}
			}
		}
		return st.renders.bytes.Load(), sum
	}
	check := func(step string, wantSome bool) {
		t.Helper()
		account, sum := kept()
		if account != sum || (sum > 0) != wantSome {
			t.Errorf("after %s: account %d, tasks keep %d bytes", step, account, sum)
		}
	}
	check("nothing read", false)
	e.reads()
	check("the reads", true)
	e.must("PATCH", "/api/tasks/1", map[string]any{"data": map[string]any{"text": "new"}}, 200)
	check("a task change", true)
	e.call("DELETE", "/api/tasks/2", nil)
	check("a task delete", true)
	e.must("POST", "/_labelhook/reset", nil, 200)
	check("a reset", false)
}

// Config.RenderCacheBytes bounds what is kept, and below zero keeps
// nothing; a read answers the same bytes whether it encoded or copied
// them (verifyRendered also checks every copy).
func TestRenderBudgetBoundsWhatIsKept(t *testing.T) {
	unbounded := cacheEnv(t)
	unbounded.reads()
	all := unbounded.srv.st.renders.bytes.Load()
	for _, budget := range []int64{-1, all / 2, all} {
		e := cacheEnvWith(t, Config{RenderCacheBytes: budget})
		first, second := e.reads(), e.reads()
		for i := range first {
			if !bytes.Equal(first[i], second[i]) {
				t.Errorf("budget %d: read %d answered %d bytes, then %d different ones", budget, i, len(first[i]), len(second[i]))
			}
		}
		kept := e.srv.st.renders.bytes.Load()
		switch {
		case budget < 0 && kept != 0:
			t.Errorf("budget %d keeps %d bytes, want none", budget, kept)
		case budget >= 0 && (kept > budget || kept == 0):
			t.Errorf("budget %d keeps %d bytes, want some and no more than the budget", budget, kept)
		}
	}
}
