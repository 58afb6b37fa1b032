package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// readBody reads a request body within the configured limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("Request body is larger than the limit of %d bytes.", mbe.Limit)}
		}
		return nil, errBadRequest("Could not read the request body: " + err.Error())
	}
	return body, nil
}

// parseJSON checks that body is one valid UTF-8 JSON value and returns it.
// An empty body is an empty object, as DRF treats it.
func parseJSON(body []byte) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return json.RawMessage("{}"), nil
	}
	if !utf8.Valid(trimmed) {
		return nil, errBadRequest("JSON parse error - request body is not valid UTF-8")
	}
	// json.Valid uses the same scanner as the decoder below, without
	// building the values: on a 20 MB import that saved a third of a
	// second and ~100 MB of garbage. The decoder only runs on bad input,
	// for its error message.
	if json.Valid(trimmed) {
		return json.RawMessage(trimmed), nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errBadRequest("JSON parse error - " + err.Error())
	}
	// The first value decoded, so what json.Valid refused comes after it
	// (dec.More says false for a stray ']' or '}', which let "[]}" in).
	return nil, errBadRequest("JSON parse error - extra data after the JSON value")
}

// readJSON reads a body that must be one JSON value (empty: {}).
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	return parseJSON(body)
}

// readObject reads a body that must be a JSON object, as a form.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request) (form, error) {
	raw, err := s.readJSON(w, r)
	if err != nil {
		return form{}, err
	}
	return checkedForm(raw)
}

// checkedForm is objectForm for a value that is checked JSON (parseJSON,
// or a part of a value it checked): a scan finds the members.
func checkedForm(raw json.RawMessage) (form, error) {
	if jsonKind(raw) == '{' {
		if m, ok := objectFields(raw); ok {
			return form{raw: m, errs: validation{}}, nil
		}
	}
	return objectForm(raw)
}

// listItems splits a valid JSON list into its items.
func listItems(raw json.RawMessage) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errBadRequest("JSON parse error - " + err.Error())
	}
	return items, nil
}

// splitList is listItems for a list that parseJSON checked: the items are
// found by a scan of nesting and strings, not decoded (json.Unmarshal
// validated the whole body again and copied every item, a fifth of a
// 100 000-task import). The items are slices of raw: a caller must not
// keep them past the request.
func splitList(raw json.RawMessage) []json.RawMessage {
	items := make([]json.RawMessage, 0, 16)
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != ']' {
		end := valueEnd(raw, i, false)
		if end < 0 {
			panic("splitList: unterminated item in checked JSON")
		}
		items = append(items, raw[i:end])
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	if i >= len(raw) {
		panic("splitList: unterminated list in checked JSON")
	}
	return items
}

// objectFields is json.Unmarshal of a checked JSON object into a
// map[string]json.RawMessage, by a scan: an import decoded every row and
// its data that way, validating each again, which was half of a big
// import's time. The values are slices of raw. It reports false, and the
// caller decodes, when a key has an escape in it.
func objectFields(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	m := make(map[string]json.RawMessage, 4)
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := stringEnd(raw, i)
		if end < 0 || raw[i] != '"' {
			return nil, false
		}
		key := raw[i+1 : end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, false
		}
		i = skipSpace(raw, end+1) // the colon
		i = skipSpace(raw, i+1)
		vend := valueEnd(raw, i, false)
		if vend < 0 {
			vend = len(raw)
		}
		m[string(key)] = raw[i:vend]
		i = skipSpace(raw, vend)
	}
	return m, true
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

func objectForm(raw json.RawMessage) (form, error) {
	if jsonKind(raw) != '{' {
		return form{}, &apiError{Status: http.StatusBadRequest, Detail: "Validation error",
			Fields: map[string][]string{"non_field_errors": {fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(raw))}}}
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return form{}, errBadRequest("JSON parse error - " + err.Error())
	}
	return form{raw: m, errs: validation{}}, nil
}

// jsonKind returns the first byte of a JSON value: '{', '[', '"', 't',
// 'f', 'n' or a digit/minus for numbers.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// pyTypeName names a JSON value's type the way DRF's messages do.
func pyTypeName(raw json.RawMessage) string {
	switch k := jsonKind(raw); k {
	case '{':
		return "dict"
	case '[':
		return "list"
	case '"':
		return "str"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	default:
		if bytes.ContainsAny(raw, ".eE") {
			return "float"
		}
		return "int"
	}
}

// form is a decoded JSON object body whose fields are read one by one
// with DRF's type rules; errors collect in errs so nothing is changed
// until every field has been checked.
type form struct {
	raw  map[string]json.RawMessage
	errs validation
}

func (f form) has(k string) bool { _, ok := f.raw[k]; return ok }

func (f form) isNull(k string) bool { return jsonKind(f.raw[k]) == 'n' }

// pk reads a required PrimaryKeyRelatedField and returns its id when
// it is one that exists: DRF's errors for a key missing, null, not an
// integer, or naming no object.
func (f form) pk(k string, exists func(id int) bool) (int, bool) {
	switch {
	case !f.has(k):
		f.errs.add(k, "This field is required.")
	case f.isNull(k):
		f.errs.add(k, "This field may not be null.")
	default:
		id, ok := toInt(f.raw[k])
		switch {
		case !ok:
			f.errs.add(k, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyTypeName(f.raw[k])))
		case !exists(id):
			f.errs.add(k, fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id))
		default:
			return id, true
		}
	}
	return 0, false
}

// str reads a string field. Like DRF's CharField it takes numbers too,
// trims surrounding whitespace (trim_whitespace is on by default) and
// refuses NUL characters (ProhibitNullCharactersValidator).
func (f form) str(k string, dst *string) bool {
	raw, ok := f.raw[k]
	if !ok {
		return false
	}
	switch jsonKind(raw) {
	case '"':
		var v string
		_ = json.Unmarshal(raw, &v)
		if strings.ContainsRune(v, 0) {
			f.errs.add(k, "Null characters are not allowed.")
			return false
		}
		*dst = strings.TrimSpace(v)
		return true
	case 'n':
		f.errs.add(k, "This field may not be null.")
	case '{', '[', 't', 'f':
		f.errs.add(k, "Not a valid string.")
	default:
		*dst = string(bytes.TrimSpace(raw))
		return true
	}
	return false
}

// nullStr reads a string field that may be null.
func (f form) nullStr(k string, dst **string) bool {
	if !f.has(k) {
		return false
	}
	if f.isNull(k) {
		*dst = nil
		return true
	}
	var v string
	if f.str(k, &v) {
		*dst = &v
		return true
	}
	return false
}

// boolean reads a boolean field with DRF's BooleanField rules.
func (f form) boolean(k string, dst *bool) bool {
	raw, ok := f.raw[k]
	if !ok {
		return false
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	switch x := v.(type) {
	case bool:
		*dst = x
		return true
	case float64:
		if x == 1 || x == 0 {
			*dst = x == 1
			return true
		}
	case string:
		if b, ok := parseBool(x); ok {
			*dst = b
			return true
		}
	case nil:
		f.errs.add(k, "This field may not be null.")
		return false
	}
	f.errs.add(k, "Must be a valid boolean.")
	return false
}

// integer reads an integer field with DRF's IntegerField rules.
func (f form) integer(k string, dst *int) bool {
	raw, ok := f.raw[k]
	if !ok {
		return false
	}
	if jsonKind(raw) == 'n' {
		f.errs.add(k, "This field may not be null.")
		return false
	}
	n, ok := toInt(raw)
	if !ok {
		f.errs.add(k, "A valid integer is required.")
		return false
	}
	*dst = n
	return true
}

// integerMin reads an integer field with DRF's IntegerField(min_value=lo)
// rules.
func (f form) integerMin(k string, lo int, dst *int) bool {
	var n int
	if !f.integer(k, &n) {
		return false
	}
	if n < lo {
		f.errs.add(k, fmt.Sprintf("Ensure this value is greater than or equal to %d.", lo))
		return false
	}
	*dst = n
	return true
}

// nullInt reads an integer field that may be null.
func (f form) nullInt(k string, dst **int) bool {
	if !f.has(k) {
		return false
	}
	if f.isNull(k) {
		*dst = nil
		return true
	}
	var n int
	if f.integer(k, &n) {
		*dst = &n
		return true
	}
	return false
}

// number reads a float field that may be null.
func (f form) number(k string, dst **float64) bool {
	raw, ok := f.raw[k]
	if !ok {
		return false
	}
	if jsonKind(raw) == 'n' {
		*dst = nil
		return true
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	var x float64
	switch t := v.(type) {
	case float64:
		x = t
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			f.errs.add(k, "A valid number is required.")
			return false
		}
		x = p
	default:
		f.errs.add(k, "A valid number is required.")
		return false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		f.errs.add(k, "A valid number is required.")
		return false
	}
	*dst = &x
	return true
}

// object reads a field that must be a JSON object.
func (f form) object(k string, dst *json.RawMessage, nullable bool) bool {
	raw, ok := f.raw[k]
	if !ok {
		return false
	}
	switch jsonKind(raw) {
	case '{':
		*dst = compact(raw)
		return true
	case 'n':
		if nullable {
			*dst = nil
			return true
		}
		f.errs.add(k, "This field may not be null.")
	default:
		f.errs.add(k, fmt.Sprintf("Expected a dictionary of items but got type %q.", pyTypeName(raw)))
	}
	return false
}

// choice reads a string field restricted to choices.
func (f form) choice(k string, dst *string, choices ...string) bool {
	var v string
	if !f.str(k, &v) {
		return false
	}
	for _, c := range choices {
		if v == c {
			*dst = v
			return true
		}
	}
	f.errs.add(k, fmt.Sprintf("%q is not a valid choice.", v))
	return false
}

// datetime reads a nullable datetime field.
func (f form) datetime(k string, dst **time.Time) bool {
	if !f.has(k) {
		return false
	}
	if f.isNull(k) {
		*dst = nil
		return true
	}
	var v string
	if jsonKind(f.raw[k]) != '"' {
		f.errs.add(k, "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
		return false
	}
	_ = json.Unmarshal(f.raw[k], &v)
	t, ok := parseStamp(v)
	if !ok {
		f.errs.add(k, "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
		return false
	}
	*dst = &t
	return true
}

// toInt reads a JSON integer (or an integral number or numeric string, as DRF does).
func toInt(raw json.RawMessage) (int, bool) {
	raw = bytes.TrimSpace(raw)
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(raw)) {
		return 0, false // not a value, or one followed by more ("1abc")
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(n), true
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return int(x), true
	}
	return 0, false
}

// compact removes insignificant whitespace from a JSON value.
func compact(raw json.RawMessage) json.RawMessage {
	buf := bytes.NewBuffer(make([]byte, 0, len(raw))) // never more than raw
	if err := json.Compact(buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// compactChecked is compact for checked JSON: the whitespace outside
// strings is dropped by a scan (appendRaw), without json.Compact's
// validation, a tenth of an annotated import's time. The result is a
// copy.
func compactChecked(raw json.RawMessage) json.RawMessage {
	return appendRaw(make([]byte, 0, len(raw)), raw)
}

// parseBool reads a boolean the way Label Studio reads query booleans.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on", "t", "y":
		return true, true
	case "false", "0", "no", "off", "f", "n", "":
		return false, true
	}
	return false, false
}

// queryBool reads a query parameter as Label Studio does: true, 1, yes
// and on (any case) are true, anything else is false.
func queryBool(r *http.Request, name string, def bool) bool {
	return valuesBool(r.URL.Query(), name, def)
}

// valuesBool is queryBool on query parameters already parsed.
func valuesBool(q url.Values, name string, def bool) bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v[0])) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}
