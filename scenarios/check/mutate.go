package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/labelhook/labelhook/internal/jsontext"
)

// Field names and values the unknown-fields case adds: a newer Label
// Studio adds fields to its payloads, and a tolerant reader ignores them.
const (
	unknownTop    = `"labelhook_added_field":"a field a newer Label Studio might send"`
	unknownNested = `"labelhook_added_field":{"since":"a newer Label Studio","values":[1,2.5,null]}`
)

// withUnknownFields returns body with an unknown field added at the end of
// the top-level object and, with nested, of every object directly under
// it (the project, the annotation, each task of a list), keys and bytes
// otherwise as they were. Deletes carry {"id": N} by design
// (OnlyIDWebhookSerializer): their items get no field.
func withUnknownFields(body []byte, nested bool) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out bytes.Buffer
	// stack holds, per open container: '{' or '[', its depth in objects,
	// and whether a value has been written in it.
	type frame struct {
		kind    byte
		objects int
		filled  bool
		key     bool // an object expecting a key next
	}
	var stack []frame
	write := func(v []byte) {
		if n := len(stack); n > 0 {
			f := &stack[n-1]
			if f.kind == '{' && !f.key {
				out.WriteByte(':')
			} else if f.filled {
				out.WriteByte(',')
			}
			if f.kind == '{' {
				f.key = !f.key
			}
			f.filled = true
		}
		out.Write(v)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				objects := 0
				if n := len(stack); n > 0 {
					objects = stack[n-1].objects
				}
				write([]byte{byte(t)})
				if t == '{' {
					objects++
				}
				stack = append(stack, frame{kind: byte(t), objects: objects, key: true})
			case '}':
				f := stack[len(stack)-1]
				if f.objects == 1 || f.objects == 2 && nested {
					if f.filled {
						out.WriteByte(',')
					}
					if f.objects == 1 {
						out.WriteString(unknownTop)
					} else {
						out.WriteString(unknownNested)
					}
				}
				stack = stack[:len(stack)-1]
				out.WriteByte('}')
			case ']':
				stack = stack[:len(stack)-1]
				out.WriteByte(']')
			}
		case json.Number:
			write([]byte(t))
		default:
			v, err := jsontext.Marshal(t)
			if err != nil {
				return nil, err
			}
			write(v)
		}
	}
	return out.Bytes(), nil
}

// unicodeText is text a pipeline must carry through unharmed: accents,
// right-to-left scripts, CJK, emoji with modifiers and joiners (outside
// the BMP: surrogate pairs in UTF-16 offsets), combining marks, a
// zero-width joiner and the line separators JSON encoders escape.
const unicodeText = "Zoë's café — naïve façade. مرحبا بالعالم. שלום עולם. 你好，世界。こんにちは。안녕하세요. " +
	"👩🏽‍💻🧑‍🤝‍🧑🇺🇦 e\u0301 Å ﬁ \u2028\u2029 \"quotes\" \\back\\slash <b>&amp;</b> \t tab\n"

// largeText repeats unicodeText to about n bytes.
func largeText(n int) string {
	return strings.Repeat(unicodeText, max(1, n/len(unicodeText)))
}

// notJSON cuts a body short: what a proxy or a crashed sender leaves.
func notJSON(body []byte) []byte {
	return bytes.Clone(body[:len(body)/2])
}

// describeBytes renders a size for case names: 512 KiB, 3.1 MiB.
func describeBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
