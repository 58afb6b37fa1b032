// Package pyjson writes JSON the way Python's json.dumps does with its
// defaults, which is how Label Studio's webhook bodies look on the wire
// (python-requests sends `json=payload` through json.dumps): ", " between
// items and ": " after keys, every character outside printable ASCII
// escaped as \uXXXX (lower-case hex, surrogate pairs above U+FFFF), and
// numbers as Python holds them: an integer as its digits, anything with a
// fraction or an exponent as a float in Python's repr (1.0, 1e-05,
// 1.2345678901234568e+17, Infinity for an overflow).
//
// Dumps rewrites any valid JSON text; the caller encodes its values with
// encoding/json first. It does not reorder keys (Python keeps insertion
// order), and it keeps a key that appears twice twice (json.loads would
// keep the last value): labelhook's payloads never repeat keys.
package pyjson

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/swar"
)

// Dumps appends the Python json.dumps form of the JSON text src to dst.
func Dumps(dst, src []byte) ([]byte, error) {
	w := writer{dst: dst, src: src}
	if err := w.value(); err != nil {
		return dst, err
	}
	w.space()
	if w.i != len(src) {
		return dst, fmt.Errorf("pyjson: data after the JSON value at byte %d", w.i)
	}
	return w.dst, nil
}

type writer struct {
	dst []byte
	src []byte
	i   int
}

var errEnd = errors.New("pyjson: unexpected end of JSON")

func (w *writer) space() {
	for w.i < len(w.src) {
		switch w.src[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *writer) value() error {
	w.space()
	if w.i >= len(w.src) {
		return errEnd
	}
	switch c := w.src[w.i]; {
	case c == '{':
		return w.container('}', true)
	case c == '[':
		return w.container(']', false)
	case c == '"':
		return w.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return w.number()
	default:
		for _, lit := range literals {
			if bytes.HasPrefix(w.src[w.i:], lit) {
				w.dst = append(w.dst, lit...)
				w.i += len(lit)
				return nil
			}
		}
		return fmt.Errorf("pyjson: unexpected %q at byte %d", c, w.i)
	}
}

var literals = [][]byte{[]byte("true"), []byte("false"), []byte("null")}

// container writes an object (keyed) or a list up to its closing byte.
func (w *writer) container(end byte, keyed bool) error {
	w.dst = append(w.dst, w.src[w.i])
	w.i++
	w.space()
	if w.i < len(w.src) && w.src[w.i] == end {
		w.dst = append(w.dst, end)
		w.i++
		return nil
	}
	for {
		if keyed {
			w.space()
			if w.i >= len(w.src) || w.src[w.i] != '"' {
				return fmt.Errorf("pyjson: want a key at byte %d", w.i)
			}
			if err := w.str(); err != nil {
				return err
			}
			w.space()
			if w.i >= len(w.src) || w.src[w.i] != ':' {
				return fmt.Errorf("pyjson: want ':' at byte %d", w.i)
			}
			w.i++
			w.dst = append(w.dst, ':', ' ')
		}
		if err := w.value(); err != nil {
			return err
		}
		w.space()
		if w.i >= len(w.src) {
			return errEnd
		}
		switch w.src[w.i] {
		case ',':
			w.i++
			w.dst = append(w.dst, ',', ' ')
		case end:
			w.i++
			w.dst = append(w.dst, end)
			return nil
		default:
			return fmt.Errorf("pyjson: unexpected %q at byte %d", w.src[w.i], w.i)
		}
	}
}

// str re-escapes a string as Python's ensure_ascii encoder does.
func (w *writer) str() error {
	w.i++ // the opening quote
	w.dst = append(w.dst, '"')
	src := w.src
	for {
		// A run of printable ASCII that needs no escape is copied whole.
		run := w.i
		for run+8 <= len(src) && !special8(swar.Word(src[run:])) {
			run += 8
		}
		for run < len(src) && plain[src[run]] {
			run++
		}
		if run > w.i {
			w.dst = append(w.dst, src[w.i:run]...)
			w.i = run
		}
		if w.i >= len(src) {
			return errEnd
		}
		c := src[w.i]
		switch {
		case c == '"':
			w.i++
			w.dst = append(w.dst, '"')
			return nil
		case c == '\\':
			if w.i+1 >= len(w.src) {
				return errEnd
			}
			e := w.src[w.i+1]
			w.i += 2
			switch e {
			case '"', '\\':
				w.dst = append(w.dst, '\\', e)
			case '/':
				w.dst = append(w.dst, '/')
			case 'b', 'f', 'n', 'r', 't':
				w.dst = append(w.dst, '\\', e)
			case 'u':
				if w.i+4 > len(w.src) {
					return errEnd
				}
				n, err := strconv.ParseUint(string(w.src[w.i:w.i+4]), 16, 16)
				if err != nil {
					return fmt.Errorf("pyjson: bad \\u escape at byte %d", w.i)
				}
				w.i += 4
				w.unit(uint16(n))
			default:
				return fmt.Errorf("pyjson: bad escape \\%c at byte %d", e, w.i)
			}
		case c < 0x80:
			w.unit(uint16(c))
			w.i++
		default:
			r, size := utf8.DecodeRune(w.src[w.i:])
			w.i += size
			if r > 0xFFFF {
				hi, lo := utf16.EncodeRune(r)
				w.unit(uint16(hi))
				w.unit(uint16(lo))
			} else {
				w.unit(uint16(r))
			}
		}
	}
}

// plain marks the bytes a string keeps as they are: printable ASCII but
// the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// special8 reports whether any of the 8 bytes in x is not plain: a byte
// below 0x20, at or above 0x7f, a quote or a backslash.
func special8(x uint64) bool {
	return swar.Outside(x, 0x20, 0x7e)|swar.Equal(x, '"')|swar.Equal(x, '\\') != 0
}

// unit writes one UTF-16 code unit of a string's content.
func (w *writer) unit(u uint16) {
	switch {
	case u == '"' || u == '\\':
		w.dst = append(w.dst, '\\', byte(u))
	case u == '\b':
		w.dst = append(w.dst, `\b`...)
	case u == '\f':
		w.dst = append(w.dst, `\f`...)
	case u == '\n':
		w.dst = append(w.dst, `\n`...)
	case u == '\r':
		w.dst = append(w.dst, `\r`...)
	case u == '\t':
		w.dst = append(w.dst, `\t`...)
	case u >= 0x20 && u <= 0x7e:
		w.dst = append(w.dst, byte(u))
	default:
		const hex = "0123456789abcdef"
		w.dst = append(w.dst, '\\', 'u', hex[u>>12], hex[u>>8&0xF], hex[u>>4&0xF], hex[u&0xF])
	}
}

// number writes an integer as its digits and anything else as a Python
// float.
func (w *writer) number() error {
	start := w.i
	isFloat := false
	for w.i < len(w.src) {
		c := w.src[w.i]
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
		} else if !(c == '-' || c == '+' || (c >= '0' && c <= '9')) {
			break
		}
		w.i++
	}
	if !isFloat {
		tok := w.src[start:w.i]
		if string(tok) == "-0" {
			tok = tok[1:] // Python's int has no negative zero
		}
		w.dst = append(w.dst, tok...)
		return nil
	}
	tok := string(w.src[start:w.i])
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("pyjson: bad number %q", tok)
	}
	w.dst = AppendFloat(w.dst, f)
	return nil
}

// AppendFloat appends Python's repr of f: the shortest digits that read
// back as f, in fixed notation when the decimal exponent is in [-4, 16)
// (with ".0" when there is no fraction), else as d.ddde±XX.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	}
	// Where repr uses fixed notation, Go's shortest fixed digits are the
	// same; only ".0" may be missing.
	if a := math.Abs(f); a >= 1e-4 && a < 1e16 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	return appendFloatRepr(dst, f)
}

// appendFloatRepr builds repr from the shortest digits and the exponent,
// for any finite f.
func appendFloatRepr(dst []byte, f float64) []byte {
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±dd
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	digits := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	if neg {
		dst = append(dst, '-')
	}
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		sign := byte('+')
		if exp < 0 {
			sign, exp = '-', -exp
		}
		return fmt.Appendf(append(dst, 'e', sign), "%02d", exp)
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		dst = append(dst, strings.Repeat("0", -exp-1)...)
		return append(dst, digits...)
	}
	if len(digits) <= exp+1 {
		dst = append(dst, digits...)
		dst = append(dst, strings.Repeat("0", exp+1-len(digits))...)
		return append(dst, ".0"...)
	}
	dst = append(dst, digits[:exp+1]...)
	dst = append(dst, '.')
	return append(dst, digits[exp+1:]...)
}
