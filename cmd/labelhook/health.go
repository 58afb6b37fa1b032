package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHealthURL is serve's default address.
const defaultHealthURL = "http://127.0.0.1:8080/health"

// parseHealth reads `health [--timeout S] [URL]`; a URL without a path
// gets /health.
func parseHealth(args []string, stderr io.Writer) (string, time.Duration, error) {
	fs := newFlagSet("health", "health [flags] [URL]  (default "+defaultHealthURL+")", stderr)
	timeout := fs.Float64("timeout", 3, "seconds to wait for the answer")
	if err := fs.parse(args, noEnv); err != nil {
		return "", 0, err
	}
	if fs.NArg() > 1 {
		return "", 0, usageErrorf("health takes one URL, got %q", fs.Args())
	}
	if !(*timeout > 0) {
		return "", 0, usageErrorf("--timeout must be positive, got %v", *timeout)
	}
	raw := defaultHealthURL
	if fs.NArg() == 1 {
		raw = fs.Arg(0)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", 0, usageErrorf("health needs an http or https URL, got %q", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/health"
	}
	return u.String(), time.Duration(*timeout * float64(time.Second)), nil
}

// runHealth GETs a labelhook server's /health and exits 0 on a 200, 1
// otherwise. Container images have no curl; HEALTHCHECK runs this.
func runHealth(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	target, timeout, err := parseHealth(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return usageErrorf("health: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &checkFailedError{fmt.Errorf("health %s: %w", target, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return &checkFailedError{fmt.Errorf("health %s: status %d: %s", target, resp.StatusCode, strings.TrimSpace(string(body)))}
	}
	fmt.Fprintf(stdout, "%s %s\n", target, strings.TrimSpace(string(body)))
	return nil
}
