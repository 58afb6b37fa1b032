// Package jsontext encodes JSON the way labelhook writes it everywhere:
// compact, without HTML escaping, so a label config's "<View>" or task
// text with "&" stays as written (Python's json.dumps and Django REST
// framework escape no HTML either).
package jsontext

import (
	"bytes"
	"encoding/json"
)

// Marshal is json.Marshal without HTML escaping.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
