package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server/servertest"
)

func newClient(t *testing.T) *apiclient.Client {
	t.Helper()
	mock := servertest.NewServer(t, servertest.WithOrganizationWebhooks())
	return apiclient.New(mock.URL, mock.Token)
}

func waitRecords(t *testing.T, rc *receivertest.Receiver, n int) []receiver.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	recs, err := rc.Wait(ctx, receiver.Filter{}, n)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestSetUpRegistersWebhooksBeforeSampleData(t *testing.T) {
	c := newClient(t)
	rc := receivertest.NewReceiver(t)
	if err := SetUp(context.Background(), c, Options{Webhooks: []string{rc.URL + "/hook"}, SampleData: true, Seed: 3}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Count   int `json:"count"`
		Results []struct {
			Title            string `json:"title"`
			TaskNumber       int    `json:"task_number"`
			TotalAnnotations int    `json:"total_annotations_number"`
			TotalPredictions int    `json:"total_predictions_number"`
		} `json:"results"`
	}
	if err := c.Call(context.Background(), http.MethodGet, "/api/projects?page_size=100&ordering=id", nil, &page); err != nil {
		t.Fatal(err)
	}
	if page.Count != len(fakedata.Samples) {
		t.Fatalf("%d projects, want the %d samples", page.Count, len(fakedata.Samples))
	}
	for i, p := range page.Results {
		if p.Title != fakedata.Samples[i].Title || p.TaskNumber != TasksPerProject || p.TotalAnnotations != TasksPerProject/2 || p.TotalPredictions != TasksPerProject/2 {
			t.Errorf("project %d: %+v, want %q with %d tasks, half annotated, half predicted", i, p, fakedata.Samples[i].Title, TasksPerProject)
		}
	}
	var got []schemas.Action
	for _, r := range rc.Events(receiver.Filter{}) {
		got = append(got, r.Action)
	}
	want := []schemas.Action{schemas.ProjectCreated, schemas.TasksCreated, schemas.ProjectCreated, schemas.TasksCreated, schemas.ProjectCreated, schemas.TasksCreated}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("webhooks during the set-up (-want +got):\n%s", diff)
	}
}

func TestSetUpOnARestoredStateAddsNoSampleData(t *testing.T) {
	c := newClient(t)
	if err := SetUp(context.Background(), c, Options{SampleData: true, Restored: true}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Count int `json:"count"`
	}
	if err := c.Call(context.Background(), http.MethodGet, "/api/projects", nil, &page); err != nil || page.Count != 0 {
		t.Errorf("projects after a restored set-up: %d (err %v), want 0", page.Count, err)
	}
}

func TestEnsureOrgWebhookReusesAndReactivates(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	const u = "http://127.0.0.1:9/hook"
	id, created, err := EnsureOrgWebhook(ctx, c, u)
	if err != nil || !created {
		t.Fatalf("first call: id %d, created %v, err %v; want a new webhook", id, created, err)
	}
	if err := c.Call(ctx, http.MethodPatch, "/api/webhooks/"+itoa(id), map[string]any{"is_active": false}, nil); err != nil {
		t.Fatal(err)
	}
	again, created, err := EnsureOrgWebhook(ctx, c, u)
	if err != nil || created || again != id {
		t.Fatalf("second call: id %d, created %v, err %v; want %d reused", again, created, err, id)
	}
	var hook struct {
		IsActive bool `json:"is_active"`
	}
	if err := c.Call(ctx, http.MethodGet, "/api/webhooks/"+itoa(id), nil, &hook); err != nil || !hook.IsActive {
		t.Errorf("the reused webhook is_active %v (err %v), want true", hook.IsActive, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// annotationEvent is what decides an ANNOTATION_* event, without its
// timestamps and unique id.
type annotationEvent struct {
	Action       schemas.Action
	Annotation   int
	Task         int
	WasCancelled bool
	Result       string
}

// simulate fills a new mock with the sample data of seed, runs three
// annotators on it and returns the first n annotation events.
func simulate(t *testing.T, seed int64, n int) []annotationEvent {
	t.Helper()
	c := newClient(t)
	rc := receivertest.NewReceiver(t)
	log := slog.New(slog.DiscardHandler)
	if err := SetUp(context.Background(), c, Options{Webhooks: []string{rc.URL}, SampleData: true, Seed: seed}, log); err != nil {
		t.Fatal(err)
	}
	a := StartAnnotators(context.Background(), c, 3, 200, seed, log)
	all := waitRecords(t, rc, 6+n)
	a.Stop()
	var out []annotationEvent
	for _, r := range all[6:] {
		if !r.Valid {
			t.Errorf("%s breaks the contract: %v", r.Action, r.Errors)
		}
		var body struct {
			Annotation struct {
				ID           int             `json:"id"`
				Task         int             `json:"task"`
				WasCancelled bool            `json:"was_cancelled"`
				Result       json.RawMessage `json:"result"`
			} `json:"annotation"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		b := body.Annotation
		out = append(out, annotationEvent{r.Action, b.ID, b.Task, b.WasCancelled, string(b.Result)})
	}
	return out[:n]
}

func TestAnnotatorsAreDeterministic(t *testing.T) {
	const n = 20
	first := simulate(t, 5, n)
	kinds := map[string]int{}
	for _, e := range first {
		switch {
		case e.Action == schemas.AnnotationCreated && e.WasCancelled:
			kinds["skip"]++
		case e.Action == schemas.AnnotationCreated:
			kinds["annotate"]++
		case e.Action == schemas.AnnotationUpdated:
			kinds["update"]++
		default:
			t.Errorf("simulated annotators sent %s", e.Action)
		}
	}
	if kinds["skip"] == 0 || kinds["annotate"] == 0 || kinds["update"] == 0 {
		t.Errorf("the stream lacks an action kind: %v", kinds)
	}
	second := simulate(t, 5, n)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("the same seed gave another stream (-first +second):\n%s", diff)
	}
}
