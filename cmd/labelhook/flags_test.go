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
