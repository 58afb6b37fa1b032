package scenarios

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/server"
	"github.com/labelhook/labelhook/server/servertest"
)

// TestLibrary runs the whole scenario library in-process: every scenario
// must pass against the mock.
func TestLibrary(t *testing.T) {
	scs, err := Load("library")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := Run(context.Background(), scs, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed > 0 || rep.Passed != len(scs) {
		t.Errorf("library: %s of %d\n%s", rep.Summary(), len(scs), out.String())
	}
}

// libraryScenario loads one scenario of the library by name.
func libraryScenario(t *testing.T, name string) []*Scenario {
	t.Helper()
	scs, err := Load("library")
	if err != nil {
		t.Fatal(err)
	}
	scs, err = Select(scs, "^"+regexp.QuoteMeta(name)+"$")
	if err != nil || len(scs) != 1 {
		t.Fatalf("library scenario %q: %d found, %v", name, len(scs), err)
	}
	return scs
}

// TestLibraryHasTeeth runs the bulk-import scenario against a mock
// started separately with a batch size of 1, as `labelhook serve
// --webhook-batch-size 1` would be: it must fail, and say why.
func TestLibraryHasTeeth(t *testing.T) {
	ls := servertest.NewServer(t, servertest.WithBatchSize(1))
	scs := libraryScenario(t, "one import of 3 tasks sends exactly one TASKS_CREATED")
	var out bytes.Buffer
	rep, err := Run(context.Background(), scs, Options{Server: ls.URL, Token: ls.Token, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Status != Failed {
		t.Fatalf("the bulk-import scenario passed against a batch size of 1:\n%s", out.String())
	}
	for _, want := range []string{
		"library/tasks_created.yaml:8: step 3 (import_tasks): want 1 TASKS_CREATED matching, got 0",
	} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("message %q lacks %q", r.Message, want)
		}
	}
	for _, want := range []string{"closest TASKS_CREATED", "events during the step (3):", "tasks [1: ids 1]", "tasks [1: ids 3]"} {
		if !strings.Contains(r.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, r.Detail)
		}
	}
	if !strings.HasSuffix(out.String(), "\n0 passed, 1 failed\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestLibraryCatchesBrokenFailureCounting breaks the mock in-process:
// a server that does not count failures must fail the auto-disable
// scenario at its first check of the webhook.
func TestLibraryCatchesBrokenFailureCounting(t *testing.T) {
	scs := libraryScenario(t, "three failures in a row disable a webhook and re-activation resets the count")
	var out bytes.Buffer
	rep, err := Run(context.Background(), scs, Options{Out: &out,
		ConfigureServer: func(c *server.Config) { c.MaxConsecutiveFailures = -1 }})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Status != Failed || !strings.Contains(r.Message, "library/failures.yaml:15: step 6 (request): GET /api/webhooks/1: the answer does not match response") {
		t.Fatalf("status %s, message %q, want a failure at the consecutive_failures check\n%s", r.Status, r.Message, out.String())
	}
}
