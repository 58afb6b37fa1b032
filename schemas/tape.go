package schemas

import (
	"bytes"
	"encoding/json"
	"math"
	"sync"

	"github.com/labelhook/labelhook/internal/swar"
)

// A tape is a body read once into a flat list of tokens, so that the
// quick check can walk it without building Go values: a map per object,
// a string per key, an interface per number cost the receiver two thirds
// of its time per webhook. Every token is a span of the body; an object
// is followed by its members (a key token, then the value's tokens), an
// array by its items, and a container says where its tokens end, so a
// check skips a whole subtree in one step and several schemas (allOf,
// if/then/else) can check the same value.
//
// The tape reader accepts exactly the JSON that encoding/json accepts, up
// to maxParseDepth levels (FuzzTapeMatchesEncodingJSON); it declines the
// rest, and Validate then takes the tree path, whose answer and error
// messages stand. The body must be valid UTF-8 (Validate checks first).
type tape struct {
	b    []byte
	toks []tok
	// huge: a number is beyond hugeNumbers' bounds.
	huge bool
	// keepGaps asks for the spans of space skipped, as in parser.
	keepGaps bool
	gaps     []int
}

// tok is one value, or one object key, of the body.
type tok struct {
	kind       byte // '{', '[', '"', '0' (a number), 't', 'f', 'n'
	escaped    bool // a string with a backslash: its bytes are not its value
	whole      bool // a number without fraction or exponent
	start, end int32
	// next is the index of the token after this value: for a container,
	// after all of its members or items.
	next int32
	// count is a container's number of members or items.
	count int32
}

// maxParseDepth is well under encoding/json's limit of 10 000 levels:
// anything deeper goes to encoding/json.
const maxParseDepth = 1000

// tapes keep their token lists between bodies.
var tapes = sync.Pool{New: func() any { return new(tape) }}

// readTape reads body into a pooled tape; ok is false when it declines.
// The caller puts the tape back with release.
func readTape(body []byte, wantCompact bool) (t *tape, ok bool) {
	t = tapes.Get().(*tape)
	t.b, t.keepGaps = body, wantCompact
	if len(body) >= math.MaxInt32 {
		return t, false
	}
	i := t.space(0)
	i, ok = t.value(i, 0)
	if !ok {
		return t, false
	}
	return t, t.space(i) == len(body)
}

// release empties t and puts it back, unless a huge body grew it.
func (t *tape) release() {
	*t = tape{toks: t.toks[:0], gaps: t.gaps[:0]}
	if cap(t.toks) <= 1<<14 && cap(t.gaps) <= 1<<14 {
		tapes.Put(t)
	}
}

// compact is the body without the space between its tokens.
func (t *tape) compact() []byte {
	n := len(t.b)
	for i := 0; i < len(t.gaps); i += 2 {
		n -= t.gaps[i+1] - t.gaps[i]
	}
	out := make([]byte, 0, n)
	from := 0
	for i := 0; i < len(t.gaps); i += 2 {
		out = append(out, t.b[from:t.gaps[i]]...)
		from = t.gaps[i+1]
	}
	return append(out, t.b[from:]...)
}

// space skips JSON's white space from i and returns where it ends.
func (t *tape) space(i int) int {
	start := i
	for i < len(t.b) {
		switch t.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	if t.keepGaps && i > start {
		t.gaps = append(t.gaps, start, i)
	}
	return i
}

// value reads the value at i (no space before it) and returns where it
// ends.
func (t *tape) value(i, depth int) (int, bool) {
	if i >= len(t.b) || depth > maxParseDepth {
		return i, false
	}
	switch c := t.b[i]; {
	case c == '{':
		return t.container(i, depth+1, '}')
	case c == '[':
		return t.container(i, depth+1, ']')
	case c == '"':
		return t.str(i)
	case c == '-' || '0' <= c && c <= '9':
		return t.number(i)
	case c == 't':
		return t.literal(i, "true")
	case c == 'f':
		return t.literal(i, "false")
	case c == 'n':
		return t.literal(i, "null")
	}
	return i, false
}

func (t *tape) literal(i int, word string) (int, bool) {
	if len(t.b)-i < len(word) || string(t.b[i:i+len(word)]) != word {
		return i, false
	}
	t.toks = append(t.toks, tok{kind: word[0], start: int32(i), end: int32(i + len(word)), next: int32(len(t.toks) + 1)})
	return i + len(word), true
}

// container reads an object (end '}') or an array (end ']') at i.
func (t *tape) container(i, depth int, end byte) (int, bool) {
	at := len(t.toks)
	t.toks = append(t.toks, tok{kind: t.b[i], start: int32(i)})
	i = t.space(i + 1)
	n := int32(0)
	if i < len(t.b) && t.b[i] == end {
		i++
	} else {
		for {
			var ok bool
			if end == '}' {
				if i >= len(t.b) || t.b[i] != '"' {
					return i, false
				}
				if i, ok = t.str(i); !ok {
					return i, false
				}
				i = t.space(i)
				if i >= len(t.b) || t.b[i] != ':' {
					return i, false
				}
				i = t.space(i + 1)
			}
			if i, ok = t.value(i, depth); !ok {
				return i, false
			}
			n++
			i = t.space(i)
			if i >= len(t.b) {
				return i, false
			}
			if c := t.b[i]; c == end {
				i++
				break
			} else if c != ',' {
				return i, false
			}
			i = t.space(i + 1)
		}
	}
	t.toks[at].end, t.toks[at].next, t.toks[at].count = int32(i), int32(len(t.toks)), n
	return i, true
}

// str reads a string token at i: control characters are refused, and
// every escape is one of JSON's (a \u with four hex digits).
func (t *tape) str(i int) (int, bool) {
	b, start, escaped := t.b, i, false
	i++ // "
	for {
		// Runs of plain bytes, 8 at a time, then byte by byte.
		for i+8 <= len(b) && plain8(b[i:i+8]) {
			i += 8
		}
		for i < len(b) && !stringStops[b[i]] {
			i++
		}
		if i >= len(b) || b[i] < 0x20 {
			return i, false
		}
		if b[i] == '"' {
			i++
			break
		}
		escaped = true
		if i+1 >= len(b) {
			return i, false
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if len(b)-i < 6 || !isHex4(b[i+2:i+6]) {
				return i, false
			}
			i += 6
		default:
			return i, false
		}
	}
	t.toks = append(t.toks, tok{kind: '"', escaped: escaped, start: int32(start), end: int32(i), next: int32(len(t.toks) + 1)})
	return i, true
}

// stringStops are the bytes that end a run of plain bytes in a string: a
// quote, a backslash, a control character.
var stringStops = func() (stops [256]bool) {
	for c := range 0x20 {
		stops[c] = true
	}
	stops['"'], stops['\\'] = true, true
	return stops
}()

// plain8 reports whether the 8 bytes of b hold no quote, backslash or
// control character.
func plain8(b []byte) bool {
	x := swar.Word(b)
	return swar.Below(x, 0x20)|swar.Equal(x, '"')|swar.Equal(x, '\\') == 0
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a number token at i by JSON's grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (t *tape) number(i int) (int, bool) {
	start := i
	if t.b[i] == '-' {
		i++
	}
	switch {
	case i < len(t.b) && t.b[i] == '0':
		i++
	case t.digits(&i) == 0:
		return i, false
	}
	whole := true
	if i < len(t.b) && t.b[i] == '.' {
		i++
		whole = false
		if t.digits(&i) == 0 {
			return i, false
		}
	}
	if i < len(t.b) && (t.b[i] == 'e' || t.b[i] == 'E') {
		i++
		whole = false
		if i < len(t.b) && (t.b[i] == '+' || t.b[i] == '-') {
			i++
		}
		if t.digits(&i) == 0 {
			return i, false
		}
	}
	if !whole || i-start > maxNumberLen {
		t.huge = t.huge || isHuge(string(t.b[start:i]))
	}
	t.toks = append(t.toks, tok{kind: '0', whole: whole, start: int32(start), end: int32(i), next: int32(len(t.toks) + 1)})
	return i, true
}

func (t *tape) digits(i *int) int {
	n := 0
	for *i < len(t.b) && '0' <= t.b[*i] && t.b[*i] <= '9' {
		*i++
		n++
	}
	return n
}

// raw is the bytes of token i; for a string, without its quotes.
func (t *tape) raw(i int) []byte {
	k := &t.toks[i]
	if k.kind == '"' {
		return t.b[k.start+1 : k.end-1]
	}
	return t.b[k.start:k.end]
}

// text is the value of string token i. An escaped string is unquoted by
// encoding/json (the tape checked its escapes, so ok is false only if the
// two ever disagree); the others are their bytes.
func (t *tape) text(i int) (s string, ok bool) {
	k := &t.toks[i]
	if !k.escaped {
		return string(t.b[k.start+1 : k.end-1]), true
	}
	return s, json.Unmarshal(t.b[k.start:k.end], &s) == nil
}

// member finds the last member named key of the object at i, the one
// encoding/json keeps, and how many members have that name.
func (t *tape) member(i int, key string) (value, n int) {
	value = -1
	for k := i + 1; k < int(t.toks[i].next); k = int(t.toks[k+1].next) {
		if t.keyIs(k, key) {
			value, n = k+1, n+1
		}
	}
	return value, n
}

// keyIs reports whether the key token k is key.
func (t *tape) keyIs(k int, key string) bool {
	if t.toks[k].escaped {
		s, ok := t.text(k)
		return ok && s == key
	}
	return string(t.raw(k)) == key
}

// listLen is the length of the top-level list named key, -1 when the body
// has no such list (or more than one member of that name).
func (t *tape) listLen(key string) int {
	v, n := t.member(0, key)
	if n != 1 || t.toks[v].kind != '[' {
		return -1
	}
	return int(t.toks[v].count)
}

// distinctNames counts the different names of the object at i's members;
// ok is false for an object with an escaped name or over 64 members,
// which it leaves to the tree path.
func (t *tape) distinctNames(i int) (n int, ok bool) {
	o := &t.toks[i]
	if o.count > 64 {
		return 0, false
	}
	for k := i + 1; k < int(o.next); k = int(t.toks[k+1].next) {
		if t.toks[k].escaped {
			return 0, false
		}
		repeated := false
		for j := i + 1; j < k; j = int(t.toks[j+1].next) {
			if bytes.Equal(t.raw(j), t.raw(k)) {
				repeated = true
				break
			}
		}
		if !repeated {
			n++
		}
	}
	return n, true
}

// tree decodes the value at token i into Go values as encoding/json does
// with UseNumber: the last member of a repeated name wins, an empty array
// is [] (not nil). ok is false for a string the tape cannot unquote.
func (t *tape) tree(i int) (any, bool) {
	k := &t.toks[i]
	switch k.kind {
	case '{':
		m := make(map[string]any, k.count)
		for j := i + 1; j < int(k.next); j = int(t.toks[j+1].next) {
			key, ok := t.text(j)
			if !ok {
				return nil, false
			}
			if m[key], ok = t.tree(j + 1); !ok {
				return nil, false
			}
		}
		return m, true
	case '[':
		l := make([]any, 0, k.count)
		for j := i + 1; j < int(k.next); j = int(t.toks[j].next) {
			v, ok := t.tree(j)
			if !ok {
				return nil, false
			}
			l = append(l, v)
		}
		return l, true
	case '"':
		return t.text(i)
	case '0':
		return json.Number(t.b[k.start:k.end]), true
	case 't':
		return true, true
	case 'f':
		return false, true
	}
	return nil, true // null
}
