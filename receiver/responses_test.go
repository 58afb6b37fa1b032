package receiver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
)

// lineWriter is a record file in memory that wakes waiters at each line.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	added chan struct{} // closed and replaced at every Write
}

func newLineWriter() *lineWriter { return &lineWriter{added: make(chan struct{})} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	close(w.added)
	w.added = make(chan struct{})
	return len(p), nil
}

// lines returns the complete lines written so far.
func (w *lineWriter) lines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	rest := string(w.buf)
	for {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			return out
		}
		out = append(out, rest[:i])
		rest = rest[i+1:]
	}
}

// wait returns the first n lines once they are written, or fails the test
// after timeout.
func (w *lineWriter) wait(t testing.TB, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		added := w.added
		w.mu.Unlock()
		if l := w.lines(); len(l) >= n {
			return l[:n]
		}
		select {
		case <-added:
		case <-deadline:
			t.Fatalf("record file: %d lines after %s, want %d", len(w.lines()), timeout, n)
		}
	}
}

func TestResponsePlan(t *testing.T) {
	tests := []struct {
		name       string
		plan       string
		wantPlan   string // GET /responses right after PUT
		wantStatus []int  // answers to the next webhooks
	}{
		{
			name:       "500 three times then 200",
			plan:       `{"status": 500, "times": 3}`,
			wantPlan:   `[{"status":500,"times":3}]`,
			wantStatus: []int{500, 500, 500, 200, 200},
		},
		{
			name:       "list of steps",
			plan:       `[{"status": 502}, {"delay": "1ms"}, {"status": 429, "times": 2}]`,
			wantPlan:   `[{"status":502,"times":1},{"status":200,"delay":"1ms","times":1},{"status":429,"times":2}]`,
			wantStatus: []int{502, 200, 429, 429, 200},
		},
		{
			name:       "no content",
			plan:       `{"status": 204}`,
			wantPlan:   `[{"status":204,"times":1}]`,
			wantStatus: []int{204, 200},
		},
		{
			name:       "empty list",
			plan:       `[]`,
			wantPlan:   `[]`,
			wantStatus: []int{200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := start(t, receiver.Config{})
			status, b := do(t, http.MethodPut, srv.URL+"/responses", tt.plan, nil)
			if status != http.StatusOK || strings.TrimSpace(string(b)) != tt.wantPlan {
				t.Errorf("PUT /responses %s: %d %s, want 200 %s", tt.plan, status, b, tt.wantPlan)
			}
			if _, b := do(t, http.MethodGet, srv.URL+"/responses", "", nil); strings.TrimSpace(string(b)) != tt.wantPlan {
				t.Errorf("GET /responses: %s, want %s", b, tt.wantPlan)
			}
			var got []int
			for range tt.wantStatus {
				status, _ := do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
				got = append(got, status)
			}
			if diff := cmp.Diff(tt.wantStatus, got); diff != "" {
				t.Errorf("answers after plan %s (-want +got):\n%s", tt.plan, diff)
			}
			var recorded []int
			for _, r := range rc.Events(receiver.Filter{}) {
				recorded = append(recorded, r.ResponseStatus)
			}
			if diff := cmp.Diff(tt.wantStatus, recorded); diff != "" {
				t.Errorf("response_status recorded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResponsePlanCountsDownAndResets(t *testing.T) {
	_, srv := start(t, receiver.Config{})
	do(t, http.MethodPut, srv.URL+"/responses", `{"status": 500, "delay": "1ms", "times": 3}`, nil)

	// A body the receiver rejects by its own rules keeps its status and
	// leaves the plan alone.
	if status, _ := do(t, http.MethodPost, srv.URL+"/", `not json`, nil); status != http.StatusBadRequest {
		t.Errorf("non-JSON under a 500 plan: status %d, want 400", status)
	}
	if status, _ := do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil); status != http.StatusInternalServerError {
		t.Errorf("first webhook under the plan: status %d, want 500", status)
	}
	if _, b := do(t, http.MethodGet, srv.URL+"/responses", "", nil); strings.TrimSpace(string(b)) != `[{"status":500,"delay":"1ms","times":2}]` {
		t.Errorf("GET /responses after one use: %s, want times 2", b)
	}
	if status, b := do(t, http.MethodDelete, srv.URL+"/responses", "", nil); status != http.StatusOK || strings.TrimSpace(string(b)) != `[]` {
		t.Errorf("DELETE /responses: %d %s, want 200 []", status, b)
	}
	if status, _ := do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil); status != http.StatusOK {
		t.Errorf("webhook after DELETE /responses: status %d, want 200", status)
	}
}

func TestSetResponsesRejectsBadStep(t *testing.T) {
	rc := receiver.New(receiver.Config{})
	err := rc.SetResponses(receiver.Step{Status: 500}, receiver.Step{Status: 42})
	if err == nil || err.Error() != "step 2: status: want 200 to 599, got 42" {
		t.Errorf("SetResponses with status 42: err %v, want step 2 named", err)
	}
	if got := rc.Responses(); len(got) != 0 {
		t.Errorf("a rejected plan replaced the old one: %v", got)
	}
}

// TestResponseDelayEndsWhenSenderGivesUp plans an hour's delay: when the
// sender times out, the handler stops waiting and records it abandoned.
func TestResponseDelayEndsWhenSenderGivesUp(t *testing.T) {
	lw := newLineWriter()
	rc, srv := start(t, receiver.Config{RecordFile: lw})
	if err := rc.SetResponses(receiver.Step{Status: 503, Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/", strings.NewReader(`{"action":"TASKS_CREATED"}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("POST under a 1h delay answered %d before the sender's 100ms timeout", resp.StatusCode)
	}

	line := lw.wait(t, 1, 10*time.Second)[0] // written only once the delay is over
	rec := decode[receiver.Record](t, []byte(line))
	if !rec.Abandoned || rec.ResponseStatus != 503 {
		t.Errorf("record after the sender gave up: abandoned %v, response_status %d; want true, 503", rec.Abandoned, rec.ResponseStatus)
	}
	if got := rc.Events(receiver.Filter{}); len(got) != 1 || !got[0].Abandoned {
		t.Errorf("stored record not marked abandoned: %+v", got)
	}
}

// TestResponseDelayEndsOnClose: closing the receiver cuts a planned delay
// short and the sender gets the planned status at once.
func TestResponseDelayEndsOnClose(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	if err := rc.SetResponses(receiver.Step{Status: 502, Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	statusc := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/", "application/json", strings.NewReader(`{"action":"TASKS_CREATED"}`))
		if err != nil {
			statusc <- -1
			return
		}
		resp.Body.Close()
		statusc <- resp.StatusCode
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rc.Wait(ctx, receiver.Filter{}, 1); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	select {
	case status := <-statusc:
		if status != 502 {
			t.Errorf("sender's status after Close cut the delay: %d, want the planned 502", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a 1h planned delay")
	}
}

func TestStepJSON(t *testing.T) {
	steps := []receiver.Step{{Status: 500, Delay: 2 * time.Second, Times: 3}, {Status: 200, Times: 1}}
	b, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"status":500,"delay":"2s","times":3},{"status":200,"times":1}]`; string(b) != want {
		t.Errorf("marshal %v: %s, want %s", steps, b, want)
	}
	var back []receiver.Step
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(steps, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
