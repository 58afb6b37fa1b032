package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// tapeSeeds are bodies at the edges of JSON's grammar and of the tape.
var tapeSeeds = []string{``, ` `, `null`, `[]`, `{}`, `[[]]`, `{"a":{}}`, `-0`, `01`, `1.`, `1e`, `1E+2`, `-`, `"\u00e9\ud83d\ude00"`,
	`"\ud800"`, `"a\\"`, `"\"`, "\"\x01\"", `"\x"`, `"\u12"`, `"\u12G4"`, `{"a":1,"a":2}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `truex`, `[nul]`,
	`1 2`, `{} `, "\t[1]\r\n", `{"k\u0000":"v"}`, `[1e1001]`, `[1E-1001]`, `{"a":[` + strings.Repeat("9", 1001) + `]}`, "\ufeff{}",
	`[` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1201), `{"a":"x","b":[1,{"c":null}],"d":true}`, `{"action":"X","action":"Y"}`}

// depth is how deeply body nests (body is JSON).
func depth(t *testing.T, body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	d, deepest := 0, 0
	for {
		tk, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return deepest
		}
		if err != nil {
			t.Fatalf("depth(%q): %v", body, err)
		}
		switch tk {
		case json.Delim('{'), json.Delim('['):
			d++
			deepest = max(deepest, d)
		case json.Delim('}'), json.Delim(']'):
			d--
		}
	}
}

// FuzzTapeMatchesEncodingJSON: the tape takes a UTF-8 body exactly when
// encoding/json does (but for nesting beyond maxParseDepth, which it
// declines), its compact body is json.Compact's, its containers count
// their members and items, and it flags a number beyond hugeNumbers'
// bounds exactly when there is one.
func FuzzTapeMatchesEncodingJSON(f *testing.F) {
	for _, body := range validBodies(f) {
		f.Add(body)
	}
	for _, s := range tapeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) {
			return // Validate refuses it before the tape
		}
		tp, ok := readTape(body, true)
		defer tp.release()
		doc, err := decodeStd(body)
		switch {
		case ok && err != nil:
			t.Fatalf("the tape took %q; encoding/json: %v", body, err)
		case !ok && err == nil && depth(t, body) <= maxParseDepth:
			t.Fatalf("the tape declined %q, which encoding/json takes", body)
		case !ok:
			return
		}
		var std bytes.Buffer
		if err := json.Compact(&std, body); err != nil || !bytes.Equal(tp.compact(), std.Bytes()) {
			t.Fatalf("compact %q, json.Compact %q (%v)", tp.compact(), std.Bytes(), err)
		}
		if huge := len(hugeNumbers(doc)) > 0; huge != tp.huge {
			t.Fatalf("tape huge %v, hugeNumbers %v, in %q", tp.huge, hugeNumbers(doc), body)
		}
		if got := valueOf(t, tp, 0); !equalJSON(got, doc) {
			t.Fatalf("the tape reads %#v, encoding/json %#v", got, doc)
		}
	})
}

// valueOf rebuilds the value at token i the way encoding/json decodes it,
// from the tape's own structure: its kinds, counts and next links.
func valueOf(t *testing.T, tp *tape, i int) any {
	k := tp.toks[i]
	switch k.kind {
	case '{':
		m := map[string]any{}
		n := 0
		for j := i + 1; j < int(k.next); j = int(tp.toks[j+1].next) {
			key, ok := tp.text(j)
			if !ok {
				t.Fatalf("key %q", tp.raw(j))
			}
			m[key] = valueOf(t, tp, j+1)
			n++
		}
		if n != int(k.count) {
			t.Fatalf("object of %d members counts %d", n, k.count)
		}
		return m
	case '[':
		l := []any{}
		for j := i + 1; j < int(k.next); j = int(tp.toks[j].next) {
			l = append(l, valueOf(t, tp, j))
		}
		if len(l) != int(k.count) {
			t.Fatalf("array of %d items counts %d", len(l), k.count)
		}
		return l
	case '"':
		s, ok := tp.text(i)
		if !ok {
			t.Fatalf("string %q", tp.raw(i))
		}
		return s
	case '0':
		if k.whole == strings.ContainsAny(string(tp.raw(i)), ".eE") {
			t.Fatalf("number %s: whole %v", tp.raw(i), k.whole)
		}
		return json.Number(tp.raw(i))
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	}
	t.Fatalf("token kind %q", k.kind)
	return nil
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// FuzzValidateAgreesWithTheTreePath: on any body, Validate's answer is
// the tree path's (the body decoded into Go values and checked by
// gojsonschema), whether or not the tape took it; the compact body too.
func FuzzValidateAgreesWithTheTreePath(f *testing.F) {
	for _, body := range validBodies(f) {
		f.Add(body)
	}
	for _, s := range tapeSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"action":"TASKS_DELETED","tasks":[{"id":1},{"id":1}],"tasks":[]}`,
		`{"action":"PROJECT_DELETED","project":{"id":1,"id":"x"}}`, `{"action":"PROJECT_DELETED","project":{"id":"x","id":1}}`,
		`{"\u0061ction":"PROJECT_DELETED","project":{"\u0069d":1}}`, `{"action":"PROJECT_\u0044ELETED","project":{"id":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		action, problems, compact := ValidateCompact(body)
		doc, bigNumbers, treeCompact, err := decodeBody(body, true)
		wantAction, wantProblems := validateDoc(doc, bigNumbers, err)
		if action != wantAction || !slices.Equal(problems, wantProblems) {
			t.Fatalf("Validate(%q) = %q %v; the tree path %q %v", body, action, problems, wantAction, wantProblems)
		}
		if compact != nil && treeCompact != nil && !bytes.Equal(compact, treeCompact) {
			t.Fatalf("compact %q, the tree path's %q", compact, treeCompact)
		}
	})
}

// TestTapeTakesTheGoldenBodies: the tape passes every golden body, so
// the receiver's common case is the fast one.
func TestTapeTakesTheGoldenBodies(t *testing.T) {
	for name, body := range validBodies(t) {
		if _, _, _, ok := validateTape(body, true); !ok {
			t.Errorf("validateTape(%s) declined a valid body", name)
		}
	}
}

// TestTapeRepeatedNames: encoding/json keeps the last member of a name,
// so a body whose earlier member breaks the schema is valid, and one
// whose later member does is not; the check is unsure of both and the
// tree path decides.
func TestTapeRepeatedNames(t *testing.T) {
	tests := []struct {
		body  string
		valid bool
	}{
		{`{"action":"PROJECT_DELETED","project":{"id":"x","id":1}}`, true},
		{`{"action":"PROJECT_DELETED","project":{"id":1,"id":"x"}}`, false},
		{`{"action":"PROJECT_DELETED","project":{"id":"x"},"project":{"id":1}}`, true},
		{`{"action":"PROJECT_DELETED","project":{"id":1},"project":{"id":"x"}}`, false},
		{`{"action":"PROJECT_DELETED","action":"PROJECT_DELETED"}`, true},
	}
	for _, tc := range tests {
		_, problems := Validate([]byte(tc.body))
		if valid := len(problems) == 0; valid != tc.valid {
			t.Errorf("Validate(%s): problems %v, want valid %v", tc.body, problems, tc.valid)
		}
		if got := quickBody(t, ProjectDeleted, []byte(tc.body)); got == pass && !tc.valid || got == fail && tc.valid {
			t.Errorf("quick check of %s: %v, want valid %v", tc.body, got, tc.valid)
		}
	}
}

// TestPlain8: the word test agrees with a byte by byte look for every
// byte value at every place of the word.
func TestPlain8(t *testing.T) {
	for c := range 256 {
		for at := range 8 {
			b := []byte("abcdefgh")
			b[at] = byte(c)
			want := !stringStops[c]
			if got := plain8(b); got != want {
				t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
			}
		}
	}
}
