package server

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/labelhook/labelhook/internal/signing"
)

// Defaults of the mock itself (the delivery defaults are the release's:
// profile.go).
const (
	// DefaultToken is the documented development token used when none is given.
	DefaultToken = "labelhook-dev-token-0123456789abcdef0123"
	// DefaultMaxBodyBytes bounds one API request body.
	DefaultMaxBodyBytes = 256 << 20
	// DefaultStateCompactBytes is the journal size from which it is
	// folded into the snapshot.
	DefaultStateCompactBytes = 64 << 20
	// DefaultAsyncQueue is how many emissions the async queue holds before
	// API calls wait for room (backpressure, never a drop).
	DefaultAsyncQueue = 1024
	// DefaultRenderCacheBytes bounds the task JSON the render cache keeps
	// (rendercache.go): enough for the export and the task list of a
	// 500 000-task project (about 1 KiB a task in each).
	DefaultRenderCacheBytes = 1 << 30
)

// Config configures a Server. The zero Config works and behaves like a
// default open-source Label Studio install of the newest verified release.
type Config struct {
	// Token is the API token (Authorization: Token <token> or Bearer <token>).
	Token string
	// LabelStudioVersion is the verified release the mock imitates
	// (Versions lists them); empty means the newest, DefaultVersion.
	LabelStudioVersion string
	// WebhookTimeout is python-requests' timeout of one delivery: to
	// connect, and for each read of the answer. Zero means the release's
	// WEBHOOK_TIMEOUT default (1 s).
	WebhookTimeout time.Duration
	// BatchSize is the most items one list event carries. Zero means the
	// release's WEBHOOK_BATCH_SIZE default (5000).
	BatchSize int
	// MaxConsecutiveFailures, when positive, turns a webhook's is_active
	// off after this many failed deliveries in a row and shows its
	// consecutive_failures (labelhook option, from Label Studio's
	// development line; no verified release counts failures). Zero or
	// below: off.
	MaxConsecutiveFailures int
	// OrganizationWebhooks accepts webhooks without a project, which also
	// get the organization-only events (PROJECT_CREATED, PROJECT_DELETED;
	// Label Studio Enterprise). Open-source Label Studio answers such a
	// webhook 404 "Project not found.", so it is off by default.
	OrganizationWebhooks bool
	// AsyncDelivery delivers in a background queue (Label Studio with Redis)
	// instead of inside the API request (the open-source default).
	AsyncDelivery bool
	// AsyncQueue is the async queue capacity in emissions. Zero means 1024.
	AsyncQueue int
	// MaxBodyBytes bounds one API request body. Zero means 256 MiB.
	MaxBodyBytes int64
	// StateCompactBytes is the journal size (with OpenState) from which
	// the journal is folded into a new snapshot, once it is also bigger
	// than the snapshot. Zero means 64 MiB.
	StateCompactBytes int64
	// RenderCacheBytes bounds the JSON the render cache keeps over all
	// tasks, so that the export and task lists copy an unchanged task's
	// bytes instead of encoding it again. Zero means 1 GiB; below zero
	// keeps nothing.
	RenderCacheBytes int64
	// Now is the clock; nil means time.Now. It is called from several
	// goroutines at once (a big list is encoded on every CPU): it must be
	// safe for concurrent use.
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
	// LocalFilesRoot is the folder local files storages may read below
	// (Label Studio's LOCAL_FILES_DOCUMENT_ROOT with
	// LOCAL_FILES_SERVING_ENABLED=true); empty turns local files storage
	// off, as Label Studio's default does. It must be an absolute path to
	// an existing folder.
	LocalFilesRoot string
}

func (c Config) withDefaults() Config {
	if c.Token == "" {
		c.Token = DefaultToken
	}
	prof, err := profileFor(c.LabelStudioVersion)
	if err != nil {
		prof = &profiles[0] // Validate reports it
	}
	c.LabelStudioVersion = prof.Version
	if c.WebhookTimeout <= 0 {
		c.WebhookTimeout = prof.WebhookTimeout
	}
	if c.BatchSize <= 0 {
		c.BatchSize = prof.BatchSize
	}
	if c.AsyncQueue <= 0 {
		c.AsyncQueue = DefaultAsyncQueue
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.StateCompactBytes <= 0 {
		c.StateCompactBytes = DefaultStateCompactBytes
	}
	if c.RenderCacheBytes == 0 {
		c.RenderCacheBytes = DefaultRenderCacheBytes
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
	if c.LocalFilesRoot != "" {
		c.LocalFilesRoot = filepath.Clean(c.LocalFilesRoot)
	}
	return c
}

// Validate reports what makes cfg unusable: an unknown Label Studio
// version, a signing secret that cannot sign, fault settings out of
// range. New refuses such a Config with the same error.
func (c Config) Validate() error {
	if _, err := profileFor(c.LabelStudioVersion); err != nil {
		return err
	}
	if c.SigningSecret != "" {
		if _, err := signing.New(c.SigningSecret); err != nil {
			return fmt.Errorf("signing secret: %w", err)
		}
	}
	if err := c.Faults.Validate(); err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	if c.LocalFilesRoot != "" {
		if !filepath.IsAbs(c.LocalFilesRoot) {
			return fmt.Errorf("local files root %q: want an absolute path", c.LocalFilesRoot)
		}
		if fi, err := os.Stat(c.LocalFilesRoot); err != nil || !fi.IsDir() {
			return fmt.Errorf("local files root %q: not an existing folder", c.LocalFilesRoot)
		}
	}
	return nil
}

// CheckSigningSecret reports whether secret ("whsec_<base64>") can sign
// deliveries (Config.Validate checks it too).
func CheckSigningSecret(secret string) error {
	_, err := signing.New(secret)
	return err
}

// randomUUID returns a random RFC 4122 version 4 UUID, as Python's
// uuid.uuid4() does. The bits come from math/rand/v2 (ChaCha8, seeded by
// the system), not a system call each: an import of 10 000 annotations
// spent 6% of its time in getrandom.
func randomUUID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}
