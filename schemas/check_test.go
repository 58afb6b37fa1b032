package schemas

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

// quick is the quick check's verdict on doc against the schema of action,
// on the tape of doc written as JSON.
func quick(t testing.TB, action Action, doc any) verdict {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return quickBody(t, action, b)
}

// quickBody is quick on a body that must be JSON.
func quickBody(t testing.TB, action Action, body []byte) verdict {
	t.Helper()
	tp, ok := readTape(body, false)
	defer tp.release()
	if !ok {
		t.Fatalf("the tape declined %s", body)
	}
	return loadContract().quick[action].check(tp, 0)
}

// oracle is gojsonschema's verdict on doc against the schema of action.
func oracle(t testing.TB, action Action, doc any) bool {
	t.Helper()
	res, err := loadContract().schemas[action].Validate(decoded{doc})
	if err != nil {
		t.Fatal(err)
	}
	return res.Valid()
}

// corpus returns every golden body of this package and of the receiver's
// testdata, decoded, keyed by path.
func corpus(t testing.TB) map[string]any {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob(filepath.Join("..", "receiver", "testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]any{}
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := decode(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		docs[p] = doc
	}
	if len(docs) < len(Catalog) {
		t.Fatalf("corpus of %d bodies, want at least one per action", len(docs))
	}
	return docs
}

// replacements are the values every node of a body is replaced with in
// turn: every JSON type, integers written three ways and beyond 64 bits,
// and strings that match the files' patterns, enums and consts.
var replacements = []any{
	nil, true, "x", map[string]any{}, []any{},
	json.Number("7"), json.Number("-0"), json.Number("1.5"), json.Number("1.0"), json.Number("1e2"),
	json.Number("9223372036854775808"), json.Number("-9223372036854775809"), json.Number("9223372036854775807"),
	"2021-08-17T13:51:02.590839Z", "2021-08-17T13:51:02", "9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11",
	"Sequential sampling", string(AnnotationCreated), string(TasksDeleted),
}

// variants returns copies of v with one change each, anywhere in v: a
// node replaced, an object member removed or added, a list emptied or
// grown. v itself is not changed.
func variants(v any) []any {
	out := slices.Clone(replacements)
	switch v := v.(type) {
	case map[string]any:
		with := maps.Clone(v)
		with["zz_unexpected"] = json.Number("1")
		out = append(out, with)
		for k, e := range v {
			without := maps.Clone(v)
			delete(without, k)
			out = append(out, without)
			for _, ev := range variants(e) {
				m := maps.Clone(v)
				m[k] = ev
				out = append(out, m)
			}
		}
	case []any:
		out = append(out, []any{})
		if len(v) > 0 {
			out = append(out, append(slices.Clone(v), v[0]))
		}
		for i, e := range v {
			for _, ev := range variants(e) {
				l := slices.Clone(v)
				l[i] = ev
				out = append(out, l)
			}
		}
	}
	return out
}

// TestQuickCheckAgreesWithGojsonschema: over every golden body and every
// one-change variant of it, against its own action's schema (and the
// bodies themselves against every schema), the quick check says pass
// exactly when gojsonschema finds the body valid and fail exactly when it
// does not, or is unsure.
func TestQuickCheckAgreesWithGojsonschema(t *testing.T) {
	var checked, unsures atomic.Int64
	t.Run("bodies", func(t *testing.T) {
		for path, doc := range corpus(t) {
			t.Run(path, func(t *testing.T) {
				t.Parallel() // each body's thousands of variants on every CPU
				agreeOnBody(t, path, doc, &checked, &unsures)
			})
		}
	})
	t.Logf("%d verdicts compared, %d unsure", checked.Load(), unsures.Load())
	if unsures.Load()*10 > checked.Load() {
		t.Errorf("%d of %d variants unsure: the quick check should decide most", unsures.Load(), checked.Load()+unsures.Load())
	}
}

// agreeOnBody compares the quick check with gojsonschema on one golden
// body: against every schema, then its variants against its own.
func agreeOnBody(t *testing.T, path string, doc any, checked, unsures *atomic.Int64) {
	name, _ := doc.(map[string]any)["action"].(string)
	info, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s: action %q", path, name)
	}
	if got := quick(t, info.Action, doc); got != pass {
		t.Errorf("%s: quick check %v on a golden body, want pass", path, got)
	}
	for _, other := range Catalog {
		if got, want := quick(t, other.Action, doc), oracle(t, other.Action, doc); got != unsure && (got == pass) != want {
			t.Errorf("%s against %s: quick check %v, gojsonschema valid=%v", path, other.Action, got, want)
		}
	}
	for _, v := range variants(doc) {
		got := quick(t, info.Action, v)
		if got == unsure {
			unsures.Add(1)
			continue
		}
		checked.Add(1)
		if want := oracle(t, info.Action, v); (got == pass) != want {
			b, _ := json.Marshal(v)
			t.Fatalf("%s: quick check %v, gojsonschema valid=%v; body %s", path, got, want, b)
		}
	}
}

// FuzzQuickCheckAgreesWithGojsonschema: on any JSON body and against every
// action's schema, a quick verdict is gojsonschema's.
func FuzzQuickCheckAgreesWithGojsonschema(f *testing.F) {
	for _, body := range validBodies(f) {
		f.Add(body)
	}
	for _, s := range []string{`{"action":"PROJECT_DELETED","project":{"id":1.0}}`,
		`{"action":"PROJECT_CREATED","project":{"id":1,"label_config_hash":-9223372036854775809}}`,
		`{"action":"TASKS_DELETED","tasks":[{"id":1e2}]}`, `{"action":"TASKS_CREATED","x":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := decode(body)
		if err != nil || len(hugeNumbers(doc)) > 0 {
			return // Validate never checks these
		}
		tp, ok := readTape(body, false)
		tp.release()
		if !ok {
			return // nested too deep for the tape (FuzzTapeMatchesEncodingJSON)
		}
		for _, info := range Catalog {
			got := quickBody(t, info.Action, body)
			if got == unsure {
				continue
			}
			if want := oracle(t, info.Action, doc); (got == pass) != want {
				t.Fatalf("%s: quick check %v, gojsonschema valid=%v; body %s", info.Action, got, want, body)
			}
		}
	})
}

func TestCompileQuickRefusesUnknownKeywords(t *testing.T) {
	tests := []struct {
		name   string
		schema string
	}{
		{name: "keyword the check does not know", schema: `{"type": "object", "maxProperties": 3}`},
		{name: "additionalProperties as a schema", schema: `{"additionalProperties": {"type": "string"}}`},
		{name: "enum of numbers", schema: `{"enum": [1, 2]}`},
		{name: "fractional minimum", schema: `{"minimum": 0.5}`},
		{name: "ref to a missing definition", schema: `{"$ref": "#/definitions/nope"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for _, info := range Catalog {
				files[fileName(info.Action)] = []byte(tc.schema)
			}
			if _, err := compileQuick(files); err == nil {
				t.Errorf("compileQuick(%s) = nil error, want a refusal", tc.schema)
			}
		})
	}
}
