package scenarios

import (
	"slices"
	"sort"
	"strings"

	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/internal/suggest"
	"github.com/labelhook/labelhook/receiver"
	"go.yaml.in/yaml/v3"
)

// step reads one step of a scenario: its name (the kind of step), the
// step's arguments, and the keys every step may add (stepKeys); the
// variables it saves join scope.
func (p *parser) step(n *yaml.Node, scope map[string]bool) *step {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a step must be a mapping such as {import_tasks: {...}}, got %s", kindName(n))
		return nil
	}
	kind, extra := p.sortStepKeys(n)
	if kind == nil {
		return nil
	}
	st := &step{line: kind.k.Line, kind: kind.key, def: stepDefs[kind.key], args: kind.v}
	if st.def.localFiles {
		p.needsLocalFiles = true
	}
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
	if kv, ok := extra["eventually"]; ok {
		st.eventually, _ = p.duration(kv.v, "eventually", false)
	}
	if kv, ok := extra["status"]; ok {
		if requestStatus {
			p.errorf(kv.k, "status is given twice: in the request and in the step")
		}
		st.status, _ = p.status(kv.v, "status", 100)
	}
	p.stepSaves(st, extra, scope)
	if kv, ok := extra["response"]; ok {
		st.response = kv.v
		p.pattern(kv.v, scope, false)
	}
	p.stepExpect(st, extra, scope)
	return st
}

// sortStepKeys sorts a step's keys into its name (nil when it has none or
// is unknown: the error is reported) and the other keys of stepKeys,
// reporting every key that is neither.
func (p *parser) sortStepKeys(n *yaml.Node) (kind *pair, extra map[string]pair) {
	extra = map[string]pair{}
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
		s := suggest.Closest(kv.key, append(stepNames(), stepKeys...))
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
	if kind == nil && len(unknown) == 0 {
		p.errorf(n, "the step names no action: want one of %s", strings.Join(stepNames(), ", "))
	}
	return kind, extra
}

// stepSaves sets what a request step saves (its save: key, else its
// definition's implicit save) and adds the saved variables to scope. A
// step that must fail saves nothing implicitly.
func (p *parser) stepSaves(st *step, extra map[string]pair, scope map[string]bool) {
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
	if st.status == 0 || st.status >= 200 && st.status <= 299 {
		for _, v := range st.def.alsoSaves {
			scope[v] = true
		}
	}
}

// stepExpect reads a request step's expect list and the keys that tune
// its check (within, ordered, others), which need that list.
func (p *parser) stepExpect(st *step, extra map[string]pair, scope map[string]bool) {
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
	if len(d.oneOf) == 2 {
		a, b := d.oneOf[0], d.oneOf[1]
		switch {
		case given[a] && given[b]:
			p.errorf(n0(n, st.line), "%s takes %s or %s, not both", d.name, a, b)
		case !given[a] && !given[b]:
			p.errorf(n0(n, st.line), "%s needs %s (or %s)", d.name, a, b)
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
	case "list":
		if n.Kind != yaml.SequenceNode {
			bad("a list")
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
	case "url":
		switch {
		case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str":
			bad("an http:// or https:// URL, or a path that starts with / (resolved against the pipeline's URL)")
		case strings.HasPrefix(n.Value, "/"):
			p.needPipeline(n)
		default:
			if err := httpurl.Check(n.Value); err != nil {
				p.errorf(n, "%s: %v, or a path that starts with / (resolved against the pipeline's URL)", key, err)
			}
		}
	case "count":
		p.intAtLeast(n, key, 1)
	case "true":
		if b, ok := p.boolean(n, key); ok && !b {
			p.errorf(n, "%s: only true makes sense (leave it out otherwise)", key)
		}
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
		if r.name == "local_files" {
			if len(r.path) != 1 || (r.path[0].key != "dir" && r.path[0].key != "root") {
				p.errorf(n, "bad variable reference ${%s}: local_files has dir and root (${local_files.dir})", r.text)
			}
			p.needsLocalFiles = true
			continue
		}
		if r.name == "receiver" || r.name == "server" || r.name == "pipeline" {
			if len(r.path) != 1 || r.path[0].key != "url" {
				p.errorf(n, "bad variable reference ${%s}: %s has only url (${%s.url})", r.text, r.name, r.name)
			}
			if r.name == "pipeline" {
				p.needPipeline(n)
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
		if s := suggest.Closest(r.name, names); s != "" {
			p.errorf(n, "unknown variable ${%s} (did you mean ${%s}?)", r.text, s)
		} else {
			p.errorf(n, "unknown variable ${%s} (saved so far: %s)", r.text, strings.Join(names, ", "))
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
		if kv.key == "receiver" || kv.key == "server" || kv.key == "pipeline" || kv.key == "local_files" {
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
