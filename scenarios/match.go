package scenarios

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A pattern is what an expectation's match (or a step's response) says a
// JSON value must look like:
//
//	scalar                   equal (numbers by value)
//	{k: pattern, …}          an object with at least these keys, each matching (partial)
//	[pattern, …]             a list of exactly this length, item by item, in order
//	{$len: N}                a list, object or string of length N
//	{$any: true}             anything, but the key must be there
//	{$absent: true}          the key must not be there (only as the value of a key)
//	{$regex: "…"}            a string matching the RE2 expression (unanchored)
//	{$contains: [p, …]}      a list with, for each p, an item matching p
//	{$exact: value}          exactly this value: objects with no other keys
//
// Several $ operators in one mapping must all hold.
type pattern interface{ isPattern() }

type (
	litPat  struct{ v any }
	objPat  struct{ m map[string]pattern }
	listPat struct{ items []pattern }
	opsPat  struct {
		length   *int
		any      bool
		absent   bool
		re       *regexp.Regexp
		contains []pattern
		exact    *litPat
	}
)

func (litPat) isPattern()  {}
func (objPat) isPattern()  {}
func (listPat) isPattern() {}
func (opsPat) isPattern()  {}

// operators are the $ keys a pattern mapping may use.
var operators = []string{"$absent", "$any", "$contains", "$exact", "$len", "$regex"}

// valuePattern is the pattern that a JSON value stands for when a
// template expands to it.
func valuePattern(v any) pattern {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]pattern, len(x))
		for k, e := range x {
			m[k] = valuePattern(e)
		}
		return objPat{m}
	case []any:
		items := make([]pattern, len(x))
		for i, e := range x {
			items[i] = valuePattern(e)
		}
		return listPat{items}
	}
	return litPat{v}
}

// buildPattern evaluates a pattern node (checked by the parser) with vs.
func (vs vars) buildPattern(n *yaml.Node) (pattern, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		items := make([]pattern, 0, len(n.Content))
		for _, c := range n.Content {
			p, err := vs.buildPattern(c)
			if err != nil {
				return nil, err
			}
			items = append(items, p)
		}
		return listPat{items}, nil
	case yaml.MappingNode:
		if isOps(n) {
			return vs.buildOps(n)
		}
		m := make(map[string]pattern, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			p, err := vs.buildPattern(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = p
		}
		return objPat{m}, nil
	}
	v, err := vs.eval(n)
	if err != nil {
		return nil, err
	}
	return valuePattern(v), nil
}

// isOps reports whether a mapping node is an operator mapping (its keys
// start with $).
func isOps(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && len(n.Content) > 0 && strings.HasPrefix(n.Content[0].Value, "$")
}

func (vs vars) buildOps(n *yaml.Node) (pattern, error) {
	var o opsPat
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		switch n.Content[i].Value {
		case "$len":
			x, err := vs.eval(v)
			if err != nil {
				return nil, err
			}
			f, ok := x.(float64)
			if !ok || f < 0 || f != float64(int(f)) {
				return nil, fmt.Errorf("$len: want a whole number 0 or more, got %s", describe(x))
			}
			l := int(f)
			o.length = &l
		case "$any":
			o.any = true
		case "$absent":
			o.absent = true
		case "$regex":
			x, err := vs.eval(v)
			if err != nil {
				return nil, err
			}
			re, err := regexp.Compile(str(x))
			if err != nil {
				return nil, fmt.Errorf("$regex: %v", err)
			}
			o.re = re
		case "$exact":
			x, err := vs.eval(v)
			if err != nil {
				return nil, err
			}
			o.exact = &litPat{x}
		case "$contains":
			for _, c := range v.Content {
				p, err := vs.buildPattern(c)
				if err != nil {
					return nil, err
				}
				o.contains = append(o.contains, p)
			}
		}
	}
	return o, nil
}

// matches reports whether got matches p.
func matches(p pattern, got any) bool {
	_, _, ok := compare(p, got)
	return ok
}

// compare matches got against p and returns two views for a diff: what
// p wants and what got has, restricted to what p looks at. The views are
// equal exactly when got matches, so cmp.Diff(want, gotView) shows only
// the mismatches.
func compare(p pattern, got any) (want, gotView any, ok bool) {
	switch x := p.(type) {
	case litPat:
		if equal(x.v, got) {
			return got, got, true
		}
		return x.v, brief(got), false
	case objPat:
		obj, isObj := got.(map[string]any)
		if !isObj {
			return render(p), brief(got), false
		}
		w := make(map[string]any, len(x.m))
		g := make(map[string]any, len(x.m))
		ok = true
		for k, sub := range x.m {
			v, present := obj[k]
			if op, isOp := sub.(opsPat); isOp && op.absent {
				if present {
					w[k], g[k], ok = "(absent)", brief(v), false
				}
				continue
			}
			if !present {
				w[k], ok = render(sub), false
				continue
			}
			sw, sg, sok := compare(sub, v)
			w[k], g[k] = sw, sg
			ok = ok && sok
		}
		return w, g, ok
	case listPat:
		list, isList := got.([]any)
		if !isList {
			return render(p), brief(got), false
		}
		w := make([]any, 0, len(x.items))
		g := make([]any, 0, len(list))
		ok = len(list) == len(x.items)
		for i, sub := range x.items {
			if i >= len(list) {
				w = append(w, render(sub))
				continue
			}
			sw, sg, sok := compare(sub, list[i])
			w, g = append(w, sw), append(g, sg)
			ok = ok && sok
		}
		for i := len(x.items); i < len(list); i++ {
			g = append(g, brief(list[i]))
		}
		return w, g, ok
	case opsPat:
		return compareOps(x, got)
	}
	return nil, nil, false
}

func compareOps(o opsPat, got any) (want, gotView any, ok bool) {
	var ws, gs []string
	ok = true
	if o.length != nil {
		n, has := length(got)
		w := fmt.Sprintf("(len %d)", *o.length)
		switch {
		case !has:
			ws, gs, ok = append(ws, w), append(gs, briefText(got)), false
		case n != *o.length:
			ws, gs, ok = append(ws, w), append(gs, fmt.Sprintf("(len %d)", n)), false
		default:
			ws, gs = append(ws, w), append(gs, w)
		}
	}
	if o.any {
		ws, gs = append(ws, "(any)"), append(gs, "(any)")
	}
	if o.re != nil {
		w := fmt.Sprintf("(regex %s)", o.re)
		if s, isStr := got.(string); isStr && o.re.MatchString(s) {
			ws, gs = append(ws, w), append(gs, w)
		} else {
			ws, gs, ok = append(ws, w), append(gs, briefText(got)), false
		}
	}
	if o.contains != nil {
		list, isList := got.([]any)
		var missing []any
		for _, c := range o.contains {
			found := false
			for _, e := range list {
				if matches(c, e) {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, render(c))
			}
		}
		w := fmt.Sprintf("(contains %s)", short(renderAll(o.contains), 200))
		switch {
		case !isList:
			ws, gs, ok = append(ws, w), append(gs, briefText(got)), false
		case len(missing) > 0:
			ws = append(ws, fmt.Sprintf("(contains %s)", short(missing, 200)))
			gs, ok = append(gs, briefText(got)), false
		default:
			ws, gs = append(ws, w), append(gs, w)
		}
	}
	if o.exact != nil {
		w := "(exact " + short(o.exact.v, 200) + ")"
		if equal(o.exact.v, got) {
			ws, gs = append(ws, w), append(gs, w)
		} else {
			ws, gs, ok = append(ws, w), append(gs, "(exact "+briefText(got)+")"), false
		}
	}
	if o.absent { // only reached outside an object: nothing can be absent there
		ws, gs, ok = append(ws, "(absent)"), append(gs, briefText(got)), false
	}
	return strings.Join(ws, " "), strings.Join(gs, " "), ok
}

// length is the length of a list, object or string (in characters).
func length(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case map[string]any:
		return len(x), true
	case string:
		return len([]rune(x)), true
	}
	return 0, false
}

// equal compares two JSON values.
func equal(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// brief shows a value in a diff: scalars as they are, lists and objects
// as short JSON text, so a diff never prints a whole project.
func brief(v any) any {
	switch v.(type) {
	case map[string]any, []any:
		return short(v, 120)
	}
	return v
}

// briefText is a value as short JSON text, for operator views.
func briefText(v any) string {
	return short(v, 120)
}

// render is a pattern's own view, for the want side of a diff.
func render(p pattern) any {
	switch x := p.(type) {
	case litPat:
		return x.v
	case objPat:
		m := make(map[string]any, len(x.m))
		for k, sub := range x.m {
			m[k] = render(sub)
		}
		return m
	case listPat:
		return renderAll(x.items)
	case opsPat:
		w, _, _ := compareOps(x, nil)
		return w
	}
	return nil
}

func renderAll(ps []pattern) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = render(p)
	}
	return out
}

// headerValues turns headers into an object of canonical names to
// their values joined with ", ", for header patterns.
func headerValues(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[http.CanonicalHeaderKey(k)] = strings.Join(v, ", ")
	}
	return out
}

// canonicalKeys rewrites a header pattern's keys to canonical form.
func canonicalKeys(p pattern) pattern {
	o, ok := p.(objPat)
	if !ok {
		return p
	}
	m := make(map[string]pattern, len(o.m))
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m[http.CanonicalHeaderKey(k)] = o.m[k]
	}
	return objPat{m}
}
