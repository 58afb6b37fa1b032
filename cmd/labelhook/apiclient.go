package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// apiClient calls a labelhook mock's API (the one serve or trigger runs
// in-process) with its token.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
}

func newAPIClient(base, token string) *apiClient {
	return &apiClient{base: base, token: token, hc: &http.Client{}}
}

// apiStatusError is a non-2xx answer of the mock's API.
type apiStatusError struct {
	method, path string
	status       int
	body         string
}

func (e *apiStatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %.500s", e.method, e.path, e.status, e.body)
}

// call sends body as JSON (without HTML escaping, so task data is stored
// as written) and decodes a 2xx answer into out, if out is not nil.
func (c *apiClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = &buf
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Token "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &apiStatusError{method: method, path: path, status: resp.StatusCode, body: string(b)}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}
