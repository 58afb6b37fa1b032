package receivertest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
)

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWaitAndEvents(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	post(t, rc.URL+"/a", `{"action":"PROJECT_DELETED","project":{"id":3}}`)
	post(t, rc.URL+"/b", `{"action":"TASKS_CREATED"}`)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.TasksCreated}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Seq != 2 || recs[0].Path != "/b" {
		t.Errorf("Wait TASKS_CREATED: seq %d path %s, want 2 /b", recs[0].Seq, recs[0].Path)
	}
	if got := rc.Events(receiver.Filter{Valid: new(true)}); len(got) != 2 {
		t.Errorf("Events valid=true: %d records, want 2", len(got))
	}
}

func TestWaitTimeout(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.AnnotationCreated}, 1)
	if !errors.Is(err, context.DeadlineExceeded) || len(recs) != 0 {
		t.Errorf("Wait with nothing sent: %d records, err %v; want none and DeadlineExceeded", len(recs), err)
	}
}

func TestSetResponsesAndReset(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	rc.SetResponses(receiver.Step{Status: 500, Times: 2})
	var got []int
	for range 3 {
		got = append(got, post(t, rc.URL, `{"action":"TASKS_CREATED"}`))
	}
	if diff := cmp.Diff([]int{500, 500, 200}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}

	rc.SetResponses(receiver.Step{Status: 503, Times: 5})
	rc.Reset()
	if n := len(rc.Events(receiver.Filter{})); n != 0 {
		t.Errorf("after Reset: %d records, want 0", n)
	}
	if status := post(t, rc.URL, `{"action":"TASKS_CREATED"}`); status != 200 {
		t.Errorf("after Reset: status %d, want 200 (plan forgotten)", status)
	}
	if recs := rc.Events(receiver.Filter{}); len(recs) != 1 || recs[0].Seq != 4 {
		t.Errorf("after Reset: records %+v, want one with seq 4", recs)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records instead of stopping.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestSetResponsesBadStepFailsTest(t *testing.T) {
	fr := &fatalRecorder{TB: t}
	rc := receivertest.NewReceiver(fr)
	rc.SetResponses(receiver.Step{Status: 700})
	if want := "receivertest: set responses: step 1: status: want 200 to 599, got 700"; fr.fatal != want {
		t.Errorf("Fatalf %q, want %q", fr.fatal, want)
	}
}

func TestCleanupCloses(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		url = receivertest.NewReceiver(t).URL
	})
	if resp, err := http.Post(url, "application/json", strings.NewReader(`{}`)); err == nil {
		resp.Body.Close()
		t.Errorf("POST after the subtest ended: status %d, want the receiver gone", resp.StatusCode)
	}
}
