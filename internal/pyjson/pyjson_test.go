package pyjson

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"testing"
)

// TestMatchesPython checks the vectors Python itself wrote
// (testdata/make_vectors.py: json.dumps(json.loads(text))).
func TestMatchesPython(t *testing.T) {
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors [][2]string
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		got, err := Dumps(nil, []byte(v[0]))
		if err != nil {
			t.Errorf("Dumps(%s): %v", v[0], err)
			continue
		}
		if string(got) != v[1] {
			t.Errorf("Dumps(%s)\n got %s\nwant %s", v[0], got, v[1])
		}
	}
}

func TestBadJSONIsAnError(t *testing.T) {
	for _, in := range []string{"", "{", `{"a"}`, `{"a":1,}`, "[1 2]", `"open`, `"\x"`, "tru", "{} x"} {
		if _, err := Dumps(nil, []byte(in)); err == nil {
			t.Errorf("Dumps(%q): no error", in)
		}
	}
}

// FuzzDumps: whatever valid JSON goes in, what comes out is valid JSON of
// the same value (numbers compared as floats, as Python reads them).
func FuzzDumps(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"é"]}`, `"\ud83d\ude00"`, `-0`, `1e400`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var want any
		if json.Unmarshal(in, &want) != nil {
			return
		}
		out, err := Dumps(nil, in)
		if err != nil {
			t.Fatalf("Dumps(%q): %v", in, err)
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			if hasHuge(want) {
				return // Python writes Infinity, which is not JSON
			}
			t.Fatalf("Dumps(%q) = %q, not JSON: %v", in, out, err)
		}
		if !reflect.DeepEqual(want, got) { // floats by ==, so -0 == 0 as in Python's int
			t.Fatalf("Dumps(%q) = %q: value %v, want %v", in, out, got, want)
		}
	})
}

func hasHuge(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsInf(x, 0) || math.Abs(x) > 1e308
	case []any:
		for _, e := range x {
			if hasHuge(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasHuge(e) {
				return true
			}
		}
	}
	return false
}
