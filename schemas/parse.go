package schemas

// parse is the tree path's decoder (Validate takes it for the bodies the
// quick check does not pass, and gojsonschema needs Go values): it
// decodes a JSON body into the values encoding/json's Decoder with
// UseNumber gives (map[string]any, []any, string, json.Number, bool,
// nil), from the body's tape, about three times as fast as encoding/json,
// which scans every value twice. It reports false on anything the tape
// declines — a syntax error, trailing data, deep nesting — and decode
// then asks encoding/json, whose answer and error message stand. The body
// must be valid UTF-8 (decode checks first).
// FuzzDecodeMatchesEncodingJSON holds it to encoding/json's values.
//
// huge reports whether a number is beyond hugeNumbers' bounds, so that
// Validate walks the document for them only then.
func parse(body []byte) (v any, ok, huge bool) {
	v, ok, huge, _ = parseCompact(body, false)
	return v, ok, huge
}

// parseCompact is parse that, when asked, also returns body without the
// space between its tokens (what json.Compact gives, in a slice of its own
// exact size), from the tape's spans of space: no second pass.
func parseCompact(body []byte, wantCompact bool) (v any, ok, huge bool, compact []byte) {
	t, ok := readTape(body, wantCompact)
	defer t.release()
	if !ok {
		return nil, false, false, nil
	}
	if v, ok = t.tree(0); !ok {
		return nil, false, false, nil
	}
	if wantCompact {
		compact = t.compact()
	}
	return v, true, t.huge, compact
}
