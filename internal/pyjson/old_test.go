package pyjson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The writer as it was before the fast paths (a run of plain ASCII copied
// whole, integers without a string, floats in fixed notation through
// strconv): FuzzDumpsMatchesOld holds the two to the same bytes.

// dumpsOld appends the Python json.dumps form of the JSON text src to dst.
func dumpsOld(dst, src []byte) ([]byte, error) {
	w := writerOld{dst: dst, src: src}
	if err := w.value(); err != nil {
		return dst, err
	}
	w.space()
	if w.i != len(src) {
		return dst, fmt.Errorf("pyjson: data after the JSON value at byte %d", w.i)
	}
	return w.dst, nil
}

type writerOld struct {
	dst []byte
	src []byte
	i   int
}

var errEndOld = errors.New("pyjson: unexpected end of JSON")

func (w *writerOld) space() {
	for w.i < len(w.src) {
		switch w.src[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *writerOld) value() error {
	w.space()
	if w.i >= len(w.src) {
		return errEndOld
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
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(string(w.src[w.i:min(w.i+5, len(w.src))]), lit) {
				w.dst = append(w.dst, lit...)
				w.i += len(lit)
				return nil
			}
		}
		return fmt.Errorf("pyjson: unexpected %q at byte %d", c, w.i)
	}
}

// container writes an object (keyed) or a list up to its closing byte.
func (w *writerOld) container(end byte, keyed bool) error {
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
			return errEndOld
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
func (w *writerOld) str() error {
	w.i++ // the opening quote
	w.dst = append(w.dst, '"')
	for {
		if w.i >= len(w.src) {
			return errEndOld
		}
		c := w.src[w.i]
		switch {
		case c == '"':
			w.i++
			w.dst = append(w.dst, '"')
			return nil
		case c == '\\':
			if w.i+1 >= len(w.src) {
				return errEndOld
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
					return errEndOld
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

// unit writes one UTF-16 code unit of a string's content.
func (w *writerOld) unit(u uint16) {
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
		w.dst = fmt.Appendf(w.dst, `\u%04x`, u)
	}
}

// number writes an integer as its digits and anything else as a Python
// float.
func (w *writerOld) number() error {
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
	tok := string(w.src[start:w.i])
	if !isFloat {
		if tok == "-0" {
			tok = "0" // Python's int has no negative zero
		}
		w.dst = append(w.dst, tok...)
		return nil
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("pyjson: bad number %q", tok)
	}
	w.dst = appendFloatOld(w.dst, f)
	return nil
}

// appendFloatOld appends Python's repr of f: the shortest digits that read
// back as f, in fixed notation when the decimal exponent is in [-4, 16)
// (with ".0" when there is no fraction), else as d.ddde±XX.
func appendFloatOld(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	}
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
