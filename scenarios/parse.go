package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// Error is one problem in a scenario file, at a line.
type Error struct {
	File string
	Line int // 0 when the YAML library did not say
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ErrorList is every problem found in scenario files, one per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

const (
	// maxErrors bounds the problems reported for one file.
	maxErrors = 20
	// maxNodes bounds a file's nodes after alias expansion (a YAML
	// "billion laughs" must not hang the parser).
	maxNodes = 100_000
	// maxDepth bounds nesting.
	maxDepth = 200
)

// scenarioKeys, stepKeys and expectKeys are the keys each level takes.
var (
	scenarioKeys = []string{"name", "server", "steps"}
	serverKeys   = []string{"webhook_batch_size", "async_delivery", "max_consecutive_failures", "webhook_timeout"}
	stepKeys     = []string{"expect", "save", "response", "status", "within", "ordered", "others"}
	expectKeys   = []string{"action", "count", "min", "max", "match", "webhook", "headers"}
	planKeys     = []string{"status", "times", "delay"}
)

// Load parses scenario files and folders (every *.yaml and *.yml below
// them, in lexical order). It reports every problem of every file, and
// scenario names used twice.
func Load(paths ...string) ([]*Scenario, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var all []*Scenario
	var errs ErrorList
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		scs, err := Parse(f, data)
		var l ErrorList
		if errors.As(err, &l) {
			errs = append(errs, l...)
		}
		all = append(all, scs...)
	}
	seen := map[string]*Scenario{}
	for _, sc := range all {
		if prev, dup := seen[sc.Name]; dup {
			errs = append(errs, &Error{sc.File, sc.Line, fmt.Sprintf("scenario name %q is already used at %s:%d", sc.Name, prev.File, prev.Line)})
			continue
		}
		seen[sc.Name] = sc
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return all, nil
}

// Parse reads the scenarios of one file: a scenario (a mapping), a list
// of them, or several YAML documents of either. file names the file in
// errors. The error, if any, is an ErrorList naming every problem found
// (up to 20) with its line; then no scenario is returned.
func Parse(file string, data []byte) ([]*Scenario, error) {
	p := &parser{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var roots []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.yamlError(err)
			return nil, p.errs
		}
		if len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null" {
			continue
		}
		root, ok := p.expand(doc.Content[0], 0)
		if !ok {
			return nil, p.errs
		}
		roots = append(roots, root)
	}
	if len(roots) == 0 {
		p.errs = append(p.errs, &Error{file, 1, "no scenario in the file: want a mapping with name and steps, or a list of them"})
		return nil, p.errs
	}
	var out []*Scenario
	names := map[string]int{}
	for _, root := range roots {
		var items []*yaml.Node
		switch root.Kind {
		case yaml.MappingNode:
			items = []*yaml.Node{root}
		case yaml.SequenceNode:
			items = root.Content
		default:
			p.errorf(root, "want a scenario (a mapping with name and steps) or a list of them, got %s", kindName(root))
		}
		for _, it := range items {
			if p.full() {
				break
			}
			if it.Kind != yaml.MappingNode {
				p.errorf(it, "a list item must be a scenario (a mapping with name and steps), got %s", kindName(it))
				continue
			}
			sc := p.scenario(it)
			if sc == nil {
				continue
			}
			if prev, dup := names[sc.Name]; dup {
				p.errorf(it, "scenario name %q is already used at line %d", sc.Name, prev)
				continue
			}
			names[sc.Name] = sc.Line
			out = append(out, sc)
		}
	}
	if len(p.errs) > 0 {
		if len(p.errs) > maxErrors {
			p.errs = p.errs[:maxErrors]
		}
		return nil, p.errs
	}
	return out, nil
}

type parser struct {
	file  string
	errs  ErrorList
	nodes int
}

// full reports whether enough problems were found to stop looking.
func (p *parser) full() bool { return len(p.errs) >= maxErrors }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{p.file, line, fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns the YAML library's error into a file:line error.
func (p *parser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.errs = append(p.errs, &Error{p.file, line, m[2]})
		return
	}
	p.errs = append(p.errs, &Error{p.file, 0, strings.TrimPrefix(msg, "yaml: ")})
}

// expand copies a node tree with every alias replaced by what it points
// to, within the node budget; merge keys are refused.
func (p *parser) expand(n *yaml.Node, depth int) (*yaml.Node, bool) {
	p.nodes++
	if p.nodes > maxNodes {
		p.errorf(n, "the file expands to more than %d values (too many aliases?)", maxNodes)
		return nil, false
	}
	if depth > maxDepth {
		p.errorf(n, "values nested more than %d deep", maxDepth)
		return nil, false
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			p.errorf(n, "alias *%s points nowhere", n.Value)
			return nil, false
		}
		c, ok := p.expand(n.Alias, depth+1)
		if !ok {
			return nil, false
		}
		cc := *c
		cc.Line, cc.Column = n.Line, n.Column
		return &cc, true
	}
	c := *n
	c.Content = make([]*yaml.Node, 0, len(n.Content))
	for i, sub := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && sub.ShortTag() == "!!merge" {
			p.errorf(sub, "merge keys (<<) are not supported: repeat the keys")
			return nil, false
		}
		e, ok := p.expand(sub, depth+1)
		if !ok {
			return nil, false
		}
		c.Content = append(c.Content, e)
	}
	return &c, true
}

// pair is one key and value of a mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs lists a mapping's entries, reporting keys that are not plain
// scalars and keys given twice.
func (p *parser) pairs(n *yaml.Node) []pair {
	var out []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "a key must be a plain string, got %s", kindName(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			p.errorf(k, "key %q is given twice (first at line %d)", k.Value, prev)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, pair{k.Value, k, v})
	}
	return out
}

// kindName describes a node for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// unknownKey reports a key that is not one of known.
func (p *parser) unknownKey(k *yaml.Node, where string, known []string) {
	if s := suggest(k.Value, known); s != "" {
		p.errorf(k, "unknown key %q in %s (did you mean %s?)", k.Value, where, s)
		return
	}
	p.errorf(k, "unknown key %q in %s (want one of: %s)", k.Value, where, strings.Join(known, ", "))
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || n.Value == "" {
		p.errorf(n, "%s: want a non-empty string, got %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) intAtLeast(n *yaml.Node, what string, min int) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int
		if err := n.Decode(&i); err == nil && i >= min {
			return i, true
		}
	}
	p.errorf(n, "%s: want a whole number, %d or more, got %s", what, min, kindName(n))
	return 0, false
}

func (p *parser) status(n *yaml.Node, what string, min int) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int
		if err := n.Decode(&i); err == nil && i >= min && i <= 599 {
			return i, true
		}
	}
	p.errorf(n, "%s: want an HTTP status, %d to 599, got %s", what, min, kindName(n))
	return 0, false
}

func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if n.Decode(&b) == nil {
			return b, true
		}
	}
	p.errorf(n, "%s: want true or false, got %s", what, kindName(n))
	return false, false
}

// duration reads "2s", "500ms" or a number of seconds, more than zero
// (or zero too when zero is true).
func (p *parser) duration(n *yaml.Node, what string, zero bool) (time.Duration, bool) {
	var d time.Duration
	ok := false
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int", "!!float":
			if f, isNum := scalar(n).(float64); isNum && f < 1e9 {
				d, ok = time.Duration(f*float64(time.Second)), true
			}
		case "!!str":
			var err error
			d, err = time.ParseDuration(n.Value)
			ok = err == nil
		}
	}
	if !ok || d < 0 || d == 0 && !zero {
		p.errorf(n, "%s: want a duration such as 2s or 500ms (or a number of seconds) above zero, got %s", what, kindName(n))
		return 0, false
	}
	return d, true
}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	sc := &Scenario{File: p.file, Line: n.Line}
	before := len(p.errs)
	var steps *yaml.Node
	hasName := false
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "name":
			hasName = true
			sc.Name, _ = p.str(kv.v, "name")
		case "server":
			sc.Server = p.serverConfig(kv.v)
		case "steps":
			steps = kv.v
		default:
			p.unknownKey(kv.k, "the scenario", scenarioKeys)
		}
	}
	if !hasName {
		p.errorf(n, "scenario has no name")
	}
	switch {
	case steps == nil:
		p.errorf(n, "scenario has no steps")
	case steps.Kind != yaml.SequenceNode:
		p.errorf(steps, "steps: want a list of steps, got %s", kindName(steps))
	case len(steps.Content) == 0:
		p.errorf(steps, "steps: the list is empty")
	default:
		scope := map[string]bool{"receiver": true, "server": true}
		for _, sn := range steps.Content {
			if p.full() {
				break
			}
			if st := p.step(sn, scope); st != nil {
				sc.steps = append(sc.steps, st)
			}
		}
	}
	if len(p.errs) > before {
		return nil
	}
	return sc
}

// serverConfig reads the server: settings into a server.Config.
func (p *parser) serverConfig(n *yaml.Node) *server.Config {
	cfg := &server.Config{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "server: want a mapping of settings (%s), got %s", strings.Join(serverKeys, ", "), kindName(n))
		return cfg
	}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "webhook_batch_size":
			cfg.BatchSize, _ = p.intAtLeast(kv.v, kv.key, 1)
		case "async_delivery":
			cfg.AsyncDelivery, _ = p.boolean(kv.v, kv.key)
		case "max_consecutive_failures":
			if v, ok := p.intAtLeast(kv.v, kv.key, 0); ok {
				cfg.MaxConsecutiveFailures = v
				if v == 0 {
					cfg.MaxConsecutiveFailures = -1 // 0 in the file means off, as --max-consecutive-failures 0
				}
			}
		case "webhook_timeout":
			cfg.WebhookTimeout, _ = p.duration(kv.v, kv.key, false)
		default:
			p.unknownKey(kv.k, "server", serverKeys)
		}
	}
	return cfg
}

func (p *parser) step(n *yaml.Node, scope map[string]bool) *step {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a step must be a mapping such as {import_tasks: {...}}, got %s", kindName(n))
		return nil
	}
	var kind *pair
	extra := map[string]pair{}
	var unknown []pair
	for _, kv := range p.pairs(n) {
		switch {
		case stepDefs[kv.key] != nil:
			if kind != nil {
				p.errorf(kv.k, "two step names in one step: %s and %s (write two steps)", kind.key, kv.key)
				continue
			}
			kv := kv
			kind = &kv
		case slices.Contains(stepKeys, kv.key):
			extra[kv.key] = kv
		default:
			unknown = append(unknown, kv)
		}
	}
	for _, kv := range unknown {
		s := suggest(kv.key, append(stepNames(), stepKeys...))
		switch {
		case kind == nil && s != "":
			p.errorf(kv.k, "unknown step %q (did you mean %s?)", kv.key, s)
		case kind == nil:
			p.errorf(kv.k, "unknown step %q (want one of: %s)", kv.key, strings.Join(stepNames(), ", "))
		case s != "":
			p.errorf(kv.k, "unknown key %q in the %s step (did you mean %s?)", kv.key, kind.key, s)
		default:
			p.errorf(kv.k, "unknown key %q in the %s step (want one of: %s)", kv.key, kind.key, strings.Join(stepKeys, ", "))
		}
	}
	if kind == nil {
		if len(unknown) == 0 {
			p.errorf(n, "the step names no action: want one of %s", strings.Join(stepNames(), ", "))
		}
		return nil
	}
	st := &step{line: kind.k.Line, kind: kind.key, def: stepDefs[kind.key], args: kind.v}
	if st.args.Kind == yaml.ScalarNode && st.args.ShortTag() == "!!null" {
		st.args = nil
	}
	if st.kind == "receiver" {
		for _, k := range stepKeys {
			if kv, ok := extra[k]; ok {
				p.errorf(kv.k, "a receiver step takes no %s: it sends no request and causes no events", k)
			}
		}
		p.receiverPlan(st, kind.v)
		return st
	}
	requestStatus := p.args(st, scope)
	if kv, ok := extra["status"]; ok {
		if requestStatus {
			p.errorf(kv.k, "status is given twice: in the request and in the step")
		}
		st.status, _ = p.status(kv.v, "status", 100)
	}
	if kv, ok := extra["save"]; ok {
		p.save(st, kv.v)
	} else if st.def.save != "" {
		path, _ := parsePath(st.def.savePath)
		st.save = []saveVar{{name: st.def.save, path: path, text: st.def.savePath, implicit: true}}
	}
	if st.status != 0 && (st.status < 200 || st.status > 299) && len(st.save) == 1 && st.save[0].implicit {
		st.save = nil // a step that must fail creates nothing to save
	}
	for _, s := range st.save {
		scope[s.name] = true
	}
	if kv, ok := extra["response"]; ok {
		st.response = kv.v
		p.pattern(kv.v, scope, false)
	}
	if kv, ok := extra["expect"]; ok {
		st.checked = true
		if kv.v.Kind != yaml.SequenceNode {
			p.errorf(kv.v, "expect: want a list of expected events ([] for none), got %s", kindName(kv.v))
		} else {
			for _, en := range kv.v.Content {
				if p.full() {
					break
				}
				if e := p.expectation(en, scope); e != nil {
					st.expect = append(st.expect, e)
				}
			}
		}
	}
	for _, k := range []string{"within", "ordered", "others"} {
		kv, ok := extra[k]
		if !ok {
			continue
		}
		if !st.checked {
			p.errorf(kv.k, "%s needs an expect list in the same step", k)
			continue
		}
		switch k {
		case "within":
			st.within, _ = p.duration(kv.v, k, false)
		case "ordered":
			st.ordered, _ = p.boolean(kv.v, k)
		case "others":
			switch kv.v.Value {
			case "allow":
				st.others = true
			case "forbid":
			default:
				p.errorf(kv.v, "others: want allow or forbid, got %s", kindName(kv.v))
			}
		}
	}
	return st
}

// args checks a step's arguments against its definition and reports
// whether a request step gave its own status.
func (p *parser) args(st *step, scope map[string]bool) (requestStatus bool) {
	d := st.def
	n := st.args
	given := map[string]bool{}
	switch {
	case n == nil:
	case n.Kind == yaml.MappingNode:
		for _, kv := range p.pairs(n) {
			given[kv.key] = true
			kind, known := d.keys[kv.key]
			switch {
			case known:
				p.kind(kv.v, kind, kv.key, scope)
			case d.body:
				p.value(kv.v, scope)
			default:
				p.unknownKey(kv.k, d.name, sortedKeys(d.keys))
			}
		}
	case n.Kind == yaml.ScalarNode && d.scalar != "":
		given[d.scalar] = true
		p.kind(n, d.keys[d.scalar], d.scalar, scope)
	case d.scalar != "":
		p.errorf(n, "%s: want a mapping of arguments or the %s id, got %s", d.name, d.scalar, kindName(n))
		return false
	default:
		p.errorf(n, "%s: want a mapping of arguments, got %s", d.name, kindName(n))
		return false
	}
	for _, r := range d.required {
		if !given[r] {
			p.errorf(n0(n, st.line), "%s needs %s", d.name, r)
		}
	}
	for _, id := range d.ids {
		if !given[id] && !scope[id] {
			p.errorf(n0(n, st.line), "%s needs %s: give %s: or save ${%s} in an earlier step", d.name, id, id, id)
		}
	}
	return d.name == "request" && given["status"]
}

// n0 is n, or a node at line when n is nil (a step without arguments).
func n0(n *yaml.Node, line int) *yaml.Node {
	if n != nil {
		return n
	}
	return &yaml.Node{Line: line}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isTemplate reports whether n is a string holding a ${...} reference.
func isTemplate(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && strings.Contains(n.Value, "${")
}

// kind checks one argument of a named step.
func (p *parser) kind(n *yaml.Node, kind, key string, scope map[string]bool) {
	p.value(n, scope)
	if isTemplate(n) {
		return
	}
	bad := func(want string) { p.errorf(n, "%s: want %s, got %s", key, want, kindName(n)) }
	switch kind {
	case "id":
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			bad("an id (a number or ${variable})")
		}
	case "map":
		if n.Kind != yaml.MappingNode {
			bad("a mapping")
		}
	case "tasks", "selection":
		if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
			bad("a list or a mapping")
		}
	case "string":
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			bad("a string")
		}
	case "update":
		if !strings.EqualFold(n.Value, "PATCH") && !strings.EqualFold(n.Value, "PUT") || n.Kind != yaml.ScalarNode {
			bad("PATCH or PUT")
		}
	case "method":
		if n.Kind != yaml.ScalarNode || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}, strings.ToUpper(n.Value)) {
			bad("an HTTP method (GET, POST, PUT, PATCH, DELETE)")
		}
	case "path":
		if n.Kind != yaml.ScalarNode || !strings.HasPrefix(n.Value, "/") {
			bad("a path that starts with /")
		}
	case "status":
		p.status(n, key, 100)
	}
}

// value checks a plain value: scalars JSON can hold, keys given once and
// ${...} references to variables saved before.
func (p *parser) value(n *yaml.Node, scope map[string]bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		if msg := scalarErr(n); msg != "" {
			p.errorf(n, "%s", msg)
			return
		}
		if n.ShortTag() == "!!str" {
			p.refs(n, scope)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			p.value(c, scope)
		}
	case yaml.MappingNode:
		for _, kv := range p.pairs(n) {
			p.value(kv.v, scope)
		}
	}
}

// refs checks the ${...} references of a string.
func (p *parser) refs(n *yaml.Node, scope map[string]bool) {
	parts, err := parseTemplate(n.Value)
	if err != nil {
		p.errorf(n, "%v", err)
		return
	}
	for _, pt := range parts {
		r := pt.ref
		if r == nil {
			continue
		}
		if r.name == "receiver" || r.name == "server" {
			if len(r.path) != 1 || r.path[0].key != "url" {
				p.errorf(n, "bad variable reference ${%s}: %s has only url (${%s.url})", r.text, r.name, r.name)
			}
			continue
		}
		if scope[r.name] {
			continue
		}
		names := make([]string, 0, len(scope))
		for k := range scope {
			names = append(names, k)
		}
		sort.Strings(names)
		if s := suggest(r.name, names); s != "" {
			p.errorf(n, "unknown variable ${%s} (did you mean ${%s}?)", r.text, s)
		} else {
			p.errorf(n, "unknown variable ${%s} (saved so far: %s)", r.text, strings.Join(names, ", "))
		}
	}
}

// pattern checks a match or response pattern; underKey: it is the value
// of an object key, where $absent makes sense.
func (p *parser) pattern(n *yaml.Node, scope map[string]bool, underKey bool) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			p.pattern(c, scope, false)
		}
		return
	case yaml.MappingNode:
	default:
		p.value(n, scope)
		return
	}
	kvs := p.pairs(n)
	ops := false
	for _, kv := range kvs {
		ops = ops || strings.HasPrefix(kv.key, "$")
	}
	if !ops {
		for _, kv := range kvs {
			p.pattern(kv.v, scope, true)
		}
		return
	}
	for _, kv := range kvs {
		v := kv.v
		switch kv.key {
		case "$len":
			if !isTemplate(v) {
				p.intAtLeast(v, "$len", 0)
			} else {
				p.value(v, scope)
			}
		case "$any":
			if b, ok := p.boolean(v, "$any"); ok && !b {
				p.errorf(v, "$any: only true makes sense (use $absent: true for a key that must not be there)")
			}
		case "$absent":
			if b, ok := p.boolean(v, "$absent"); ok && !b {
				p.errorf(v, "$absent: only true makes sense (use $any: true for a key that must be there)")
			}
			if !underKey {
				p.errorf(kv.k, "$absent only works as the value of a key: {key: {$absent: true}}")
			} else if len(kvs) > 1 {
				p.errorf(kv.k, "$absent cannot be combined with other operators")
			}
		case "$regex":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
				p.errorf(v, "$regex: want a string, got %s", kindName(v))
			} else if isTemplate(v) {
				p.value(v, scope)
			} else if _, err := regexp.Compile(v.Value); err != nil {
				p.errorf(v, "$regex: %v", err)
			}
		case "$exact":
			p.value(v, scope)
		case "$contains":
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "$contains: want a list of patterns, got %s", kindName(v))
			} else {
				for _, c := range v.Content {
					p.pattern(c, scope, false)
				}
			}
		default:
			if !strings.HasPrefix(kv.key, "$") {
				p.errorf(kv.k, "key %q cannot be mixed with $ operators in one mapping", kv.key)
			} else if s := suggest(kv.key, operators); s != "" {
				p.errorf(kv.k, "unknown operator %s (did you mean %s?)", kv.key, s)
			} else {
				p.errorf(kv.k, "unknown operator %s (want one of: %s)", kv.key, strings.Join(operators, ", "))
			}
		}
	}
}

func (p *parser) save(st *step, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "save: want a mapping of variable: path, such as {task: id}, got %s", kindName(n))
		return
	}
	for _, kv := range p.pairs(n) {
		if !isIdent(kv.key) {
			p.errorf(kv.k, "save: %q is not a variable name (letters, digits and _)", kv.key)
			continue
		}
		if kv.key == "receiver" || kv.key == "server" {
			p.errorf(kv.k, "save: %s is a built-in variable", kv.key)
			continue
		}
		text, ok := p.str(kv.v, "save "+kv.key)
		if !ok {
			continue
		}
		path, err := parsePath(text)
		if err != nil {
			p.errorf(kv.v, "save %s: %v", kv.key, err)
			continue
		}
		st.save = append(st.save, saveVar{name: kv.key, path: path, text: text})
	}
}

func (p *parser) expectation(n *yaml.Node, scope map[string]bool) *expectation {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "an expected event must be a mapping such as {action: TASKS_CREATED, count: 1}, got %s", kindName(n))
		return nil
	}
	e := &expectation{line: n.Line, max: -1}
	var count, min, max *int
	hasAction := false
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "action":
			hasAction = true
			name, ok := p.str(kv.v, "action")
			if !ok {
				continue
			}
			if _, known := schemas.Lookup(name); known {
				e.action = schemas.Action(name)
			} else if s := schemas.Suggest(name); s != "" {
				p.errorf(kv.v, "unknown action %q (did you mean %s?)", name, s)
			} else {
				all := make([]string, len(schemas.Catalog))
				for i, a := range schemas.Catalog {
					all[i] = string(a.Action)
				}
				p.errorf(kv.v, "unknown action %q (want one of: %s)", name, strings.Join(all, ", "))
			}
		case "count", "min", "max":
			v, ok := p.intAtLeast(kv.v, kv.key, 0)
			if !ok {
				continue
			}
			switch kv.key {
			case "count":
				count = &v
			case "min":
				min = &v
			default:
				max = &v
			}
		case "match":
			e.match = kv.v
			p.pattern(kv.v, scope, false)
		case "webhook":
			if _, ok := p.str(kv.v, "webhook"); ok {
				e.webhook = kv.v
				p.value(kv.v, scope)
			}
		case "headers":
			if kv.v.Kind != yaml.MappingNode || isOps(kv.v) {
				p.errorf(kv.v, "headers: want a mapping of header names to values or patterns, got %s", kindName(kv.v))
				continue
			}
			e.headers = kv.v
			p.pattern(kv.v, scope, false)
		default:
			p.unknownKey(kv.k, "the expected event", expectKeys)
		}
	}
	if !hasAction {
		p.errorf(n, "expected event has no action")
	}
	switch {
	case count != nil && (min != nil || max != nil):
		p.errorf(n, "count cannot be combined with min or max")
	case count != nil:
		e.min, e.max = *count, *count
	case min == nil && max == nil:
		e.min, e.max = 1, 1
	default:
		if min != nil {
			e.min = *min
		}
		if max != nil {
			e.max = *max
			if e.min > e.max {
				p.errorf(n, "min %d is more than max %d", e.min, e.max)
			}
		}
	}
	return e
}

// receiverPlan reads a receiver step: one answer step, a list of them,
// or {reset: true}.
func (p *parser) receiverPlan(st *step, n *yaml.Node) {
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.errorf(n, "receiver: the list is empty (use {reset: true} to answer 200 again)")
		}
		for _, c := range n.Content {
			p.planStep(st, c)
		}
		return
	case yaml.MappingNode:
		for _, kv := range p.pairs(n) {
			if kv.key != "reset" {
				continue
			}
			if b, ok := p.boolean(kv.v, "reset"); ok && !b {
				p.errorf(kv.v, "reset: only true makes sense")
			}
			if len(n.Content) > 2 {
				p.errorf(kv.k, "reset cannot be combined with an answer")
			}
			st.reset = true
			return
		}
		p.planStep(st, n)
		return
	}
	p.errorf(n0(n, st.line), "receiver: want {status: 500, times: 3}, a list of those, or {reset: true}, got %s", kindName(n))
}

func (p *parser) planStep(st *step, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "receiver: want a mapping such as {status: 500, times: 3}, got %s", kindName(n))
		return
	}
	s := receiver.Step{Status: 200, Times: 1}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "status":
			s.Status, _ = p.status(kv.v, "status", 200)
		case "times":
			s.Times, _ = p.intAtLeast(kv.v, "times", 1)
		case "delay":
			s.Delay, _ = p.duration(kv.v, "delay", true)
		default:
			p.unknownKey(kv.k, "the receiver answer", planKeys)
		}
	}
	st.plan = append(st.plan, s)
}

// suggest returns the candidate closest to name when it is close
// enough to be a likely typo (or one contains the other), or "".
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(lower, lc)
		if len(lower) >= 4 && (strings.Contains(lc, lower) || strings.Contains(lower, lc)) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 1 || bestD*2 <= len(name) {
		return best
	}
	return ""
}

// distance is the optimal string alignment distance between a and b:
// Levenshtein with a swap of two neighbours counted as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
