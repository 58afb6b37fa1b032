package httpurl

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		ok        bool
	}{
		{"http", "http://127.0.0.1:8000/hook", true},
		{"https", "https://pipeline.example/hook?x=1", true},
		{"no scheme", "localhost:8000/hook", false},
		{"host and port only", "127.0.0.1:8000", false},
		{"other scheme", "ftp://x/y", false},
		{"no host", "http:///hook", false},
		{"a path", "/hook", false},
		{"empty", "", false},
		{"not a URL", "http://[::1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := Parse(tc.raw)
			if (err == nil) != tc.ok || (u != nil) != tc.ok {
				t.Errorf("Parse(%q) = %v, %v; want ok %v", tc.raw, u, err, tc.ok)
			}
			if want := `want an http:// or https:// URL, got "` + tc.raw + `"`; !tc.ok && (err == nil || err.Error() != want) {
				t.Errorf("Parse(%q) error %v, want %q", tc.raw, err, want)
			}
		})
	}
}
