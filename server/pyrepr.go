package server

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// pyRepr renders a JSON value the way Python's repr() prints the decoded
// value, because Label Studio's messages embed it: {'a b': 'x'}, True, None.
func pyRepr(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case json.Number:
		b.WriteString(x.String())
	case string:
		b.WriteString(pyString(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		// Go maps lose key order; Python keeps insertion order. Sorting is
		// the closest stable choice.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyString(k))
			b.WriteString(": ")
			writeRepr(b, x[k])
		}
		b.WriteByte('}')
	}
}

// pyString quotes like Python: single quotes unless the text has one.
func pyString(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return strconv.Quote(s)
	}
	q := strconv.Quote(s)
	q = q[1 : len(q)-1]
	q = strings.ReplaceAll(q, `\"`, `"`)
	q = strings.ReplaceAll(q, `'`, `\'`)
	return "'" + q + "'"
}

// orderedRepr renders a JSON object's repr keeping the keys' order.
func orderedRepr(raw json.RawMessage) string {
	if jsonKind(raw) != '{' {
		return pyRepr(raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return string(raw)
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return pyRepr(raw)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return pyRepr(raw)
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(pyString(kt.(string)))
		b.WriteString(": ")
		b.WriteString(orderedRepr(v))
	}
	b.WriteByte('}')
	return b.String()
}
