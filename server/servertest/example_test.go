package servertest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server/servertest"
)

// pipeline is the code under test: the webhook handler of an ML pipeline
// that queues every new task for pre-annotation.
type pipeline struct {
	mu     sync.Mutex
	queued []int
	bad    []schemas.Problem
}

func (p *pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	action, problems := schemas.Validate(body) // the pipeline checks the contract too
	var ev struct {
		Tasks []struct {
			ID int `json:"id"`
		} `json:"tasks"`
	}
	_ = json.Unmarshal(body, &ev)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bad = append(p.bad, problems...)
	if action == schemas.TasksCreated {
		for _, t := range ev.Tasks {
			p.queued = append(p.queued, t.ID)
		}
	}
}

// testImportReachesPipeline is a contract test as you would write it, with
// t a *testing.T: a mock Label Studio, a webhook to the pipeline, a real
// import, and a look at what the pipeline did.
func testImportReachesPipeline(t testing.TB) {
	p := &pipeline{}
	hook := httptest.NewServer(p)
	t.Cleanup(hook.Close)
	ls := servertest.NewServer(t)

	client := ls.Client() // sends the mock's token
	api := func(method, path, body string) {
		req, _ := http.NewRequest(method, ls.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s %s: status %d", method, path, resp.StatusCode)
		}
	}
	api("POST", "/api/projects", `{"title": "Reviews", "label_config": "<View><Text name=\"text\" value=\"$text\"/></View>"}`)
	api("POST", "/api/webhooks", `{"url": "`+hook.URL+`", "project": 1, "send_for_all_actions": false, "actions": ["TASKS_CREATED"]}`)
	api("POST", "/api/projects/1/import", `[{"text": "great phone"}, {"text": "battery died in a day"}]`)

	// Label Studio (and the mock) deliver inside the API call: when the
	// import has answered, the pipeline has its TASKS_CREATED.
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Println("queued tasks:", p.queued)
	fmt.Println("contract problems:", len(p.bad))
}

func ExampleNewServer() {
	t := &exampleT{}
	defer t.cleanup()
	testImportReachesPipeline(t)
	// Output:
	// queued tasks: [1 2]
	// contract problems: 0
}

// exampleT stands in for *testing.T so the example can run outside a test.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
