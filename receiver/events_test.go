package receiver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

func seqs(recs []receiver.Record) []int64 {
	out := []int64{}
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

func TestEventsFilter(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	posts := []struct{ path, body string }{
		{"/a", `{"action":"TASKS_CREATED"}`},                      // 1 valid
		{"/a", `{"action":"PROJECT_DELETED","project":{"id":3}}`}, // 2 valid
		{"/b", `{"action":"TASKS_CREATED","tasks":[{"id":"x"}]}`}, // 3 invalid
		{"/b", `not json`},                                          // 4 invalid, no action
		{"/a", `{"action":"TASKS_CREATED"}`},                        // 5 valid
		{"/b", `{"action":"PROJECT_DELETED","project":{"id":"3"}}`}, // 6 invalid
	}
	for _, p := range posts {
		do(t, http.MethodPost, srv.URL+p.path, p.body, nil)
	}
	tests := []struct {
		query  string
		filter receiver.Filter
		want   []int64
	}{
		{"", receiver.Filter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"action=TASKS_CREATED", receiver.Filter{Action: schemas.TasksCreated}, []int64{1, 3, 5}},
		{"valid=true", receiver.Filter{Valid: new(true)}, []int64{1, 2, 5}},
		{"valid=false", receiver.Filter{Valid: new(false)}, []int64{3, 4, 6}},
		{"since=3", receiver.Filter{Since: 3}, []int64{4, 5, 6}},
		{"since=6", receiver.Filter{Since: 6}, []int64{}},
		{"path=/b", receiver.Filter{Path: "/b"}, []int64{3, 4, 6}},
		{"action=PROJECT_DELETED&valid=false", receiver.Filter{Action: schemas.ProjectDeleted, Valid: new(false)}, []int64{6}},
		{"action=TASKS_CREATED&valid=true&since=1&path=/a", receiver.Filter{Action: schemas.TasksCreated, Valid: new(true), Since: 1, Path: "/a"}, []int64{5}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, b := do(t, http.MethodGet, srv.URL+"/events?"+tt.query, "", nil)
			if status != http.StatusOK {
				t.Fatalf("GET /events?%s: status %d; answer %s", tt.query, status, b)
			}
			if diff := cmp.Diff(tt.want, seqs(decode[[]receiver.Record](t, b))); diff != "" {
				t.Errorf("GET /events?%s: seqs (-want +got):\n%s", tt.query, diff)
			}
			if diff := cmp.Diff(tt.want, seqs(rc.Events(tt.filter))); diff != "" {
				t.Errorf("Events(%+v): seqs (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

func TestEventsDelete(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	for range 3 {
		do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	}
	status, b := do(t, http.MethodDelete, srv.URL+"/events", "", nil)
	if status != http.StatusOK || decode[map[string]int](t, b)["deleted"] != 3 {
		t.Errorf("DELETE /events: %d %s, want 200 {\"deleted\":3}", status, b)
	}
	if _, b := do(t, http.MethodGet, srv.URL+"/events", "", nil); string(b) != "[]\n" {
		t.Errorf("GET /events after DELETE: %s, want []", b)
	}
	do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	if diff := cmp.Diff([]int64{4}, seqs(rc.Events(receiver.Filter{}))); diff != "" {
		t.Errorf("seq after DELETE /events keeps counting (-want +got):\n%s", diff)
	}
}

func TestEventsWait(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	do(t, http.MethodPost, srv.URL+"/", `{"action":"PROJECT_DELETED","project":{"id":3}}`, nil) // seq 1, not matching

	type result struct {
		status int
		recs   []receiver.Record
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events/wait?action=TASKS_CREATED&count=2&timeout=5s", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{status: -1}
			return
		}
		defer resp.Body.Close()
		var recs []receiver.Record
		_ = json.NewDecoder(resp.Body).Decode(&recs)
		done <- result{resp.StatusCode, recs}
	}()
	for range 3 {
		do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil) // seqs 2, 3, 4
	}
	select {
	case r := <-done:
		if r.status != http.StatusOK {
			t.Fatalf("GET /events/wait count=2: status %d, want 200", r.status)
		}
		if diff := cmp.Diff([]int64{2, 3}, seqs(r.recs)); diff != "" {
			t.Errorf("GET /events/wait count=2: the first two matching (-want +got):\n%s", diff)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GET /events/wait did not answer within 10s though 2 matching records arrived")
	}

	// Go API: a waiter started before the record arrives is woken by it.
	got := make(chan []int64, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		recs, _ := rc.Wait(ctx, receiver.Filter{Action: schemas.TasksCreated, Since: 4}, 1)
		got <- seqs(recs)
	}()
	do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	if diff := cmp.Diff([]int64{5}, <-got); diff != "" {
		t.Errorf("Wait since=4 (-want +got):\n%s", diff)
	}
}

func TestEventsWaitTimeout(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)

	status, b := do(t, http.MethodGet, srv.URL+"/events/wait?action=TASKS_CREATED&count=2&timeout=50ms", "", nil)
	if status != http.StatusRequestTimeout {
		t.Errorf("GET /events/wait count=2 with 1 record: status %d, want 408; answer %s", status, b)
	}
	if diff := cmp.Diff([]int64{1}, seqs(decode[[]receiver.Record](t, b))); diff != "" {
		t.Errorf("408 answer holds what arrived (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.TasksCreated}, 2)
	if !errors.Is(err, context.DeadlineExceeded) || len(recs) != 1 {
		t.Errorf("Wait for 2 with 1 record: %d records, err %v; want 1 and context.DeadlineExceeded", len(recs), err)
	}
}

func TestEventsWaitEndsOnClose(t *testing.T) {
	rc, _ := start(t, receiver.Config{})
	errc := make(chan error, 1)
	go func() {
		_, err := rc.Wait(context.Background(), receiver.Filter{}, 1)
		errc <- err
	}()
	rc.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, receiver.ErrClosed) {
			t.Errorf("Wait across Close: err %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait without deadline did not end when the receiver closed")
	}
}

// TestConcurrentSenders posts from many goroutines at once: every webhook
// gets exactly one record and the seqs are 1..n without a gap.
func TestConcurrentSenders(t *testing.T) {
	const senders, each = 32, 50
	rc, srv := start(t, receiver.Config{})
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf(`{"action":"TASKS_DELETED","tasks":[{"id":%d}]}`, g*each+i)
				resp, err := http.Post(srv.URL+fmt.Sprintf("/sender/%d", g), "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("POST %s: status %d", body, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	recs := rc.Events(receiver.Filter{})
	if len(recs) != senders*each {
		t.Fatalf("got %d records, want %d", len(recs), senders*each)
	}
	var ids []int
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d, want %d: seqs must be 1..n in order", i, r.Seq, i+1)
		}
		var body struct{ Tasks []struct{ ID int } }
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Tasks) != 1 {
			t.Fatalf("record %d: body %s: %v", r.Seq, r.Body, err)
		}
		ids = append(ids, body.Tasks[0].ID)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != i {
			t.Fatalf("task ids received: %d at position %d, want %d: a webhook was lost or doubled", id, i, i)
		}
	}
}
