package trigger

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/receiver/receivertest"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// send starts a trigger with o, sends action a and returns the results.
func send(t *testing.T, o Options, a schemas.Action) []Result {
	t.Helper()
	tr, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var got []Result
	if err := tr.Send(context.Background(), a, func(r Result) { got = append(got, r) }); err != nil {
		t.Fatalf("send %s: %v", a, err)
	}
	return got
}

func TestSendEachAction(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	for _, info := range schemas.Catalog {
		a := info.Action
		t.Run(string(a), func(t *testing.T) {
			rc.Reset()
			got := send(t, Options{To: rc.URL + "/hook", Seed: 2}, a)
			if len(got) != 1 || got[0].Action != a || got[0].Status != 200 || !got[0].OK() {
				t.Fatalf("results %v, want one %s answered 200", got, a)
			}
			recs := rc.Events(receiver.Filter{})
			if len(recs) != 1 {
				t.Fatalf("%d webhooks arrived, want exactly 1 %s (set-up must not reach the target)", len(recs), a)
			}
			r := recs[0]
			if r.Action != a || !r.Valid || r.Path != "/hook" {
				t.Errorf("got %s at %s, valid %v %v\n%s", r.Action, r.Path, r.Valid, r.Errors, r.Body)
			}
			if ua := r.Headers.Get("User-Agent"); ua != server.DefaultUserAgent {
				t.Errorf("User-Agent %q, want %q like every delivery of the mock", ua, server.DefaultUserAgent)
			}
			var body map[string]json.RawMessage
			_ = json.Unmarshal(r.Body, &body)
			if _, ok := body[info.Key]; !ok {
				t.Errorf("the body lacks its payload key %q:\n%s", info.Key, r.Body)
			}
		})
	}
}

func TestNoPayloadAndHeaders(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	headers := [][2]string{{"X-Token", "s3cret"}, {"X-Env", "dev"}, {"User-Agent", "my-ua"}}
	for _, a := range []schemas.Action{schemas.TasksCreated, schemas.ProjectDeleted, schemas.LabelLinkUpdated} {
		rc.Reset()
		send(t, Options{To: rc.URL, NoPayload: true, Headers: headers}, a)
		recs := rc.Events(receiver.Filter{})
		if len(recs) != 1 {
			t.Fatalf("%s: %d webhooks, want 1", a, len(recs))
		}
		r := recs[0]
		if string(r.Body) != `{"action":"`+string(a)+`"}` {
			t.Errorf("%s: body %s, want only the action", a, r.Body)
		}
		for k, want := range map[string]string{"X-Token": "s3cret", "X-Env": "dev", "User-Agent": "my-ua", "Content-Type": "application/json"} {
			if got := r.Headers.Get(k); got != want {
				t.Errorf("%s: header %s = %q, want %q", a, k, got, want)
			}
		}
	}
}

func TestLabelConfigShapesTheData(t *testing.T) {
	rc := receivertest.NewReceiver(t)
	send(t, Options{To: rc.URL, LabelConfig: fakedata.NERConfig, Count: 3}, schemas.AnnotationCreated)
	recs := rc.Events(receiver.Filter{})
	if len(recs) != 3 {
		t.Fatalf("%d webhooks, want 3", len(recs))
	}
	regions := 0
	for _, r := range recs {
		var body struct {
			Annotation struct {
				Result []struct {
					FromName string `json:"from_name"`
					Type     string `json:"type"`
					Value    struct {
						Start  int      `json:"start"`
						End    int      `json:"end"`
						Text   string   `json:"text"`
						Labels []string `json:"labels"`
					} `json:"value"`
				} `json:"result"`
			} `json:"annotation"`
			Task struct {
				Data struct {
					Text string `json:"text"`
				} `json:"data"`
			} `json:"task"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		regions += len(body.Annotation.Result)
		for _, reg := range body.Annotation.Result {
			v := reg.Value
			if reg.FromName != "label" || reg.Type != "labels" || len(v.Labels) != 1 || !slices.Contains([]string{"PER", "ORG", "LOC", "MISC"}, v.Labels[0]) {
				t.Errorf("region %+v does not follow the NER config", reg)
			}
			if text := body.Task.Data.Text; v.End > len(text) || text[v.Start:v.End] != v.Text {
				t.Errorf("span %d..%d %q does not match the task text %q", v.Start, v.End, v.Text, text)
			}
		}
	}
	if regions == 0 {
		t.Error("no annotation has a region")
	}
}

func TestSameSeedSameData(t *testing.T) {
	data := func(seed int64) string {
		rc := receivertest.NewReceiver(t)
		send(t, Options{To: rc.URL, Seed: seed, Count: 2}, schemas.TasksCreated)
		var all []string
		for _, r := range rc.Events(receiver.Filter{}) {
			var body struct {
				Tasks []struct {
					Data json.RawMessage `json:"data"`
				} `json:"tasks"`
			}
			_ = json.Unmarshal(r.Body, &body)
			for _, task := range body.Tasks {
				all = append(all, string(task.Data))
			}
		}
		return strings.Join(all, "\n")
	}
	a, b, c := data(9), data(9), data(10)
	if a != b {
		t.Errorf("seed 9 sent different data twice:\n%s\n---\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 9 and 10 sent the same data:\n%s", a)
	}
}

func TestResultLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Result
		want string
	}{
		{"answered", Result{Action: schemas.TasksCreated, Status: 200, Duration: 1234567}, "TASKS_CREATED        200   1.23ms"},
		{"failed", Result{Action: schemas.ProjectCreated, Err: errString("connection refused"), Duration: 500000}, "PROJECT_CREATED      error 500µs  connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.String(); got != tc.want {
				t.Errorf("line of %+v\n got %q\nwant %q", tc.r, got, tc.want)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }
