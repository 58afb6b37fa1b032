package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
)

// Finding (issue 13): `labelhook serv` printed the whole usage with no
// "did you mean". It prints one line with the closest command, then the
// list of commands, and exits 2.
func TestUnknownCommandSuggests(t *testing.T) {
	for _, tc := range []struct {
		name, typed, wantLine string
	}{
		{"missing letter", "serv", `labelhook: unknown command "serv" (did you mean serve?)`},
		{"swapped letters", "recieve", `labelhook: unknown command "recieve" (did you mean receive?)`},
		{"nothing close", "deploy", `labelhook: unknown command "deploy"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), []string{tc.typed, "--addr", "x"}, mapEnv(nil), io.Discard, &stderr)
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != 3 || lines[0] != tc.wantLine || !strings.HasPrefix(lines[1], "usage: labelhook <command> [flags]  (commands: serve, receive, ") {
				t.Errorf("stderr:\n%s\nwant %q, then the short usage", stderr.String(), tc.wantLine)
			}
		})
	}
}

// flagLine is a flag in a command's -h output.
var flagLine = regexp.MustCompile(`(?m)^  --([a-z][a-z0-9-]*)$`)

// Finding (issue 13): `labelhook serve --adr` printed the whole usage with
// no "did you mean". Every flag of every command, mistyped, gets one line
// naming the command and the flag meant, then the command's synopsis, and
// exit 2.
func TestEveryMistypedFlagIsSuggested(t *testing.T) {
	for _, c := range commands() {
		var help bytes.Buffer
		if err := run(context.Background(), []string{c.name, "-h"}, mapEnv(nil), io.Discard, &help); err != nil {
			t.Fatalf("%s -h: %v", c.name, err)
		}
		for _, f := range flagLine.FindAllStringSubmatch(help.String(), -1) {
			name := f[1]
			if len(name) < 4 {
				continue // too short to mistype recognisably (-v)
			}
			typo := name[:1] + name[2:] // a letter dropped: --adr for --addr
			t.Run(c.name+" --"+typo, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), []string{c.name, "--" + typo, "1"}, mapEnv(nil), &stdout, &stderr)
				if code := exitCode(err); code != exitUsage {
					t.Errorf("exit %d, want %d", code, exitUsage)
				}
				lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
				want := "labelhook " + c.name + ": unknown flag --" + typo + " (did you mean --" + name + "?)"
				if lines[0] != want || !strings.HasPrefix(lines[1], "usage: labelhook "+c.name) || lines[len(lines)-1] != "run 'labelhook "+c.name+" -h' for its flags" {
					t.Errorf("stderr:\n%s\nwant %q, then the synopsis of %s", stderr.String(), want, c.name)
				}
				if strings.Contains(stderr.String(), "flags:\n") || stdout.Len() > 0 {
					t.Errorf("the whole usage was printed:\n%s%s", stdout.String(), stderr.String())
				}
			})
		}
	}
}

func TestFlagErrorsNameTheCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad number", []string{"serve", "--webhook-timeout", "soon"}, `labelhook serve: invalid value "soon" for --webhook-timeout: want a duration such as 10s or 500ms, or a number of seconds`},
		{"missing value", []string{"receive", "--addr"}, "labelhook receive: --addr needs an argument"},
		{"unknown flag, nothing close", []string{"validate", "--frobnicate"}, "labelhook validate: unknown flag --frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tc.args, mapEnv(nil), io.Discard, &stderr)
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if exitCode(err) != exitUsage || first != tc.want {
				t.Errorf("%q: exit %d, first line %q; want %d and %q", tc.args, exitCode(err), first, exitUsage, tc.want)
			}
		})
	}
}
