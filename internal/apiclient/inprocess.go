package apiclient

import (
	"net/http"
	"net/http/httptest"
)

// InProcess returns a client of the API that h serves, called in memory:
// each request is served by h.ServeHTTP, with no socket. `labelhook
// check` builds its webhooks so, from a mock it never listens with.
func InProcess(h http.Handler, token string) *Client {
	return &Client{Base: "http://in-process", Token: token, HTTP: &http.Client{Transport: handlerTransport{h}}}
}

// handlerTransport answers a request with h, as a server would.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := httptest.NewRequestWithContext(req.Context(), req.Method, req.URL.RequestURI(), req.Body)
	in.Header = req.Header.Clone()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
