package main

import (
	"io"
	"testing"

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
			fs := newFlagSet("t", "t", io.Discard)
			out := fs.String("out", "", "")
			v := fs.Bool("v", false, "")
			if err := fs.parse(tc.args, mapEnv(nil)); err != nil {
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
			fs := newFlagSet("t", "t", io.Discard)
			addr := fs.String("addr", "def", "")
			fs.String("secret", "", "")
			fs.bindEnv("addr", "T_ADDR")
			fs.bindEnv("secret", "T_SECRET")
			fs.requireNonEmpty("secret", "none")
			err := fs.parse(tc.args, mapEnv(tc.vars))
			if tc.wantErr {
				if exitCode(err) != exitUsage {
					t.Errorf("args %q env %v: err %v, want a usage error", tc.args, tc.vars, err)
				}
				return
			}
			if err != nil || *addr != tc.wantAddr || fs.source("addr") != tc.wantSource {
				t.Errorf("args %q env %v: addr %q from %q (err %v), want %q from %q", tc.args, tc.vars, *addr, fs.source("addr"), err, tc.wantAddr, tc.wantSource)
			}
		})
	}
}
