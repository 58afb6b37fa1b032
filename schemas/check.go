package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The quick check answers the common question — is this body valid? —
// without gojsonschema, which costs about as much as decoding the body:
// it marshals every string it compares with an enum or const twice and
// parses every number with math/big. The check is the schema files
// compiled into a tree of nodes, for the keywords the files use, with
// gojsonschema's draft-07 meaning. It says pass, fail or unsure; Validate
// trusts only pass and asks gojsonschema otherwise, so every problem a
// user sees still comes from gojsonschema, and a check that is unsure
// (a number like 1e2 where an integer is wanted) costs time, not
// correctness. TestQuickCheckAgreesWithGojsonschema and
// FuzzQuickCheckAgreesWithGojsonschema hold the verdicts to gojsonschema's.

// verdict is the quick check's answer.
type verdict uint8

const (
	pass verdict = iota
	fail
	unsure
)

// jsonType is a set of JSON Schema types.
type jsonType uint8

const (
	tNull jsonType = 1 << iota
	tBoolean
	tObject
	tArray
	tNumber
	tInteger
	tString
)

var typeNames = map[string]jsonType{
	"null": tNull, "boolean": tBoolean, "object": tObject, "array": tArray,
	"number": tNumber, "integer": tInteger, "string": tString,
}

// node is one compiled schema.
type node struct {
	ref      *node // $ref: in draft-07 the keywords beside it are ignored
	types    jsonType
	required []string
	props    map[string]*node
	noExtra  bool // additionalProperties: false
	minProps int  // -1: none
	items    *node
	minItems int // -1: none
	// enum and const hold strings (and null, nullOK); compile refuses
	// other values.
	enum       []string
	hasEnum    bool
	enumNull   bool
	constStr   string
	hasConst   bool
	pattern    *regexp.Regexp
	hasMin     bool
	hasMax     bool
	min, max   int64
	allOf      []*node
	ifN, thenN *node
	elseN      *node
}

// annotations are keywords that never change a verdict.
var annotations = []string{"$schema", "$id", "$comment", "title", "description", "definitions", "default", "examples"}

// quickCompiler turns the schema files into nodes. Nodes are memoised by
// file and JSON pointer, so refs that meet share one node.
type quickCompiler struct {
	docs  map[string]any // file name -> decoded schema
	nodes map[string]*node
}

// compileQuick compiles the check of every action.
func compileQuick(files map[string][]byte) (map[Action]*node, error) {
	qc := &quickCompiler{docs: make(map[string]any, len(files)), nodes: map[string]*node{}}
	for name, b := range files {
		doc, err := decode(b)
		if err != nil {
			return nil, fmt.Errorf("quick check: read %s: %w", name, err)
		}
		qc.docs[name] = doc
	}
	out := make(map[Action]*node, len(Catalog))
	for _, info := range Catalog {
		n, err := qc.resolve(fileName(info.Action), "")
		if err != nil {
			return nil, fmt.Errorf("quick check: %w", err)
		}
		out[info.Action] = n
	}
	return out, nil
}

// resolve returns the node of the schema at pointer ptr in file.
func (qc *quickCompiler) resolve(file, ptr string) (*node, error) {
	key := file + "#" + ptr
	if n, ok := qc.nodes[key]; ok {
		return n, nil
	}
	v, ok := qc.docs[file]
	if !ok {
		return nil, fmt.Errorf("%s: no such schema file", key)
	}
	if ptr != "" {
		for _, step := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			step = strings.ReplaceAll(strings.ReplaceAll(step, "~1", "/"), "~0", "~")
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: pointer goes through a non-object", key)
			}
			if v, ok = m[step]; !ok {
				return nil, fmt.Errorf("%s: no %q", key, step)
			}
		}
	}
	n := &node{}
	qc.nodes[key] = n // before the children, so a ref cycle ends here
	if err := qc.fill(n, file, ptr, v); err != nil {
		return nil, err
	}
	return n, nil
}

// fill compiles the schema s, found at file#ptr, into n.
func (qc *quickCompiler) fill(n *node, file, ptr string, s any) error {
	where := file + "#" + ptr
	m, ok := s.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: schema is a %s, want an object", where, typeName(s))
	}
	n.minProps, n.minItems = -1, -1
	if ref, ok := m["$ref"]; ok {
		r, ok := ref.(string)
		if !ok {
			return fmt.Errorf("%s: $ref is not a string", where)
		}
		target, frag, _ := strings.Cut(r, "#")
		if target == "" {
			target = file
		}
		t, err := qc.resolve(target, frag)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		n.ref = t
		return nil
	}
	sub := func(key string, v any) (*node, error) {
		return qc.resolveValue(file, ptr+"/"+key, v)
	}
	for k, v := range m {
		var err error
		switch k {
		case "type":
			err = n.setTypes(v)
		case "required":
			for _, r := range asList(v) {
				s, ok := r.(string)
				if !ok {
					return fmt.Errorf("%s: required holds a %s", where, typeName(r))
				}
				n.required = append(n.required, s)
			}
		case "properties":
			ps, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%s: properties is not an object", where)
			}
			n.props = make(map[string]*node, len(ps))
			for name, p := range ps {
				if n.props[name], err = sub("properties/"+escapePointer(name), p); err != nil {
					return err
				}
			}
		case "additionalProperties":
			if b, ok := v.(bool); ok {
				n.noExtra = !b
			} else {
				err = fmt.Errorf("only a boolean is supported")
			}
		case "minProperties":
			n.minProps, err = count(v)
		case "items":
			n.items, err = sub("items", v)
		case "minItems":
			n.minItems, err = count(v)
		case "enum":
			n.hasEnum = true
			for _, e := range asList(v) {
				switch e := e.(type) {
				case nil:
					n.enumNull = true
				case string:
					n.enum = append(n.enum, e)
				default:
					return fmt.Errorf("%s: enum holds a %s: only strings and null are supported", where, typeName(e))
				}
			}
		case "const":
			n.constStr, ok = v.(string)
			n.hasConst = true
			if !ok {
				err = fmt.Errorf("only a string is supported")
			}
		case "pattern":
			p, ok := v.(string)
			if !ok {
				return fmt.Errorf("%s: pattern is not a string", where)
			}
			n.pattern, err = regexp.Compile(p)
		case "minimum":
			n.hasMin = true
			n.min, err = bound(v)
		case "maximum":
			n.hasMax = true
			n.max, err = bound(v)
		case "allOf":
			for i, e := range asList(v) {
				a, err := sub("allOf/"+strconv.Itoa(i), e)
				if err != nil {
					return err
				}
				n.allOf = append(n.allOf, a)
			}
		case "if":
			n.ifN, err = sub("if", v)
		case "then":
			n.thenN, err = sub("then", v)
		case "else":
			n.elseN, err = sub("else", v)
		default:
			if !slices.Contains(annotations, k) {
				return fmt.Errorf("%s: keyword %q is not supported by the quick check", where, k)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %s: %w", where, k, err)
		}
	}
	return nil
}

// resolveValue compiles a subschema given inline.
func (qc *quickCompiler) resolveValue(file, ptr string, v any) (*node, error) {
	n := &node{}
	if err := qc.fill(n, file, ptr, v); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *node) setTypes(v any) error {
	names := asList(v)
	if s, ok := v.(string); ok {
		names = []any{s}
	}
	for _, name := range names {
		s, _ := name.(string)
		t, ok := typeNames[s]
		if !ok {
			return fmt.Errorf("unknown type %v", name)
		}
		n.types |= t
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func count(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 0 {
		return 0, fmt.Errorf("want a whole number of at least 0, got %s", n)
	}
	return i, nil
}

// bound reads a minimum or maximum; only whole numbers in int64 are
// supported (the files bound 64-bit ids).
func bound(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("only whole numbers in 64 bits are supported, got %s", n)
	}
	return i, nil
}

// check gives the verdict of schema n on the decoded value v.
func (n *node) check(v any) verdict {
	for n.ref != nil {
		n = n.ref
	}
	if n.types != 0 {
		switch r := n.typeVerdict(v); r {
		case fail, unsure:
			return r
		}
	}
	result := pass
	// note keeps the worst verdict: fail, then unsure, then pass.
	note := func(r verdict) bool {
		if r == fail {
			result = fail
			return true
		}
		if r == unsure {
			result = unsure
		}
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		if n.minProps >= 0 && len(v) < n.minProps {
			return fail
		}
		for _, k := range n.required {
			if _, ok := v[k]; !ok {
				return fail
			}
		}
		if n.props != nil || n.noExtra {
			for k, e := range v {
				p, ok := n.props[k]
				if !ok {
					if n.noExtra {
						return fail
					}
					continue
				}
				if note(p.check(e)) {
					return fail
				}
			}
		}
	case []any:
		if n.minItems >= 0 && len(v) < n.minItems {
			return fail
		}
		if n.items != nil {
			for _, e := range v {
				if note(n.items.check(e)) {
					return fail
				}
			}
		}
	case string:
		if n.pattern != nil && !n.pattern.MatchString(v) {
			return fail
		}
	case json.Number:
		if n.hasMin || n.hasMax {
			switch r := n.boundVerdict(v); r {
			case fail:
				return fail
			case unsure:
				note(unsure)
			}
		}
	}
	if n.hasConst {
		if s, ok := v.(string); !ok || s != n.constStr {
			return fail
		}
	}
	if n.hasEnum {
		matched := false
		switch v := v.(type) {
		case nil:
			matched = n.enumNull
		case string:
			matched = slices.Contains(n.enum, v)
		}
		if !matched {
			return fail
		}
	}
	for _, a := range n.allOf {
		if note(a.check(v)) {
			return fail
		}
	}
	if n.ifN != nil {
		branch := n.elseN
		switch n.ifN.check(v) {
		case pass:
			branch = n.thenN
		case unsure:
			return unsure
		}
		if branch != nil && note(branch.check(v)) {
			return fail
		}
	}
	return result
}

// typeVerdict checks the type keyword. A number written with a fraction
// or exponent where an integer is wanted is unsure: gojsonschema counts
// 1.0 and 1e2 as integers, with math/big.
func (n *node) typeVerdict(v any) verdict {
	var t jsonType
	switch v := v.(type) {
	case nil:
		t = tNull
	case bool:
		t = tBoolean
	case map[string]any:
		t = tObject
	case []any:
		t = tArray
	case string:
		t = tString
	case json.Number:
		if n.types&tNumber != 0 {
			return pass
		}
		if n.types&tInteger == 0 {
			return fail
		}
		if !strings.ContainsAny(string(v), ".eE") {
			return pass // digits only: a whole number, however long
		}
		return unsure
	default:
		return unsure
	}
	if n.types&t != 0 {
		return pass
	}
	return fail
}

// boundVerdict checks minimum and maximum on a number. Whole numbers
// beyond 64 bits are beyond the 64-bit bounds; a number with a fraction
// or exponent is unsure.
func (n *node) boundVerdict(v json.Number) verdict {
	if strings.ContainsAny(string(v), ".eE") {
		return unsure
	}
	i, err := strconv.ParseInt(string(v), 10, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return unsure
	case err != nil && strings.HasPrefix(string(v), "-"):
		if n.hasMin {
			return fail
		}
	case err != nil:
		if n.hasMax {
			return fail
		}
	case n.hasMin && i < n.min, n.hasMax && i > n.max:
		return fail
	}
	return pass
}
