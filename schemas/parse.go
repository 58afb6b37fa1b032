package schemas

// parse is the tree path's decoder (Validate takes it for the bodies the
// quick check does not pass, and gojsonschema needs Go values): it
// decodes a JSON body into the values encoding/json's Decoder with
// UseNumber gives (map[string]any, []any, string, json.Number, bool,
// nil), from the body's tape (decodeRead), about three times as fast as
// encoding/json, which scans every value twice. It reports false on
// anything the tape declines — a syntax error, trailing data, deep
// nesting — and decode then asks encoding/json, whose answer and error
// message stand. The body must be valid UTF-8 (decode checks first).
// FuzzDecodeMatchesEncodingJSON holds it to encoding/json's values.
//
// huge reports whether a number is beyond hugeNumbers' bounds, so that
// Validate walks the document for them only then.
func parse(body []byte) (v any, ok, huge bool) {
	t, ok := readTape(body, false)
	defer t.release()
	if !ok {
		return nil, false, false
	}
	v, ok = t.tree(0)
	return v, ok, t.huge
}
