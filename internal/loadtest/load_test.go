//go:build load

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
	"github.com/labelhook/labelhook/server/servertest"
)

var large = flag.Bool("large", false, "run the large sizes (100 000 annotations)")

const clients = 16

func annotationsWanted() int {
	if *large {
		return 100000
	}
	return 10000
}

// client is a tiny API client for the load tests.
type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path string, body any, want int) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, out)
	}
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return m, nil
}

func newClient(srv *servertest.Server) *client {
	return &client{base: srv.URL, token: srv.Token, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}}
}

// setup makes a project with tasks and a project webhook to url.
func setup(t *testing.T, c *client, url string, tasks int) (int, []int) {
	t.Helper()
	p, err := c.do("POST", "/api/projects", map[string]any{"title": "Load", "label_config": `<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>`}, 201)
	if err != nil {
		t.Fatal(err)
	}
	pid := int(p["id"].(float64))
	rows := make([]map[string]string, tasks)
	for i := range rows {
		rows[i] = map[string]string{"text": fmt.Sprintf("task %d", i)}
	}
	out, err := c.do("POST", fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", pid), rows, 201)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, id := range out["task_ids"].([]any) {
		ids = append(ids, int(id.(float64)))
	}
	if _, err := c.do("POST", "/api/webhooks", map[string]any{"url": url, "project": pid, "send_for_all_actions": false, "actions": []string{"ANNOTATION_CREATED"}}, 201); err != nil {
		t.Fatal(err)
	}
	return pid, ids
}

// annotate has `clients` goroutines create n annotations spread over
// tasks and returns the annotation ids the API answered.
func annotate(t *testing.T, c *client, tasks []int, n int) []int {
	t.Helper()
	var next atomic.Int64
	ids := make([]int, n)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				task := tasks[i%len(tasks)]
				a, err := c.do("POST", fmt.Sprintf("/api/tasks/%d/annotations/", task), map[string]any{"result": []any{}, "lead_time": 1.5}, 201)
				if err != nil {
					errs <- err
					return
				}
				ids[i] = int(a["id"].(float64))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

func TestLoadEveryAnnotationArrivesExactlyOnce(t *testing.T) {
	for _, mode := range []struct {
		name  string
		async bool
	}{{"sync", false}, {"async", true}} {
		t.Run(mode.name, func(t *testing.T) {
			n := annotationsWanted()
			opts := []servertest.Option{}
			if mode.async {
				opts = append(opts, servertest.WithAsyncDelivery())
			}
			srv := servertest.NewServer(t, opts...)
			rc := receivertest.NewReceiver(t)
			c := newClient(srv)
			pid, tasks := setup(t, c, rc.URL+"/hook", 200)

			start := time.Now()
			ids := annotate(t, c, tasks, n)
			apiDone := time.Since(start)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.AnnotationCreated}, n)
			if err != nil {
				t.Fatalf("waiting for %d ANNOTATION_CREATED: %v (got %d)", n, err, len(recs))
			}
			total := time.Since(start)

			seen := make(map[int]int, n)
			for _, r := range rc.Events(receiver.Filter{}) {
				if !r.Valid {
					t.Fatalf("invalid body: %v", r.Errors)
				}
				var body struct {
					Annotation struct {
						ID int `json:"id"`
					} `json:"annotation"`
				}
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				seen[body.Annotation.ID]++
			}
			for _, id := range ids {
				if seen[id] != 1 {
					t.Errorf("annotation %d arrived %d times", id, seen[id])
				}
			}
			if len(seen) != n {
				t.Errorf("%d distinct annotations arrived, want %d (invented events?)", len(seen), n)
			}
			p, err := c.do("GET", fmt.Sprintf("/api/projects/%d", pid), nil, 200)
			if err != nil {
				t.Fatal(err)
			}
			if int(p["total_annotations_number"].(float64)) != n || int(p["finished_task_number"].(float64)) != len(tasks) {
				t.Errorf("counters: total_annotations_number %v finished_task_number %v, want %d and %d", p["total_annotations_number"], p["finished_task_number"], n, len(tasks))
			}
			t.Logf("%s: %d annotations by %d clients: API %.0f/s, delivered and validated %.0f events/s", mode.name, n, clients, float64(n)/apiDone.Seconds(), float64(n)/total.Seconds())
		})
	}
}

// flaky answers 500 to a seeded 30 % of webhooks and counts the 200s per
// annotation id.
type flaky struct {
	mu    sync.Mutex
	rng   *rand.Rand
	acked map[int]int
	fails int
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var b struct {
		Annotation struct {
			ID int `json:"id"`
		} `json:"annotation"`
	}
	_ = json.Unmarshal(body, &b)
	f.mu.Lock()
	fail := f.rng.Float64() < 0.3
	if fail {
		f.fails++
	} else {
		f.acked[b.Annotation.ID]++
	}
	f.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func TestLoadRandomFailures(t *testing.T) {
	n := annotationsWanted() / 5
	t.Run("with retries every event is delivered once", func(t *testing.T) {
		f := &flaky{rng: rand.New(rand.NewPCG(1, 2)), acked: map[int]int{}}
		ts := httptest.NewServer(f)
		defer ts.Close()
		schedule := make([]time.Duration, 12)
		for i := range schedule {
			schedule[i] = time.Millisecond
		}
		srv := servertest.NewServer(t, servertest.WithConfig(server.Config{Token: server.DefaultToken, RetrySchedule: schedule}))
		c := newClient(srv)
		_, tasks := setup(t, c, ts.URL+"/hook", 100)
		ids := annotate(t, c, tasks, n)
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, id := range ids {
			if f.acked[id] != 1 {
				t.Errorf("annotation %d acknowledged %d times, want 1", id, f.acked[id])
			}
		}
		log := srv.Mock.Deliveries(func(a server.Attempt) bool { return a.Outcome == server.OutcomeFailed })
		if len(log) != f.fails {
			t.Errorf("delivery log has %d failed attempts, the receiver failed %d", len(log), f.fails)
		}
		t.Logf("%d events, %d failed attempts retried, all delivered once", n, f.fails)
	})
	t.Run("Label Studio mode logs and counts every failure", func(t *testing.T) {
		f := &flaky{rng: rand.New(rand.NewPCG(3, 4)), acked: map[int]int{}}
		ts := httptest.NewServer(f)
		defer ts.Close()
		// Counting on (1.23.2 counts nothing), with a threshold never reached.
		srv := servertest.NewServer(t, servertest.WithMaxConsecutiveFailures(1<<30))
		c := newClient(srv)
		_, tasks := setup(t, c, ts.URL+"/hook", 100)
		annotate(t, c, tasks, n)
		failed := srv.Mock.Deliveries(func(a server.Attempt) bool { return a.Outcome == server.OutcomeFailed })
		all := srv.Mock.Deliveries(nil)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(failed) != f.fails || len(all) != n {
			t.Errorf("log: %d failed of %d attempts; receiver failed %d of %d", len(failed), len(all), f.fails, n)
		}
		// The counter equals the run of failures at the end of the log.
		run := 0
		for i := len(all) - 1; i >= 0 && all[i].Outcome == server.OutcomeFailed; i-- {
			run++
		}
		hooks, err := c.do("GET", "/api/webhooks/1", nil, 200)
		if err != nil {
			t.Fatal(err)
		}
		if int(hooks["consecutive_failures"].(float64)) != run {
			t.Errorf("consecutive_failures %v, want the trailing run of failures %d", hooks["consecutive_failures"], run)
		}
		t.Logf("%d events, %d failures logged and counted (%.1f%%)", n, f.fails, 100*float64(f.fails)/float64(n))
	})
}
