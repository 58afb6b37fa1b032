package receiver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/internal/syncbuf"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

// Finding: the receiver kept every record forever. With MaxRecords it keeps
// the newest, counts what it dropped in the /events answers and logs the
// first drop once.
func TestRecordsKeptForeverNowCapped(t *testing.T) {
	var logs syncbuf.Buffer
	rc, srv := start(t, receiver.Config{MaxRecords: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 5 {
		do(t, http.MethodPost, srv.URL+"/", fmt.Sprintf(`{"action":"PROJECT_DELETED","project":{"id":%d}}`, i+1), nil)
	}

	if diff := cmp.Diff([]int64{3, 4, 5}, seqs(rc.Events(receiver.Filter{}))); diff != "" {
		t.Errorf("Events after 5 webhooks with MaxRecords 3: seqs (-want +got):\n%s", diff)
	}
	if got := rc.Dropped(); got != 2 {
		t.Errorf("Dropped() = %d, want 2", got)
	}
	for _, path := range []string{"/events", "/events?since=4", "/events/wait?count=1"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get(receiver.DroppedHeader); got != "2" {
			t.Errorf("GET %s: header %s %q, want \"2\"", path, receiver.DroppedHeader, got)
		}
	}
	if n := strings.Count(logs.String(), "record limit reached"); n != 1 {
		t.Errorf("the drop is logged %d times, want once:\n%s", n, logs.String())
	}

	// A cursor into dropped records still works: since=1 starts at the oldest kept.
	if diff := cmp.Diff([]int64{3, 4, 5}, seqs(rc.Events(receiver.Filter{Since: 1}))); diff != "" {
		t.Errorf("Events since=1 (-want +got):\n%s", diff)
	}
	status, b := do(t, http.MethodDelete, srv.URL+"/events", "", nil)
	if want := `{"deleted":3,"dropped":2}` + "\n"; status != http.StatusOK || string(b) != want {
		t.Errorf("DELETE /events: %d %s, want 200 %s", status, b, want)
	}
	for i := range 4 {
		do(t, http.MethodPost, srv.URL+"/", fmt.Sprintf(`{"action":"PROJECT_DELETED","project":{"id":%d}}`, i+6), nil)
	}
	if diff := cmp.Diff([]int64{7, 8, 9}, seqs(rc.Events(receiver.Filter{}))); diff != "" {
		t.Errorf("after DELETE and 4 more: seqs (-want +got):\n%s", diff)
	}
	if got, n := rc.Dropped(), strings.Count(logs.String(), "record limit reached"); got != 3 || n != 1 {
		t.Errorf("Dropped() = %d and %d log lines, want 3 and still 1", got, n)
	}
}

// Finding: memory stayed taken after DELETE /events. Neither the store nor
// the answers may keep a body alive once its record is gone.
func TestDeletedRecordsStayInMemory(t *testing.T) {
	tests := []struct {
		name string
		drop func(t *testing.T, srv string)
	}{
		{"DELETE /events", func(t *testing.T, srv string) {
			if status, b := do(t, http.MethodDelete, srv+"/events", "", nil); status != http.StatusOK {
				t.Fatalf("DELETE /events: %d %s", status, b)
			}
		}},
		{"dropped by the cap", func(t *testing.T, srv string) {
			for range 3 {
				do(t, http.MethodPost, srv+"/", `{"action":"PROJECT_DELETED","project":{"id":1}}`, nil)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := start(t, receiver.Config{MaxRecords: 3})
			big := `{"action":"TASKS_CREATED","tasks":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`
			do(t, http.MethodPost, srv.URL+"/", big, nil)
			do(t, http.MethodGet, srv.URL+"/events", "", nil) // an answer must not pin it either
			do(t, http.MethodGet, srv.URL+"/events/wait?count=1", "", nil)
			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 || len(recs[0].Body) < 1<<20 {
				t.Fatalf("want one record holding the 1 MiB body, got %d", len(recs))
			}
			body := weak.Make(&recs[0].Body[0])
			recs = nil

			tt.drop(t, srv.URL)
			// A weak pointer turns nil once nothing references the body.
			for range 3 {
				runtime.GC()
			}
			if body.Value() != nil {
				t.Errorf("%s: the body of a record that is gone is still referenced", tt.name)
			}
		})
	}
}

// Finding: GET /events/wait rescanned every record on each arrival. Wait
// keeps a cursor instead; these cases check it returns exactly what a full
// rescan would, across drops and DELETE /events. (BenchmarkWaitAmongManyRecords
// measures the cost.)
func TestWaitRescannedEveryRecord(t *testing.T) {
	post := func(t *testing.T, url, action string) {
		t.Helper()
		body := `{"action":"PROJECT_DELETED","project":{"id":1}}`
		if action == "T" {
			body = `{"action":"TASKS_CREATED"}`
		}
		do(t, http.MethodPost, url+"/", body, nil)
	}
	tests := []struct {
		name    string
		max     int
		before  string // records before the wait: T matches, P does not
		during  string // records while waiting; D is DELETE /events
		count   int
		waiting bool    // the wait is still open after "during" (then want is what it holds)
		want    []int64 // seqs returned
	}{
		{name: "matches found before and after", before: "PTP", during: "PPT", count: 2, want: []int64{2, 6}},
		{name: "a match dropped by the cap no longer counts", max: 3, before: "T", during: "PPPT", count: 2, waiting: true, want: []int64{5}},
		{name: "a match removed by DELETE no longer counts", before: "T", during: "DPT", count: 2, waiting: true, want: []int64{3}},
		{name: "DELETE then enough new matches", before: "T", during: "DTT", count: 2, want: []int64{2, 3}},
		{name: "the first n, not the newest", during: "TTTT", count: 2, want: []int64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := start(t, receiver.Config{MaxRecords: tt.max})
			for _, a := range tt.before {
				post(t, srv.URL, string(a))
			}
			type result struct {
				recs []receiver.Record
				err  error
			}
			done := make(chan result, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				recs, err := rc.Wait(ctx, receiver.Filter{Action: schemas.TasksCreated}, tt.count)
				done <- result{recs, err}
			}()
			for _, a := range tt.during {
				if a == 'D' {
					do(t, http.MethodDelete, srv.URL+"/events", "", nil)
					continue
				}
				post(t, srv.URL, string(a))
			}
			var r result
			if tt.waiting {
				// Nothing may satisfy the wait: end it and check what it had.
				select {
				case r = <-done:
					t.Fatalf("Wait returned %v (%v), want it still waiting", seqs(r.recs), r.err)
				default:
				}
				cancel()
			}
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Wait did not return within 10s")
			}
			if (r.err != nil) != tt.waiting {
				t.Errorf("Wait: err %v, want an error only when cancelled while waiting (%v)", r.err, tt.waiting)
			}
			if diff := cmp.Diff(tt.want, seqs(r.recs)); diff != "" {
				t.Errorf("before %q, during %q, count %d: seqs (-want +got):\n%s", tt.before, tt.during, tt.count, diff)
			}
		})
	}
}
