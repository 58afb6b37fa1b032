package server

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Profile is what differs between the Label Studio releases labelhook has
// been verified against (conformance/labelstudio/FINDINGS.md holds the
// evidence; scenarios/compare/testdata the recorded traces). Where
// releases differ, the difference is data: here, and in the since marks
// of the shapes' fields (shape.go); never a version check in a handler.
type Profile struct {
	// Version is the release, as /api/version and error envelopes say it.
	Version string
	// UserAgent is what the release's python-requests sends.
	UserAgent string
	// WebhookTimeout is the release's WEBHOOK_TIMEOUT default.
	WebhookTimeout time.Duration
	// BatchSize is the release's WEBHOOK_BATCH_SIZE default; Chunked says
	// whether list events are cut into chunks of it at all (1.20.0 sends
	// one event however many items).
	BatchSize int
	Chunked   bool
	// EmptyBulkEvent: a bulk delete that deletes nothing still sends
	// {"action": ...} with no items and no project (1.20.0).
	EmptyBulkEvent bool
	// LabelLinkCreatedFails: POST /api/labels fails (a 500 in Label
	// Studio, its transaction rolled back) whenever a webhook wants
	// LABEL_LINK_CREATED, so that event is never sent (1.23.2: its batched
	// emission slices an evaluated queryset into a list and calls
	// list.count()).
	LabelLinkCreatedFails bool
	// Converter is the label-studio-converter version /api/version shows;
	// Build the front-end build it shows (message, short commit, date);
	// Backend the back end's, as the release ships it in core/version_.py
	// (full commit, date, version), when it was seen (else Build's).
	Converter string
	Build     [3]string
	Backend   [3]string

	// allowSkip: tasks in snapshots and exports have allow_skip (1.23,
	// as the webhook's task has: taskHook's since mark), resolved once
	// since an export asks for every task.
	allowSkip bool
}

func init() {
	for i := range profiles {
		profiles[i].allowSkip = profiles[i].atLeast("1.23")
	}
}

// profiles are the verified releases, newest first; the first is the
// default.
var profiles = []Profile{
	{Version: "1.23.2", UserAgent: "python-requests/2.34.2", WebhookTimeout: time.Second, BatchSize: 5000, Chunked: true,
		LabelLinkCreatedFails: true, Converter: "2.1.2", Build: [3]string{"fix: PLT-1331: Block SSRF in export media downloads", "df96d7", "2026-09-25T09:13:03.000Z"},
		Backend: [3]string{"df96d79183156e556d91825d15fa7721f1145e1a", "2026/09/25 23:22:13", "1.23.2+0.gdf96d79.dirty"}},
	{Version: "1.20.0", UserAgent: "python-requests/2.32.5", WebhookTimeout: time.Second, BatchSize: 100, EmptyBulkEvent: true,
		Converter: "1.0.18", Build: [3]string{"fix: FIT-306: Zooming out the page breaks audio rendering of the wavef ...", "fb9012", "2025-06-27T12:31:54.000Z"}},
}

// The newest verified release, the mock's default, and its delivery
// defaults (what a Config's zero values mean).
var (
	DefaultVersion        = profiles[0].Version
	DefaultUserAgent      = profiles[0].UserAgent
	DefaultWebhookTimeout = profiles[0].WebhookTimeout
	DefaultBatchSize      = profiles[0].BatchSize
)

// DefaultMaxConsecutiveFailures is 0, off: no verified release counts
// failed deliveries (Config.MaxConsecutiveFailures).
const DefaultMaxConsecutiveFailures = 0

// Versions lists the verified releases a Config may name, newest first.
func Versions() []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.Version
	}
	return out
}

// profileFor returns the profile of version ("" is the default).
func profileFor(version string) (*Profile, error) {
	if version == "" {
		return &profiles[0], nil
	}
	for i := range profiles {
		if profiles[i].Version == version {
			return &profiles[i], nil
		}
	}
	return nil, fmt.Errorf("no verified profile of Label Studio %q (verified: %s)", version, strings.Join(Versions(), ", "))
}

// atLeast reports whether the profile's release is v or newer ("1.23"
// covers 1.23.0 and later).
func (p *Profile) atLeast(v string) bool { return compareVersions(p.Version, v) >= 0 }

// compareVersions compares dotted numeric versions; missing parts are 0,
// and a part's non-digits are ignored. It allocates nothing; shapes ask
// it once per field and profile, when they are made (newShape).
func compareVersions(a, b string) int {
	for a != "" || b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := cmp.Compare(versionPart(x), versionPart(y)); c != 0 {
			return c
		}
	}
	return 0
}

// versionPart reads one part of a version: a number, or 0.
func versionPart(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
