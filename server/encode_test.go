package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/pyjson"
)

// encodingJSON is the reference: what encoding/json writes for v with
// HTML escaping off (stream.go's encoder; marshal for views without
// appendJSON). encoding/json never calls appendJSON.
func encodingJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// oddStrings are strings that need each kind of escape encoding/json makes.
var oddStrings = []string{"", "plain", `quo"te and back\slash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
	"<html> & 'q'", "caf\u00e9 \u00a0nbsp", "sep\u2028ara\u2029tors", "bad \xff\xfe utf8 \xc3", "emoji \U0001F600", "/slash/"}

// oddRaw are stored JSON values, compact or not.
var oddRaw = []json.RawMessage{nil, json.RawMessage(`{"text":"a b  c"}`), json.RawMessage(`{ "text" : "spaced" , "n" : [1, 2] }`),
	json.RawMessage(`["esc \" quote \\", "x"]`), json.RawMessage("{\n\t\"a\": \"\\\\\"\n}"), json.RawMessage(`null`), json.RawMessage(`[]`),
	json.RawMessage(`{"u":"\u2028 <b>"}`)}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("enc")
	var rows []map[string]any
	for i, s := range oddStrings {
		row := map[string]any{"data": map[string]any{"text": s, "n": i}}
		if i%2 == 0 {
			row["annotations"] = []any{map[string]any{"result": []any{map[string]any{"from_name": "sentiment", "to_name": "text", "type": "choices",
				"value": map[string]any{"choices": []string{"Positive"}}}}, "lead_time": 1.5 * float64(i), "completed_by": 1}}
		}
		if i%3 == 0 {
			row["predictions"] = []any{map[string]any{"result": []any{}, "score": 0.25 * float64(i), "model_version": s}}
		}
		if i%4 == 1 {
			row["meta"] = map[string]any{"note": s}
		}
		rows = append(rows, row)
	}
	e.must("POST", "/api/projects/"+itoa(pid)+"/import", rows, 201)
	// Tasks from an uploaded file (file_upload is its name).
	if status, body := e.upload(pid, "", "dir/up \"load\".json", `[{"text": "from a file"}, {"text": "two"}]`); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	// Annotations made through the API (a skip, two on one task) and a
	// task changed through it.
	first := e.srv.st.projects[pid].taskIDs[0]
	e.must("POST", "/api/tasks/"+itoa(first)+"/annotations", map[string]any{"result": []any{}, "was_cancelled": true}, 201)
	e.must("POST", "/api/tasks/"+itoa(first)+"/annotations", map[string]any{"result": []any{}, "lead_time": 2}, 201)
	e.must("PATCH", "/api/tasks/"+itoa(first+1), map[string]any{"data": map[string]any{"text": "changed \u2028"}}, 200)
	e.srv.st.mu.Lock()
	var tasks []*task
	for _, id := range e.srv.st.projects[pid].taskIDs {
		tasks = append(tasks, e.srv.st.tasks[id])
	}
	var views []any
	var pairs [][2]any // an appender and the view encoding/json must match
	for _, tk := range tasks {
		ft := e.srv.fullTaskOf(tk, false)
		pairs = append(pairs, [2]any{&taskOnly{st: e.srv.st, t: tk}, &ft})
		et := e.srv.snapshotTaskOf(tk, snapshotOptions{})
		pairs = append(pairs, [2]any{&exportTask{st: e.srv.st, t: tk}, &et})
		for _, related := range []bool{false, true} {
			ft := e.srv.fullTaskOf(tk, related)
			views = append(views, &ft)
		}
		for _, o := range []snapshotOptions{{}, {expandUser: true, expandPredictions: true}} {
			et := e.srv.snapshotTaskOf(tk, o)
			views = append(views, &et)
		}
	}
	e.srv.st.mu.Unlock()
	views = append(views, handMadeViews(t)...)
	for _, v := range views {
		pairs = append(pairs, [2]any{v, v})
	}
	for i, p := range pairs {
		t.Run(fmt.Sprintf("%d %T", i, p[0]), func(t *testing.T) {
			want := encodingJSON(t, p[1])
			got := string(p[0].(jsonAppender).appendJSON(nil))
			if got != want {
				t.Errorf("appendJSON differs from encoding/json\n got %s\nwant %s", got, want)
			}
		})
	}
}

// handMadeViews fill every field, including those the store never sets
// (comments, storage file names, models), and leave every one empty.
func handMadeViews(t *testing.T) []any {
	one, two := 1, 2
	str := "last \"action\""
	when := time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("x", 3600))
	far := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	st, farSt := stamp(when), stamp(far)
	f := pyFloat(2)
	nan := pyFloat(1e21)
	pred := predictionObject{ID: 2, Result: oddRaw[4], ModelVersion: oddStrings[7], CreatedAgo: oddStrings[8], Score: &nan, Cluster: &one,
		Neighbors: oddRaw[3], Mislabeling: 0.5, CreatedAt: st, UpdatedAt: st, Model: &one, ModelRun: &two, Task: 4, Project: 5}
	full := fullTask{ID: 1, Project: 2, CreatedAt: st, UpdatedAt: farSt,
		Predictions: some([]predictionObject{pred, {}}),
		Drafts:      []any{map[string]any{"d": 1}}, Data: oddRaw[1], Meta: oddRaw[7], UpdatedBy: []taskUpdatedBy{{1}, {2}}, IsLabeled: true,
		Overlap: 3, FileUpload: &str, AnnotationsIDs: "1, 2", AnnotationsResults: oddStrings[3], Annotators: []int{1, 2},
		CompletedAt: some(&st), PredictionsModelVersions: oddStrings[6], DraftExists: some(true), PredictionsResults: oddStrings[9],
		PredictionsScore: some(&f), TotalAnnotations: 4, TotalPredictions: 5, AvgLeadTime: some[*pyFloat](nil), CancelledAnnotations: 6,
		InnerID: 7, StorageFilename: &str, CommentAuthors: []int{3}, CommentCount: 8, LastCommentUpdatedAt: &st, UnresolvedCommentCount: 9}
	lead := 2.0
	odd := &annotation{ID: 1, TaskID: 1, ProjectID: 2, Result: oddRaw[6], WasCancelled: true, GroundTruth: true, CreatedAt: when, UpdatedAt: far,
		DraftCreatedAt: &when, LeadTime: &lead, Prediction: oddRaw[2], UniqueID: oddStrings[10], ImportID: &one, LastAction: &str,
		CompletedBy: &one, UpdatedBy: &one, ParentPrediction: &one, ParentAnnotation: &two, LastCreatedBy: &one, BulkCreated: true, resultN: 3}
	// written from odd by appendAnnotationState and appendAnnotationLinks,
	// checked against the view's fields; its own fields made odd by hand
	ann := mustNew(t, Config{Token: testToken}).annotationObjectOf(odd, false)
	ann.ID, ann.Result, ann.CreatedUsername, ann.CreatedAgo, ann.CompletedBy = 1, oddRaw[2], oddStrings[2], "3\u00a0days", theUser()
	ann2 := ann
	ann2.CompletedBy = &one
	ann3 := ann
	ann3.CompletedBy = nil
	ann4 := ann
	ann4.CompletedBy = map[string]any{"odd": []int{1}}
	full.Annotations = some([]annotationObject{ann, ann2, ann3, ann4})
	eann := exportAnnotationOf(odd, true) // written from odd by appendExportAnnotation, checked against its fields
	export := snapshotTask{ID: 1, Annotations: []exportAnnotation{eann}, FileUpload: some(oddStrings[4]), Drafts: []any{}, Predictions: []predictionObject{pred},
		Data: oddRaw[2], Meta: oddRaw[5], CreatedAt: st, UpdatedAt: st, InnerID: 3, AllowSkip: some(false), TotalAnnotations: 1,
		CancelledAnnotations: 2, TotalPredictions: 3, CommentCount: 4, UnresolvedCommentCount: 5, LastCommentUpdatedAt: &st, Project: 6,
		UpdatedBy: &two, CommentAuthors: []int{}}
	exportIDs := export
	exportIDs.Predictions, exportIDs.FileUpload = []int{3, 4}, opt[string]{}
	exportIDs.Annotations = []exportAnnotation{exportAnnotationOf(odd, false)}
	return []any{&taskID{ID: 12}, &full, &fullTask{}, &ann, &ann3, &annotationObject{}, &pred, &predictionObject{}, &export, &exportIDs, &snapshotTask{}, &eann}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := encodingJSON(t, s)
		if got := string(appendString(nil, s)); got != want {
			t.Errorf("appendString(%q)\n got %s\nwant %s", s, got, want)
		}
	})
}

func FuzzAppendRaw(f *testing.F) {
	for _, r := range oddRaw {
		f.Add([]byte(r))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) == 0 || !json.Valid(raw) {
			return // stored JSON is valid; encoding/json refuses the rest
		}
		want := encodingJSON(t, json.RawMessage(raw))
		if got := string(appendRaw(nil, raw)); got != want {
			t.Errorf("appendRaw(%q)\n got %s\nwant %s", raw, got, want)
		}
	})
}

func TestAppendStampMatchesMarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
	}{
		{"zero", time.Time{}},
		{"now in a zone", time.Date(2025, 12, 31, 23, 59, 59, 123456789, time.FixedZone("UTC-5", -5*3600))},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 9999", time.Date(9999, 12, 31, 0, 0, 0, 1000, time.UTC)},
		{"before year 0", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, _ := stamp(tc.t).MarshalJSON()
			if got := appendStamp(nil, stamp(tc.t)); string(got) != string(want) {
				t.Errorf("appendStamp(%v) = %s, want %s", tc.t, got, want)
			}
		})
	}
	// Every fifth day of years 0–9999 (each month and leap rule), at a
	// time of day that moves through the day.
	for sec := int64(-62167219200); sec <= 253402300799; sec += 5*86400 + 3607 {
		tm := time.Unix(sec, sec%1e9)
		want, _ := stamp(tm).MarshalJSON()
		if got := appendStamp(nil, stamp(tm)); string(got) != string(want) {
			t.Fatalf("appendStamp(%v) = %s, want %s", tm, got, want)
		}
	}
}

func FuzzPickKeys(f *testing.F) {
	f.Add([]byte(`{"id":1,"data":{"a":[1,{"b":"}"}]},"s":"x\"y","n":null}`), "id,s")
	f.Add([]byte(`{"a" : 1}`), "a")
	f.Add([]byte(`{"\u0061":1,"b":true}`), "a,b")
	f.Add([]byte(`{}`), "x")
	f.Fuzz(func(t *testing.T, raw []byte, include string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return // pickKeys sees JSON objects only
		}
		keep := splitFields(include)
		want, got := pickKeysDecoded(raw, keep), pickKeys(raw, keep)
		if keep == nil {
			want = raw
		}
		if !bytes.Equal(got, want) {
			t.Errorf("pickKeys(%s, %q)\n got %s\nwant %s", raw, include, got, want)
		}
	})
}

// TestShapeKeysArePlain: shape.writeTo writes keys between quotes as they
// are, which is their JSON only for plain ASCII.
func TestShapeKeysArePlain(t *testing.T) {
	var keys []string
	for _, f := range projectHook.fields {
		keys = append(keys, f.key)
	}
	for _, f := range taskHook.fields {
		keys = append(keys, f.key)
	}
	for _, f := range annotationHook.fields {
		keys = append(keys, f.key)
	}
	for _, f := range projectREST.fields {
		keys = append(keys, f.key)
	}
	for _, k := range keys {
		if want := strconv.Quote(k); `"`+k+`"` != want || encodingJSON(t, k) != want {
			t.Errorf("shape key %q is not plain ASCII: JSON %s", k, encodingJSON(t, k))
		}
	}
}

// TestStringBytesMatchLabelStudio pins how a string with the runes JSON
// encoders disagree on is written on each path, as Label Studio 1.23.2
// writes it: a REST answer through Django REST framework's JSONRenderer
// (json.dumps with ensure_ascii=False and compact separators, then
// U+2028 and U+2029 replaced by their escapes), a webhook body through
// python-requests' json=, json.dumps with its defaults (ensure_ascii).
// The wanted bytes are those Python 3.11 prints for the same string.
func TestStringBytesMatchLabelStudio(t *testing.T) {
	const title = "a\b\f\n\r\t\x01\x1f\x7f\u2028\u2029é😀\"\\/"
	const rest = `"a\b\f\n\r\t\u0001\u001f` + "\x7f" + `\u2028\u2029` + "é😀" + `\"\\/"`
	const hook = `"a\b\f\n\r\t\u0001\u001f\u007f\u2028\u2029\u00e9\ud83d\ude00\"\\/"`
	for _, tc := range []struct {
		name string
		got  func() string
		want string
	}{
		{name: "shape writer (REST views)", got: func() string { var w jsonw; w.str(title); return string(w.b) }, want: rest},
		{name: "appendString (read views)", got: func() string { return string(appendString(nil, title)) }, want: rest},
		{name: "webhook body (pyjson over the shape's bytes)", got: func() string {
			var w jsonw
			w.str(title)
			out, err := pyjson.Dumps(nil, w.b)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}, want: hook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.got(); got != tc.want {
				t.Errorf("%q written\n got %s\nwant %s", title, got, tc.want)
			}
		})
	}

	// And through the API: the project's REST answer and its webhook.
	e := newAPI(t, Config{})
	h := newHookReceiver(t)
	pid := e.project("plain")
	e.hookOn(pid, h.URL, nil)
	body, _ := json.Marshal(map[string]any{"title": title})
	status, answer := e.call("PATCH", "/api/projects/"+itoa(pid), body)
	if status != http.StatusOK {
		t.Fatalf("PATCH project: %d %s", status, answer)
	}
	if want := `"title":` + rest; !bytes.Contains(answer, []byte(want)) {
		t.Errorf("REST answer has no %s:\n%s", want, answer)
	}
	got := h.waitFor(t, 1, 10*time.Second)
	if want := `"title": ` + hook; !bytes.Contains(got[0].Body, []byte(want)) {
		t.Errorf("webhook body has no %s:\n%s", want, got[0].Body)
	}
}

// FuzzSplitList: an import body's items, found by splitList's scan, are
// the items json.Unmarshal finds (listItems), byte for byte.
func FuzzSplitList(f *testing.F) {
	for _, seed := range []string{`[]`, `[ ]`, `[1]`, `[{"data": {"text": "a, b]"}}, {"text": "q\"}]"} ]`, "[\n {\"a\": [1, [2, {\"b\": \"\\\\\"}]]},\n\t\"x\" , null, true, -1.5e3 ]",
		`[[], {}, [[]], "", "\\", "\\\""]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, err := parseJSON(body)
		if err != nil || jsonKind(raw) != '[' {
			return // the import splits only checked lists
		}
		want, err := listItems(raw)
		if err != nil {
			t.Fatalf("listItems(%q): %v", raw, err)
		}
		got := splitList(raw)
		if len(got) != len(want) {
			t.Fatalf("splitList(%q): %d items, want %d: %q", raw, len(got), len(want), got)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("splitList(%q) item %d = %q, want %q", raw, i, got[i], want[i])
			}
		}
	})
}

// FuzzObjectFields: an import row's fields, found by objectFields' scan,
// are those json.Unmarshal finds, or the scan defers to it.
func FuzzObjectFields(f *testing.F) {
	for _, seed := range []string{`{}`, `{ }`, `{"data": {"text": "a, b}"}, "meta" : null}`, "{\n\t\"a\" :[1, {\"b\": \"}\\\"\"}] ,\"n\":-1.5e3,\"t\":true }",
		`{"k\"ey": 1}`, `{"a": 1, "a": 2}`, `{"a":"","b":[],"c":{}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, err := parseJSON(body)
		if err != nil || jsonKind(raw) != '{' {
			return // rows are checked objects
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("json.Unmarshal(%q): %v", raw, err)
		}
		got, ok := objectFields(raw)
		if !ok {
			return // a key with an escape: the caller decodes
		}
		if len(got) != len(want) {
			t.Fatalf("objectFields(%q): %d keys %q, want %d %q", raw, len(got), got, len(want), want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Errorf("objectFields(%q)[%q] = %q, want %q", raw, k, got[k], v)
			}
		}
	})
}

// FuzzAppendStamp: appendStamp writes what MarshalJSON writes, for any
// instant (years 0–9999 by its own arithmetic).
func FuzzAppendStamp(f *testing.F) {
	for _, seed := range [][2]int64{{0, 0}, {-62167219200, 0}, {-62167219201, 999999999}, {253402300799, 999999999}, {253402300800, 0},
		{951782400, 1000}, {1709251199, 123456789}, {-86400, 5}, {-62162121600, 0}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec%1e9)
		want, _ := stamp(tm).MarshalJSON()
		if got := appendStamp(nil, stamp(tm)); string(got) != string(want) {
			t.Errorf("appendStamp(%v) = %s, want %s", tm, got, want)
		}
	})
}

// TestStampCacheMatchesAppendStamp: the cache of a list's last second
// writes what appendStamp writes, whether the second repeats, changes, or
// falls outside the years it handles.
func TestStampCacheMatchesAppendStamp(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 17, 41, 4, 123456789, time.FixedZone("x", 3600))
	var c stampCache
	for i, tm := range []time.Time{t0, t0.Add(time.Microsecond), t0.Add(877 * time.Millisecond), t0.Add(time.Second),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), t0, time.Date(-1, 12, 31, 23, 59, 59, 999999000, time.UTC), t0.Add(-time.Nanosecond),
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), {}} {
		want := string(appendStamp(nil, stamp(tm)))
		if got := string(c.append(nil, stamp(tm))); got != want {
			t.Errorf("stamp %d (%v): cache wrote %s, want %s", i, tm, got, want)
		}
	}
	var none *stampCache
	if got, want := string(none.append(nil, stamp(t0))), string(appendStamp(nil, stamp(t0))); got != want {
		t.Errorf("nil cache wrote %s, want %s", got, want)
	}
}
