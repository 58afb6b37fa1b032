package server

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/signing"
)

// DefaultUserAgent is what python-requests, Label Studio's HTTP client,
// sends; a webhook's own User-Agent header replaces it.
const DefaultUserAgent = "python-requests/2.32.3"

// Label Studio's delivery defaults (newest code).
const (
	DefaultWebhookTimeout         = 10 * time.Second
	DefaultBatchSize              = 5000
	DefaultMaxConsecutiveFailures = 50
	// DefaultToken is the documented development token used when none is given.
	DefaultToken = "labelhook-dev-token-0123456789abcdef0123"
	// Version is the Label Studio release the mock imitates.
	Version = "1.23.2"
	// DefaultMaxBodyBytes bounds one API request body.
	DefaultMaxBodyBytes = 256 << 20
	// DefaultAsyncQueue is how many emissions the async queue holds before
	// API calls wait for room (backpressure, never a drop).
	DefaultAsyncQueue = 1024
)

// Config configures a Server. The zero Config works and behaves like a
// default open-source Label Studio install.
type Config struct {
	// Token is the API token (Authorization: Token <token> or Bearer <token>).
	Token string
	// WebhookTimeout bounds one delivery (connect and answer). Zero means 10 s.
	WebhookTimeout time.Duration
	// BatchSize is the most items one list event carries. Zero means 5000.
	BatchSize int
	// MaxConsecutiveFailures auto-disables a webhook after this many failed
	// deliveries in a row. Zero means 50; a negative value turns it off.
	MaxConsecutiveFailures int
	// AsyncDelivery delivers in a background queue (Label Studio with Redis)
	// instead of inside the API request (the open-source default).
	AsyncDelivery bool
	// AsyncQueue is the async queue capacity in emissions. Zero means 1024.
	AsyncQueue int
	// MaxBodyBytes bounds one API request body. Zero means 256 MiB.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NewUUID returns annotation unique ids and error ids; nil means random UUID4.
	NewUUID func() string
	// HTTPClient, if set, sends deliveries through Go's client (for tools
	// that intercept them); nil means labelhook's python-requests sender
	// (internal/pyhttp), which sends as Label Studio does.
	HTTPClient *http.Client
	// Logger receives lifecycle and delivery logs; nil discards them.
	Logger *slog.Logger
	// RetrySchedule, if not empty, retries a failed delivery after each of
	// these waits (labelhook only; Label Studio makes one attempt). A 429 or
	// 503 with Retry-After waits that long instead; a 410 disables the webhook.
	RetrySchedule []time.Duration
	// SigningSecret, if set ("whsec_<base64>"), signs every delivery as the
	// Standard Webhooks specification says (labelhook only).
	SigningSecret string
	// Faults are deliberate delivery faults (labelhook only; off by default).
	Faults Faults
	// SSRFProtection refuses webhook URLs that point at loopback, private
	// or link-local addresses, at create/update and at send time, as Label
	// Studio does with SSRF_PROTECTION_ENABLED (off by default there too).
	SSRFProtection bool
	// DeliveryLogSize bounds the delivery log. Zero means 100000.
	DeliveryLogSize int
}

func (c Config) withDefaults() Config {
	if c.Token == "" {
		c.Token = DefaultToken
	}
	if c.WebhookTimeout <= 0 {
		c.WebhookTimeout = DefaultWebhookTimeout
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.MaxConsecutiveFailures == 0 {
		c.MaxConsecutiveFailures = DefaultMaxConsecutiveFailures
	}
	if c.AsyncQueue <= 0 {
		c.AsyncQueue = DefaultAsyncQueue
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewUUID == nil {
		c.NewUUID = randomUUID
	}
	if c.DeliveryLogSize <= 0 {
		c.DeliveryLogSize = DefaultDeliveryLogSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// CheckSigningSecret reports whether secret ("whsec_<base64>") can sign
// deliveries; New panics on one that cannot.
func CheckSigningSecret(secret string) error {
	_, err := signing.New(secret)
	return err
}

// randomUUID returns a random RFC 4122 version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
