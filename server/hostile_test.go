package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput sends bad input to every part of the API. Each case must
// get a 4xx with a message (in the envelope, or bare for /api/dm/actions),
// leave the state exactly as it was (a Snapshot before and after) and send
// no webhook.
func TestHostileInput(t *testing.T) {
	h := newHookReceiver(t)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newAPI(t, Config{OrganizationWebhooks: true, MaxBodyBytes: 1 << 20, LocalFilesRoot: root})
	pid := e.project("Hostile")
	other := e.project("Other project")
	e.mustList("POST", "/api/labels", labelBody(pid, "Hostile label"), 201) // before any webhook wants LABEL_LINK_CREATED
	e.hookOn(0, h.URL, nil)
	tids := e.importTasks(pid, 2)
	foreign := e.importTasks(other, 1)[0]
	a := e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations/", map[string]any{"result": []any{}}, 201)
	e.must("POST", "/api/predictions/", map[string]any{"task": tids[1], "result": []any{}, "score": 0.5}, 201)
	snap := e.must("POST", "/api/projects/"+itoa(other)+"/exports", map[string]any{}, 201)
	hid := e.hookOn(pid, h.URL, nil)
	h.take()
	S := itoa(int(snap["id"].(float64)))
	file := func(name, content string) string {
		return "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n\r\n" + content + "\r\n--x--\r\n"
	}
	P, T, A, W := itoa(pid), itoa(tids[0]), itoa(int(a["id"].(float64))), itoa(hid)

	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	huge := `[{"text": "` + strings.Repeat("x", 2<<20) + `"}]`
	elevenHeaders := map[string]string{}
	for i := range 11 {
		elevenHeaders[fmt.Sprintf("X-H%d", i)] = "v"
	}
	multipart := http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}
	cases := []struct {
		name, method, path string
		body               any
		want               int
		header             http.Header // besides the token
	}{
		{"malformed JSON", "POST", "/api/projects", `{"title": `, 400, nil},
		{"truncated import", "POST", "/api/projects/" + P + "/import", `[{"text": "a"}`, 400, nil},
		{"invalid UTF-8", "POST", "/api/projects", []byte("{\"title\": \"\xff\xfe\xfd\"}"), 400, nil},
		{"deep nesting", "POST", "/api/projects/" + P + "/import", deep, 400, nil},
		{"body over the limit", "POST", "/api/projects/" + P + "/import", huge, 413, nil},
		{"project title type", "POST", "/api/projects", map[string]any{"title": map[string]any{}}, 400, nil},
		{"project title with NUL", "POST", "/api/projects", map[string]any{"title": "nul\x00here"}, 400, nil},
		{"project description with NUL", "PATCH", "/api/projects/" + P, map[string]any{"description": "\x00"}, 400, nil},
		{"project bool type", "POST", "/api/projects", map[string]any{"show_skip_button": "maybe"}, 400, nil},
		{"project int type", "PATCH", "/api/projects/" + P, map[string]any{"maximum_annotations": "x"}, 400, nil},
		{"label config not XML", "PATCH", "/api/projects/" + P, map[string]any{"label_config": "<View"}, 400, nil},
		{"label config root", "PATCH", "/api/projects/" + P, map[string]any{"label_config": "<Text name='t' value='$t'/>"}, 400, nil},
		{"project enum", "PATCH", "/api/projects/" + P, map[string]any{"sampling": "Random sampling"}, 400, nil},
		{"project body a list", "PATCH", "/api/projects/" + P, []any{1}, 400, nil},
		{"unknown project", "PATCH", "/api/projects/999", map[string]any{"title": "Nope nope"}, 404, nil},
		{"import items not objects", "POST", "/api/projects/" + P + "/import", []any{1, 2}, 400, nil},
		{"import row misses $text", "POST", "/api/projects/" + P + "/import", []any{map[string]any{"body": "a"}}, 400, nil},
		{"import annotations not a list", "POST", "/api/projects/" + P + "/import", []any{map[string]any{"data": map[string]any{"text": "a"}, "annotations": "x"}}, 400, nil},
		{"import a string", "POST", "/api/projects/" + P + "/import", `"abc"`, 400, nil},
		{"import to unknown project", "POST", "/api/projects/999/import", []any{map[string]any{"text": "a"}}, 404, nil},
		{"import multipart", "POST", "/api/projects/" + P + "/import", "--x\r\n", 400, multipart},
		{"task without project", "POST", "/api/tasks", map[string]any{"data": map[string]any{"text": "a"}}, 400, nil},
		{"task project type", "POST", "/api/tasks", map[string]any{"project": "abc", "data": map[string]any{"text": "a"}}, 400, nil},
		{"task unknown project", "POST", "/api/tasks", map[string]any{"project": 999, "data": map[string]any{"text": "a"}}, 400, nil},
		{"task data type", "POST", "/api/tasks", map[string]any{"project": pid, "data": "a"}, 400, nil},
		{"task list with a bad item", "POST", "/api/tasks", []any{map[string]any{"project": pid, "data": map[string]any{"text": "a"}}, map[string]any{"project": pid}}, 400, nil},
		{"task patch data type", "PATCH", "/api/tasks/" + T, map[string]any{"data": []any{}}, 400, nil},
		{"task patch overlap", "PATCH", "/api/tasks/" + T, map[string]any{"overlap": 0}, 400, nil},
		{"annotation result type", "POST", "/api/tasks/" + T + "/annotations", map[string]any{"result": map[string]any{}}, 400, nil},
		{"annotation result items", "POST", "/api/tasks/" + T + "/annotations", map[string]any{"result": []any{"x"}}, 400, nil},
		{"annotation bool type", "POST", "/api/tasks/" + T + "/annotations", map[string]any{"was_cancelled": "perhaps"}, 400, nil},
		{"annotation float type", "POST", "/api/tasks/" + T + "/annotations", map[string]any{"lead_time": "slow"}, 400, nil},
		{"annotation unknown user", "POST", "/api/tasks/" + T + "/annotations", map[string]any{"completed_by": 42}, 400, nil},
		{"annotation unknown task", "POST", "/api/tasks/999/annotations", map[string]any{"result": []any{}}, 404, nil},
		{"annotation patch type", "PATCH", "/api/annotations/" + A, map[string]any{"ground_truth": []any{}}, 400, nil},
		{"annotation unknown id", "DELETE", "/api/annotations/999", nil, 404, nil},
		{"prediction unknown task", "POST", "/api/predictions", map[string]any{"task": 999, "result": []any{}}, 400, nil},
		{"prediction without task", "POST", "/api/predictions", map[string]any{"result": []any{}}, 400, nil},
		{"prediction score type", "POST", "/api/predictions", map[string]any{"task": tids[0], "result": []any{}, "score": "high"}, 400, nil},
		{"predictions for a foreign task", "POST", "/api/projects/" + P + "/import/predictions", []any{map[string]any{"task": foreign, "result": []any{}}}, 400, nil},
		{"task page 0", "GET", "/api/tasks?project=" + P + "&page=0", nil, 404, nil},
		{"task page not a number", "GET", "/api/tasks?project=" + P + "&page=abc", nil, 404, nil},
		{"task query not JSON", "GET", "/api/tasks?project=" + P + "&query=%7Bbad", nil, 400, nil},
		{"task query bad operator", "GET", "/api/tasks?project=" + P + "&query=" + dmQueryParam(map[string]any{"filters": map[string]any{"items": []any{map[string]any{"filter": "filter:tasks:id", "operator": "near", "value": 1}}}}), nil, 400, nil},
		{"project page past the end", "GET", "/api/projects?page=99", nil, 404, nil},
		{"webhook url not a URL", "POST", "/api/webhooks", map[string]any{"url": "not a url"}, 400, nil},
		{"webhook url scheme", "POST", "/api/webhooks", map[string]any{"url": "javascript:alert(1)"}, 400, nil},
		{"webhook url too long", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/" + strings.Repeat("a", 2048)}, 400, nil},
		{"webhook 11 headers", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/h", "headers": elevenHeaders}, 400, nil},
		{"webhook header name", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/h", "headers": map[string]any{"a b": "x"}}, 400, nil},
		{"webhook header value", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/h", "headers": map[string]any{"X": 1}}, 400, nil},
		{"webhook doc-only action", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/h", "actions": []string{"TASK_CREATED"}}, 400, nil},
		{"webhook org-only action on a project", "POST", "/api/webhooks", map[string]any{"url": "http://x.io/h", "project": pid, "actions": []string{"PROJECT_CREATED"}}, 400, nil},
		{"webhook patch url", "PATCH", "/api/webhooks/" + W, map[string]any{"url": "ftp//x"}, 400, nil},
		{"webhook unknown id", "DELETE", "/api/webhooks/999", nil, 404, nil},
		{"dm unknown action", "POST", "/api/dm/actions?id=nope&project=" + P, map[string]any{"selectedItems": map[string]any{"all": true}}, 400, nil},
		{"dm no action id", "POST", "/api/dm/actions?project=" + P, map[string]any{"selectedItems": map[string]any{"all": true}}, 422, nil},
		{"dm unknown project", "POST", "/api/dm/actions?id=delete_tasks&project=999", map[string]any{"selectedItems": map[string]any{"all": true}}, 404, nil},
		{"dm selectedItems type", "POST", "/api/dm/actions?id=delete_tasks&project=" + P, map[string]any{"selectedItems": map[string]any{"all": "yes"}}, 400, nil},
		{"dm body a list", "POST", "/api/dm/actions?id=delete_tasks&project=" + P, []any{}, 400, nil},
		{"upload extension", "POST", "/api/projects/" + P + "/import", file("a.exe", "x"), 400, multipart},
		{"upload malformed JSON", "POST", "/api/projects/" + P + "/import", file("a.json", `[{"text": `), 400, multipart},
		{"upload CSV misses $text", "POST", "/api/projects/" + P + "/import", file("a.csv", "body\nx\n"), 400, multipart},
		{"upload over the limit", "POST", "/api/projects/" + P + "/import", file("a.txt", strings.Repeat("x\n", 1<<20)), 413, multipart},
		{"upload to unknown project", "POST", "/api/projects/999/import", file("a.json", `[{"text": "a"}]`), 404, multipart},
		{"file uploads ids not JSON", "GET", "/api/projects/" + P + "/file-uploads?ids=[1", nil, 400, nil},
		{"file upload unknown", "DELETE", "/api/import/file-upload/999", nil, 404, nil},
		{"labels not a list", "POST", "/api/labels", map[string]any{"title": "x"}, 400, nil},
		{"label item without title", "POST", "/api/labels", []any{map[string]any{"project": pid, "from_name": "x", "value": 1}}, 400, nil},
		{"labels of two projects", "POST", "/api/labels", append(labelBody(pid, "A"), labelBody(other, "B")...), 400, nil},
		{"label link blank from_name", "PATCH", "/api/label_links/1", map[string]any{"from_name": ""}, 400, nil},
		{"label link unknown project", "PATCH", "/api/label_links/1", map[string]any{"project": 999}, 400, nil},
		{"label link unknown", "DELETE", "/api/label_links/999", nil, 404, nil},
		{"storage outside the root", "POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": "/etc"}, 400, nil},
		{"storage dot dot", "POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": root + "/data/../.."}, 400, nil},
		{"storage the root", "POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": root}, 400, nil},
		{"storage without path", "POST", "/api/storages/localfiles", map[string]any{"project": pid}, 400, nil},
		{"storage bad regex", "POST", "/api/storages/localfiles", map[string]any{"project": pid, "path": root + "/data", "regex_filter": "("}, 400, nil},
		{"storage unknown project", "POST", "/api/storages/localfiles", map[string]any{"project": 999, "path": root + "/data"}, 400, nil},
		{"storage unknown sync", "POST", "/api/storages/localfiles/999/sync", nil, 404, nil},
		{"export unknown format", "GET", "/api/projects/" + P + "/export?exportType=COCO", nil, 400, nil},
		{"snapshot of another project", "GET", "/api/projects/" + P + "/exports/" + S, nil, 404, nil},
		{"snapshot download of another project", "GET", "/api/projects/" + P + "/exports/" + S + "/download", nil, 404, nil},
		{"snapshot options type", "POST", "/api/projects/" + P + "/exports", map[string]any{"task_filter_options": "all"}, 400, nil},
		{"snapshot convert unknown type", "POST", "/api/projects/" + itoa(other) + "/exports/" + S + "/convert", map[string]any{"export_type": "COCO"}, 400, nil},
		{"snapshot unknown download type", "GET", "/api/projects/" + itoa(other) + "/exports/" + S + "/download?exportType=YOLO", nil, 400, nil},
		{"validate without config", "POST", "/api/projects/" + P + "/validate", map[string]any{}, 400, nil},
		{"validate broken config", "POST", "/api/projects/" + P + "/validate", map[string]any{"label_config": "<View"}, 400, nil},
		{"path id not a number", "DELETE", "/api/tasks/abc", nil, 404, nil},
		{"bad refresh token", "POST", "/api/token/refresh", map[string]any{"refresh": "garbage"}, 401, nil},
	}
	before, err := e.srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.header.Clone()
			if hdr == nil {
				hdr = http.Header{}
			}
			hdr.Set("Authorization", "Token "+testToken)
			status, body := e.callHeader(tc.method, tc.path, tc.body, hdr)
			if status != tc.want {
				t.Errorf("status %d, want %d: %s", status, tc.want, body)
			}
			var env map[string]any
			if err := json.Unmarshal(body, &env); err != nil || env["detail"] == nil || env["detail"] == "" {
				t.Errorf("answer has no detail message: %s", body)
			}
			if !strings.HasPrefix(tc.path, "/api/dm/") && env["status_code"] != float64(status) {
				t.Errorf("answer is not in the envelope: %s", body)
			}
			after, err := e.srv.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("state changed")
				before = after
			}
			h.takeNone(t, "hostile request")
		})
	}
}
