package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/labelhook/labelhook/internal/pyjson"
)

// A shape is a JSON view over an entity, as one Label Studio serializer
// writes it: its keys in the serializer's order, each with how to write
// its value. The field list is the view's one home: adding a key is one
// line in it (and a field on the entity, if the value is stored). A key a
// release added says so (since), and a profile of an older release leaves
// it out: the versions' differences are data. Which keys each verified
// profile has is worked out once, when the shape is made, so writing an
// item compares no versions.
type shape[C any] struct {
	fields []field[C]
	// byProfile[i] are the keys profiles[i] has, each with the bytes
	// written before its value (`{"key":` for the first, `,"key":` after).
	byProfile [][]keyed[C]
}

// field is one key of a shape.
type field[C any] struct {
	key string
	// since is the first verified release with this key ("" = all).
	since string
	write func(w *jsonw, c C)
}

// keyed is a field a profile has, with its key written out.
type keyed[C any] struct {
	prefix string
	write  func(w *jsonw, c C)
}

// newShape makes a shape of fields and resolves it for every profile.
func newShape[C any](fields []field[C]) shape[C] {
	v := shape[C]{fields: fields, byProfile: make([][]keyed[C], len(profiles))}
	for i := range profiles {
		v.byProfile[i] = v.resolve(&profiles[i])
	}
	return v
}

// resolve lists the keys profile p has.
func (v shape[C]) resolve(p *Profile) []keyed[C] {
	var out []keyed[C]
	for _, f := range v.fields {
		if f.since != "" && !p.atLeast(f.since) {
			continue
		}
		sep := ","
		if len(out) == 0 {
			sep = "{"
		}
		// keys are plain ASCII (TestShapeKeysArePlain)
		out = append(out, keyed[C]{prefix: sep + `"` + f.key + `":`, write: f.write})
	}
	return out
}

// forProfile returns the keys profile p has: resolved already for a
// verified profile, worked out now for any other (tests only).
func (v shape[C]) forProfile(p *Profile) []keyed[C] {
	for i := range profiles {
		if p == &profiles[i] {
			return v.byProfile[i]
		}
	}
	return v.resolve(p)
}

// writeTo writes c as a JSON object with the keys profile p has.
func (v shape[C]) writeTo(w *jsonw, c C, p *Profile) {
	fs := v.forProfile(p)
	if len(fs) == 0 {
		w.b = append(w.b, "{}"...)
		return
	}
	for i := range fs {
		w.b = append(w.b, fs[i].prefix...)
		fs[i].write(w, c)
	}
	w.b = append(w.b, '}')
}

// without is the shape without the named keys.
func (v shape[C]) without(keys ...string) shape[C] {
	var out []field[C]
	for _, f := range v.fields {
		if !slices.Contains(keys, f.key) {
			out = append(out, f)
		}
	}
	return newShape(out)
}

// jsonw appends compact JSON values. Numbers that Python holds as floats
// are written in Python's repr (1.0, not 1), strings by appendString
// (encode.go), the one string encoder: its bytes are what Django REST
// framework's JSONRenderer writes for a REST answer (json.dumps with
// ensure_ascii=False, then U+2028 and U+2029 escaped); a webhook body is
// laid out again by pyjson as python-requests' json.dumps writes it
// (ensure_ascii: everything outside printable ASCII escaped).
type jsonw struct {
	b []byte
	// task is the context of the task being written (writeTask): held
	// here, it is not allocated for each task of a list.
	task taskCtx
	// stamps writes the stamps of items that share their seconds (an
	// import's tasks) without formatting each again.
	stamps stampCache
}

func (w *jsonw) int(n int)     { w.b = strconv.AppendInt(w.b, int64(n), 10) }
func (w *jsonw) int64(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }
func (w *jsonw) bool(v bool)   { w.b = strconv.AppendBool(w.b, v) }
func (w *jsonw) null()         { w.b = append(w.b, "null"...) }
func (w *jsonw) str(s string)  { w.b = appendString(w.b, s) }
func (w *jsonw) float(f float64) {
	w.b = pyjson.AppendFloat(w.b, f)
}
func (w *jsonw) stamp(t time.Time) { w.b = w.stamps.append(w.b, stamp(t)) }

// raw writes stored JSON as it is, or def when there is none.
func (w *jsonw) raw(r json.RawMessage, def string) {
	if len(r) == 0 {
		w.b = append(w.b, def...)
		return
	}
	w.b = append(w.b, r...)
}

func (w *jsonw) optInt(n *int) {
	if n == nil {
		w.null()
		return
	}
	w.int(*n)
}

func (w *jsonw) optStr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

func (w *jsonw) optFloat(f *float64) {
	if f == nil {
		w.null()
		return
	}
	w.float(*f)
}

func (w *jsonw) optStamp(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	w.stamp(*t)
}

func orEmptyObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

func orEmptyList(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("[]")
	}
	return raw
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// pyFloat is a float as Python writes it (1.0, not 1): Django REST
// framework renders FloatFields through json.dumps.
type pyFloat float64

func (f pyFloat) MarshalJSON() ([]byte, error) { return pyjson.AppendFloat(nil, float64(f)), nil }

// optFloat converts a stored nullable float for a REST view.
func optPyFloat(f *float64) *pyFloat {
	if f == nil {
		return nil
	}
	p := pyFloat(*f)
	return &p
}
