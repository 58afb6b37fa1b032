package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// stableConfig gives a server whose clock and UUIDs are deterministic:
// every clock reading advances one second from a fixed start.
func stableConfig() Config {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	n := 0
	return Config{
		OrganizationWebhooks: true, // PROJECT_CREATED and PROJECT_DELETED need one
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		},
		NewUUID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		},
	}
}

// TestGoldenPayloads drives one event of each action the server emits
// and compares the exact bodies (key order included) with
// testdata/golden/<action>.golden.json. Run with -update to rewrite them.
func TestGoldenPayloads(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, stableConfig())
	e.hookOn(0, h.URL, nil)

	pid := e.project("Golden")
	e.must("PATCH", "/api/projects/"+itoa(pid), map[string]any{"description": "Sentiment of short reviews"}, 200)
	tids := e.importTasks(pid, 2)
	res := []any{map[string]any{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": map[string]any{"choices": []string{"Positive"}}}}
	a := e.must("POST", "/api/tasks/"+itoa(tids[0])+"/annotations/", map[string]any{"result": res, "lead_time": 12.5}, 201)
	e.must("PATCH", "/api/annotations/"+itoa(int(a["id"].(float64))), map[string]any{"ground_truth": true}, 200)
	e.must("POST", "/api/predictions/", map[string]any{"task": tids[1], "result": res, "score": 0.9, "model_version": "v1"}, 201)
	e.must("POST", "/api/dm/actions?id=predictions_to_annotations&project="+itoa(pid), map[string]any{"selectedItems": map[string]any{"all": true}}, 200)
	e.must("DELETE", "/api/annotations/"+itoa(int(a["id"].(float64))), nil, 204)
	e.must("DELETE", "/api/tasks/"+itoa(tids[1]), nil, 204)
	e.must("DELETE", "/api/projects/"+itoa(pid), nil, 204)

	first := map[string][]byte{}
	for _, r := range h.all() {
		if _, seen := first[r.Action()]; !seen {
			first[r.Action()] = r.Body
		}
	}
	for _, a := range schemas.Catalog {
		if strings.HasPrefix(string(a.Action), "LABEL_LINK") {
			continue // label links are not simulated
		}
		t.Run(string(a.Action), func(t *testing.T) {
			got, ok := first[string(a.Action)]
			if !ok {
				t.Fatalf("no %s event was emitted", a.Action)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "golden", strings.ToLower(string(a.Action))+".golden.json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test -update): %v", err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("%s body differs from %s (-want +got):\n%s", a.Action, path, diff)
			}
		})
	}
}
