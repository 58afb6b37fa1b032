package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
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
		if next := checkLinks(t, tp, 0); next != len(tp.toks) {
			t.Fatalf("the value ends at token %d of %d", next, len(tp.toks))
		}
		if got, ok := tp.tree(0); !ok || !reflect.DeepEqual(got, doc) {
			t.Fatalf("the tape's tree %#v (%v), encoding/json %#v", got, ok, doc)
		}
	})
}

// checkLinks checks the tape's structure below token i against its
// bytes: containers count their members and items and link past them,
// numbers know whether they are whole. It returns the token after i's
// value.
func checkLinks(t *testing.T, tp *tape, i int) int {
	k := tp.toks[i]
	switch k.kind {
	case '{', '[':
		n, j := 0, i+1
		for j < int(k.next) {
			if k.kind == '{' {
				if tp.toks[j].kind != '"' {
					t.Fatalf("object member %d's key is a %q", n, tp.toks[j].kind)
				}
				j++
			}
			j = checkLinks(t, tp, j)
			n++
		}
		if j != int(k.next) || n != int(k.count) {
			t.Fatalf("container of %d ending at token %d: count %d, next %d", n, j, k.count, k.next)
		}
	case '0':
		if k.whole == strings.ContainsAny(string(tp.raw(i)), ".eE") {
			t.Fatalf("number %s: whole %v", tp.raw(i), k.whole)
		}
	}
	return int(k.next)
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
		tp, read := readTape(body, true)
		_, _, _, ok := validateTape(tp, true)
		tp.release()
		if !read || !ok {
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
