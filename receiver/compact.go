package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// compactJSON returns body without insignificant space, in a slice of its
// own exact size: records keep it for as long as they live, so it must not
// pin a larger buffer. An error means body is not JSON. It is the slow
// path: a webhook's compact body comes from the validator's own parse
// (schemas.ValidateCompact), and only what that parser leaves to
// encoding/json (a body that is not JSON, or nested deeper than 1000
// levels) comes here.
func compactJSON(body []byte) (json.RawMessage, error) {
	buf := bytes.NewBuffer(make([]byte, 0, len(body))) // compact is never longer
	if err := json.Compact(buf, body); err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		// Compact passes bad bytes through; records must stay UTF-8 JSON.
		return nil, errors.New("the body is not valid UTF-8")
	}
	out := buf.Bytes()
	if cap(out)-len(out) > 4<<10 {
		out = bytes.Clone(out)
	}
	return out, nil
}
