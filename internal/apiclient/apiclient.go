// Package apiclient calls the REST API of a labelhook mock (or of Label
// Studio) with a token: JSON in, JSON out, a non-2xx answer as a
// *StatusError. The sandbox, trigger, check and bench drive the mock
// through it, as a user's code would.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/labelhook/labelhook/internal/jsontext"
)

// Client calls one server's API with one token.
type Client struct {
	// Base is the server's base URL, without a trailing slash.
	Base string
	// Token is sent as "Authorization: Token <Token>".
	Token string
	// HTTP sends the requests.
	HTTP *http.Client
}

// New returns a client of the API at base, with its own http.Client.
func New(base, token string) *Client {
	return &Client{Base: base, Token: token, HTTP: &http.Client{}}
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %.500s", e.Method, e.Path, e.Status, e.Body)
}

// Call sends body (when not nil) as JSON and decodes a 2xx answer into
// out (when not nil).
func (c *Client) Call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Token "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Marshal is json.Marshal without HTML escaping, as the SDKs (Python's
// json.dumps) send bodies and the mock writes them: task data is stored
// and sent back as written ("<b>" stays "<b>").
func Marshal(v any) ([]byte, error) { return jsontext.Marshal(v) }
