package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// parse is the tree path's decoder (Validate takes it for the bodies the
// quick check does not pass, and gojsonschema needs Go values): it decodes
// a JSON body into the values encoding/json's Decoder with UseNumber gives (map[string]any, []any, string, json.Number, bool, nil)
// in one pass, about three times as fast: encoding/json scans every value
// twice and unquotes every string through its general path. It reports
// false on anything it does not take the simple way — a syntax error,
// trailing data, deep nesting — and decode then asks encoding/json, whose
// answer and error message stand. Strings with escapes are unquoted by
// encoding/json too. The body must be valid UTF-8 (decode checks first).
// FuzzDecodeMatchesEncodingJSON holds it to encoding/json's values.
//
// bigNumbers reports whether a number may be beyond hugeNumbers' bounds
// (it is long or has an exponent), so that Validate walks the document
// for them only then.
func parse(body []byte) (v any, ok, bigNumbers bool) {
	v, ok, bigNumbers, _ = parseCompact(body, false)
	return v, ok, bigNumbers
}

// parseCompact is parse that, when asked, also returns body without the
// space between its tokens (what json.Compact gives, in a slice of its own
// exact size), from the spans of space the parse skipped: no second pass
// over the body.
func parseCompact(body []byte, wantCompact bool) (v any, ok, bigNumbers bool, compact []byte) {
	p := parsers.Get().(*parser)
	defer p.release()
	p.b, p.keepGaps = body, wantCompact
	p.space()
	v, ok = p.value(0)
	if !ok {
		return nil, false, false, nil
	}
	p.space()
	if p.i != len(p.b) {
		return nil, false, false, nil
	}
	if wantCompact {
		compact = p.compact()
	}
	return v, true, p.bigNumbers, compact
}

// compact is the body without the gaps.
func (p *parser) compact() []byte {
	n := len(p.b)
	for i := 0; i < len(p.gaps); i += 2 {
		n -= p.gaps[i+1] - p.gaps[i]
	}
	out := make([]byte, 0, n)
	from := 0
	for i := 0; i < len(p.gaps); i += 2 {
		out = append(out, p.b[from:p.gaps[i]]...)
		from = p.gaps[i+1]
	}
	return append(out, p.b[from:]...)
}

// parsers keep their stacks between bodies.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// release empties p and puts it back, unless a huge body grew its stacks.
func (p *parser) release() {
	// Popping clears what it pops, so only a failed parse leaves values,
	// and only below the stacks' lengths.
	clear(p.members)
	clear(p.items)
	*p = parser{members: p.members[:0], items: p.items[:0], gaps: p.gaps[:0]}
	if cap(p.members) <= 1024 && cap(p.items) <= 1024 && cap(p.gaps) <= 1<<14 {
		parsers.Put(p)
	}
}

// maxParseDepth is well under encoding/json's limit of 10 000 levels:
// anything deeper goes to encoding/json.
const maxParseDepth = 1000

type parser struct {
	b          []byte
	i          int
	bigNumbers bool // a number is long or has an exponent
	// members and items are the stacks of the objects and arrays being
	// read, shared by every level.
	members []member
	items   []any
	// keepGaps asks space to note the spans it skips in gaps, as start
	// and end offsets.
	keepGaps bool
	gaps     []int
}

type member struct {
	key   string
	value any
}

func (p *parser) space() {
	start := p.i
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
			continue
		}
		break
	}
	if p.keepGaps && p.i > start {
		p.gaps = append(p.gaps, start, p.i)
	}
}

func (p *parser) value(depth int) (any, bool) {
	if p.i >= len(p.b) || depth > maxParseDepth {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, ok := p.string()
		return s, ok
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *parser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// object reads an object. Its members wait on the parser's stack until
// the object ends, so that the map is made at its size once instead of
// growing (and rehashing) member by member.
func (p *parser) object(depth int) (any, bool) {
	p.i++ // {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return make(map[string]any), true
	}
	base := len(p.members)
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.key()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		p.members = append(p.members, member{k, v})
		if more, ok := p.next('}'); !ok {
			return nil, false
		} else if !more {
			ms := p.members[base:]
			m := make(map[string]any, len(ms))
			for _, e := range ms {
				m[e.key] = e.value // the last of duplicate keys wins, as in encoding/json
			}
			clear(ms) // the stack must not keep the values alive
			p.members = p.members[:base]
			return m, true
		}
	}
}

// array reads an array; its items wait on the stack as members do.
func (p *parser) array(depth int) (any, bool) {
	p.i++ // [
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return make([]any, 0), true // encoding/json gives [] for an empty list, not nil
	}
	base := len(p.items)
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		p.items = append(p.items, v)
		if more, ok := p.next(']'); !ok {
			return nil, false
		} else if !more {
			l := slices.Clone(p.items[base:])
			clear(p.items[base:])
			p.items = p.items[:base]
			return l, true
		}
	}
}

// next reads what follows a member or an item: a comma, after which more
// follow, or the closing byte end; anything else is not JSON (ok false).
func (p *parser) next(end byte) (more, ok bool) {
	p.space()
	if p.i >= len(p.b) {
		return false, false
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		p.space()
		return true, true
	case end:
		p.i++
		return false, true
	}
	return false, false
}

// key reads an object key. The keys the schema files name are not
// allocated again for every body: a body is mostly those.
func (p *parser) key() (string, bool) {
	start := p.i
	if end := bytes.IndexByte(p.b[start+1:], '"'); end >= 0 {
		if k, ok := knownKeys()[string(p.b[start+1:start+1+end])]; ok {
			p.i = start + end + 2
			return k, true
		}
	}
	return p.string()
}

// knownKeys are the property names of the schema files, plus "action".
var knownKeys = sync.OnceValue(func() map[string]string {
	keys := map[string]string{"action": "action"}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ps, ok := v["properties"].(map[string]any); ok {
				for k := range ps {
					keys[k] = k
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, b := range Files() {
		doc, err := decodeStd(b)
		if err != nil {
			panic(fmt.Sprintf("schemas: %v", err)) // embedded: every test run catches it
		}
		walk(doc)
	}
	return keys
})

// string reads a string token. One without escapes is its bytes; one
// with escapes is unquoted by encoding/json.
func (p *parser) string() (string, bool) {
	start := p.i
	p.i++ // "
	escaped := false
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			if !escaped {
				return string(p.b[start+1 : p.i-1]), true
			}
			var s string
			if json.Unmarshal(p.b[start:p.i], &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			p.i += 2 // the escape's next byte cannot end the string
		case c < 0x20:
			return "", false
		default:
			p.i++
		}
	}
	return "", false
}

// number reads a number token by JSON's grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (p *parser) number() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	n := p.b[start:p.i]
	if len(n) > maxNumberLen || bytes.ContainsAny(n, "eE") {
		p.bigNumbers = true
	}
	return json.Number(n), true
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
