package envflag

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFlagsMayFollowArguments(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantPos  []string
		wantOut  string
		wantVerb bool
	}{
		{"flags first", []string{"--out", "x", "-v", "a", "b"}, []string{"a", "b"}, "x", true},
		{"flags after", []string{"a", "--out", "x", "b", "-v"}, []string{"a", "b"}, "x", true},
		{"stdin dash", []string{"-", "--out", "x"}, []string{"-"}, "x", false},
		{"double dash", []string{"--out", "x", "--", "-v", "--out"}, []string{"-v", "--out"}, "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := New("t", "t", io.Discard)
			out := fs.String("out", "", "")
			v := fs.Bool("v", false, "")
			if err := fs.ParseArgs(tc.args, mapEnv(nil)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPos, fs.Args(), cmp.Comparer(func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) })); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *out != tc.wantOut || *v != tc.wantVerb {
				t.Errorf("out %q v %v", *out, *v)
			}
		})
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		vars       map[string]string
		wantAddr   string
		wantSource string
		wantErr    bool
	}{
		{"default", nil, nil, "def", "", false},
		{"variable", nil, map[string]string{"T_ADDR": "env"}, "env", "T_ADDR", false},
		{"flag wins", []string{"--addr", "flag"}, map[string]string{"T_ADDR": "env"}, "flag", "--addr", false},
		{"an empty variable is an unset one", nil, map[string]string{"T_ADDR": ""}, "def", "", false},
		{"empty secret variable", nil, map[string]string{"T_SECRET": ""}, "def", "", true},
		{"empty secret flag", []string{"--secret", ""}, nil, "def", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := New("t", "t", io.Discard)
			addr := fs.String("addr", "def", "")
			fs.String("secret", "", "")
			fs.BindEnv("addr", "T_ADDR")
			fs.BindEnv("secret", "T_SECRET")
			fs.RequireNonEmpty("secret", "none")
			err := fs.ParseArgs(tc.args, mapEnv(tc.vars))
			if tc.wantErr {
				var ue *UsageError
				if !errors.As(err, &ue) {
					t.Errorf("args %q env %v: err %v, want a usage error", tc.args, tc.vars, err)
				}
				return
			}
			if err != nil || *addr != tc.wantAddr || fs.Source("addr") != tc.wantSource {
				t.Errorf("args %q env %v: addr %q from %q (err %v), want %q from %q", tc.args, tc.vars, *addr, fs.Source("addr"), err, tc.wantAddr, tc.wantSource)
			}
		})
	}
}

func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestDurationFlag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		zeroOK  bool
		want    time.Duration
		wantErr string
	}{
		{"duration", "2s", false, 2 * time.Second, ""},
		{"milliseconds", "500ms", false, 500 * time.Millisecond, ""},
		{"bare seconds", "2", false, 2 * time.Second, ""},
		{"fractional seconds", "2.5", false, 2500 * time.Millisecond, ""},
		{"zero refused", "0", false, 0, "want more than zero"},
		{"zero where it means something", "0", true, 0, ""},
		{"negative", "-1s", true, 0, "want 0 or more"},
		{"negative seconds", "-1", false, 0, "want more than zero"},
		{"not a duration", "soon", false, 0, "want a duration such as 10s or 500ms, or a number of seconds"},
		{"not a number", "NaN", true, 0, "want a duration"},
		{"too large", "1e300", false, 0, "want a duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := time.Duration(-7) // Set must leave it alone on an error
			err := durationFlag{d: &got, zeroOK: tc.zeroOK}.Set(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || got != -7 {
					t.Errorf("Set(%q) = %v, value %s; want error %q, value untouched", tc.in, err, got, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Set(%q) = %v, value %s; want %s", tc.in, err, got, tc.want)
			}
		})
	}
}
