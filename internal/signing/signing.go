// Package signing signs and verifies webhook deliveries as the Standard
// Webhooks specification says (https://www.standardwebhooks.com). Label
// Studio never signs; labelhook's server signs on request and its receiver
// verifies, so they share this code.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signer computes webhook-signature values, "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>", for the headers webhook-id and webhook-timestamp.
type Signer struct {
	key []byte
}

// New reads a secret "whsec_<base64>" (the prefix is optional).
func New(secret string) (*Signer, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	if raw == "" {
		return nil, fmt.Errorf("signing secret is empty")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("signing secret must be whsec_ followed by base64: %w", err)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("signing secret is %d bytes, want at least 16", len(key))
	}
	return &Signer{key: key}, nil
}

// DefaultTolerance is how far a webhook-timestamp may be from the
// verifier's clock, as the Standard Webhooks libraries default to.
const DefaultTolerance = 5 * time.Minute

// Sign returns the webhook-signature value for one message.
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	return s.sign(id, strconv.FormatInt(ts.Unix(), 10), body)
}

// sign signs the timestamp text exactly as it appears in the header.
func (s *Signer) sign(id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks the webhook-signature header value (space-separated
// signatures, any v1 one may match) for id, timestamp and body. It does
// not look at the timestamp's age; VerifyAt does.
func (s *Signer) Verify(id, timestamp, signatures string, body []byte) error {
	if id == "" || timestamp == "" || signatures == "" {
		return fmt.Errorf("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	for _, r := range timestamp {
		if r < '0' || r > '9' {
			return fmt.Errorf("webhook-timestamp %q is not a unix time in seconds", timestamp)
		}
	}
	want := s.sign(id, timestamp, body)
	for _, sig := range strings.Fields(signatures) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no webhook-signature matches the body")
}

// VerifyAt is Verify plus the replay check: the timestamp must be within
// tolerance of now.
func (s *Signer) VerifyAt(id, timestamp, signatures string, body []byte, now time.Time, tolerance time.Duration) error {
	if err := s.Verify(id, timestamp, signatures, body); err != nil {
		return err
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not a unix time in seconds", timestamp)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("webhook-timestamp is %s away from now, more than the %s tolerance", age.Round(time.Second), tolerance)
	}
	return nil
}
