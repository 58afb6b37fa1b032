package trigger

import (
	"fmt"
	"strings"

	"github.com/labelhook/labelhook/server"
)

// Headers is a repeatable flag of webhook headers, each 'Name: value',
// held to Label Studio's rules for a webhook's headers (a name of
// letters, digits, '-' and '_'; at most 10).
type Headers [][2]string

func (h *Headers) String() string {
	parts := make([]string, len(*h))
	for i, kv := range *h {
		parts[i] = kv[0] + ": " + kv[1]
	}
	return strings.Join(parts, ", ")
}

func (h *Headers) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("%q is not 'Name: value'", v)
	}
	if !server.ValidHeaderName(name) {
		return fmt.Errorf("header name %q may hold only letters, digits, '-' and '_' (Label Studio's rule)", name)
	}
	if len(*h) == server.MaxWebhookHeaders {
		return fmt.Errorf("at most %d headers (Label Studio's limit)", server.MaxWebhookHeaders)
	}
	*h = append(*h, [2]string{name, strings.TrimSpace(value)})
	return nil
}
