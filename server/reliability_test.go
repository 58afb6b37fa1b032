package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/internal/signing"
)

// deliveries reads GET /_labelhook/deliveries with a query.
func (e *apiEnv) deliveries(query string) []Attempt {
	e.t.Helper()
	status, body := e.call("GET", "/_labelhook/deliveries?"+query, nil)
	if status != 200 {
		e.t.Fatalf("deliveries: status %d: %s", status, body)
	}
	var out []Attempt
	if err := json.Unmarshal(body, &out); err != nil {
		e.t.Fatalf("deliveries: %v: %s", err, body)
	}
	return out
}

func outcomes(as []Attempt) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Outcome+"/"+strconv.Itoa(a.Attempt))
	}
	return out
}

func TestDeliveryLogRecordsEveryAttempt(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(n int) (int, time.Duration) {
		if n == 2 {
			return 500, 0
		}
		return 200, 0
	})
	e := newAPI(t, Config{})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	e.importTasks(pid, 1)
	log := e.deliveries("")
	if diff := cmp.Diff([]string{"delivered/1", "failed/1"}, outcomes(log)); diff != "" {
		t.Fatalf("log (-want +got):\n%s", diff)
	}
	a := log[1]
	if a.WebhookID != hid || a.Action != "TASKS_CREATED" || a.URL != h.URL || a.Status != 500 || !a.Final || a.BodyBytes == 0 || a.DeliveryID == "" || a.At.IsZero() {
		t.Errorf("incomplete attempt record: %+v", a)
	}
	if got := e.deliveries("outcome=failed"); len(got) != 1 || got[0].Seq != a.Seq {
		t.Errorf("outcome filter: %+v", got)
	}
	// A repeated parameter counts by its last value, as Django reads it.
	if got := e.deliveries("outcome=lost&outcome=failed&since=x&since=0"); len(got) != 1 || got[0].Seq != a.Seq {
		t.Errorf("repeated parameters: %+v", got)
	}
	if got := e.deliveries("webhook=" + itoa(hid+1)); len(got) != 0 {
		t.Errorf("webhook filter: %+v", got)
	}
	if got := e.deliveries("action=TASKS_CREATED"); len(got) != 2 {
		t.Errorf("action filter: %d", len(got))
	}
	for _, bad := range []string{"outcome=lost", "action=TASK_CREATED", "webhook=x"} {
		if status, body := e.call("GET", "/_labelhook/deliveries?"+bad, nil); status != 400 {
			t.Errorf("%s: status %d: %s", bad, status, body)
		}
	}
	if status, _ := e.callHeader("GET", "/_labelhook/deliveries", nil, nil); status != 401 {
		t.Errorf("deliveries without a token: %d, want 401", status)
	}
}

func TestResetClearsEverything(t *testing.T) {
	e, h, pid := newHookedAPI(t)
	e.importTasks(pid, 3)
	e.must("POST", "/_labelhook/reset", nil, 200)
	if out := e.must("GET", "/api/projects", nil, 200); out["count"].(float64) != 0 {
		t.Errorf("projects after reset: %v", out["count"])
	}
	if l := e.mustList("GET", "/api/webhooks", nil, 200); len(l) != 0 {
		t.Errorf("webhooks after reset: %v", l)
	}
	if log := e.deliveries(""); len(log) != 0 {
		t.Errorf("delivery log after reset: %v", log)
	}
	if id := e.project("After reset"); id != 1 {
		t.Errorf("first project after reset has id %d, want 1", id)
	}
	if n := len(h.all()); n != 1 {
		t.Errorf("reset sent webhooks: %d deliveries in all, want the 1 from the import", n)
	}
}

func TestRetryScheduleRetriesUntil2xx(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(n int) (int, time.Duration) {
		if n < 3 {
			return 500, 0
		}
		return 200, 0
	})
	e := newAPI(t, Config{MaxConsecutiveFailures: 50, RetrySchedule: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	got := h.all()
	if len(got) != 3 {
		t.Fatalf("receiver got %d attempts, want 3", len(got))
	}
	if diff := cmp.Diff([]string{"failed/1", "failed/2", "delivered/3"}, outcomes(e.deliveries(""))); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["consecutive_failures"].(float64) != 0 {
		t.Errorf("a delivery that finally succeeded counted as a failure: %v", w["consecutive_failures"])
	}
}

func TestRetryExhaustedCountsOneFailure(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 500, 0 })
	e := newAPI(t, Config{MaxConsecutiveFailures: 50, RetrySchedule: []time.Duration{time.Millisecond, time.Millisecond}})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	if n := len(h.all()); n != 3 {
		t.Errorf("attempts %d, want 3", n)
	}
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["consecutive_failures"].(float64) != 1 {
		t.Errorf("consecutive_failures %v, want 1 (one failed delivery)", w["consecutive_failures"])
	}
}

func TestRetryGoneDisablesWebhook(t *testing.T) {
	h := newHookReceiver(t)
	h.setRespond(func(int) (int, time.Duration) { return 410, 0 })
	e := newAPI(t, Config{RetrySchedule: []time.Duration{time.Millisecond}})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	e.importTasks(pid, 1)
	if n := len(h.all()); n != 1 {
		t.Errorf("attempts %d, want 1 (410 stops retries and disables)", n)
	}
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["is_active"] != false {
		t.Errorf("webhook still active after 410")
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	if got := retryAfter("2", time.Now()); got != 2*time.Second {
		t.Errorf("Retry-After 2 = %s", got)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); got != 90*time.Second {
		t.Errorf("Retry-After date = %s", got)
	}
	if got := retryAfter("999999", now); got != maxRetryAfter {
		t.Errorf("Retry-After is not capped: %s", got)
	}
	if got := retryAfter("soon", now); got != -1 {
		t.Errorf("unreadable Retry-After = %s, want -1 (none)", got)
	}
	if got := retryAfter("", now); got != -1 {
		t.Errorf("absent Retry-After = %s, want -1", got)
	}
	if got := retryAfter("0", now); got != 0 {
		t.Errorf("Retry-After 0 = %s, want 0 (retry at once)", got)
	}
}

func TestSigningHeadersVerify(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h := newHookReceiver(t)
	h.setRespond(func(n int) (int, time.Duration) {
		if n == 1 {
			return 500, 0
		}
		return 200, 0
	})
	e := newAPI(t, Config{SigningSecret: secret, RetrySchedule: []time.Duration{time.Millisecond}})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	got := h.all()
	if len(got) != 2 {
		t.Fatalf("attempts %d, want 2", len(got))
	}
	signer, _ := signing.New(secret)
	for _, r := range got {
		if err := signer.Verify(r.Header.Get("Webhook-Id"), r.Header.Get("Webhook-Timestamp"), r.Header.Get("Webhook-Signature"), r.Body); err != nil {
			t.Errorf("signature does not verify: %v (%v)", err, r.Header)
		}
	}
	if a, b := got[0].Header.Get("Webhook-Id"), got[1].Header.Get("Webhook-Id"); a == "" || a != b {
		t.Errorf("webhook-id %q then %q: want the same id on a retry", a, b)
	}
}

func TestFaultDropIsLoggedNeverSilent(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{MaxConsecutiveFailures: 50, Faults: Faults{Drop: 1, Seed: 7}})
	pid, hid := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	if n := len(h.all()); n != 0 {
		t.Errorf("dropped delivery arrived")
	}
	log := e.deliveries("outcome=dropped")
	if len(log) != 1 || log[0].Fault != "drop" {
		t.Errorf("drop not in the log: %+v", log)
	}
	if w := e.must("GET", "/api/webhooks/"+itoa(hid), nil, 200); w["consecutive_failures"].(float64) != 0 {
		t.Errorf("a drop counted as a failure")
	}
}

func TestFaultDuplicateSendsTwiceWithSameBody(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{Faults: Faults{Duplicate: 1, Seed: 7}})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 1)
	got := h.all()
	if len(got) != 2 || string(got[0].Body) != string(got[1].Body) {
		t.Fatalf("want the same body twice, got %d deliveries", len(got))
	}
	log := e.deliveries("")
	if len(log) != 2 || log[1].Fault != "duplicate" || log[0].DeliveryID != log[1].DeliveryID {
		t.Errorf("duplicate not recorded as such: %+v", log)
	}
}

func TestFaultDelayWaits(t *testing.T) {
	h := newHookReceiver(t)
	e := newAPI(t, Config{Faults: Faults{DelayMin: 50 * time.Millisecond, DelayMax: 50 * time.Millisecond}})
	pid, _ := hookedProject(t, e, h)
	start := time.Now()
	e.importTasks(pid, 1)
	if len(h.all()) != 1 {
		t.Fatal("delayed delivery never arrived")
	}
	if took := h.all()[0].At.Sub(start); took < 50*time.Millisecond {
		t.Errorf("delivery arrived after %s, want at least 50ms", took)
	}
	if log := e.deliveries(""); log[0].Fault != "delay" {
		t.Errorf("delay not recorded: %+v", log)
	}
}

func TestFaultReorderShufflesSeeded(t *testing.T) {
	order := func(seed uint64) []int {
		h := newHookReceiver(t)
		e := newAPI(t, Config{BatchSize: 1, Faults: Faults{Reorder: true, Seed: seed}})
		pid, _ := hookedProject(t, e, h)
		e.importTasks(pid, 8)
		var got []int
		for _, r := range h.all() {
			got = append(got, ids(t, r.JSON(t)["tasks"])[0])
		}
		return got
	}
	h := newHookReceiver(t)
	e := newAPI(t, Config{BatchSize: 1, Faults: Faults{Reorder: true, Seed: 3}})
	pid, _ := hookedProject(t, e, h)
	e.importTasks(pid, 8)
	if moved := e.deliveries(""); len(moved) != 8 || !slices.ContainsFunc(moved, func(a Attempt) bool { return a.Fault == "reorder" }) {
		t.Errorf("reordered deliveries are not marked in the log: %+v", moved)
	}
	a, b := order(3), order(3)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different order (-a +b):\n%s", diff)
	}
	if slices.IsSorted(a) {
		t.Errorf("reorder left the 8 chunks in order: %v", a)
	}
	sorted := slices.Sorted(slices.Values(a))
	if len(sorted) != 8 || sorted[0]+7 != sorted[7] {
		t.Errorf("reorder lost or invented chunks: %v", a)
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{Duplicate: 1.5}, {Drop: -0.1}, {DelayMin: time.Second, DelayMax: time.Millisecond}} {
		if f.Validate() == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestSSRFProtection(t *testing.T) {
	e := newAPI(t, Config{OrganizationWebhooks: true, SSRFProtection: true})
	for _, u := range []string{"http://127.0.0.1:9/h", "http://10.1.2.3/h", "http://192.168.0.1/h", "http://169.254.169.254/latest", "http://[::1]/h", "http://0.0.0.0/h", "http://localhost/h"} {
		status, body := e.call("POST", "/api/webhooks", map[string]any{"url": u})
		if status != 400 || !strings.Contains(string(body), "SSRF") {
			t.Errorf("%s: status %d: %s", u, status, body)
		}
	}
	if status, body := e.call("POST", "/api/webhooks", map[string]any{"url": "http://93.184.215.14/hook"}); status != 201 {
		t.Errorf("public address refused: %d %s", status, body)
	}
	off := newAPI(t, Config{OrganizationWebhooks: true})
	off.must("POST", "/api/webhooks", map[string]any{"url": "http://127.0.0.1:9/h"}, 201)
}
