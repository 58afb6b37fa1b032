package signing

import (
	"testing"
	"time"
)

// The example published with the Standard Webhooks specification.
func TestSignerKnownAnswer(t *testing.T) {
	s, err := New("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	if err := s.Verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bogus "+got, []byte(`{"test": 2432232314}`)); err != nil {
		t.Errorf("Verify rejected the published example: %v", err)
	}
	if err := s.Verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", got, []byte(`{"test": 2432232315}`)); err == nil {
		t.Error("Verify accepted a changed body")
	}
}

func TestNewRejectsBadSecrets(t *testing.T) {
	for _, secret := range []string{"", "whsec_", "whsec_!!notbase64", "whsec_c2hvcnQ="} {
		if _, err := New(secret); err == nil {
			t.Errorf("New(%q) accepted it", secret)
		}
	}
}

func TestVerifyAtChecksTheTimestamp(t *testing.T) {
	s, _ := New("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	body := []byte(`{"a":1}`)
	now := time.Unix(1800000000, 0)
	sig := s.Sign("msg_1", now, body)
	if err := s.VerifyAt("msg_1", "1800000000", sig, body, now.Add(time.Minute), DefaultTolerance); err != nil {
		t.Errorf("fresh signature refused: %v", err)
	}
	if err := s.VerifyAt("msg_1", "1800000000", sig, body, now.Add(time.Hour), DefaultTolerance); err == nil {
		t.Error("an hour-old signature accepted (replay)")
	}
	if err := s.VerifyAt("msg_1", "1800000000", sig, body, now.Add(-time.Hour), DefaultTolerance); err == nil {
		t.Error("a signature from the future accepted")
	}
	if err := s.Verify("msg_1", "+1800000000", sig, body); err == nil {
		t.Error("a timestamp spelled differently from the signed one accepted")
	}
}
