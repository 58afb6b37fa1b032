package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// dumpsByTokens is the fuzz tests' second writer, built apart from Dumps:
// encoding/json reads the text token by token and each token is written as
// json.dumps writes it (floats by AppendFloat, which
// FuzzAppendFloatMatchesRepr holds to the plain repr). It takes only valid
// JSON, and it cannot see a lone surrogate written as \uXXXX (encoding/json
// reads it as U+FFFD): hasSurrogateEscape leaves those to the Python vectors.
func dumpsByTokens(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	type open struct {
		object bool
		n      int // tokens written inside it
	}
	var out []byte
	var stack []open
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out = append(out, byte(d))
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object && top.n%2 == 1 {
				out = append(out, ':', ' ')
			} else if top.n > 0 {
				out = append(out, ',', ' ')
			}
			top.n++
		}
		switch t := tok.(type) {
		case json.Delim:
			stack = append(stack, open{object: t == '{'})
			out = append(out, byte(t))
		case string:
			out = appendPyString(out, t)
		case json.Number:
			out, err = appendPyNumber(out, string(t))
			if err != nil {
				return nil, err
			}
		case bool:
			out = strconv.AppendBool(out, t)
		case nil:
			out = append(out, "null"...)
		}
	}
}

// pyEscapes are the short escapes of Python's ensure_ascii encoder.
var pyEscapes = map[uint16]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}

// appendPyString writes s by its UTF-16 code units: a short escape, a
// printable ASCII byte, or \uXXXX.
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, u := range utf16.Encode([]rune(s)) {
		if e, ok := pyEscapes[u]; ok {
			dst = append(dst, e...)
		} else if u >= 0x20 && u <= 0x7e {
			dst = append(dst, byte(u))
		} else {
			dst = fmt.Appendf(dst, `\u%04x`, u)
		}
	}
	return append(dst, '"')
}

// appendPyNumber writes an integer as its digits (Python's int has no
// negative zero) and anything else as a float.
func appendPyNumber(dst []byte, num string) ([]byte, error) {
	if !strings.ContainsAny(num, ".eE") {
		if num == "-0" {
			num = "0"
		}
		return append(dst, num...), nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil && f == 0 { // an overflow is ±Inf with an error, as in Dumps
		return nil, err
	}
	return AppendFloat(dst, f), nil
}

// hasSurrogateEscape reports whether src has a \uD800 to \uDFFF escape.
func hasSurrogateEscape(src []byte) bool {
	for i := 0; i+1 < len(src); i++ {
		if src[i] != '\\' {
			continue
		}
		i++ // the escaped byte, so that \\ is passed over whole
		if src[i] == 'u' && i+2 < len(src) && src[i+1]|0x20 == 'd' && strings.IndexByte("89abcdefABCDEF", src[i+2]) >= 0 {
			return true
		}
	}
	return false
}
