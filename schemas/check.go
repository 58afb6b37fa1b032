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
	at := schemaAt{qc: qc, file: file, ptr: ptr}
	m, ok := s.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: schema is a %s, want an object", at.where(), TypeName(s))
	}
	n.minProps, n.minItems = -1, -1
	if ref, ok := m["$ref"]; ok {
		return at.fillRef(n, ref)
	}
	for k, v := range m {
		if err := at.fillKeyword(n, k, v); err != nil {
			return err
		}
	}
	return nil
}

// schemaAt is the place of the schema being compiled, so the keyword
// compilers can name it in errors and resolve subschemas below it.
type schemaAt struct {
	qc        *quickCompiler
	file, ptr string
}

func (at schemaAt) where() string { return at.file + "#" + at.ptr }

// sub compiles the subschema v found under key.
func (at schemaAt) sub(key string, v any) (*node, error) {
	return at.qc.resolveValue(at.file, at.ptr+"/"+key, v)
}

// wrap names the schema and the keyword k in err; nil stays nil.
func (at schemaAt) wrap(k string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %s: %w", at.where(), k, err)
}

// fillRef compiles a $ref; in draft-07 the keywords beside it are ignored.
func (at schemaAt) fillRef(n *node, ref any) error {
	r, ok := ref.(string)
	if !ok {
		return fmt.Errorf("%s: $ref is not a string", at.where())
	}
	target, frag, _ := strings.Cut(r, "#")
	if target == "" {
		target = at.file
	}
	t, err := at.qc.resolve(target, frag)
	if err != nil {
		return fmt.Errorf("%s: %w", at.where(), err)
	}
	n.ref = t
	return nil
}

// fillKeyword compiles keyword k with value v into n, one group of
// keywords per compiler.
func (at schemaAt) fillKeyword(n *node, k string, v any) error {
	switch k {
	case "type":
		return at.wrap(k, n.setTypes(v))
	case "required", "properties", "additionalProperties", "minProperties":
		return at.fillObject(n, k, v)
	case "items", "minItems":
		return at.fillArray(n, k, v)
	case "enum", "const", "pattern", "minimum", "maximum":
		return at.fillValue(n, k, v)
	case "allOf", "if", "then", "else":
		return at.fillCombinator(n, k, v)
	}
	if !slices.Contains(annotations, k) {
		return fmt.Errorf("%s: keyword %q is not supported by the quick check", at.where(), k)
	}
	return nil
}

// fillObject compiles the keywords on objects.
func (at schemaAt) fillObject(n *node, k string, v any) error {
	var err error
	switch k {
	case "required":
		for _, r := range asList(v) {
			s, ok := r.(string)
			if !ok {
				return fmt.Errorf("%s: required holds a %s", at.where(), TypeName(r))
			}
			n.required = append(n.required, s)
		}
	case "properties":
		ps, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: properties is not an object", at.where())
		}
		n.props = make(map[string]*node, len(ps))
		for name, p := range ps {
			if n.props[name], err = at.sub("properties/"+escapePointer(name), p); err != nil {
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
	}
	return at.wrap(k, err)
}

// fillArray compiles the keywords on arrays.
func (at schemaAt) fillArray(n *node, k string, v any) error {
	var err error
	switch k {
	case "items":
		n.items, err = at.sub("items", v)
	case "minItems":
		n.minItems, err = count(v)
	}
	return at.wrap(k, err)
}

// fillValue compiles the keywords on single values: enum and const
// (strings and null only), pattern, minimum and maximum.
func (at schemaAt) fillValue(n *node, k string, v any) error {
	var err error
	switch k {
	case "enum":
		n.hasEnum = true
		for _, e := range asList(v) {
			switch e := e.(type) {
			case nil:
				n.enumNull = true
			case string:
				n.enum = append(n.enum, e)
			default:
				return fmt.Errorf("%s: enum holds a %s: only strings and null are supported", at.where(), TypeName(e))
			}
		}
	case "const":
		var ok bool
		n.constStr, ok = v.(string)
		n.hasConst = true
		if !ok {
			err = fmt.Errorf("only a string is supported")
		}
	case "pattern":
		p, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: pattern is not a string", at.where())
		}
		n.pattern, err = regexp.Compile(p)
	case "minimum":
		n.hasMin = true
		n.min, err = bound(v)
	case "maximum":
		n.hasMax = true
		n.max, err = bound(v)
	}
	return at.wrap(k, err)
}

// fillCombinator compiles allOf and if/then/else.
func (at schemaAt) fillCombinator(n *node, k string, v any) error {
	var err error
	switch k {
	case "allOf":
		for i, e := range asList(v) {
			a, err := at.sub("allOf/"+strconv.Itoa(i), e)
			if err != nil {
				return err
			}
			n.allOf = append(n.allOf, a)
		}
	case "if":
		n.ifN, err = at.sub("if", v)
	case "then":
		n.thenN, err = at.sub("then", v)
	case "else":
		n.elseN, err = at.sub("else", v)
	}
	return at.wrap(k, err)
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

// check gives the verdict of schema n on the decoded value v: the type
// first, then the keywords of v's kind, const and enum, and last the
// combinators. A fail ends the check; an unsure is kept and the check goes
// on, since a later keyword may still fail. The hot path: the keywords of
// a string or a number are checked here, not in a call.
func (n *node) check(v any) verdict {
	for n.ref != nil {
		n = n.ref
	}
	if n.types != 0 {
		if r := n.typeVerdict(v); r != pass {
			return r
		}
	}
	result := pass
	switch v := v.(type) {
	case map[string]any:
		result = n.objectVerdict(v)
	case []any:
		result = n.arrayVerdict(v)
	case string:
		if n.pattern != nil && !n.pattern.MatchString(v) {
			return fail
		}
	case json.Number:
		if n.hasMin || n.hasMax {
			result = n.boundVerdict(v)
		}
	}
	if result == fail || !n.constEnumMatch(v) {
		return fail
	}
	if n.allOf != nil || n.ifN != nil {
		result = result.and(n.combinedVerdict(v))
	}
	return result
}

// and is the worse of two verdicts: fail, then unsure, then pass.
func (r verdict) and(o verdict) verdict {
	if r == fail || o == fail {
		return fail
	}
	if r == unsure || o == unsure {
		return unsure
	}
	return pass
}

// objectVerdict checks minProperties, required, properties and
// additionalProperties.
func (n *node) objectVerdict(v map[string]any) verdict {
	if n.minProps >= 0 && len(v) < n.minProps {
		return fail
	}
	for _, k := range n.required {
		if _, ok := v[k]; !ok {
			return fail
		}
	}
	if n.props == nil && !n.noExtra {
		return pass
	}
	result := pass
	for k, e := range v {
		p, ok := n.props[k]
		if !ok {
			if n.noExtra {
				return fail
			}
			continue
		}
		if result = result.and(p.check(e)); result == fail {
			return fail
		}
	}
	return result
}

// arrayVerdict checks minItems and items.
func (n *node) arrayVerdict(v []any) verdict {
	if n.minItems >= 0 && len(v) < n.minItems {
		return fail
	}
	result := pass
	if n.items != nil {
		for _, e := range v {
			if result = result.and(n.items.check(e)); result == fail {
				return fail
			}
		}
	}
	return result
}

// constEnumMatch reports whether v meets const and enum, which hold
// strings (and, for enum, null).
func (n *node) constEnumMatch(v any) bool {
	if n.hasConst {
		if s, ok := v.(string); !ok || s != n.constStr {
			return false
		}
	}
	if !n.hasEnum {
		return true
	}
	switch v := v.(type) {
	case nil:
		return n.enumNull
	case string:
		return slices.Contains(n.enum, v)
	}
	return false
}

// combinedVerdict checks allOf and if/then/else. An if that is unsure
// makes the whole check unsure: which branch applies is not known.
func (n *node) combinedVerdict(v any) verdict {
	result := pass
	for _, a := range n.allOf {
		if result = result.and(a.check(v)); result == fail {
			return fail
		}
	}
	if n.ifN == nil {
		return result
	}
	branch := n.elseN
	switch n.ifN.check(v) {
	case pass:
		branch = n.thenN
	case unsure:
		return unsure
	}
	if branch != nil {
		result = result.and(branch.check(v))
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
