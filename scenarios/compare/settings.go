package compare

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labelhook/labelhook/server"
)

// settingKeys are the server: keys of a scenario, in report order.
var settingKeys = []string{"webhook_batch_size", "webhook_timeout", "max_consecutive_failures", "async_delivery", "organization_webhooks"}

func parseSetting(cfg *server.Config, key, value string) error {
	switch key {
	case "webhook_batch_size":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("webhook_batch_size %q: want a whole number of at least 1", value)
		}
		cfg.BatchSize = n
	case "webhook_timeout":
		d, err := time.ParseDuration(value)
		if err != nil {
			f, ferr := strconv.ParseFloat(value, 64)
			if ferr != nil || f <= 0 {
				return fmt.Errorf("webhook_timeout %q: want seconds (1.5) or a duration (1500ms)", value)
			}
			d = time.Duration(f * float64(time.Second))
		}
		if d <= 0 {
			return fmt.Errorf("webhook_timeout %q: want more than 0", value)
		}
		cfg.WebhookTimeout = d
	case "max_consecutive_failures":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("max_consecutive_failures %q: want a whole number, 0 for off", value)
		}
		cfg.MaxConsecutiveFailures = n
		if n == 0 {
			cfg.MaxConsecutiveFailures = -1 // as a scenario's 0: off
		}
	case "async_delivery", "organization_webhooks":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s %q: want true or false", key, value)
		}
		if key == "async_delivery" {
			cfg.AsyncDelivery = b
		} else {
			cfg.OrganizationWebhooks = b
		}
	default:
		return fmt.Errorf("unknown server setting %q (known: %s)", key, strings.Join(settingKeys, ", "))
	}
	return nil
}

// settingSet reports whether a scenario's config sets key (its zero value
// means "not given").
func settingSet(cfg server.Config, key string) bool {
	switch key {
	case "webhook_batch_size":
		return cfg.BatchSize != 0
	case "webhook_timeout":
		return cfg.WebhookTimeout != 0
	case "max_consecutive_failures":
		return cfg.MaxConsecutiveFailures != 0
	case "async_delivery":
		return cfg.AsyncDelivery
	case "organization_webhooks":
		return cfg.OrganizationWebhooks
	}
	return false
}

func settingText(cfg server.Config, key string) string {
	switch key {
	case "webhook_batch_size":
		return strconv.Itoa(cfg.BatchSize)
	case "webhook_timeout":
		return strconv.FormatFloat(cfg.WebhookTimeout.Seconds(), 'f', -1, 64)
	case "max_consecutive_failures":
		if cfg.MaxConsecutiveFailures < 0 {
			return "0"
		}
		return strconv.Itoa(cfg.MaxConsecutiveFailures)
	case "async_delivery":
		return strconv.FormatBool(cfg.AsyncDelivery)
	case "organization_webhooks":
		return strconv.FormatBool(cfg.OrganizationWebhooks)
	}
	return ""
}

func copySetting(dst *server.Config, src server.Config, key string) {
	switch key {
	case "webhook_batch_size":
		dst.BatchSize = src.BatchSize
	case "webhook_timeout":
		dst.WebhookTimeout = src.WebhookTimeout
	case "max_consecutive_failures":
		dst.MaxConsecutiveFailures = src.MaxConsecutiveFailures
	case "async_delivery":
		dst.AsyncDelivery = src.AsyncDelivery
	case "organization_webhooks":
		dst.OrganizationWebhooks = src.OrganizationWebhooks
	}
}
