package scenarios

import (
	"regexp"
	"strings"

	"github.com/labelhook/labelhook/internal/suggest"
	"github.com/labelhook/labelhook/schemas"
	"go.yaml.in/yaml/v3"
)

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
			} else if s := suggest.Closest(kv.key, operators); s != "" {
				p.errorf(kv.k, "unknown operator %s (did you mean %s?)", kv.key, s)
			} else {
				p.errorf(kv.k, "unknown operator %s (want one of: %s)", kv.key, strings.Join(operators, ", "))
			}
		}
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
		case "pipeline":
			e.pipeline = p.pipelineWant(kv.v)
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
