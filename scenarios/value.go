package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/jsontext"
	"go.yaml.in/yaml/v3"
)

// Values are JSON values: nil, bool, float64, string, []any and
// map[string]any. Every number is a float64, as encoding/json decodes
// them, so a number from a scenario file and one from a webhook body
// compare equal.

// pathElem is one step into a JSON value: a key of an object or an index
// of a list.
type pathElem struct {
	key   string
	index int // -1 for a key
}

// ref is one ${...} reference: a variable and a path into its value.
type ref struct {
	text string // as written, without ${ }
	name string
	path []pathElem
}

// part is a piece of a string template: literal text or a reference.
type part struct {
	lit string
	ref *ref
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

func isKeyChar(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parsePath reads a path such as id, task_ids[0], tasks[1].id or [0].id;
// "." is the whole value. The first element may omit its dot.
func parsePath(s string) ([]pathElem, error) {
	if s == "." {
		return nil, nil
	}
	if s == "" {
		return nil, fmt.Errorf("empty path")
	}
	var out []pathElem
	i := 0
	first := true
	for i < len(s) {
		switch {
		case s[i] == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("path %q: [ without ]", s)
			}
			n, err := strconv.Atoi(s[i+1 : i+j])
			if err != nil || n < 0 || strings.HasPrefix(s[i+1:i+j], "+") {
				return nil, fmt.Errorf("path %q: index %q is not a number 0 or more", s, s[i+1:i+j])
			}
			out = append(out, pathElem{index: n})
			i += j + 1
		case s[i] == '.' || first:
			if s[i] == '.' {
				i++
			}
			j := i
			for j < len(s) && isKeyChar(s[j]) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("path %q: missing key at offset %d", s, i)
			}
			out = append(out, pathElem{key: s[i:j], index: -1})
			i = j
		default:
			return nil, fmt.Errorf("path %q: unexpected %q at offset %d", s, s[i], i)
		}
		first = false
	}
	return out, nil
}

func formatPath(p []pathElem) string {
	var b strings.Builder
	for _, e := range p {
		if e.index >= 0 {
			fmt.Fprintf(&b, "[%d]", e.index)
		} else {
			b.WriteString(".")
			b.WriteString(e.key)
		}
	}
	return b.String()
}

// parseRef reads the inside of ${...}: a variable name, then .key or [n]
// steps.
func parseRef(text string) (*ref, error) {
	end := len(text)
	for i := 0; i < len(text); i++ {
		if text[i] == '.' || text[i] == '[' {
			end = i
			break
		}
	}
	name := text[:end]
	if !isIdent(name) {
		return nil, fmt.Errorf("bad variable reference ${%s}: want ${name}, ${name.key} or ${name[0]}", text)
	}
	r := &ref{text: text, name: name}
	if end < len(text) {
		if text[end] != '.' && text[end] != '[' {
			return nil, fmt.Errorf("bad variable reference ${%s}", text)
		}
		p, err := parsePath(text[end:])
		if err != nil || (text[end] == '.' && len(text) == end+1) {
			return nil, fmt.Errorf("bad variable reference ${%s}: want ${name}, ${name.key} or ${name[0]}", text)
		}
		r.path = p
	}
	return r, nil
}

// parseTemplate splits a string into literal text and ${...} references.
// $${ is a literal ${.
func parseTemplate(s string) ([]part, error) {
	if !strings.Contains(s, "${") {
		return []part{{lit: s}}, nil
	}
	var parts []part
	var lit strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			lit.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			lit.WriteByte(s[i])
			i++
			continue
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed ${ in %q", s)
		}
		r, err := parseRef(s[i+2 : i+j])
		if err != nil {
			return nil, err
		}
		if lit.Len() > 0 {
			parts = append(parts, part{lit: lit.String()})
			lit.Reset()
		}
		parts = append(parts, part{ref: r})
		i += j + 1
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, part{lit: lit.String()})
	}
	return parts, nil
}

// lookup follows path into v.
func lookup(v any, path []pathElem) (any, error) {
	for i, e := range path {
		here := formatPath(path[:i])
		if e.index >= 0 {
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is %s, not a list", orRoot(here), describe(v))
			}
			if e.index >= len(list) {
				return nil, fmt.Errorf("index %d out of range: %s has %d items", e.index, orRoot(here), len(list))
			}
			v = list[e.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is %s, not an object", orRoot(here), describe(v))
		}
		next, ok := obj[e.key]
		if !ok {
			return nil, fmt.Errorf("%s has no key %q", orRoot(here), e.key)
		}
		v = next
	}
	return v, nil
}

func orRoot(p string) string {
	if p == "" {
		return "the value"
	}
	return strings.TrimPrefix(p, ".")
}

// describe names v's JSON type and shows it briefly.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object " + short(v, 60)
	case []any:
		return "a list " + short(v, 60)
	case string:
		return "the string " + short(v, 60)
	case float64:
		return "the number " + short(v, 60)
	case bool:
		return "the boolean " + short(v, 60)
	}
	return fmt.Sprintf("%T", v)
}

// short renders v as compact JSON cut to about n bytes. A list is
// encoded item by item only until the cut: a 5000-task list shown in a
// diff costs a few items, not megabytes.
func short(v any, n int) string {
	if list, ok := v.([]any); ok && len(list) > 1 {
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			item, err := marshal(e)
			if err != nil {
				return fmt.Sprint(v)
			}
			b.Write(item)
			if b.Len() > n {
				return truncate(b.String(), n)
			}
		}
		b.WriteByte(']')
		return truncate(b.String(), n)
	}
	b, err := marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b), n)
}

// truncate cuts s to at most n bytes, at a character boundary, marking
// the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) { return jsontext.Marshal(v) }

// str renders a value inside a string: strings as they are, numbers
// without exponent, everything else as JSON.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return short(v, math.MaxInt)
}

// vars holds a scenario's variables: the saved values plus receiver and
// server, which are objects with a url.
type vars map[string]any

// expand evaluates a template.
func (vs vars) expand(parts []part) (any, error) {
	if len(parts) == 1 && parts[0].ref != nil {
		return vs.get(parts[0].ref)
	}
	var b strings.Builder
	for _, p := range parts {
		if p.ref == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := vs.get(p.ref)
		if err != nil {
			return nil, err
		}
		b.WriteString(str(v))
	}
	return b.String(), nil
}

func (vs vars) get(r *ref) (any, error) {
	v, ok := vs[r.name]
	if !ok {
		return nil, fmt.Errorf("${%s}: no variable %q", r.text, r.name)
	}
	out, err := lookup(v, r.path)
	if err != nil {
		return nil, fmt.Errorf("${%s}: %v", r.text, err)
	}
	return out, nil
}

// scalar converts a scalar YAML node to a JSON value; strings stay
// unexpanded. The parser has checked the node (scalarErr).
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		switch x := v.(type) {
		case int:
			return float64(x)
		case int64:
			return float64(x)
		case uint64:
			return float64(x)
		case float64, bool:
			return x
		}
	}
	return n.Value
}

// scalarErr says why a scalar node cannot be a JSON value, or "".
func scalarErr(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!null", "!!bool", "!!str", "!!timestamp", "!!binary":
		return ""
	case "!!int", "!!float":
		v := scalar(n)
		if f, ok := v.(float64); !ok || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Sprintf("%s is not a JSON number", n.Value)
		}
		return ""
	}
	return fmt.Sprintf("unsupported tag %s", n.Tag)
}

// eval turns a YAML value into a JSON value, expanding every ${...}.
func (vs vars) eval(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" {
			return scalar(n), nil
		}
		parts, err := parseTemplate(n.Value)
		if err != nil {
			return nil, err
		}
		return vs.expand(parts)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := vs.eval(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := vs.eval(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected YAML node")
}

// normalize converts a decoded JSON value (or one built in Go) into the
// canonical form: float64 numbers, []any and map[string]any.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
