package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeMatchesEncodingJSON: decode (parse, then encoding/json when
// parse declines) gives exactly encoding/json's values and errors, and the
// compact body the parse gives along is json.Compact's.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, body := range validBodies(f) {
		f.Add(body)
	}
	for _, s := range []string{``, ` `, `null`, `[]`, `{}`, `[[]]`, `{"a":{}}`, `-0`, `01`, `1.`, `1e`, `1E+2`, `-`, `"\u00e9\ud83d\ude00"`,
		`"\ud800"`, `"a\\"`, `"\"`, "\"\x01\"", `{"a":1,"a":2}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `truex`, `[nul]`, `1 2`, `{} `, "\t[1]\r\n",
		`{"k\u0000":"v"}`, `[1e1001]`, `[1E-1001]`, `{"a":[` + strings.Repeat("9", 1001) + `]}`, "\ufeff{}", `[` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1201)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) {
			return // decode refuses it before either parser
		}
		got, gotErr := decode(body)
		want, wantErr := decodeStd(body)
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("decode(%q): error %v, encoding/json %v", body, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode(%q) = %#v, encoding/json %#v", body, got, want)
		}
		if _, big, _, _ := decodeBody(body, false); !big && len(hugeNumbers(got)) > 0 {
			t.Fatalf("decodeBody(%q) saw no huge numbers, but hugeNumbers finds %v", body, hugeNumbers(got))
		}
		_, _, compact, _ := decodeBody(body, true)
		if compact == nil {
			return // not JSON, or left to encoding/json
		}
		var std bytes.Buffer
		if err := json.Compact(&std, body); err != nil || !bytes.Equal(compact, std.Bytes()) || len(compact) != cap(compact) {
			t.Fatalf("compact %q (cap %d), json.Compact %q (%v)", compact, cap(compact), std.Bytes(), err)
		}
	})
}

// TestParseTakesTheGoldenBodies: the quick parser, not encoding/json,
// decodes every golden body, so the receiver's common case is the fast one.
func TestParseTakesTheGoldenBodies(t *testing.T) {
	for name, body := range validBodies(t) {
		if _, ok, _ := parse(body); !ok {
			t.Errorf("parse(%s) declined a valid body", name)
		}
	}
}

// BenchmarkDecode measures decoding one ANNOTATION_CREATED body, the
// first half of Validate.
func BenchmarkDecode(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "valid", "annotation_created_spec_4_7.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseAfterADeclinedBody: a parse that stops half way leaves nothing
// on the pooled tape that shows in the next body's values.
func TestParseAfterADeclinedBody(t *testing.T) {
	tests := []struct {
		name, declined, next string
	}{
		{name: "open object in a list", declined: `{"a":[1,2,{"b":"x","c":`, next: `{"d":[3,{"e":4}],"f":{}}`},
		{name: "bad number deep down", declined: `[[[{"a":1,"b":01}]]]`, next: `[[[{"a":1}]],[]]`},
		{name: "trailing data", declined: `{"a":{"b":[1]}} x`, next: `{"a":{"b":[]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok, _ := parse([]byte(tc.declined)); ok {
				t.Fatalf("parse(%s) accepted it", tc.declined)
			}
			got, ok, _ := parse([]byte(tc.next))
			want, err := decodeStd([]byte(tc.next))
			if !ok || err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("parse(%s) after parse(%s) = %#v, %v; want %#v", tc.next, tc.declined, got, ok, want)
			}
		})
	}
}
