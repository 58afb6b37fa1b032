package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// compactJSON returns body without insignificant space, in a slice of its
// own exact size: records keep it for as long as they live, so it must not
// pin a larger buffer. An error means body is not JSON.
func compactJSON(body []byte) (json.RawMessage, error) {
	out := make([]byte, 0, len(body)) // compact is never longer
	if c, ok := compact(out, body); ok {
		out = c
	} else {
		buf := bytes.NewBuffer(out)
		if err := json.Compact(buf, body); err != nil {
			return nil, err
		}
		out = buf.Bytes()
	}
	if !utf8.Valid(body) {
		// Compact passes bad bytes through; records must stay UTF-8 JSON.
		return nil, errors.New("the body is not valid UTF-8")
	}
	if cap(out)-len(out) > 4<<10 {
		out = bytes.Clone(out)
	}
	return out, nil
}

// compact appends body to dst without the space between tokens, as
// json.Compact does, in one pass over a plain grammar check: about five
// times as fast as json.Compact, whose scanner calls a function per byte.
// It reports false when it declines (a syntax error, trailing data,
// deep nesting), and json.Compact then decides; FuzzCompactMatchesEncodingJSON
// holds it to json.Compact's bytes.
func compact(dst, body []byte) ([]byte, bool) {
	c := compactor{b: body, out: dst}
	c.space()
	if !c.value(0) {
		return nil, false
	}
	c.space()
	return c.out, c.i == len(c.b)
}

const maxCompactDepth = 1000 // json.Compact's limit is 10 000; deeper goes to it

type compactor struct {
	b   []byte
	i   int
	out []byte
}

func (c *compactor) space() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// next is the byte at the cursor, or 0 at the end.
func (c *compactor) next() byte {
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// emit copies the byte at the cursor and moves on.
func (c *compactor) emit() {
	c.out = append(c.out, c.b[c.i])
	c.i++
}

func (c *compactor) value(depth int) bool {
	if depth > maxCompactDepth {
		return false
	}
	switch b := c.next(); {
	case b == '{':
		return c.list(depth+1, '}', true)
	case b == '[':
		return c.list(depth+1, ']', false)
	case b == '"':
		return c.string()
	case b == '-' || '0' <= b && b <= '9':
		return c.number()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	}
	return false
}

// list copies an object (keyed) or an array up to its closing byte.
func (c *compactor) list(depth int, end byte, keyed bool) bool {
	c.emit()
	c.space()
	if c.next() == end {
		c.emit()
		return true
	}
	for {
		if keyed {
			if c.next() != '"' || !c.string() {
				return false
			}
			c.space()
			if c.next() != ':' {
				return false
			}
			c.emit()
			c.space()
		}
		if !c.value(depth) {
			return false
		}
		c.space()
		switch c.next() {
		case ',':
			c.emit()
			c.space()
		case end:
			c.emit()
			return true
		default:
			return false
		}
	}
}

func (c *compactor) literal(word string) bool {
	if !bytes.HasPrefix(c.b[c.i:], []byte(word)) {
		return false
	}
	c.out = append(c.out, word...)
	c.i += len(word)
	return true
}

// string copies a string token as it is, escapes included.
func (c *compactor) string() bool {
	start := c.i
	c.i++ // "
	for c.i < len(c.b) {
		switch b := c.b[c.i]; {
		case b == '"':
			c.i++
			c.out = append(c.out, c.b[start:c.i]...)
			return true
		case b == '\\':
			if c.i+1 >= len(c.b) {
				return false
			}
			switch c.b[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.b) {
					return false
				}
				for _, h := range c.b[c.i+2 : c.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				c.i += 6
			default:
				return false
			}
		case b < 0x20:
			return false
		default:
			c.i++
		}
	}
	return false
}

// number copies a number token: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (c *compactor) number() bool {
	start := c.i
	if c.next() == '-' {
		c.i++
	}
	switch {
	case c.next() == '0':
		c.i++
	case c.digits() == 0:
		return false
	}
	if c.next() == '.' {
		c.i++
		if c.digits() == 0 {
			return false
		}
	}
	if b := c.next(); b == 'e' || b == 'E' {
		c.i++
		if b := c.next(); b == '+' || b == '-' {
			c.i++
		}
		if c.digits() == 0 {
			return false
		}
	}
	c.out = append(c.out, c.b[start:c.i]...)
	return true
}

func (c *compactor) digits() int {
	n := 0
	for '0' <= c.next() && c.next() <= '9' {
		c.i++
		n++
	}
	return n
}
