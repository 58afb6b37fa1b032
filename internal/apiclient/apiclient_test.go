package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCall(t *testing.T) {
	var gotAuth, gotType, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if r.URL.Path == "/missing" {
			http.Error(w, `{"detail":"Not found."}`, http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(`{"id":7}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "tok")

	var out struct {
		ID int `json:"id"`
	}
	if err := c.Call(context.Background(), http.MethodPost, "/api/projects", map[string]string{"title": "<b>&"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != 7 || gotAuth != "Token tok" || gotType != "application/json" || gotBody != `{"title":"<b>&"}` {
		t.Errorf("got id %d, auth %q, type %q, body %q; want 7, \"Token tok\", application/json, the body without HTML escaping", out.ID, gotAuth, gotType, gotBody)
	}

	err := c.Call(context.Background(), http.MethodGet, "/missing", nil, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusNotFound || se.Method != http.MethodGet || se.Path != "/missing" {
		t.Errorf("GET /missing: %v, want a *StatusError with status 404", err)
	}
	if gotType != "" {
		t.Errorf("a call without a body sent Content-Type %q", gotType)
	}
}

func TestInProcess(t *testing.T) {
	var gotAuth, gotURI, gotBody string
	c := InProcess(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotURI = r.Header.Get("Authorization"), r.RequestURI
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if r.URL.Path == "/missing" {
			http.Error(w, "gone", http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(`{"id":7}`))
	}), "tok")
	var out struct {
		ID int `json:"id"`
	}
	if err := c.Call(context.Background(), http.MethodPost, "/api/projects/1/import?return_task_ids=1", []string{"<b>"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != 7 || gotAuth != "Token tok" || gotURI != "/api/projects/1/import?return_task_ids=1" || gotBody != `["<b>"]` {
		t.Errorf("got id %d, auth %q, URI %q, body %q; want 7, \"Token tok\", the path and query, [\"<b>\"]", out.ID, gotAuth, gotURI, gotBody)
	}
	var se *StatusError
	if err := c.Call(context.Background(), http.MethodGet, "/missing", nil, nil); !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Errorf("GET /missing: %v, want a *StatusError with status 404", err)
	}
}
