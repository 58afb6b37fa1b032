package receiver

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labelhook/labelhook/internal/signing"
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
