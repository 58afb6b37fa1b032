package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

//go:embed json/*.json
var schemaFS embed.FS

const (
	schemaDir       = "json"
	definitionsFile = "definitions.json"
	// schemaBase names the embedded files inside the validator's pool, so
	// that the files' relative $refs ("definitions.json#/…") resolve to
	// each other. The files carry no $id: written to disk by
	// `labelhook schemas`, their refs then resolve beside them.
	schemaBase = "file:///labelhook/schemas/"
)

// Problem is one way a body breaks the contract.
type Problem struct {
	Path    string `json:"path"`    // JSON path like $.tasks[0].id
	Message string `json:"message"` // e.g. "expected integer, got string"
}

// String formats p as "$.tasks[0].id: expected integer, got string".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// fileName is the schema file of an action: TASKS_CREATED gives tasks_created.json.
func fileName(a Action) string { return strings.ToLower(string(a)) + ".json" }

// Files returns the schema files by name (for `labelhook schemas --out`):
// one per action, named like tasks_created.json, plus definitions.json,
// which they all refer to by relative $ref.
func Files() map[string][]byte {
	entries, err := schemaFS.ReadDir(schemaDir)
	if err != nil {
		panic(fmt.Sprintf("schemas: read embedded files: %v", err))
	}
	files := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := schemaFS.ReadFile(path.Join(schemaDir, e.Name()))
		if err != nil {
			panic(fmt.Sprintf("schemas: read embedded %s: %v", e.Name(), err))
		}
		files[e.Name()] = b
	}
	return files
}

// patternMeanings says in words what the patterns of some definitions
// require, keyed by definition name; messages use them instead of the regexp.
var patternMeanings = map[string]string{
	"timestamp":          "must be a UTC timestamp like 2021-08-17T13:51:02.590839Z",
	"nullable_timestamp": "must be a UTC timestamp like 2021-08-17T13:51:02.590839Z",
	"uuid":               "must be a UUID like 9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11",
}

// contract is the compiled form of the embedded schema files.
type contract struct {
	schemas  map[Action]*gojsonschema.Schema
	quick    map[Action]*node  // the quick check (check.go)
	patterns map[string]string // regexp source -> patternMeanings entry
}

// loadContract compiles the embedded files on first use. They are part of
// the binary, so a failure is a bug that every test run catches.
var loadContract = sync.OnceValue(func() *contract {
	c, err := compile(false)
	if err != nil {
		panic(fmt.Sprintf("schemas: %v", err))
	}
	return c
})

// compile builds the contract. checkMeta also validates every file against
// the draft-07 meta-schema, which tests do and Validate need not.
func compile(checkMeta bool) (*contract, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Validate = checkMeta
	files := Files()
	for name, b := range files {
		if err := sl.AddSchema(schemaBase+name, gojsonschema.NewBytesLoader(b)); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
	}
	c := &contract{
		schemas:  make(map[Action]*gojsonschema.Schema, len(Catalog)),
		patterns: make(map[string]string, len(patternMeanings)),
	}
	for _, info := range Catalog {
		name := fileName(info.Action)
		s, err := sl.Compile(gojsonschema.NewReferenceLoader(schemaBase + name))
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		c.schemas[info.Action] = s
	}
	quick, err := compileQuick(files)
	if err != nil {
		return nil, err
	}
	c.quick = quick
	var defs struct {
		Definitions map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(files[definitionsFile], &defs); err != nil {
		return nil, fmt.Errorf("read %s: %w", definitionsFile, err)
	}
	for name, meaning := range patternMeanings {
		p := defs.Definitions[name].Pattern
		if p == "" {
			return nil, fmt.Errorf("%s: definition %q has no pattern", definitionsFile, name)
		}
		c.patterns[p] = meaning
	}
	return c, nil
}

// Validate checks one webhook body. It returns the action named in the body
// ("" when absent or not a string) and the problems; no problems = valid.
// A body that is not JSON gives one Problem at "$".
//
// A body that is exactly {"action": X} (a webhook with send_payload=false)
// is valid for every action X. Problems are sorted by path, then message.
func Validate(body []byte) (Action, []Problem) {
	action, problems, _ := validate(body, false)
	return action, problems
}

// ValidateCompact is Validate that also returns the body without the
// space between its tokens, byte for byte what json.Compact gives, in a
// slice of its own exact size, taken from the same read of the body;
// compact is nil when the body is not JSON, and may be nil for a body that
// is (one the tape declines, nested too deep): json.Compact it then.
func ValidateCompact(body []byte) (action Action, problems []Problem, compact []byte) {
	return validate(body, true)
}

// validate answers the common case, a body the quick check passes, from a
// tape of the body; the tree path (the body decoded into Go values,
// checked by gojsonschema) answers the rest and gives every problem.
// The body is read into its tape once, for both.
func validate(body []byte, wantCompact bool) (Action, []Problem, []byte) {
	if !utf8.Valid(body) {
		action, problems := validateDoc(nil, false, errNotUTF8)
		return action, problems, nil
	}
	t, read := readTape(body, wantCompact)
	defer t.release()
	if read {
		if action, problems, compact, ok := validateTape(t, wantCompact); ok {
			return action, problems, compact
		}
	}
	doc, huge, compact, err := decodeRead(t, read, wantCompact)
	action, problems := validateDoc(doc, huge, err)
	return action, problems, compact
}

// validateTape is Validate on the tape of a UTF-8 body, when the quick
// check passes it: ok is false for anything else (not an object naming
// one action Label Studio sends, a huge number, a verdict other than
// pass), which the tree path then explains.
func validateTape(t *tape, wantCompact bool) (action Action, problems []Problem, compact []byte, ok bool) {
	if t.huge || t.toks[0].kind != '{' {
		return "", nil, nil, false
	}
	at, n := t.member(0, "action")
	if n != 1 || t.toks[at].kind != '"' {
		return "", nil, nil, false
	}
	name, ok := t.text(at)
	if !ok {
		return "", nil, nil, false
	}
	info, ok := Lookup(name)
	if !ok || loadContract().quick[info.Action].check(t, 0) != pass {
		return "", nil, nil, false
	}
	if wantCompact {
		compact = t.compact()
	}
	return info.Action, listProblems(info, t.listLen(info.Key), t.listLen(info.Nested)), compact, true
}

// validateDoc is Validate on the decoded body (err: it is not JSON).
func validateDoc(doc any, bigNumbers bool, err error) (Action, []Problem) {
	if err != nil {
		return "", []Problem{{Path: "$", Message: err.Error()}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return "", []Problem{{Path: "$", Message: "expected object, got " + TypeName(doc)}}
	}
	raw, ok := obj["action"]
	if !ok {
		return "", []Problem{{Path: "$", Message: `missing required field "action"`}}
	}
	name, ok := raw.(string)
	if !ok {
		return "", []Problem{{Path: "$.action", Message: "expected string, got " + TypeName(raw)}}
	}
	info, ok := Lookup(name)
	if !ok {
		msg := fmt.Sprintf("unknown action %q", name)
		if why := explainUnknown(name); why != "" {
			msg += " (" + why + ")"
		}
		return Action(name), []Problem{{Path: "$.action", Message: msg}}
	}
	if huge := hugeNumbersIf(bigNumbers, doc); len(huge) > 0 {
		problems := make([]Problem, len(huge))
		for i, p := range huge {
			problems[i] = Problem{Path: "$" + p, Message: fmt.Sprintf(
				"number too large to check (over %d characters or an exponent beyond ±%d)", maxNumberLen, maxExponent)}
		}
		return info.Action, sortProblems(problems)
	}
	c := loadContract()
	res, err := c.schemas[info.Action].Validate(decoded{doc})
	if err != nil { // decoded.LoadJSON never fails
		return info.Action, []Problem{{Path: "$", Message: err.Error()}}
	}
	var problems []Problem
	for _, e := range res.Errors() {
		if p, ok := c.problem(e); ok {
			problems = append(problems, p)
		}
	}
	problems = append(problems, parallelLists(info, obj)...)
	return info.Action, sortProblems(problems)
}

// sortProblems sorts by path, then message, and drops duplicates.
func sortProblems(problems []Problem) []Problem {
	slices.SortFunc(problems, func(a, b Problem) int {
		if n := comparePaths(a.Path, b.Path); n != 0 {
			return n
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.Compact(problems)
}

// Bounds on the numbers handed to gojsonschema, which parses every number
// it type-checks with math/big: 1e999999 alone costs it about 50 ms, so a
// body full of such numbers would stall the receiver. Label Studio's own
// numbers (64-bit ids, Python floats) are far inside them.
const (
	maxNumberLen = 1000
	maxExponent  = 1000
)

// hugeNumbersIf is hugeNumbers when the parser saw numbers that may be
// huge, and nothing otherwise.
func hugeNumbersIf(bigNumbers bool, v any) []string {
	if !bigNumbers {
		return nil
	}
	return hugeNumbers(v)
}

// hugeNumbers returns the paths, relative to v, of the numbers in v beyond
// those bounds. It allocates only when it finds one.
func hugeNumbers(v any) []string {
	var paths []string
	switch v := v.(type) {
	case json.Number:
		if isHuge(string(v)) {
			paths = append(paths, "")
		}
	case []any:
		for i, e := range v {
			for _, p := range hugeNumbers(e) {
				paths = append(paths, "["+strconv.Itoa(i)+"]"+p)
			}
		}
	case map[string]any:
		for k, e := range v {
			for _, p := range hugeNumbers(e) {
				paths = append(paths, pathKey(k)+p)
			}
		}
	}
	return paths
}

func isHuge(n string) bool {
	if len(n) > maxNumberLen {
		return true
	}
	i := strings.IndexAny(n, "eE")
	if i < 0 {
		return false
	}
	exp, err := strconv.Atoi(strings.TrimPrefix(n[i+1:], "+"))
	return err != nil || exp > maxExponent || exp < -maxExponent
}

// decode parses body once, the way gojsonschema expects documents:
// numbers stay json.Number so that 64-bit ids keep every digit. parse
// takes the common case; encoding/json the rest, and its errors.
func decode(body []byte) (any, error) {
	doc, _, _, err := decodeBody(body, false)
	return doc, err
}

// decodeBody is decode that also says whether the document may hold
// numbers beyond hugeNumbers' bounds (false only when the tape saw every
// number and none was).
func decodeBody(body []byte, wantCompact bool) (doc any, bigNumbers bool, compact []byte, err error) {
	if !utf8.Valid(body) {
		return nil, false, nil, errNotUTF8
	}
	t, read := readTape(body, wantCompact)
	defer t.release()
	return decodeRead(t, read, wantCompact)
}

// decodeRead is decodeBody on a body already read into t (read: the tape
// took it; else encoding/json decodes it and gives the error).
func decodeRead(t *tape, read, wantCompact bool) (doc any, huge bool, compact []byte, err error) {
	if read {
		if doc, ok := t.tree(0); ok {
			if wantCompact {
				compact = t.compact()
			}
			return doc, t.huge, compact, nil
		}
	}
	doc, err = decodeStd(t.b)
	return doc, true, nil, err
}

// errNotUTF8 refuses a body that is not UTF-8: encoding/json would quietly
// turn the bad bytes into U+FFFD; JSON text is UTF-8 (RFC 8259), and Label
// Studio sends nothing else.
var errNotUTF8 = errors.New("not JSON: the body is not valid UTF-8")

// decodeStd decodes valid UTF-8 with encoding/json.
func decodeStd(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("not JSON: empty body")
		}
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not JSON: more data after the top-level value")
	}
	return doc, nil
}

// decoded hands an already decoded document to gojsonschema, whose own
// loaders would parse the body again (NewGoLoader even marshals it first).
type decoded struct{ doc any }

func (d decoded) JsonSource() any        { return d.doc }
func (d decoded) LoadJSON() (any, error) { return d.doc, nil }
func (d decoded) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}
func (d decoded) LoaderFactory() gojsonschema.JSONLoaderFactory {
	return &gojsonschema.DefaultJSONLoaderFactory{}
}

// parallelLists checks what JSON Schema cannot say: a list action with a
// list nested key (ANNOTATIONS_CREATED) has one nested item per main item.
func parallelLists(info ActionInfo, obj map[string]any) []Problem {
	length := func(key string) int {
		if l, ok := obj[key].([]any); ok {
			return len(l)
		}
		return -1
	}
	return listProblems(info, length(info.Key), length(info.Nested))
}

// listProblems is parallelLists on the lengths of the two lists (-1: not
// a list).
func listProblems(info ActionInfo, main, nested int) []Problem {
	// An empty list already breaks minItems; one problem says enough.
	if !info.List || !info.NestedList || main <= 0 || nested <= 0 || main == nested {
		return nil
	}
	return []Problem{{
		Path: "$." + info.Nested,
		Message: fmt.Sprintf("expected %d %s, one per item of $.%s, got %d",
			main, plural(main, "item"), info.Key, nested),
	}}
}

// problem translates one gojsonschema error into a Problem. It reports
// false for errors that only say a combinator failed (if/then, allOf):
// gojsonschema adds the errors that made it fail beside them.
func (c *contract) problem(e gojsonschema.ResultError) (Problem, bool) {
	d := e.Details()
	p := Problem{Path: jsonPath(e.Context())}
	switch e.Type() {
	case "condition_then", "condition_else", "number_all_of":
		return Problem{}, false
	case "required":
		p.Message = fmt.Sprintf("missing required field %q", d["property"])
	case "additional_property_not_allowed":
		p.Message = fmt.Sprintf("unexpected field %q", d["property"])
	case "invalid_type":
		expected := strings.Trim(fmt.Sprint(d["expected"]), "[]")
		p.Message = fmt.Sprintf("expected %s, got %s", strings.ReplaceAll(expected, ",", " or "), d["given"])
	case "array_min_items":
		n, _ := d["min"].(int)
		p.Message = fmt.Sprintf("must be an array with at least %d %s", n, plural(n, "item"))
	case "enum":
		p.Message = fmt.Sprintf("must be one of %s, got %s", d["allowed"], show(e.Value()))
	case "const":
		p.Message = fmt.Sprintf("must be %s, got %s", d["allowed"], show(e.Value()))
	case "pattern":
		src := fmt.Sprint(d["pattern"])
		if re, ok := d["pattern"].(*regexp.Regexp); ok {
			src = re.String()
		}
		meaning, ok := c.patterns[src]
		if !ok {
			meaning = "must match " + src
		}
		p.Message = meaning + ", got " + show(e.Value())
	case "number_gte":
		p.Message = "must be at least " + bigText(d["min"])
	case "number_lte":
		p.Message = "must be at most " + bigText(d["max"])
	default:
		p.Message = e.Description()
	}
	return p, true
}

// jsonPath turns a gojsonschema context ("(root)", "tasks", "0", "id") into
// "$.tasks[0].id". The steps are schema property names, never numeric, or
// array indexes.
func jsonPath(ctx *gojsonschema.JsonContext) string {
	const sep = "\x00" // gojsonschema joins with "." by default; keys may hold dots
	var b strings.Builder
	b.WriteString("$")
	for _, s := range strings.Split(ctx.String(sep), sep)[1:] {
		switch {
		case s != "" && digits(s) == len(s):
			b.WriteString("[" + s + "]")
		default:
			b.WriteString(pathKey(s))
		}
	}
	return b.String()
}

// pathKey is the path step into an object member: .key, or ["key"] when
// the key is not an identifier.
func pathKey(key string) string {
	if isIdentifier(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

// isIdentifier reports whether key can follow a dot in a path: letters,
// digits and "_", not starting with a digit.
func isIdentifier(key string) bool {
	if key == "" || ('0' <= key[0] && key[0] <= '9') {
		return false
	}
	for _, r := range key {
		if r != '_' && !('a' <= r && r <= 'z') && !('A' <= r && r <= 'Z') && !('0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// comparePaths orders paths with indexes compared as numbers, so that
// $.tasks[2] sorts before $.tasks[10].
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

// digits is the length of the run of ASCII digits that starts s.
func digits(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}

// TypeName names the JSON type of a decoded value (numbers as json.Number)
// the way JSON Schema and Validate's problems do: "null", "boolean",
// "integer" (a number written without a fraction or an exponent),
// "number", "string", "array" or "object"; any other Go type by %T.
func TypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		// By syntax: math/big, as gojsonschema uses, is slow on 1e999999.
		if strings.ContainsAny(string(v), ".eE") {
			return "number"
		}
		return "integer"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// show renders a scalar value for a message; long strings are cut.
func show(v any) string {
	switch v := v.(type) {
	case string:
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return TypeName(v)
}

// bigText prints a gojsonschema bound exactly (they are *big.Float).
func bigText(v any) string {
	if f, ok := v.(*big.Float); ok {
		return f.Text('f', -1)
	}
	return fmt.Sprint(v)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
