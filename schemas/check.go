package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/bits"
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
// gojsonschema's draft-07 meaning, walked over the body's tape (tape.go),
// so a valid body is never decoded into Go values. It says pass, fail or
// unsure; Validate trusts only pass and takes the tree path otherwise, so
// every problem a user sees still comes from gojsonschema, and a check
// that is unsure (a number like 1e2 where an integer is wanted, a
// repeated member name) costs time, not correctness.
// TestQuickCheckAgreesWithGojsonschema and
// FuzzQuickCheckAgreesWithGojsonschema hold the verdicts to gojsonschema's,
// FuzzValidateAgreesWithTheTreePath Validate's answers to the tree path's.

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
	// keyIndex numbers the names of props and required (at most 64), for
	// the check's bit set of the names an object has; propAt is the
	// subschema of each number (nil for a name only required), and
	// requiredBits the numbers of required.
	keyIndex     map[string]uint8
	propAt       []*node
	requiredBits uint64
	noExtra      bool // additionalProperties: false
	minProps     int  // -1: none
	items        *node
	minItems     int // -1: none
	// enum and const hold strings (and null, nullOK); compile refuses
	// other values.
	enum       []string
	hasEnum    bool
	enumNull   bool
	constStr   string
	hasConst   bool
	pattern    *regexp.Regexp
	match      func([]byte) bool // pattern's matcher (patterns.go)
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
	return at.wrap("properties", n.indexNames())
}

// indexNames fills keyIndex, propAt and requiredBits from props and
// required.
func (n *node) indexNames() error {
	names := slices.Sorted(maps.Keys(n.props))
	for _, r := range n.required {
		if _, ok := n.props[r]; !ok && !slices.Contains(names, r) {
			names = append(names, r)
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(names) > 64 {
		return fmt.Errorf("%d names in properties and required: the check supports 64", len(names))
	}
	n.keyIndex = make(map[string]uint8, len(names))
	n.propAt = make([]*node, len(names))
	for i, name := range names {
		n.keyIndex[name] = uint8(i)
		n.propAt[i] = n.props[name]
	}
	for _, r := range n.required {
		n.requiredBits |= 1 << n.keyIndex[r]
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
		if n.match = patternMatchers[p]; n.match == nil && err == nil {
			n.match = n.pattern.Match
		}
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

// check gives the verdict of schema n on the value at token i of t: the
// type first, then the keywords of the value's kind, const and enum, and
// last the combinators. A fail ends the check; an unsure is kept and the
// check goes on, since a later keyword may still fail. The hot path: the
// keywords of a string or a number are checked here, not in a call.
func (n *node) check(t *tape, i int) verdict {
	for n.ref != nil {
		n = n.ref
	}
	k := &t.toks[i]
	if n.types != 0 {
		if r := n.typeVerdict(k); r != pass {
			return r
		}
	}
	result := pass
	switch k.kind {
	case '{':
		result = n.objectVerdict(t, i)
	case '[':
		result = n.arrayVerdict(t, i)
	case '"':
		if n.pattern != nil {
			result = n.patternVerdict(t, i)
		}
	case '0':
		if n.hasMin || n.hasMax {
			result = n.boundVerdict(k, t.raw(i))
		}
	}
	if result == fail {
		return fail
	}
	if n.hasConst || n.hasEnum {
		if result = result.and(n.constEnumVerdict(t, i)); result == fail {
			return fail
		}
	}
	if n.allOf != nil || n.ifN != nil {
		result = result.and(n.combinedVerdict(t, i))
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
// additionalProperties on the object at token i. A member's name is
// looked up once, in the names the node knows (keyIndex), and marked in
// a bit set, which gives required and spots a repeated name: encoding/json
// keeps the last of those, which the check cannot tell from the tape
// alone, so a repeated known name is unsure. A member that fails does not
// end the walk at once, for the same reason: a later member of its name
// would make the object unsure instead.
func (n *node) objectVerdict(t *tape, i int) verdict {
	o := &t.toks[i]
	if n.keyIndex == nil && !n.noExtra && n.minProps < 0 {
		return pass
	}
	var seen uint64
	result := pass
	for k := i + 1; k < int(o.next); k = int(t.toks[k+1].next) {
		idx, known, ok := n.name(t, k)
		switch {
		case !ok:
			return unsure
		case !known && n.noExtra:
			return fail // whichever member of the name counts, it is there
		case !known:
			continue
		}
		bit := uint64(1) << idx
		if seen&bit != 0 {
			return unsure
		}
		seen |= bit
		if p := n.propAt[idx]; p != nil && result != fail {
			result = result.and(p.check(t, k+1))
		}
	}
	if seen&n.requiredBits != n.requiredBits {
		return fail
	}
	if n.minProps >= 0 && int(o.count) >= n.minProps && bits.OnesCount64(seen) < n.minProps {
		// Repeated names count once in encoding/json's map: count them.
		distinct, ok := t.distinctNames(i)
		switch {
		case !ok:
			result = result.and(unsure)
		case distinct < n.minProps:
			return fail
		}
	}
	if n.minProps >= 0 && int(o.count) < n.minProps {
		return fail
	}
	return result
}

// name looks up the key token k in the names n knows; ok is false for a
// key the tape cannot unquote.
func (n *node) name(t *tape, k int) (idx uint8, known, ok bool) {
	if !t.toks[k].escaped {
		idx, known = n.keyIndex[string(t.raw(k))]
		return idx, known, true
	}
	s, ok := t.text(k)
	if !ok {
		return 0, false, false
	}
	idx, known = n.keyIndex[s]
	return idx, known, true
}

// arrayVerdict checks minItems and items on the array at token i.
func (n *node) arrayVerdict(t *tape, i int) verdict {
	a := &t.toks[i]
	if n.minItems >= 0 && int(a.count) < n.minItems {
		return fail
	}
	result := pass
	if n.items != nil {
		for k := i + 1; k < int(a.next); k = int(t.toks[k].next) {
			if result = result.and(n.items.check(t, k)); result == fail {
				return fail
			}
		}
	}
	return result
}

// patternVerdict checks pattern on the string at token i.
func (n *node) patternVerdict(t *tape, i int) verdict {
	if !t.toks[i].escaped {
		return verdictOf(n.match(t.raw(i)))
	}
	s, ok := t.text(i)
	if !ok {
		return unsure
	}
	return verdictOf(n.match([]byte(s)))
}

func verdictOf(ok bool) verdict {
	if ok {
		return pass
	}
	return fail
}

// constEnumVerdict checks const and enum, which hold strings (and, for
// enum, null), on the value at token i.
func (n *node) constEnumVerdict(t *tape, i int) verdict {
	k := &t.toks[i]
	if k.kind != '"' {
		return verdictOf(!n.hasConst && k.kind == 'n' && n.enumNull)
	}
	if k.escaped {
		s, ok := t.text(i)
		if !ok {
			return unsure
		}
		return verdictOf((!n.hasConst || s == n.constStr) && (!n.hasEnum || slices.Contains(n.enum, s)))
	}
	// Compared as bytes, the common case allocates nothing.
	b := t.raw(i)
	if n.hasConst && string(b) != n.constStr {
		return fail
	}
	if !n.hasEnum {
		return pass
	}
	for _, e := range n.enum {
		if string(b) == e {
			return pass
		}
	}
	return fail
}

// combinedVerdict checks allOf and if/then/else on the value at token i.
// An if that is unsure makes the whole check unsure: which branch applies
// is not known.
func (n *node) combinedVerdict(t *tape, i int) verdict {
	result := pass
	for _, a := range n.allOf {
		if result = result.and(a.check(t, i)); result == fail {
			return fail
		}
	}
	if n.ifN == nil {
		return result
	}
	branch := n.elseN
	switch n.ifN.check(t, i) {
	case pass:
		branch = n.thenN
	case unsure:
		return unsure
	}
	if branch != nil {
		result = result.and(branch.check(t, i))
	}
	return result
}

// typeVerdict checks the type keyword on token k. A number written with a
// fraction or exponent where an integer is wanted is unsure: gojsonschema
// counts 1.0 and 1e2 as integers, with math/big.
func (n *node) typeVerdict(k *tok) verdict {
	var t jsonType
	switch k.kind {
	case 'n':
		t = tNull
	case 't', 'f':
		t = tBoolean
	case '{':
		t = tObject
	case '[':
		t = tArray
	case '"':
		t = tString
	case '0':
		if n.types&tNumber != 0 {
			return pass
		}
		if n.types&tInteger == 0 {
			return fail
		}
		if k.whole {
			return pass // digits only: a whole number, however long
		}
		return unsure
	default:
		return unsure
	}
	return verdictOf(n.types&t != 0)
}

// boundVerdict checks minimum and maximum on the number token k, written
// num. Whole numbers beyond 64 bits are beyond the 64-bit bounds; a number
// with a fraction or exponent is unsure.
func (n *node) boundVerdict(k *tok, num []byte) verdict {
	if !k.whole {
		return unsure
	}
	i, err := strconv.ParseInt(string(num), 10, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return unsure
	case err != nil && num[0] == '-':
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
