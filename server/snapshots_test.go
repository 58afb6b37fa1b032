package server

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// get fetches a path and returns status, headers and body.
func (e *apiEnv) get(path string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Token "+e.srv.cfg.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// exportFixture is a project with an annotated task (lead_time 2.5), a
// task annotated with a quote in its text and an extra column, a task
// without annotations, and a skipped one, at a fixed clock.
func exportFixture(t *testing.T) (*apiEnv, int) {
	t.Helper()
	at := time.Date(2026, 12, 4, 15, 51, 41, 764067000, time.UTC)
	e := newAPI(t, Config{Now: func() time.Time { return at }})
	pid := e.project("Exports here")
	out := e.must("POST", "/api/projects/"+itoa(pid)+"/import?return_task_ids=true",
		`[{"text": "a"}, {"text": "b, \"q\"", "extra": 1}, {"text": "c"}, {"text": "skipped"}]`, 201)
	ids := out["task_ids"].([]any)
	res := func(v string) []any {
		return []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{v}}}}
	}
	e.must("POST", "/api/tasks/"+itoa(int(ids[0].(float64)))+"/annotations/", map[string]any{"result": res("Positive"), "lead_time": 2.5}, 201)
	e.must("POST", "/api/tasks/"+itoa(int(ids[1].(float64)))+"/annotations/", map[string]any{"result": res("Negative")}, 201)
	e.must("POST", "/api/tasks/"+itoa(int(ids[3].(float64)))+"/annotations/?was_cancelled=1", map[string]any{"result": []any{}, "was_cancelled": true}, 201)
	e.must("POST", "/api/predictions/", map[string]any{"task": ids[0], "model_version": "v1", "result": res("Positive")}, 201)
	return e, pid
}

// TestExportFormatsAsConverted: JSON_MIN and CSV come out byte for byte
// as Label Studio 1.23.2's converter writes them (recorded in
// conformance/labelstudio/FINDINGS.md section 5).
func TestExportFormatsAsConverted(t *testing.T) {
	e, pid := exportFixture(t)
	const stamp = "2026-12-04T15:51:41.764067Z"
	jsonMin := "[\n{\n  \"text\": \"a\",\n  \"id\": 1,\n  \"sentiment\": \"Positive\",\n  \"annotator\": 1,\n  \"annotation_id\": 1,\n" +
		"  \"created_at\": \"" + stamp + "\",\n  \"updated_at\": \"" + stamp + "\",\n  \"lead_time\": 2.5\n},\n" +
		"{\n  \"text\": \"b, \\\"q\\\"\",\n  \"extra\": 1,\n  \"id\": 2,\n  \"sentiment\": \"Negative\",\n  \"annotator\": 1,\n  \"annotation_id\": 2,\n" +
		"  \"created_at\": \"" + stamp + "\",\n  \"updated_at\": \"" + stamp + "\",\n  \"lead_time\": null\n}\n]"
	csv := "\"annotation_id\",\"annotator\",\"created_at\",\"extra\",\"id\",\"lead_time\",\"sentiment\",\"text\",\"updated_at\"\r\n" +
		"1,\"1\",\"" + stamp + "\",\"\",1,2.5,\"Positive\",\"a\",\"" + stamp + "\"\r\n" +
		"2,\"1\",\"" + stamp + "\",1,2,\"\",\"Negative\",\"b, \"\"q\"\"\",\"" + stamp + "\"\r\n"
	for _, tc := range []struct{ typ, ctype, ext, body string }{
		{"JSON_MIN", "application/.json", ".json", jsonMin},
		{"CSV", "application/.csv", ".csv", csv},
		{"TSV", "application/.csv", ".csv", strings.ReplaceAll(csv, ",", "\t")},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			status, h, body := e.get("/api/projects/" + itoa(pid) + "/export?exportType=" + tc.typ)
			want := tc.body
			if tc.typ == "TSV" {
				want = strings.ReplaceAll(want, "\"b\t \"\"q\"\"\"", "\"b, \"\"q\"\"\"")
			}
			if status != 200 || body != want {
				t.Errorf("status %d, body:\n%q\nwant:\n%q", status, body, want)
			}
			if h.Get("Content-Type") != tc.ctype || !strings.HasSuffix(h.Get("Content-Disposition"), tc.ext+`"`) {
				t.Errorf("headers %v, want Content-Type %s and a %s file", h, tc.ctype, tc.ext)
			}
		})
	}
	status, body := e.call("GET", "/api/projects/"+itoa(pid)+"/export?exportType=COCO", nil)
	if status != 400 || !strings.Contains(string(body), "labelhook exports JSON, JSON_MIN, CSV and TSV") {
		t.Errorf("COCO: %d %s", status, body)
	}
	formats := e.mustList("GET", "/api/projects/"+itoa(pid)+"/export/formats", nil, 200)
	var on []string
	for _, f := range formats {
		if m := f.(map[string]any); m["disabled"] == nil {
			on = append(on, m["name"].(string))
		}
	}
	if strings.Join(on, ",") != "JSON,JSON_MIN,CSV,TSV" || len(formats) != 17 {
		t.Errorf("enabled formats %v of %d, want JSON, JSON_MIN, CSV, TSV of 17", on, len(formats))
	}
}

// TestExportSnapshots: the SDK 2.x flow — create, list, get, download
// (as made, and converted), convert, delete — over a snapshot that keeps
// the state of its creation.
func TestExportSnapshots(t *testing.T) {
	e, pid := exportFixture(t)
	P := "/api/projects/" + itoa(pid) + "/exports"
	snap := e.must("POST", P+"/", map[string]any{"title": "snapshot"}, 201)
	if snap["status"] != "completed" || snap["counters"].(map[string]any)["task_number"] != 4.0 || snap["task_filter_options"] != nil {
		t.Fatalf("create answer %v", snap)
	}
	if _, ok := snap["task_filter_options"]; !ok {
		t.Errorf("create answer lacks task_filter_options: %v", snap)
	}
	id := itoa(int(snap["id"].(float64)))
	e.must("POST", "/api/tasks/3/annotations/", map[string]any{"result": []any{}}, 201) // after the snapshot
	list := e.mustList("GET", P, nil, 200)
	if len(list) != 1 || list[0].(map[string]any)["id"] != snap["id"] {
		t.Errorf("list %v", list)
	}
	if _, ok := list[0].(map[string]any)["task_filter_options"]; ok {
		t.Errorf("list item has the create answer's options: %v", list[0])
	}
	status, h, file := e.get(P + "/" + id + "/download")
	sum := md5.Sum([]byte(file))
	if status != 200 || hex.EncodeToString(sum[:]) != snap["md5"] || h.Get("Content-Type") != "application/json" ||
		!strings.Contains(h.Get("Content-Disposition"), `filename="export/`+itoa(pid)+`/project-`) {
		t.Errorf("download: %d %v, md5 %x want %v", status, h, sum, snap["md5"])
	}
	if !strings.HasPrefix(file, `[{"id": 1, "annotations": [{"id": 1, "completed_by": 1, "result": [`) || !strings.Contains(file, `"predictions": [1]`) {
		t.Errorf("file %.300s: want Python layout, completed_by and predictions as ids", file)
	}
	var tasks []map[string]any
	if err := json.Unmarshal([]byte(file), &tasks); err != nil || len(tasks[2]["annotations"].([]any)) != 0 {
		t.Errorf("snapshot changed after it was made: %v", err)
	}
	_, _, csv := e.get(P + "/" + id + "/download?exportType=CSV")
	if lines := strings.Split(strings.TrimSpace(csv), "\r\n"); len(lines) != 4 || lines[3] != `"","","","",3,"","","c",""` {
		t.Errorf("CSV of the snapshot: %q; want a header, the 2 annotations and the unannotated task (the skipped one has no row)", csv)
	}
	conv := e.must("POST", P+"/"+id+"/convert", map[string]any{"export_type": "CSV"}, 200)
	if conv["export_type"] != "CSV" || conv["converted_format"] != 1.0 {
		t.Errorf("convert: %v", conv)
	}
	e.must("POST", P+"/"+id+"/convert", map[string]any{"export_type": "CSV"}, 400)
	got := e.must("GET", P+"/"+id, nil, 200)
	if cf := got["converted_formats"].([]any); len(cf) != 1 || cf[0].(map[string]any)["export_type"] != "CSV" {
		t.Errorf("converted_formats %v", got["converted_formats"])
	}
	other := e.project("Other")
	e.must("GET", "/api/projects/"+itoa(other)+"/exports/"+id, nil, 404)
	e.must("DELETE", P+"/"+id, nil, 204)
	e.must("GET", P+"/"+id, nil, 404)
	if list := e.mustList("GET", P, nil, 200); len(list) != 0 {
		t.Errorf("list after delete %v", list)
	}
}

// TestProjectPatchChecksConfig: a PATCH of label_config runs the same
// check as validate, not strictly (as Label Studio 1.23.2 was seen to
// do): annotations that lose their control refuse it under label_config
// with nothing changed; a label gone that annotations use is let through.
func TestProjectPatchChecksConfig(t *testing.T) {
	e, pid := exportFixture(t)
	P := "/api/projects/" + itoa(pid)
	status, body := e.call("PATCH", P, map[string]any{"title": "Renamed", "label_config": `<View><Text name="t" value="$text"/><Choices name="other" toName="t"><Choice value="x"/></Choices></View>`})
	if want := `"validation_errors":{"label_config":["Created annotations are incompatible with provided labeling schema, we found:\n2 with from_name=sentiment, to_name=text, type=choices"]}`; status != 400 || !strings.Contains(string(body), want) {
		t.Errorf("PATCH with a config the annotations do not fit: %d %s, want 400 with %s", status, body, want)
	}
	if got := e.must("GET", P, nil, 200); got["label_config"] != textConfig || got["title"] != "Exports here" {
		t.Errorf("project after the refused PATCH: title %v, label_config %v; want both unchanged", got["title"], got["label_config"])
	}
	gone := strings.Replace(textConfig, `<Choice value="Positive"/>`, ``, 1)
	if got := e.must("PATCH", P, map[string]any{"label_config": gone}, 200); got["label_config"] != gone {
		t.Errorf("PATCH with a used label gone: label_config %v, want %v", got["label_config"], gone)
	}
}

// TestProjectValidate: POST /api/projects/{id}/validate checks a config
// against the project's annotations.
func TestProjectValidate(t *testing.T) {
	e, pid := exportFixture(t)
	P := "/api/projects/" + itoa(pid) + "/validate"
	for _, tc := range []struct {
		name string
		body any
		want int
		sub  string
	}{
		{"no control tags: nothing to check", map[string]any{"label_config": `<View><Text name="text" value="$text"/></View>`}, 200, `{"config_essential_data_has_changed":null}`},
		{"labels kept", map[string]any{"label_config": textConfig}, 200, `{"config_essential_data_has_changed":null}`},
		{"a new label", map[string]any{"label_config": strings.Replace(textConfig, `<Choice value="Negative"/>`, `<Choice value="Negative"/><Choice value="Mixed"/>`, 1)}, 200, `null`},
		{"a label in use gone", map[string]any{"label_config": strings.Replace(textConfig, `<Choice value="Positive"/>`, `<Choice value="Other"/>`, 1)}, 400,
			`These labels still exist in annotations or drafts:\nPositive (1 annotation)\nPlease add labels to tag with name=\"sentiment\".`},
		{"labels from the task", map[string]any{"label_config": `<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" value="$options"/></View>`}, 200, `true`},
		{"annotations lose their control", map[string]any{"label_config": `<View><Text name="t" value="$text"/><Choices name="other" toName="t"><Choice value="x"/></Choices></View>`}, 400,
			`Created annotations are incompatible with provided labeling schema, we found:\n2 with from_name=sentiment, to_name=text, type=choices`},
		{"empty", map[string]any{}, 400, "Label config is not set or is empty"},
		{"not XML", map[string]any{"label_config": "<View"}, 400, `"detail":"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", P, tc.body)
			if status != tc.want || !strings.Contains(string(body), tc.sub) {
				t.Errorf("%d %s, want %d with %s", status, body, tc.want, tc.sub)
			}
		})
	}
}
