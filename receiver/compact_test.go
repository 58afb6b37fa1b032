package receiver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labelhook/labelhook/schemas"
)

// FuzzCompactMatchesEncodingJSON: compactJSON gives json.Compact's bytes
// and accepts exactly what it accepts, but bodies that are not UTF-8.
func FuzzCompactMatchesEncodingJSON(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, ` `, `null`, `[]`, `{ }`, `[ [ ] ]`, `{"a" : { } }`, `-0`, `01`, `1.`, `1e`, ` 1E+2 `, `-`, `"\u00e9\ud83d\ude00"`,
		`"\ud800"`, `"a\\"`, `"\"`, `"\x"`, `"\u12G4"`, "\"\x01\"", `{"a":1,"a":2}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `truex`, `[nul]`, `1 2`,
		"\t[1]\r\n", "\ufeff{}", "\"\xff\"", `{"k": "v <&> \u2028"}`, `[` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1201)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want bytes.Buffer
		wantErr := json.Compact(&want, body)
		got, err := compactJSON(body)
		if wantErr != nil {
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("compactJSON(%q): error %v, want json.Compact's %v", body, err, wantErr)
			}
			return
		}
		if utf8.Valid(body) != (err == nil) {
			t.Fatalf("compactJSON(%q): error %v, want one exactly when the body is not UTF-8", body, err)
		}
		if err == nil && !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compactJSON(%q) = %q, want %q", body, got, want.Bytes())
		}
	})
}

// TestValidatorCompactsTheTestdataBodies: the validator's parse, not
// compactJSON, compacts webhooks as Label Studio sends them.
func TestValidatorCompactsTheTestdataBodies(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, c := schemas.ValidateCompact(b); c == nil {
			t.Errorf("ValidateCompact(%s) left a JSON body to compactJSON", p)
		}
	}
}
