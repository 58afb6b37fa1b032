package server

import (
	"bytes"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/swar"
)

// itemParser reads one stored object (a list item of the state file or a
// journal record) for the fast path of entitydecode.go. It checks what
// the reflection decoder checks (JSON syntax, strict number grammar,
// UTF-8 in strings, no name repeated in any object, nothing after the
// object) but only for the common case: where the rules get intricate
// (a name with escapes, a \u escape of a surrogate half, very deep
// nesting) it gives up (ok false) and leaves the verdict to reflection.
// One parser serves a whole batch, so its scratch space is allocated
// once.
type itemParser struct {
	b     []byte
	i     int      // b[i:] is not read yet
	ok    bool     // false once the item is off the fast path
	more  bool     // a member of the item was read
	done  bool     // the item's closing brace was read
	key   []byte   // the member name next read
	names [][]byte // the names of the objects open, outermost first
	// seen has a bit for each name of the item's own members (a hash of
	// its length and its first and last bytes): a new name whose bit is
	// clear is not one of them, without comparing it to each.
	seen uint64
	// slabs hold the objects read and their members (itemslab.go).
	slabs itemSlabs
}

// maxItemDepth bounds the nesting the fast path follows; deeper values
// (the reflection decoder allows 10 000 levels) are left to it.
const maxItemDepth = 64

// start begins reading raw, which must be an object.
func (p *itemParser) start(raw []byte) bool {
	p.b, p.i, p.ok, p.more, p.done, p.names, p.seen = raw, 0, true, false, false, p.names[:0], 0
	p.expect('{')
	return p.ok
}

// next reads the next member's name into key, up to its value, and
// reports whether there is one: false after the closing brace, or when
// off the fast path.
func (p *itemParser) next() bool {
	if !p.ok {
		return false
	}
	c := p.peek()
	switch {
	case c == '}':
		p.i++
		p.done = true
		return false
	case p.more && c == ',':
		p.i++
		p.ws()
	case p.more:
		p.ok = false
		return false
	}
	p.more = true
	p.key = p.memberName()
	p.expect(':')
	return p.ok
}

// memberName reads the name of one of the item's own members. It is
// taken up to the next quote unchecked: the caller knows every name it
// takes, none of them with a backslash or anything to check, and gives up
// on any other, which also covers a name that was cut short at an escaped
// quote. A name must not repeat one before it.
func (p *itemParser) memberName() []byte {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		p.ok = false
		return nil
	}
	n := bytes.IndexByte(p.b[p.i+1:], '"')
	if n < 0 {
		p.ok = false
		return nil
	}
	s := p.b[p.i+1 : p.i+1+n]
	p.i += n + 2
	h := len(s) * 7
	if len(s) > 0 {
		h += int(s[0])*3 + int(s[len(s)-1])
	}
	if bit := uint64(1) << (h & 63); p.seen&bit == 0 {
		p.seen |= bit // not seen: no name before it has its bit
	} else {
		for _, n := range p.names {
			if string(n) == string(s) {
				p.ok = false
				return nil
			}
		}
	}
	p.names = append(p.names, s)
	return s
}

// end reports whether the item was read whole on the fast path, with
// nothing but whitespace after it.
func (p *itemParser) end() bool {
	if p.ok && p.done {
		p.ws()
		return p.i == len(p.b)
	}
	return false
}

func (p *itemParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek is the next byte after whitespace, 0 at the end.
func (p *itemParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// expect reads the byte c, after whitespace.
func (p *itemParser) expect(c byte) {
	if p.peek() == c {
		p.i++
	} else {
		p.ok = false
	}
}

// literal reads lit (true, false or null) if it comes next.
func (p *itemParser) literal(lit string) bool {
	p.ws()
	if bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *itemParser) null() bool { return p.literal("null") }

// name reads the name of a member of an object within an item's member,
// which must have no escapes and not be one of the names before it in
// that object, names[from:].
func (p *itemParser) name(from int) []byte {
	s, escaped := p.str()
	if escaped {
		p.ok = false
	}
	if !p.ok {
		return nil
	}
	for _, n := range p.names[from:] {
		if string(n) == string(s) {
			p.ok = false
			return nil
		}
	}
	p.names = append(p.names, s)
	return s
}

// str reads a string and returns what is between its quotes, and whether
// that holds escapes.
func (p *itemParser) str() (s []byte, escaped bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		p.ok = false
		return nil, false
	}
	start := p.i + 1
	ascii := true
	j := start
	for j+8 <= len(p.b) && plainWord(swar.Word(p.b[j:])) {
		j += 8 // the bulk of a string: eight bytes at a time
	}
	for ; j < len(p.b); j++ {
		if plainByte[p.b[j]] {
			continue
		}
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			s = p.b[start:j]
			if !ascii && !utf8.Valid(s) {
				p.ok = false
			}
			return s, escaped
		case c == '\\':
			n := escapeLen(p.b[j:])
			if n == 0 {
				p.ok = false
				return nil, false
			}
			escaped = true
			j += n - 1
		case c < 0x20:
			p.ok = false
			return nil, false
		default:
			ascii = false
		}
	}
	p.ok = false
	return nil, false
}

// plainWord reports whether the eight bytes of x are all plainByte.
func plainWord(x uint64) bool {
	return swar.Outside(x, 0x20, 0x7f)|swar.Equal(x, '"')|swar.Equal(x, '\\') == 0
}

// plainByte are the bytes a string holds as they are: ASCII but for the
// quote, the backslash and control characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escapeLen is the length of the escape at the start of b, 0 if it is
// not one the fast path takes: a \u escape of a surrogate half is valid
// only in a pair, which is left to reflection.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		r := 0
		for _, c := range b[2:6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | int(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | int(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | int(c-'A'+10)
			default:
				return 0
			}
		}
		if 0xD800 <= r && r <= 0xDFFF {
			return 0
		}
		return 6
	}
	return 0
}

// number reads a number in JSON's grammar and returns it.
func (p *itemParser) number() []byte {
	p.ws()
	b, j := p.b, p.i
	digits := func() bool {
		k := j
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		p.ok = false
		return nil
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			p.ok = false
			return nil
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			p.ok = false
			return nil
		}
	}
	n := b[p.i:j]
	p.i = j
	return n
}

// skip reads any value, depth levels deep in the item's members.
func (p *itemParser) skip(depth int) {
	switch p.peek() {
	case '{':
		p.i++
		if depth >= maxItemDepth {
			p.ok = false
			return
		}
		from := len(p.names)
		defer func() { p.names = p.names[:from] }()
		if p.peek() == '}' {
			p.i++
			return
		}
		for p.ok {
			p.name(from)
			p.expect(':')
			p.skip(depth + 1)
			if !p.ok || !p.another('}') {
				return
			}
		}
	case '[':
		p.i++
		if depth >= maxItemDepth {
			p.ok = false
			return
		}
		if p.peek() == ']' {
			p.i++
			return
		}
		for p.ok {
			p.skip(depth + 1)
			if !p.ok || !p.another(']') {
				return
			}
		}
	case '"':
		p.str()
	case 't', 'f', 'n':
		if !p.literal("true") && !p.literal("false") && !p.null() {
			p.ok = false
		}
	default:
		p.number()
	}
}

// another reads what follows a member or an item: a comma, after which more
// follow, or the closing byte end; anything else is off the fast path.
func (p *itemParser) another(end byte) bool {
	switch p.peek() {
	case ',':
		p.i++
		return true
	case end:
		p.i++
	default:
		p.ok = false
	}
	return false
}
