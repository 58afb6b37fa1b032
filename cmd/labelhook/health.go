package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/httpserve"
	"github.com/labelhook/labelhook/internal/httpurl"
)

// defaultHealthURL is serve's default address (and the image's default
// command's).
const defaultHealthURL = "http://127.0.0.1:8080/health"

// parseHealth reads `health [--url URL | URL] [--timeout D]`; a URL
// without a path gets /health. The URL may also come from
// LABELHOOK_HEALTH_URL, so one image's HEALTHCHECK fits serve and receive
// containers alike (each sets its own).
func parseHealth(args []string, getenv env, stderr io.Writer) (string, time.Duration, error) {
	fs := envflag.New("health", "health [--url URL] [--timeout D]  (default "+defaultHealthURL+")", stderr)
	target := fs.String("url", defaultHealthURL, "the labelhook server to check: serve's or receive's base URL, or its /health")
	var timeout time.Duration
	fs.DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer (a duration such as 3s, or seconds)")
	fs.BindEnv("url", "LABELHOOK_HEALTH_URL")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return "", 0, err
	}
	switch {
	case fs.NArg() > 1:
		return "", 0, usageErrorf("health takes one URL, got %q", fs.Args())
	case fs.NArg() == 1 && fs.Source("url") == "--url":
		return "", 0, usageErrorf("give the URL once: --url %s or %s", *target, fs.Arg(0))
	}
	raw := *target
	if fs.NArg() == 1 {
		raw = fs.Arg(0)
	}
	u, err := httpurl.Parse(raw)
	if err != nil {
		return "", 0, usageErrorf("health needs an http or https URL, got %q", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/health"
	}
	return u.String(), timeout, nil
}

// runHealth GETs a labelhook server's /health (serve's or receive's) and
// exits 0 on a 200, 1 otherwise. The image has no curl; its HEALTHCHECK
// and the compose file's run this.
func runHealth(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	target, timeout, err := parseHealth(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := httpserve.Probe(ctx, target)
	if err != nil {
		return &checkFailedError{fmt.Errorf("health %s: %w", target, err)}
	}
	fmt.Fprintf(stdout, "%s %s\n", target, body)
	return nil
}
