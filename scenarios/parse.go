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
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/labelhook/labelhook/internal/suggest"
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
	scenarioKeys = []string{"name", "server", "pipeline", "steps"}
	stepKeys     = []string{"expect", "save", "response", "status", "within", "eventually", "ordered", "others"}
	expectKeys   = []string{"action", "count", "min", "max", "match", "webhook", "headers", "pipeline"}
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
	// pipelineLine is the line of the first use of a pipeline in the
	// scenario being parsed (see Scenario.pipelineLine).
	pipelineLine int
	// needsLocalFiles: the scenario being parsed writes local files
	// (Scenario.NeedsLocalFiles).
	needsLocalFiles bool
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
	for i := 0; i < len(n.Content); i++ {
		sub := n.Content[i]
		if n.Kind == yaml.MappingNode && i%2 == 0 && sub.ShortTag() == "!!merge" {
			// Report it and leave the pair out, so the rest of the file is
			// still checked and its problems reported too.
			p.errorf(sub, "merge keys (<<) are not supported: repeat the keys")
			i++
			continue
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
	if s := suggest.Closest(k.Value, known); s != "" {
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
	if t := n.ShortTag(); n.Kind == yaml.ScalarNode && (t == "!!int" || t == "!!float" || t == "!!str") {
		d, ok = parseSeconds(n.Value)
	}
	if !ok || d == 0 && !zero {
		p.errorf(n, "%s: want a duration such as 2s or 500ms (or a number of seconds) above zero, got %s", what, kindName(n))
		return 0, false
	}
	return d, true
}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	sc := &Scenario{File: p.file, Line: n.Line}
	before := len(p.errs)
	p.pipelineLine = 0
	p.needsLocalFiles = false
	var steps *yaml.Node
	hasName := false
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "name":
			hasName = true
			sc.Name, _ = p.str(kv.v, "name")
		case "server":
			sc.Server = p.serverConfig(kv.v)
		case "pipeline":
			sc.Pipeline = p.pipelineURL(kv.v)
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
	sc.pipelineLine = p.pipelineLine
	sc.NeedsLocalFiles = p.needsLocalFiles
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
		s, ok := LookupServerSetting(kv.key)
		if !ok {
			p.unknownKey(kv.k, "server", serverKeys)
			continue
		}
		if kv.v.Kind != yaml.ScalarNode || !slices.Contains(s.tags, kv.v.ShortTag()) || !s.set(cfg, kv.v.Value) {
			p.errorf(kv.v, "%s: want %s, got %s", s.Key, s.want, kindName(kv.v))
		}
	}
	return cfg
}
