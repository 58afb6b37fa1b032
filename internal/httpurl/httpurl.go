// Package httpurl checks the URLs labelhook is given to send to or call
// (a webhook consumer, a pipeline, an external server, a replay target):
// each must be an absolute http:// or https:// URL with a host. It does
// not decide whether the host may be reached (the mock's SSRF protection
// does, in server).
package httpurl

import (
	"fmt"
	"net/url"
	"strings"
)

// Parse parses raw and checks that it is an absolute http or https URL
// with a host. The error reads `want an http:// or https:// URL, got
// "raw"`, for the caller to prefix with what raw is.
func Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("want an http:// or https:// URL, got %q", raw)
	}
	return u, nil
}

// Check is Parse's error alone.
func Check(raw string) error {
	_, err := Parse(raw)
	return err
}

// List is a repeatable flag of http and https URLs (each checked by
// Check); one value may also hold several URLs
// separated by commas (as LABELHOOK_WEBHOOKS does).
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

func (l *List) Set(v string) error {
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if err := Check(u); err != nil {
			return err
		}
		*l = append(*l, u)
	}
	return nil
}
