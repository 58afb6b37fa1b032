package server

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

func checkStateEncoding(t testing.TB, v stateAppender) {
	t.Helper()
	got, err := v.appendState(nil)
	if err != nil {
		t.Fatalf("appendState(%+v): %v", v, err)
	}
	if want := encodingJSON(t, v); string(got) != want {
		t.Errorf("appendState(%+v):\n got %s\nwant %s", v, got, want)
	}
}

// TestStateEncodingMatchesEncodingJSON: the hand-written state encoders
// write what encoding/json writes, for every field's edge cases.
func TestStateEncodingMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 30, 1, 123456789, time.UTC)
	whole := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	n, zero, neg := 7, 0, -3
	lead, tiny, huge, negTiny := 2.5, 1e-7, 1e21, -0.0000001
	action, odd := "prediction", "a <b> & \"c\" \\ é \u2028 \x01 \xff"
	for _, tk := range []*task{
		{ID: 1, ProjectID: 2, Data: json.RawMessage(`{"text":"a"}`), CreatedAt: at, UpdatedAt: at},
		{ID: 3, ProjectID: 4, Data: json.RawMessage("{\n  \"text\": \"a b\",\t\"n\": [1, 2]\n}"), Meta: json.RawMessage(`{"k": "<v>"}`),
			CreatedAt: whole, UpdatedAt: at, CompletedAt: &at, IsLabeled: true, Overlap: 2, InnerID: 9, UpdatedBy: &n, FileUpload: &zero},
		{ID: 5, Data: nil, Meta: nil},
	} {
		checkStateEncoding(t, tk)
	}
	for _, a := range []*annotation{
		{ID: 1, TaskID: 2, ProjectID: 3, CreatedAt: at, UpdatedAt: at, UniqueID: "5b0e4b1e-1d2f-4c3a-9f00-0123456789ab"},
		{ID: 4, Result: json.RawMessage(`[{"value": {"choices": ["x y"]}}]`), WasCancelled: true, GroundTruth: true,
			DraftCreatedAt: &whole, LeadTime: &lead, Prediction: json.RawMessage(`{}`), UniqueID: odd, ImportID: &neg,
			LastAction: &action, CompletedBy: &n, UpdatedBy: &n, ParentPrediction: &zero, ParentAnnotation: &n, LastCreatedBy: &n, BulkCreated: true},
		{ID: 6, LeadTime: &tiny, LastAction: &odd},
		{ID: 7, LeadTime: &huge},
		{ID: 8, LeadTime: &negTiny},
	} {
		checkStateEncoding(t, a)
	}
	for _, str := range oddStrings {
		checkStateEncoding(t, &annotation{ID: 9, UniqueID: str, LastAction: &str})
		checkStateEncoding(t, &prediction{ID: 9, ModelVersion: str})
	}
	for _, raw := range oddRaw {
		checkStateEncoding(t, &task{ID: 9, Data: json.RawMessage(raw), Meta: json.RawMessage(raw)})
		checkStateEncoding(t, &annotation{ID: 9, Result: json.RawMessage(raw), Prediction: json.RawMessage(raw)})
	}
	for _, p := range []*prediction{
		{ID: 1, TaskID: 2, ProjectID: 3, CreatedAt: at, UpdatedAt: at},
		{ID: 2, Result: json.RawMessage(`[ ]`), ModelVersion: odd, Score: &lead, Cluster: &n, Neighbors: json.RawMessage(`[1, 2]`), Mislabeling: 0.25},
		{ID: 3, Score: &tiny, Mislabeling: math.SmallestNonzeroFloat64},
	} {
		checkStateEncoding(t, p)
	}
}

// FuzzStateEncodingMatchesEncodingJSON holds the encoders to encoding/json
// for any strings, numbers and stored JSON.
func FuzzStateEncodingMatchesEncodingJSON(f *testing.F) {
	f.Add(`{"text": "a"}`, "v1", 2.5, int64(1700000000123456789))
	f.Add(`[1, {"a" :null}]`, "é\u2028<>", 1e-9, int64(0))
	f.Fuzz(func(t *testing.T, raw, s string, x float64, nanos int64) {
		if !json.Valid([]byte(raw)) || math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		at := time.Unix(0, nanos).UTC()
		if at.Year() < 0 || at.Year() > 9999 {
			return
		}
		checkStateEncoding(t, &task{ID: 1, Data: json.RawMessage(raw), Meta: json.RawMessage(raw), CreatedAt: at, UpdatedAt: at, CompletedAt: &at})
		checkStateEncoding(t, &annotation{ID: 1, Result: json.RawMessage(raw), LeadTime: &x, UniqueID: s, LastAction: &s, CreatedAt: at})
		checkStateEncoding(t, &prediction{ID: 1, Result: json.RawMessage(raw), ModelVersion: s, Score: &x, Mislabeling: x, UpdatedAt: at})
	})
}

// TestStateEncodingHasEveryField: every exported field of the three
// entities, each set, comes out as encoding/json writes it, so a field
// added to an entity but not to its appendState fails here.
func TestStateEncodingHasEveryField(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 30, 1, 5, time.UTC)
	fill := func(v any) stateAppender {
		rv := reflect.ValueOf(v).Elem()
		for i := range rv.NumField() {
			f, sf := rv.Field(i), rv.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			switch x := f.Addr().Interface().(type) {
			case *int:
				*x = 7 + i
			case *bool:
				*x = true
			case *string:
				*x = "s" + sf.Name
			case *float64:
				*x = 0.5
			case *time.Time:
				*x = at
			case *json.RawMessage:
				*x = json.RawMessage(`{"k": "` + sf.Name + `"}`)
			case **int:
				n := 3 + i
				*x = &n
			case **float64:
				*x = new(float64)
				**x = 1.25
			case **string:
				*x = new(string)
				**x = "p" + sf.Name
			case **time.Time:
				*x = &at
			default:
				t.Fatalf("%T.%s is a %s: teach this test (and appendState) that type", v, sf.Name, sf.Type)
			}
		}
		return v.(stateAppender)
	}
	for _, v := range []any{&task{}, &annotation{}, &prediction{}} {
		checkStateEncoding(t, fill(v))
	}
}
