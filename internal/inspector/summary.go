package inspector

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// PreviewBytes is how much of a body a record's summary carries: what the
// list shows of it. The rest comes on demand (GET /ui/api/events/{seq}).
const PreviewBytes = 240

// summarise turns a record into what the list needs: every field but
// headers and body, plus "body_bytes" (the size of the body as recorded,
// compact JSON) and "preview", its first PreviewBytes bytes as text. A
// list of 10 000 records stays a few megabytes whatever the bodies weigh.
func summarise(raw []byte) ([]byte, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("summarise record: %w", err)
	}
	body := rec["body"]
	delete(rec, "body")
	delete(rec, "headers")
	rec["body_bytes"] = mustJSON(len(body))
	rec["preview"] = mustJSON(cut(body, PreviewBytes))
	return json.Marshal(rec)
}

// detail returns the record with its body as text: "body_text" holds
// the body's JSON text exactly as recorded (a browser's JSON.parse would
// round 64-bit ids), "body_bytes" its size; with maxBody >= 0 and a larger
// body, body_text is its first maxBody bytes and "body_truncated" is true.
func detail(raw []byte, maxBody int) ([]byte, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	body := rec["body"]
	delete(rec, "body")
	rec["body_bytes"] = mustJSON(len(body))
	if maxBody >= 0 && len(body) > maxBody {
		rec["body_text"] = mustJSON(cut(body, maxBody))
		rec["body_truncated"] = json.RawMessage("true")
	} else {
		rec["body_text"] = mustJSON(string(body))
	}
	return json.Marshal(rec)
}

// cut returns the first n bytes of b as a string, shortened to a whole
// UTF-8 character.
func cut(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n])
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // ints and strings always encode
	}
	return b
}
