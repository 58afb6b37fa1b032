package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// fastItems are stored tasks and annotations as labelhook writes them,
// the fast path's common case, and variations on them.
func fastItems(t testing.TB) [][]byte {
	at := time.Date(2026, 12, 4, 18, 30, 1, 123456789, time.UTC)
	leap := time.Date(2024, 2, 29, 23, 59, 59, 100000000, time.UTC)
	whole := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	zoned := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	n, zero, neg := 7, 0, -3
	lead, tiny, huge := 2.5, 1e-7, 1e21
	action := "prediction"
	var out [][]byte
	add := func(v stateAppender) {
		b, err := v.appendState(nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, tk := range []*task{
		{ID: 1, ProjectID: 2, Data: json.RawMessage(`{"text":"a"}`), CreatedAt: at, UpdatedAt: at},
		{ID: 3, ProjectID: 4, Data: json.RawMessage(`{"text":"a b","n":[1,2.5e-3,-0,true,false,null,{}]}`), Meta: json.RawMessage(`{"k":"<v>"}`),
			CreatedAt: whole, UpdatedAt: leap, CompletedAt: &at, IsLabeled: true, Overlap: 2, InnerID: 9, UpdatedBy: &n, FileUpload: &zero},
		{ID: 5, CreatedAt: zoned, UpdatedAt: at},
		{ID: 6, Data: json.RawMessage(`null`), Meta: json.RawMessage(`[]`)},
	} {
		add(tk)
	}
	for _, a := range []*annotation{
		{ID: 1, TaskID: 2, ProjectID: 3, CreatedAt: at, UpdatedAt: at, UniqueID: "5b0e4b1e-1d2f-4c3a-9f00-0123456789ab"},
		{ID: 4, Result: json.RawMessage(`[{"from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Positive"]}}]`),
			WasCancelled: true, GroundTruth: true, DraftCreatedAt: &whole, LeadTime: &lead, Prediction: json.RawMessage(`{}`),
			UniqueID: "u", ImportID: &neg, LastAction: &action, CompletedBy: &n, UpdatedBy: &n, ParentPrediction: &zero,
			ParentAnnotation: &n, LastCreatedBy: &n, BulkCreated: true},
		{ID: 6, LeadTime: &tiny, CreatedAt: leap},
		{ID: 7, LeadTime: &huge},
	} {
		add(a)
	}
	for _, s := range oddStrings {
		add(&task{ID: 8, Data: json.RawMessage(appendString(nil, s))})
		add(&annotation{ID: 9, UniqueID: s, LastAction: &s, Result: json.RawMessage(appendString(nil, s))})
	}
	for _, raw := range oddRaw {
		add(&task{ID: 10, Data: raw, Meta: raw})
		add(&annotation{ID: 11, Result: raw, Prediction: raw})
	}
	return out
}

// TestFastItemsTakeWhatLabelhookWrites: the tasks and annotations
// labelhook writes take the fast path (unless a string needs an escape
// the fast path leaves to reflection, or a time is not in UTC), and give
// what reflection gives.
func TestFastItemsTakeWhatLabelhookWrites(t *testing.T) {
	var p itemParser
	for _, raw := range fastItems(t) {
		checkFastItem(t, raw)
		_, okTask := p.readTask(raw)
		_, okAnn := p.readAnnotation(raw)
		slow := bytes.Contains(raw, []byte(`\u`)) || bytes.Contains(raw, []byte(`+01:00`)) || bytes.Contains(raw, []byte(`"unique_id":"`+"quo")) ||
			bytes.Contains(raw, []byte(`"unique_id":"tab`))
		if !okTask && !okAnn && !slow {
			t.Errorf("left to reflection: %s", raw)
		}
	}
}

// TestFastItemsRefuseWhatReflectionRefuses: the rules of the stored
// format hold on the fast path (FuzzFastItemsMatchDecoder checks them on
// arbitrary input).
func TestFastItemsRefuseWhatReflectionRefuses(t *testing.T) {
	for _, raw := range fastItemEdges {
		checkFastItem(t, []byte(raw))
	}
}

// fastItemEdges are items each a step off the common case.
var fastItemEdges = []string{
	`{"id":1,"id":2}`, `{"id":1,"ID":2}`, `{"id":1,"surprise":2}`, `{"i\u0064":1}`, `{"id":1,}`, `{"id":1}{}`, `{"id":1} `, ` {"id":1}`,
	`null`, `[]`, `{}`, `{"id":01}`, `{"id":1.0}`, `{"id":1e2}`, `{"id":-0}`, `{"id":-}`, `{"id":999999999999999999}`, `{"id":9223372036854775808}`,
	`{"id":"1"}`, `{"id":null}`, `{"task":1,"project":true}`, `{"is_labeled":null}`, `{"is_labeled":tru}`, `{"is_labeled":truex}`,
	`{"data":{"a":1,"a":2}}`, `{"data":{"a":1,"b":{"a":2}}}`, `{"data":[{"a":1},{"a":2}]}`, `{"data":{"a":1,"\u0061":2}}`,
	`{"data":"\ud800"}`, `{"data":"\ud83d\ude00"}`, `{"data":"\u00e9\n\"\\\/\b\f\r\t"}`, `{"data":"\x"}`, "{\"data\":\"\xff\"}", "{\"data\":\"\x01\"}",
	"{\"data\":\"\xed\xa0\x80\"}", `{"data":[1,]}`, `{"data":[1 2]}`, `{"data":{"a" 1}}`, `{"data":01}`, `{"data":1.}`, `{"data":.5}`,
	`{"data":1e+}`, `{"data":-1.5E-3}`, `{"data":nul}`, `{"meta":null}`, `{"data":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	` { "id" : 1 , "data" : { "a" : [ 1 , 2 ] } } `, "{\t\"id\":\n1\r}",
	`{"created_at":"2026-12-04T18:30:01Z"}`, `{"created_at":"2026-12-04T18:30:01.1234567891Z"}`, `{"created_at":"2026-12-04T18:30:01.Z"}`,
	`{"created_at":"2026-02-29T00:00:00Z"}`, `{"created_at":"2024-02-29T00:00:00Z"}`, `{"created_at":"2100-02-29T00:00:00Z"}`, `{"created_at":"2000-02-29T00:00:00Z"}`,
	`{"created_at":"2026-04-31T00:00:00Z"}`, `{"created_at":"2026-12-04T24:00:00Z"}`, `{"created_at":"2026-12-04T23:60:00Z"}`, `{"created_at":"2026-12-04T23:59:60Z"}`,
	`{"created_at":"2026-13-04T00:00:00Z"}`, `{"created_at":"2026-00-04T00:00:00Z"}`, `{"created_at":"2026-12-00T00:00:00Z"}`, `{"created_at":"0000-01-01T00:00:00Z"}`,
	`{"created_at":"2026-12-04T18:30:01+00:00"}`, `{"created_at":"2026-12-04t18:30:01z"}`, `{"created_at":"2026-12-04 18:30:01Z"}`, `{"created_at":null}`,
	`{"created_at":"2026-12-04T18:30:01,5Z"}`, `{"created_at":"2026-1a-04T18:30:01Z"}`, `{"completed_at":null}`, `{"draft_created_at":"x"}`,
	`{"lead_time":1e400}`, `{"lead_time":-1e400}`, `{"lead_time":1e-400}`, `{"lead_time":"1"}`, `{"lead_time":0}`, `{"lead_time":null}`,
	`{"unique_id":"a\"b"}`, `{"unique_id":null}`, `{"last_action":null}`, `{"last_action":"x"}`, `{"last_action":1}`,
	`{"result":[{"from_name":"a","to_name":"b","value":{"choices":["x"]}}],"prediction":{}}`,
}

// checkFastItem: on raw, each fast path either gives up or gives what
// reflection gives, and decodeItems (fast path, then reflection) gives
// what reflection alone gives, or fails as it does.
func checkFastItem(t *testing.T, raw []byte) {
	t.Helper()
	var p itemParser
	checkFast(t, raw, p.readTask)
	checkFast(t, raw, p.readAnnotation)
}

func checkFast[T any](t *testing.T, raw []byte, fast func([]byte) (*T, bool)) {
	t.Helper()
	var want *T
	wantErr := jsonv2.Unmarshal(raw, &want, storedFormat)
	if wantErr == nil && want == nil {
		wantErr = errNullItem
	}
	if got, ok := fast(bytes.Clone(raw)); ok {
		if wantErr != nil {
			t.Fatalf("fast path took %q, which reflection refuses: %v", raw, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast path on %q\n got %+v\nwant %+v", raw, got, want)
		}
	}
	got, gotErr := decodeItems[T]([][]byte{raw})
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("decodeItems(%q): %v, reflection: %v", raw, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got[0], want) {
		t.Fatalf("decodeItems(%q)\n got %+v\nwant %+v", raw, got[0], want)
	}
}

// FuzzFastItemsMatchDecoder: on any input, the hand-written task and
// annotation decoders give up or give the reflection decoder's value, and
// never take what it refuses.
func FuzzFastItemsMatchDecoder(f *testing.F) {
	for _, raw := range fastItems(f) {
		f.Add(raw)
	}
	for _, raw := range fastItemEdges {
		f.Add([]byte(raw))
	}
	f.Fuzz(checkFastItem)
}
