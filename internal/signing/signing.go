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

// Sign returns the webhook-signature value for one message.
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks the webhook-signature header value (space-separated
// signatures, any v1 one may match) for id, timestamp and body.
func (s *Signer) Verify(id, timestamp, signatures string, body []byte) error {
	if id == "" || timestamp == "" || signatures == "" {
		return fmt.Errorf("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not a unix time", timestamp)
	}
	want := s.Sign(id, time.Unix(sec, 0), body)
	for _, sig := range strings.Fields(signatures) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no webhook-signature matches the body")
}
