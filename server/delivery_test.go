package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/pyhttp"
)

// fakeHooks is a hookStore whose webhook is live or not.
type fakeHooks struct{ isLive bool }

func (f fakeHooks) live(id, gen int) bool { return f.isLive }
func (f fakeHooks) withWebhook(id, gen int, fn func(w *webhook) bool) {
	fn(&webhook{ID: id, IsActive: true})
}

// countingSender answers 200 and counts the bodies it was given.
type countingSender struct{ posts, bytes int }

func (c *countingSender) post(_ context.Context, _ string, _ []pyhttp.Header, body []byte) (int, http.Header, error) {
	c.posts++
	c.bytes += len(body)
	return http.StatusOK, http.Header{}, nil
}
func (c *countingSender) closeIdle() {}

// TestDeliverBuildsTheBodyOnlyToSendIt: a chunk's lazily built body
// (megabytes for 5000 tasks) is built only for a delivery that is sent;
// one skipped, dropped or left at shutdown records body_bytes 0.
func TestDeliverBuildsTheBodyOnlyToSendIt(t *testing.T) {
	body := []byte(`{"action": "TASKS_CREATED", "tasks": []}`)
	for _, tc := range []struct {
		name        string
		live        bool
		drop        float64
		shutDown    bool
		wantOutcome string
		wantBuilds  int
		wantBytes   int
	}{
		{name: "sent", live: true, wantOutcome: OutcomeDelivered, wantBuilds: 1, wantBytes: len(body)},
		{name: "webhook gone", live: false, wantOutcome: OutcomeSkipped},
		{name: "dropped on purpose", live: true, drop: 1, wantOutcome: OutcomeDropped},
		{name: "left at shutdown", live: true, shutDown: true, wantOutcome: OutcomeUndelivered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			send := &countingSender{}
			set := deliverySettings{faults: Faults{Drop: tc.drop}, now: time.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			d := newDispatcher(fakeHooks{tc.live}, set, send, nil, 10)
			if tc.shutDown {
				d.cancel()
			}
			builds := 0
			full := &chunkBody{users: 1, build: func() []byte { builds++; return body }}
			d.deliver(delivery{id: "msg_1", webhookID: 1, action: "TASKS_CREATED", url: "http://127.0.0.1:1/hook", full: full})
			got := d.log.items
			if len(got) != 1 {
				t.Fatalf("%d attempts logged, want 1: %+v", len(got), got)
			}
			if got[0].Outcome != tc.wantOutcome || got[0].BodyBytes != tc.wantBytes || builds != tc.wantBuilds || send.bytes != tc.wantBytes {
				t.Errorf("outcome %q, body_bytes %d, bodies built %d, bytes posted %d; want %q, %d, %d, %d",
					got[0].Outcome, got[0].BodyBytes, builds, send.bytes, tc.wantOutcome, tc.wantBytes, tc.wantBuilds, tc.wantBytes)
			}
			if full.body != nil {
				t.Errorf("the chunk's body is still held after its last delivery")
			}
		})
	}
}
