package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
)

// triggerCmd runs `labelhook trigger args...` and returns stdout, stderr and
// the exit code.
func triggerCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"trigger"}, args...), mapEnv(nil), &out, &errOut)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

var deliveryLine = regexp.MustCompile(`^([A-Z_]+) +(\d{3}|error) +\S+`)

// lines parses trigger's output into "ACTION STATUS" strings.
func lines(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		m := deliveryLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("output line %q is not 'ACTION STATUS DURATION'", l)
		}
		got = append(got, m[1]+" "+m[2])
	}
	return got
}

func TestTriggerAllWithCount(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	out, errOut, code := triggerCmd(t, "--all", "--count", "2", "--to", rc.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var want []string
	for _, info := range schemas.Catalog {
		want = append(want, string(info.Action)+" 200", string(info.Action)+" 200")
	}
	if diff := cmp.Diff(want, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	var got []string
	for _, r := range rc.Events(receiver.Filter{}) {
		got = append(got, string(r.Action)+" 200")
		if !r.Valid {
			t.Errorf("%s breaks the contract: %v", r.Action, r.Errors)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what arrived (-want +got):\n%s", diff)
	}
}

func TestTriggerFailingTargetIsExit1(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	rc.SetResponses(receiver.Step{Status: 503, Times: 1})
	out, _, code := triggerCmd(t, "ANNOTATION_UPDATED", "--to", rc.URL, "--count", "2")
	if code != exitFailed {
		t.Errorf("exit %d, want %d when the target answers 503", code, exitFailed)
	}
	if diff := cmp.Diff([]string{"ANNOTATION_UPDATED 503", "ANNOTATION_UPDATED 200"}, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	closed := "http://" + loopback.ClosedAddr(t) + "/hook"
	out, errOut, code := triggerCmd(t, "LABEL_LINK_CREATED", "--to", closed)
	if code != exitFailed || !strings.Contains(errOut, "1 of 1 deliveries") {
		t.Errorf("unreachable target: exit %d, stderr %q; want %d", code, errOut, exitFailed)
	}
	if diff := cmp.Diff([]string{"LABEL_LINK_CREATED error"}, lines(t, out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	out, _, code = triggerCmd(t, "PROJECT_CREATED", "--to", closed)
	if code != exitFailed || !strings.Contains(out, "refused") {
		t.Errorf("unreachable target through the mock: exit %d, output %q", code, out)
	}
}

func TestTriggerUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badXML := filepath.Join(dir, "bad.xml")
	_ = os.WriteFile(badXML, []byte("<View><Text name="), 0o644)
	noObject := filepath.Join(dir, "noobject.xml")
	_ = os.WriteFile(noObject, []byte(`<View><Choices name="c" toName="missing"/></View>`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"doc-only action name", []string{"TASK_CREATED", "--to", "http://x"}, "Label Studio sends TASKS_CREATED"},
		{"unknown action", []string{"NOPE", "--to", "http://x"}, `unknown action "NOPE"`},
		{"missing --to", []string{"TASKS_CREATED"}, "--to URL is required"},
		{"bad --to", []string{"TASKS_CREATED", "--to", "ftp://x"}, `--to: want an http:// or https:// URL, got "ftp://x"`},
		{"no action", []string{"--to", "http://x"}, "no action given"},
		{"action and --all", []string{"TASKS_CREATED", "--all", "--to", "http://x"}, "not both"},
		{"two actions", []string{"TASKS_CREATED", "--to", "http://x", "TASKS_DELETED"}, "one action"},
		{"header without colon", []string{"TASKS_CREATED", "--to", "http://x", "--header", "X-Token"}, "Name: value"},
		{"header name with a space", []string{"TASKS_CREATED", "--to", "http://x", "--header", "X Token: a"}, "letters, digits"},
		{"eleven headers", append([]string{"TASKS_CREATED", "--to", "http://x"}, strings.Split(strings.Repeat("--header|X-A: 1|", 11), "|")[:22]...), "at most 10 headers"},
		{"zero count", []string{"TASKS_CREATED", "--to", "http://x", "--count", "0"}, "--count"},
		{"missing label config", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", filepath.Join(dir, "none.xml")}, "read label config"},
		{"label config not XML", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", badXML}, "not valid XML"},
		{"label config naming no object", []string{"TASKS_CREATED", "--to", "http://x", "--label-config", noObject}, "does not name an object"},
		{"unknown flag", []string{"TASKS_CREATED", "--to", "http://x", "--bogus"}, "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := triggerCmd(t, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, tc.want)
			}
			if out != "" {
				t.Errorf("a usage error sent something: %q", out)
			}
		})
	}
}
