package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labelhook/labelhook/server"
)

// ServerSetting is one key of a scenario's server: block. The parser reads
// it from YAML, `labelhook compare --server-setting KEY=VALUE` from text,
// and scenarios/compare matches a scenario's settings against the external
// server's with Text.
type ServerSetting struct {
	Key string
	// want says what a value must be, after "want".
	want string
	// tags are the YAML tags a value in a scenario file may have.
	tags []string
	// set parses v and, when it is valid, sets it in cfg.
	set func(cfg *server.Config, v string) bool
	// IsSet reports whether cfg sets it: a scenario's config leaves a
	// setting it does not give at the zero value.
	IsSet func(cfg server.Config) bool
	// Text is the setting's value in cfg as a scenario writes it.
	Text func(cfg server.Config) string
	// Copy copies the setting from src into dst.
	Copy func(dst *server.Config, src server.Config)
}

// ServerSettings are the keys of server:, in report order.
var ServerSettings = []ServerSetting{
	{Key: "webhook_batch_size", want: "a whole number, 1 or more", tags: []string{"!!int"},
		set:   func(c *server.Config, v string) bool { return setInt(&c.BatchSize, v, 1) },
		IsSet: func(c server.Config) bool { return c.BatchSize != 0 },
		Text:  func(c server.Config) string { return strconv.Itoa(c.BatchSize) },
		Copy:  func(d *server.Config, s server.Config) { d.BatchSize = s.BatchSize }},
	{Key: "webhook_timeout", want: "a duration such as 2s or 500ms (or a number of seconds) above zero", tags: []string{"!!int", "!!float", "!!str"},
		set: func(c *server.Config, v string) bool {
			d, ok := parseSeconds(v)
			if ok && d > 0 {
				c.WebhookTimeout = d
			}
			return ok && d > 0
		},
		IsSet: func(c server.Config) bool { return c.WebhookTimeout != 0 },
		Text:  func(c server.Config) string { return strconv.FormatFloat(c.WebhookTimeout.Seconds(), 'f', -1, 64) },
		Copy:  func(d *server.Config, s server.Config) { d.WebhookTimeout = s.WebhookTimeout }},
	// 0 in a scenario means off, as --max-consecutive-failures 0 does: -1
	// in a server.Config, whose 0 is the default.
	{Key: "max_consecutive_failures", want: "a whole number, 0 or more", tags: []string{"!!int"},
		set: func(c *server.Config, v string) bool {
			ok := setInt(&c.MaxConsecutiveFailures, v, 0)
			if ok && c.MaxConsecutiveFailures == 0 {
				c.MaxConsecutiveFailures = -1
			}
			return ok
		},
		IsSet: func(c server.Config) bool { return c.MaxConsecutiveFailures != 0 },
		Text:  func(c server.Config) string { return strconv.Itoa(max(c.MaxConsecutiveFailures, 0)) },
		Copy:  func(d *server.Config, s server.Config) { d.MaxConsecutiveFailures = s.MaxConsecutiveFailures }},
	{Key: "async_delivery", want: "true or false", tags: []string{"!!bool"},
		set:   func(c *server.Config, v string) bool { return setBool(&c.AsyncDelivery, v) },
		IsSet: func(c server.Config) bool { return c.AsyncDelivery },
		Text:  func(c server.Config) string { return strconv.FormatBool(c.AsyncDelivery) },
		Copy:  func(d *server.Config, s server.Config) { d.AsyncDelivery = s.AsyncDelivery }},
	{Key: "organization_webhooks", want: "true or false", tags: []string{"!!bool"},
		set:   func(c *server.Config, v string) bool { return setBool(&c.OrganizationWebhooks, v) },
		IsSet: func(c server.Config) bool { return c.OrganizationWebhooks },
		Text:  func(c server.Config) string { return strconv.FormatBool(c.OrganizationWebhooks) },
		Copy:  func(d *server.Config, s server.Config) { d.OrganizationWebhooks = s.OrganizationWebhooks }},
}

// serverKeys are the keys of ServerSettings, for messages.
var serverKeys = func() []string {
	var out []string
	for _, s := range ServerSettings {
		out = append(out, s.Key)
	}
	return out
}()

// LookupServerSetting returns the setting of key.
func LookupServerSetting(key string) (ServerSetting, bool) {
	i := slices.IndexFunc(ServerSettings, func(s ServerSetting) bool { return s.Key == key })
	if i < 0 {
		return ServerSetting{}, false
	}
	return ServerSettings[i], true
}

// SetServerSetting parses text v of setting key into cfg, as `labelhook
// compare --server-setting KEY=VALUE` gives it.
func SetServerSetting(cfg *server.Config, key, v string) error {
	s, ok := LookupServerSetting(key)
	if !ok {
		return fmt.Errorf("unknown server setting %q (known: %s)", key, strings.Join(serverKeys, ", "))
	}
	if !s.set(cfg, v) {
		return fmt.Errorf("%s %q: want %s", key, v, s.want)
	}
	return nil
}

func setInt(dst *int, v string, least int) bool {
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		return false
	}
	*dst = n
	return true
}

func setBool(dst *bool, v string) bool {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false
	}
	*dst = b
	return true
}

// parseSeconds reads "2s", "500ms" or a number of seconds; ok is false
// for anything else, a negative value included.
func parseSeconds(v string) (time.Duration, bool) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, d >= 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= 1e9 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}
