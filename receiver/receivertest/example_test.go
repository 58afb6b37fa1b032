package receivertest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
)

// testImportNotifiesPipeline is a test as you would write it, with t a
// *testing.T: start a receiver, make the code under test send to it, wait
// for the webhook and check it.
func testImportNotifiesPipeline(t testing.TB) {
	rc := receivertest.NewReceiver(t)

	// The code under test (or the mock Label Studio, with a webhook whose
	// url is rc.URL+"/hooks/import") sends this; here the test sends it.
	// A webhook with send_payload=false carries only its action.
	body := `{"action": "TASKS_CREATED"}`
	resp, err := http.Post(rc.URL+"/hooks/import", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.TasksCreated}, 1)
	if err != nil {
		t.Fatalf("no TASKS_CREATED webhook: %v", err)
	}
	got := recs[0]
	if !got.Valid {
		t.Fatalf("webhook breaks the contract: %v", got.Errors)
	}
	fmt.Println(got.Seq, got.Action, got.Path, got.ResponseStatus)
}

func ExampleNewReceiver() {
	t := &exampleT{}
	defer t.cleanup()
	testImportNotifiesPipeline(t)
	// Output:
	// 1 TASKS_CREATED /hooks/import 200
}

// exampleT stands in for *testing.T so the example can run outside a test.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
