package server

import (
	"bytes"
	"encoding/json"
	"errors"
)

// kv is one key of a JSON object, in the object's order.
type kv struct {
	key string
	val json.RawMessage
}

// objectPairs reads a JSON object's keys and values in order (a later
// duplicate key replaces the earlier value in its place, as Python's dict
// does).
func objectPairs(raw json.RawMessage) ([]kv, error) {
	if jsonKind(raw) != '{' {
		return nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []kv
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = setPair(out, kt.(string), v)
	}
	return out, nil
}

// setPair sets key k: in its place when present, else at the end.
func setPair(pairs []kv, k string, v json.RawMessage) []kv {
	for i := range pairs {
		if pairs[i].key == k {
			pairs[i].val = v
			return pairs
		}
	}
	return append(pairs, kv{k, v})
}

// writePairs writes pairs as a compact JSON object.
func writePairs(pairs []kv) json.RawMessage {
	var w jsonw
	w.b = append(w.b, '{')
	for i, p := range pairs {
		w.key(i, p.key)
		w.b = append(w.b, compact(p.val)...)
	}
	return append(w.b, '}')
}

// key writes the key of an object's member i (from 0), after the comma
// that parts it from the member before; the value comes next.
func (w *jsonw) key(i int, k string) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
	w.str(k)
	w.b = append(w.b, ':')
}
