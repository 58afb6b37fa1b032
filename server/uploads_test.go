package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// upload posts files (name, content pairs) to a project's import as the
// legacy SDK's import_tasks(path) does.
func (e *apiEnv) upload(project int, query string, files ...string) (int, []byte) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		fw, err := mw.CreateFormFile("file"+itoa(i/2), files[i])
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = fw.Write([]byte(files[i+1]))
	}
	_ = mw.Close()
	h := http.Header{"Authorization": {"Token " + e.srv.cfg.Token}, "Content-Type": {mw.FormDataContentType()}}
	return e.callHeader("POST", "/api/projects/"+itoa(project)+"/import"+query, buf.Bytes(), h)
}

func taskData(t *testing.T, r received) []any {
	t.Helper()
	var b struct {
		Tasks []struct {
			Data       any `json:"data"`
			FileUpload any `json:"file_upload"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, x := range b.Tasks {
		out = append(out, []any{x.Data, x.FileUpload})
	}
	return out
}

// TestUploadFormats: each format gives Label Studio's tasks (CSV typed as
// pandas types it, TXT and media in the config's first data key), the
// answer Label Studio gives, one TASKS_CREATED whose tasks point at the
// FileUpload.
func TestUploadFormats(t *testing.T) {
	cases := []struct {
		name, file, content string
		want                []any // data, file_upload of each task
		formats, columns    string
		couldBeList         bool
	}{
		{"json list", "tasks.json", `[{"text": "j1"}, {"data": {"text": "j2"}, "predictions": []}]`,
			[]any{[]any{map[string]any{"text": "j1"}, 1.0}, []any{map[string]any{"text": "j2"}, 1.0}}, `{".json":1}`, `["text"]`, false},
		{"json object", "one.json", `{"text": "single"}`,
			[]any{[]any{map[string]any{"text": "single"}, 1.0}}, `{".json":1}`, `["text"]`, false},
		{"csv typed", "t.csv", "text,n,f,e,b\nc1,1,1.5,,True\n\"c2, x\",2,2.0,z,False\n",
			[]any{[]any{map[string]any{"text": "c1", "n": 1.0, "f": 1.5, "e": "", "b": true}, 1.0},
				[]any{map[string]any{"text": "c2, x", "n": 2.0, "f": 2.0, "e": "z", "b": false}, 1.0}}, `{".csv":1}`, `["text","n","f","e","b"]`, true},
		{"csv ints with a gap are floats", "g.csv", "text,n\na,1\nb,\n",
			[]any{[]any{map[string]any{"text": "a", "n": 1.0}, 1.0}, []any{map[string]any{"text": "b", "n": ""}, 1.0}}, `{".csv":1}`, `["text","n"]`, true},
		{"csv semicolons", "s.csv", "text;n\na;1\n",
			[]any{[]any{map[string]any{"text": "a", "n": 1.0}, 1.0}}, `{".csv":1}`, `["text","n"]`, true},
		{"tsv", "t.tsv", "text\tn\nt1\t3\n",
			[]any{[]any{map[string]any{"text": "t1", "n": 3.0}, 1.0}}, `{".tsv":1}`, `["text","n"]`, true},
		{"txt lines", "t.txt", "line one\nline two\n",
			[]any{[]any{map[string]any{"text": "line one"}, 1.0}, []any{map[string]any{"text": "line two"}, 1.0}}, `{".txt":1}`, `["$undefined$"]`, true},
		{"media file", "img.PNG", "\x89PNG",
			[]any{[]any{map[string]any{"text": "/data/upload/1/00000000-img.PNG"}, 1.0}}, `{".PNG":1}`, `["$undefined$"]`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookReceiver(t)
			e := newAPI(t, Config{NewUUID: func() string { return "00000000-0000-4000-8000-000000000000" }})
			pid := e.project("Uploads")
			e.hookOn(pid, h.URL, nil)
			status, body := e.upload(pid, "?return_task_ids=1", tc.file, tc.content)
			if status != 201 {
				t.Fatalf("status %d: %s", status, body)
			}
			var ans map[string]json.RawMessage
			_ = json.Unmarshal(body, &ans)
			if string(ans["found_formats"]) != tc.formats || string(ans["data_columns"]) != tc.columns ||
				string(ans["file_upload_ids"]) != "[1]" || string(ans["could_be_tasks_list"]) != strings.ToLower(fmtBool(tc.couldBeList)) {
				t.Errorf("answer %s, want found_formats %s, data_columns %s, file_upload_ids [1], could_be_tasks_list %v", body, tc.formats, tc.columns, tc.couldBeList)
			}
			got := h.take()
			if len(got) != 1 || got[0].Action() != "TASKS_CREATED" {
				t.Fatalf("events %v, want one TASKS_CREATED", actions(got))
			}
			if d := taskData(t, got[0]); !reflect.DeepEqual(d, tc.want) {
				t.Errorf("tasks %v, want %v", d, tc.want)
			}
			fu := e.mustList("GET", "/api/projects/"+itoa(pid)+"/file-uploads?ids=[1]", nil, 200)
			if len(fu) != 1 || !strings.HasPrefix(fu[0].(map[string]any)["file"].(string), "upload/"+itoa(pid)+"/00000000-") ||
				fu[0].(map[string]any)["size"] != float64(len(tc.content)) {
				t.Errorf("file uploads %v, want upload/%d/00000000-%s of %d bytes", fu, pid, tc.file, len(tc.content))
			}
		})
	}
}

func fmtBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestUploadRefused: a bad file is a 400 with Label Studio's message and
// changes nothing: no task, no FileUpload, no event.
func TestUploadRefused(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{NewUUID: func() string { return "abcdef01-0000-4000-8000-000000000000" }})
	pid := e.project("Refused")
	e.hookOn(pid, h.URL, nil)
	before, _ := e.srv.Snapshot()
	for _, tc := range []struct {
		name    string
		files   []string
		want    int
		message string
	}{
		{"extension", []string{"tasks.jsonl", `{"text": "a"}`}, 400, ".jsonl extension is not supported"},
		{"malformed json", []string{"bad.json", `[{"text": `}, 400, "Failed to parse input file abcdef01-bad.json: Expected object or value"},
		{"json of numbers", []string{"n.json", `[1, 2]`}, 400, "'int' object has no attribute 'get'"},
		{"data not an object", []string{"d.json", `[{"data": "x"}]`}, 400, "Task item should be dict"},
		{"empty csv", []string{"e.csv", ``}, 400, "No columns to parse from file"},
		{"csv row too long", []string{"l.csv", "text\na,b\n"}, 400, "Expected 1 fields in line 2, saw 2"},
		{"column missing for the config", []string{"m.csv", "other\nx\n"}, 400,
			`Error at item 0: \"text\" key is expected in task data [assume: item[\"data\"] = task root with values] :: {'data': {'other': 'x'}, 'file_upload_id': 1}`},
		{"no tasks", []string{"empty.json", `[]`}, 400, "load_tasks: No tasks added"},
		{"no file", nil, 400, "load_tasks: No data found in DATA or in FILES"},
		{"inconsistent files", []string{"a.csv", "text\na\n", "b.csv", "other\nb\n"}, 400, "You're trying to import inconsistent data"},
		{"not utf-8", []string{"x.txt", "\xff\xfe"}, 400, "'utf-8' codec can't decode byte 0xff in position 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.upload(pid, "", tc.files...)
			if status != tc.want || !strings.Contains(string(body), tc.message) {
				t.Errorf("%d %s, want %d with %q", status, body, tc.want, tc.message)
			}
			if after, _ := e.srv.Snapshot(); !bytes.Equal(before, after) {
				t.Errorf("state changed")
			}
			if got := h.take(); len(got) != 0 {
				t.Errorf("sent %v", actions(got))
			}
		})
	}
	multi := e.must("POST", "/api/projects/", map[string]any{"title": "Two keys", "label_config": `<View><Image name="i" value="$image"/><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>`}, 201)
	status, body := e.upload(int(multi["id"].(float64)), "", "a.png", "x")
	if status != 400 || !strings.Contains(string(body), "direct file upload supports only one data key") {
		t.Errorf("media file into a two-key project: %d %s", status, body)
	}
}

// TestFileUploadEndpoints: list, get, delete; a deleted upload leaves its
// tasks with file_upload null.
func TestFileUploadEndpoints(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Files")
	if status, body := e.upload(pid, "", "a.json", `[{"text": "a"}]`, "b.json", `[{"text": "b"}]`); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	if got := e.mustList("GET", "/api/projects/"+itoa(pid)+"/file-uploads", nil, 200); len(got) != 0 {
		t.Errorf("list without ids = %v, want [] (Label Studio lists the ids asked for)", got)
	}
	if got := e.mustList("GET", "/api/projects/"+itoa(pid)+"/file-uploads?all=true", nil, 200); len(got) != 2 {
		t.Errorf("all = %v, want 2", got)
	}
	e.must("GET", "/api/import/file-upload/1", nil, 200)
	e.must("DELETE", "/api/import/file-upload/1", nil, 204)
	e.must("GET", "/api/import/file-upload/1", nil, 404)
	tasks := e.mustList("GET", "/api/projects/"+itoa(pid)+"/tasks", nil, 200)
	if tasks[1].(map[string]any)["file_upload"] != nil || tasks[0].(map[string]any)["file_upload"] != 2.0 {
		t.Errorf("tasks' file_upload (newest first): %v, %v; want 2 and null", tasks[0].(map[string]any)["file_upload"], tasks[1].(map[string]any)["file_upload"])
	}
	// The Data Manager's task (list and detail) names the file instead.
	uploaded := itoa(int(tasks[0].(map[string]any)["id"].(float64)))
	name, _ := e.must("GET", "/api/tasks/"+uploaded, nil, 200)["file_upload"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}-`).MatchString(name) {
		t.Errorf("GET /api/tasks/%s file_upload %q, want the upload's file name", uploaded, name)
	}
	dm := e.must("GET", "/api/tasks?project="+itoa(pid), nil, 200)["tasks"].([]any)
	for _, it := range dm {
		tk := it.(map[string]any)
		var want any // null: a task not from an upload
		if fmt.Sprint(tk["id"]) == uploaded {
			want = name
		}
		if tk["file_upload"] != want {
			t.Errorf("DM list task %v file_upload %v, want %v", tk["id"], tk["file_upload"], want)
		}
	}
	if got := e.must("DELETE", "/api/projects/"+itoa(pid)+"/file-uploads", map[string]any{}, 200); got["deleted"] != 1.0 {
		t.Errorf("delete all = %v, want 1 deleted", got)
	}
}
