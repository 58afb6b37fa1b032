package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/httpurl"
)

// ServerInfo is what Check learnt about the external server.
type ServerInfo struct {
	// Release is /api/version's "release" ("1.23.2").
	Release string
}

// checkTimeout bounds each request of Check and of the health probe.
const checkTimeout = 10 * time.Second

// Check makes sure base is a Label Studio that accepts token: it answers
// /health, its /api/version is a version object, and an authenticated
// list of projects is not refused. Its errors wrap ErrUnreachable,
// ErrNotLabelStudio or ErrBadToken and fit on one line.
func Check(ctx context.Context, base, token string) (ServerInfo, error) {
	if err := httpurl.Check(base); err != nil {
		return ServerInfo{}, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	base = strings.TrimSuffix(base, "/")
	if err := health(ctx, base); err != nil {
		return ServerInfo{}, err
	}
	status, body, err := get(ctx, base+"/api/version", token)
	if err != nil {
		return ServerInfo{}, fmt.Errorf("%w: %s: %v", ErrUnreachable, base, err)
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return ServerInfo{}, fmt.Errorf("%w: GET %s/api/version answered %d", ErrBadToken, base, status)
	}
	var v struct {
		Release string `json:"release"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &v) != nil || v.Release == "" {
		return ServerInfo{}, fmt.Errorf("%w: GET %s/api/version answered %d without a release", ErrNotLabelStudio, base, status)
	}
	status, _, err = get(ctx, base+"/api/projects?page_size=1", token)
	if err != nil {
		return ServerInfo{}, fmt.Errorf("%w: %s: %v", ErrUnreachable, base, err)
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return ServerInfo{}, fmt.Errorf("%w: GET %s/api/projects answered %d", ErrBadToken, base, status)
	}
	if status != http.StatusOK {
		return ServerInfo{}, fmt.Errorf("%w: GET %s/api/projects answered %d", ErrNotLabelStudio, base, status)
	}
	return ServerInfo{Release: v.Release}, nil
}

// health probes GET /health once.
func health(ctx context.Context, base string) error {
	status, _, err := get(ctx, strings.TrimSuffix(base, "/")+"/health", "")
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, base, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("%w: GET %s/health answered %d", ErrNotLabelStudio, base, status)
	}
	return nil
}

func get(ctx context.Context, target, token string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}
