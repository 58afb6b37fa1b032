package receiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/signing"
	"github.com/labelhook/labelhook/schemas"
)

func TestSignatureVerification(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	signer, err := signing.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"action": "TASKS_CREATED"}`
	now := time.Now()
	good := signer.Sign("msg_1", now, []byte(body))
	ts := strconv.FormatInt(now.Unix(), 10)
	for _, tc := range []struct {
		name      string
		headers   map[string]string
		wantValid bool
	}{
		{"signed", map[string]string{"Webhook-Id": "msg_1", "Webhook-Timestamp": ts, "Webhook-Signature": good}, true},
		{"one of several signatures", map[string]string{"Webhook-Id": "msg_1", "Webhook-Timestamp": ts, "Webhook-Signature": "v1,AAAA " + good}, true},
		{"missing", nil, false},
		{"wrong id", map[string]string{"Webhook-Id": "msg_2", "Webhook-Timestamp": ts, "Webhook-Signature": good}, false},
		{"tampered signature", map[string]string{"Webhook-Id": "msg_1", "Webhook-Timestamp": ts, "Webhook-Signature": "v1,Zm9v"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := New(Config{SigningSecret: secret})
			req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			rc.ServeHTTP(rec, req)
			got := rc.Events(Filter{})
			if len(got) != 1 {
				t.Fatalf("%d records", len(got))
			}
			if got[0].Valid != tc.wantValid {
				t.Errorf("valid = %v, want %v; errors %v", got[0].Valid, tc.wantValid, got[0].Errors)
			}
			if !tc.wantValid && (len(got[0].Errors) == 0 || got[0].Errors[len(got[0].Errors)-1].Path != "headers") {
				t.Errorf("no signature problem recorded: %v", got[0].Errors)
			}
		})
	}
	if CheckSigningSecret("whsec_nope!") == nil {
		t.Error("CheckSigningSecret accepted a malformed secret")
	}
}

// Finding: with a signing secret, a webhook with a forged webhook-signature
// was recorded invalid, answered 200 and relayed to the pipeline. Now any
// signature failure is answered 401 with the reason, recorded as such and
// never relayed, with or without RejectInvalid; the schema is a separate
// matter and its word never appears in a signature failure.
func TestForgedSignatureRelayed(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	signer, err := signing.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	valid := `{"action": "TASKS_CREATED"}`
	invalid := `{"action": "TASKS_CREATED", "tasks": [{"id": "x"}]}`
	signed := func(body string) map[string]string {
		return map[string]string{"Webhook-Id": "msg_1", "Webhook-Timestamp": ts, "Webhook-Signature": signer.Sign("msg_1", now, []byte(body))}
	}
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for hk, hv := range h {
			out[hk] = hv
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name       string
		body       string
		headers    map[string]string
		wantStatus int
		wantReason string // in the answer's detail and the record's first problem
		wantRelay  bool
	}{
		{"forged signature", valid, with(signed(valid), "Webhook-Signature", "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE="), 401, "signature: no webhook-signature matches the body", false},
		{"body changed after signing", `{"action": "TASKS_DELETED"}`, signed(valid), 401, "signature: no webhook-signature matches the body", false},
		{"no signature headers", valid, nil, 401, "signature: missing webhook-id, webhook-timestamp, webhook-signature headers", false},
		{"missing webhook-signature", valid, with(signed(valid), "Webhook-Signature", ""), 401, "signature: missing webhook-signature header", false},
		{"timestamp not a number", valid, with(signed(valid), "Webhook-Timestamp", "yesterday"), 401, `signature: webhook-timestamp "yesterday" is not a unix time in seconds`, false},
		{"timestamp too old (replay)", valid, map[string]string{"Webhook-Id": "msg_1", "Webhook-Timestamp": strconv.FormatInt(now.Add(-time.Hour).Unix(), 10),
			"Webhook-Signature": signer.Sign("msg_1", now.Add(-time.Hour), []byte(valid))}, 401, "signature: webhook-timestamp is 1h0m0s away from now, more than the 5m0s tolerance", false},
		{"forged and not JSON", "not json", signed(valid), 401, "signature: no webhook-signature matches the body", false},
		{"forged and breaking the schema", invalid, signed(valid), 401, "signature: no webhook-signature matches the body", false},
		{"signed", valid, signed(valid), 200, "", true},
		{"signed but breaking the schema", invalid, signed(invalid), 200, "", true},
	}
	for _, tt := range tests {
		for _, reject := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reject-invalid=%v", tt.name, reject), func(t *testing.T) {
				relayed := make(chan string, 1)
				pl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					relayed <- r.URL.Path
				}))
				defer pl.Close()
				rc := New(Config{SigningSecret: secret, ForwardTo: pl.URL, RejectInvalid: reject, Now: func() time.Time { return now }})
				defer rc.Close()
				if err := rc.SetResponses(Step{Status: 202}); err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(tt.body))
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				rc.ServeHTTP(w, req)

				wantStatus := tt.wantStatus
				switch {
				case wantStatus == 200 && tt.body == invalid && reject:
					wantStatus = 400
				case wantStatus == 200:
					wantStatus = 202 // the planned answer
				}
				if w.Code != wantStatus {
					t.Errorf("status %d, want %d; answer %s", w.Code, wantStatus, w.Body)
				}
				var answer webhookAnswer
				if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
					t.Fatalf("answer %s: %v", w.Body, err)
				}
				recs := rc.Events(Filter{})
				if len(recs) != 1 {
					t.Fatalf("%d records, want 1", len(recs))
				}
				rec := recs[0]
				if rec.ResponseStatus != wantStatus {
					t.Errorf("record response_status %d, want %d", rec.ResponseStatus, wantStatus)
				}
				if tt.wantReason != "" {
					if answer.Detail != tt.wantReason {
						t.Errorf("answer detail %q, want %q", answer.Detail, tt.wantReason)
					}
					if strings.Contains(answer.Detail, "schema") {
						t.Errorf("a signature failure's detail says schema: %q", answer.Detail)
					}
					if rec.Valid || len(rec.Errors) == 0 || rec.Errors[0] != (schemas.Problem{Path: "headers", Message: tt.wantReason}) {
						t.Errorf("record valid %v, errors %v; want invalid with %q first", rec.Valid, rec.Errors, tt.wantReason)
					}
					if left := rc.Responses(); len(left) != 1 {
						t.Errorf("a refused webhook used up the planned step: plan left %v", left)
					}
				}
				var gotRelay bool
				select {
				case <-relayed:
					gotRelay = true
				default: // the relay happens before the answer
				}
				if wantRelay := tt.wantRelay && wantStatus != 400; gotRelay != wantRelay {
					t.Errorf("relayed to the pipeline: %v, want %v", gotRelay, wantRelay)
				}
			})
		}
	}
}
