package server

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labelhook/labelhook/internal/jsontext"
)

// apiError is an error the API answers with. It is turned into Label
// Studio's error envelope by writeError, the only place that builds it.
type apiError struct {
	Status int
	Detail string
	// Fields holds validation errors (400 only): field -> messages.
	Fields map[string][]string
	// Validation, if set, is validation_errors as it is, for shapes
	// Fields cannot hold (a bulk create's list of per-item errors).
	Validation map[string]any
	// Bare answers {"detail": ...} without the envelope, as the Data
	// Manager actions endpoint does.
	Bare bool
	// Header is added to the response (e.g. WWW-Authenticate).
	Header http.Header
}

func (e *apiError) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%d %s", e.Status, e.Detail)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Detail, keys[0], e.Fields[keys[0]])
}

// notFoundError is the store's "no such object": the edge answers it
// 404 with Django's message.
type notFoundError struct{ kind string } // "Task", "Project", ...

func (e notFoundError) Error() string { return "No " + e.kind + " matches the given query." }

// asAPIError finds how err is answered: an *apiError in its chain, or a
// domain error mapped to one.
func asAPIError(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var nf notFoundError
	if errors.As(err, &nf) {
		return errNotFound(nf.Error()), true
	}
	return nil, false
}

func errNotFound(detail string) *apiError {
	return &apiError{Status: http.StatusNotFound, Detail: detail}
}

func errBadRequest(detail string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Detail: detail}
}

// errValidation is a 400 "Validation error" with one field's messages.
func errValidation(field string, msgs ...string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Detail: "Validation error", Fields: map[string][]string{field: msgs}}
}

// validation collects field errors before anything is changed.
type validation map[string][]string

func (v validation) add(field, msg string) { v[field] = append(v[field], msg) }

// itemSep joins a list field's name and an item's index in a validation
// key: the envelope shows such errors as {"field": {"index": [...]}}.
const itemSep = "\x00"

// addItem records an error of item i of a list field.
func (v validation) addItem(field string, i int, msg string) {
	v.add(field+itemSep+strconv.Itoa(i), msg)
}

// validationErrors is the envelope's validation_errors.
func (e *apiError) validationErrors() map[string]any {
	if e.Validation != nil {
		return e.Validation
	}
	return validationObject(e.Fields)
}

// validationObject is the envelope's validation_errors: item errors
// nested under their field, keyed by index, as DRF writes them.
func validationObject(fields map[string][]string) map[string]any {
	if len(fields) == 0 {
		return nil
	}
	out := map[string]any{}
	for k, msgs := range fields {
		field, item, nested := strings.Cut(k, itemSep)
		if !nested {
			out[k] = msgs
			continue
		}
		m, _ := out[field].(map[string][]string)
		if m == nil {
			m = map[string][]string{}
			out[field] = m
		}
		m[item] = msgs
	}
	return out
}

// err returns the collected errors as a 400, or nil when there are none.
func (v validation) err() error {
	if len(v) == 0 {
		return nil
	}
	return &apiError{Status: http.StatusBadRequest, Detail: "Validation error", Fields: v}
}

// envelope is Label Studio's error body (core.utils.common.custom_exception_handler).
type envelope struct {
	ID               string         `json:"id"`
	StatusCode       int            `json:"status_code"`
	Version          string         `json:"version"`
	Detail           string         `json:"detail"`
	ExcInfo          *string        `json:"exc_info"`
	ValidationErrors map[string]any `json:"validation_errors,omitempty"`
}

// writeError answers err in Label Studio's error envelope. An error that
// is not an *apiError is a bug in the mock; it is logged and answered 400,
// never 5xx, because clients retry 5xx.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae, ok := asAPIError(err)
	if !ok {
		s.log.Error("unexpected error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errBadRequest(err.Error())
	}
	for k, vs := range ae.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if ae.Status < 500 {
		s.log.Debug("request rejected", "method", r.Method, "path", r.URL.Path, "status", ae.Status, "detail", ae.Error())
	}
	if ae.Bare {
		writeJSON(w, ae.Status, map[string]string{"detail": ae.Detail})
		return
	}
	writeJSON(w, ae.Status, envelope{
		ID:               s.cfg.NewUUID(),
		StatusCode:       ae.Status,
		Version:          s.st.profile.Version,
		Detail:           ae.Detail,
		ValidationErrors: ae.validationErrors(),
	})
}

// writeJSON answers v as JSON, the way Django REST framework renders it
// (no HTML escaping, so label configs keep their angle brackets).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		status = http.StatusBadRequest
		body = []byte(`{"detail":"response could not be encoded"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(nil), nil // the same bytes, written by hand (encode.go)
	}
	return jsontext.Marshal(v)
}
