package pyjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
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

// FuzzDumpsMatchesTokens: for valid JSON, Dumps writes the same bytes as
// dumpsByTokens, which reads the text with encoding/json instead.
func FuzzDumpsMatchesTokens(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, "é\u2028😀", -0, true, null, false]}`, `[1e400, -1e-7, 123456789012345678, 0.1, 100.0]`, `{"k":"<tag a=\"b\">\\\/</tag>\t\u0001\u007f"}`, `{"k":1,"k":[{},[]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) || hasSurrogateEscape(in) {
			return
		}
		want, err := dumpsByTokens(in)
		if err != nil {
			t.Fatalf("dumpsByTokens(%q): %v", in, err)
		}
		got, err := Dumps(nil, in)
		if err != nil || string(got) != string(want) {
			t.Fatalf("Dumps(%q)\n got %s (%v)\nwant %s", in, got, err, want)
		}
	})
}

// FuzzAppendFloatMatchesRepr: where AppendFloat takes strconv's fixed
// notation, it writes what the plain repr builder writes.
func FuzzAppendFloatMatchesRepr(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, 0.1, 1e-4, 9.999999999999999e-05, 1e16, 9999999999999998, 123.456, -2.5e-3, 1e300} {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return
		}
		if got, want := string(AppendFloat(nil, v)), string(appendFloatRepr(nil, v)); got != want {
			t.Errorf("AppendFloat(%v) = %s, want %s", v, got, want)
		}
	})
}

// BenchmarkDumps measures one ANNOTATION_CREATED webhook body (the
// schemas' golden one, compacted as the mock's payload writer leaves it)
// rewritten as json.dumps writes it: every webhook the mock sends goes
// through Dumps.
func BenchmarkDumps(b *testing.B) {
	pretty, err := os.ReadFile("../../schemas/testdata/valid/annotation_created_spec_4_7.json")
	if err != nil {
		b.Fatal(err)
	}
	var src bytes.Buffer
	if err := json.Compact(&src, pretty); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(src.Len()))
	b.ReportAllocs()
	dst := make([]byte, 0, 2*src.Len())
	for b.Loop() {
		if _, err := Dumps(dst, src.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSpecial8 holds the 8-byte test to plain, byte by byte: every byte
// value in every position among plain bytes, and random words.
func TestSpecial8(t *testing.T) {
	want := func(word []byte) bool {
		for _, c := range word {
			if !plain[c] {
				return true
			}
		}
		return false
	}
	word := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			w := bytes.Clone(word)
			w[pos] = byte(c)
			if got := special8(binary.LittleEndian.Uint64(w)); got != want(w) {
				t.Errorf("special8(%q) = %v", w, got)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		w := binary.LittleEndian.AppendUint64(nil, rng.Uint64())
		for i := range w {
			if rng.IntN(4) > 0 { // mostly plain, so runs of them are met
				w[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		if got := special8(binary.LittleEndian.Uint64(w)); got != want(w) {
			t.Fatalf("special8(%q) = %v", w, got)
		}
	}
}
