package fakedata_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server/servertest"
)

// TestGeneratedAnnotationThroughTheMock posts generated tasks and
// annotations to the mock and checks the ANNOTATION_CREATED it emits:
// valid against the schemas and carrying the generated result unchanged.
func TestGeneratedAnnotationThroughTheMock(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer hook.Close()

	mock := servertest.NewServer(t, servertest.WithOrganizationWebhooks())
	call := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, mock.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := mock.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, out, want)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m
	}
	call("POST", "/api/webhooks", map[string]any{"url": hook.URL, "send_for_all_actions": false, "actions": []string{"ANNOTATION_CREATED"}}, 201)

	g := fakedata.New(7)
	for _, s := range fakedata.Samples {
		t.Run(s.Name, func(t *testing.T) {
			c, err := fakedata.ParseConfig(s.LabelConfig)
			if err != nil {
				t.Fatal(err)
			}
			p := call("POST", "/api/projects", map[string]any{"title": s.Title, "label_config": s.LabelConfig}, 201)
			pid := int(p["id"].(float64))
			data := g.Task(c)
			imp := call("POST", fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", pid), []any{data}, 201)
			tid := int(imp["task_ids"].([]any)[0].(float64))
			ann := g.Annotation(c, data)
			if len(ann.Result) == 0 {
				t.Fatal("the generator made an empty result for a sample config")
			}
			mu.Lock()
			bodies = nil
			mu.Unlock()
			call("POST", fmt.Sprintf("/api/tasks/%d/annotations", tid), ann, 201)

			mu.Lock()
			got := bodies
			mu.Unlock()
			if len(got) != 1 {
				t.Fatalf("%d webhooks arrived, want 1 ANNOTATION_CREATED", len(got))
			}
			action, problems := schemas.Validate(got[0])
			if action != schemas.AnnotationCreated || len(problems) > 0 {
				t.Fatalf("action %q, problems %v\n%s", action, problems, got[0])
			}
			var body struct {
				Annotation struct {
					Result json.RawMessage `json:"result"`
				} `json:"annotation"`
				Task struct {
					Data map[string]any `json:"data"`
				} `json:"task"`
			}
			if err := json.Unmarshal(got[0], &body); err != nil {
				t.Fatal(err)
			}
			var sent, received any
			b, _ := json.Marshal(ann.Result)
			_ = json.Unmarshal(b, &sent)
			_ = json.Unmarshal(body.Annotation.Result, &received)
			if diff := cmp.Diff(sent, received); diff != "" {
				t.Errorf("the webhook's result differs from the posted one (-sent +received):\n%s", diff)
			}
			wantData := map[string]any{}
			b, _ = json.Marshal(data)
			_ = json.Unmarshal(b, &wantData)
			if diff := cmp.Diff(wantData, body.Task.Data); diff != "" {
				t.Errorf("task data (-generated +webhook):\n%s", diff)
			}
		})
	}
}
