package scenarios

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// patternOf parses a pattern written in YAML and builds it with vs.
func patternOf(t *testing.T, src string, vs vars) pattern {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("pattern %s: %v", src, err)
	}
	p := &parser{file: "t.yaml"}
	scope := map[string]bool{}
	for k := range vs {
		scope[k] = true
	}
	p.pattern(doc.Content[0], scope, true)
	if len(p.errs) > 0 {
		t.Fatalf("pattern %s: %v", src, p.errs)
	}
	pat, err := vs.buildPattern(doc.Content[0])
	if err != nil {
		t.Fatalf("pattern %s: %v", src, err)
	}
	return pat
}

func jsonOf(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("JSON %s: %v", src, err)
	}
	return v
}

func TestMatch(t *testing.T) {
	vs := vars{"project": 7.0, "ids": []any{1.0, 2.0}, "title": "Sentiment", "obj": map[string]any{"id": 7.0}}
	tests := []struct {
		pattern, got string
		want         bool
	}{
		// scalars
		{`3`, `3`, true},
		{`3`, `3.0`, true},
		{`3`, `"3"`, false},
		{`abc`, `"abc"`, true},
		{`true`, `true`, true},
		{`null`, `null`, true},
		{`null`, `0`, false},
		// partial objects
		{`{id: 1}`, `{"id": 1, "title": "x"}`, true},
		{`{id: 1}`, `{"id": 2}`, false},
		{`{id: 1}`, `{"title": "x"}`, false},
		{`{id: 1}`, `[1]`, false},
		{`{}`, `{"a": 1}`, true},
		{`{a: {b: {c: 1}}}`, `{"a": {"b": {"c": 1, "d": 2}}}`, true},
		// lists: exact length, in order
		{`[1, 2]`, `[1, 2]`, true},
		{`[1, 2]`, `[2, 1]`, false},
		{`[1, 2]`, `[1, 2, 3]`, false},
		{`[1, 2]`, `[1]`, false},
		{`[{id: 1}]`, `[{"id": 1, "x": 2}]`, true},
		{`[]`, `[]`, true},
		{`[]`, `{}`, false},
		// $len
		{`{$len: 2}`, `[1, 2]`, true},
		{`{$len: 2}`, `[1]`, false},
		{`{$len: 1}`, `{"a": 1}`, true},
		{`{$len: 3}`, `"abc"`, true},
		{`{$len: 3}`, `"äbc"`, true},
		{`{$len: 0}`, `3`, false},
		// $any and $absent
		{`{a: {$any: true}}`, `{"a": null}`, true},
		{`{a: {$any: true}}`, `{}`, false},
		{`{a: {$absent: true}}`, `{}`, true},
		{`{a: {$absent: true}}`, `{"a": null}`, false},
		// $regex
		{`{$regex: "^py"}`, `"python-requests/2"`, true},
		{`{$regex: "^py"}`, `"curl"`, false},
		{`{$regex: "1"}`, `1`, false},
		// $contains
		{`{$contains: [{id: 2}]}`, `[{"id": 1}, {"id": 2}]`, true},
		{`{$contains: [{id: 2}, {id: 3}]}`, `[{"id": 1}, {"id": 2}]`, false},
		{`{$contains: []}`, `[]`, true},
		{`{$contains: [1]}`, `{"a": 1}`, false},
		// $exact
		{`{$exact: {id: 1}}`, `{"id": 1}`, true},
		{`{$exact: {id: 1}}`, `{"id": 1, "x": 2}`, false},
		{`{$exact: [1, 2]}`, `[1, 2]`, true},
		// several operators
		{`{$len: 2, $contains: [{id: 1}]}`, `[{"id": 1}, {"id": 2}]`, true},
		{`{$len: 3, $contains: [{id: 1}]}`, `[{"id": 1}, {"id": 2}]`, false},
		// variables keep their type; inside a string they are text
		{`{id: "${project}"}`, `{"id": 7}`, true},
		{`{id: "${project}"}`, `{"id": "7"}`, false},
		{`{path: "/api/projects/${project}/"}`, `{"path": "/api/projects/7/"}`, true},
		{`{tasks: "${ids}"}`, `{"tasks": [1, 2]}`, true},
		{`{id: "${ids[1]}"}`, `{"id": 2}`, true},
		{`{project: "${obj}"}`, `{"project": {"id": 7, "title": "x"}}`, true},
		{`{$len: "${project}"}`, `[1, 2, 3, 4, 5, 6, 7]`, true},
		{`{title: {$regex: "^${title}$"}}`, `{"title": "Sentiment"}`, true},
		{`{$exact: "${obj}"}`, `{"id": 7}`, true},
		{`"$${project}"`, `"${project}"`, true},
	}
	for _, tt := range tests {
		p := patternOf(t, tt.pattern, vs)
		got := jsonOf(t, tt.got)
		if ok := matches(p, got); ok != tt.want {
			w, g, _ := compare(p, got)
			t.Errorf("match %s against %s = %v, want %v\n(-want +got):\n%s", tt.pattern, tt.got, ok, tt.want, cmp.Diff(w, g))
		}
		// The views are equal exactly when the value matches.
		w, g, ok := compare(p, got)
		if ok != cmp.Equal(w, g) {
			t.Errorf("compare %s against %s: ok = %v but views equal = %v:\n%s", tt.pattern, tt.got, ok, cmp.Equal(w, g), cmp.Diff(w, g))
		}
	}
}

// TestCompareShowsOnlyTheMismatch: the diff of a failing match names the
// keys that differ and says how, without dumping matching subtrees.
func TestCompareShowsOnlyTheMismatch(t *testing.T) {
	p := patternOf(t, `{tasks: {$len: 3}, project: {id: 1, title: A}, annotation: {$absent: true}, list: [1, 2]}`, vars{})
	got := jsonOf(t, `{"tasks": [{"id": 1}, {"id": 2}], "project": {"id": 1, "title": "B", "description": "long"}, "annotation": {"id": 9}, "list": [1, 2, 3]}`)
	w, g, ok := compare(p, got)
	if ok {
		t.Fatal("matched, want a mismatch")
	}
	d := cmp.Diff(w, g)
	for _, want := range []string{`(len 3)`, `(len 2)`, `"A"`, `"B"`, `(absent)`, `{"id":9}`} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %s:\n%s", want, d)
		}
	}
	if strings.Contains(d, "description") {
		t.Errorf("diff shows a key the pattern does not look at:\n%s", d)
	}
}

func TestHeaderPatterns(t *testing.T) {
	p := canonicalKeys(patternOf(t, `{content-type: application/json, x-signature: {$absent: true}, user-agent: {$regex: "^python-requests/"}}`, vars{}))
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"python-requests/2.32.3"}}
	if !matches(p, headerValues(h)) {
		t.Errorf("headers %v do not match", h)
	}
	h.Set("X-Signature", "abc")
	if matches(p, headerValues(h)) {
		t.Errorf("headers %v match despite X-Signature", h)
	}
}

func TestTemplates(t *testing.T) {
	vs := vars{
		"receiver": map[string]any{"url": "http://127.0.0.1:9/s"},
		"n":        3.0,
		"f":        0.5,
		"ok":       true,
		"ids":      []any{10.0, 11.0},
		"task":     map[string]any{"data": map[string]any{"text": "a"}, "tags": []any{"x"}},
		"nothing":  nil,
	}
	tests := []struct {
		src  string
		want any
	}{
		{`plain`, "plain"},
		{`${n}`, 3.0},
		{`${ok}`, true},
		{`${nothing}`, nil},
		{`${ids}`, []any{10.0, 11.0}},
		{`${ids[1]}`, 11.0},
		{`${task.data.text}`, "a"},
		{`${task.tags[0]}`, "x"},
		{`/api/tasks/${ids[0]}/`, "/api/tasks/10/"},
		{`${receiver.url}/hook`, "http://127.0.0.1:9/s/hook"},
		{`n=${n} f=${f} ok=${ok} null=${nothing}`, "n=3 f=0.5 ok=true null=null"},
		{`list ${ids}`, "list [10,11]"},
		{`$${n} is ${n}`, "${n} is 3"},
		{`$ {n} and $n`, "$ {n} and $n"},
	}
	for _, tt := range tests {
		parts, err := parseTemplate(tt.src)
		if err != nil {
			t.Errorf("parseTemplate(%q): %v", tt.src, err)
			continue
		}
		got, err := vs.expand(parts)
		if err != nil {
			t.Errorf("expand(%q): %v", tt.src, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("expand(%q) (-want +got):\n%s", tt.src, diff)
		}
	}

	bad := []struct{ src, want string }{
		{`${ids[2]}`, `${ids[2]}: index 2 out of range: the value has 2 items`},
		{`${task.data.label}`, `${task.data.label}: data has no key "label"`},
		{`${n.x}`, `${n.x}: the value is the number 3, not an object`},
		{`${task[0]}`, `${task[0]}: the value is an object {"data":{"text":"a"},"tags":["x"]}, not a list`},
		{`${missing}`, `${missing}: no variable "missing"`},
	}
	for _, tt := range bad {
		parts, err := parseTemplate(tt.src)
		if err != nil {
			t.Fatalf("parseTemplate(%q): %v", tt.src, err)
		}
		_, err = vs.expand(parts)
		if err == nil || err.Error() != tt.want {
			t.Errorf("expand(%q) error = %v, want %s", tt.src, err, tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	good := map[string]string{
		"id":           ".id",
		"task_ids[0]":  ".task_ids[0]",
		"tasks[1].id":  ".tasks[1].id",
		"[0].id":       "[0].id",
		"a.b-c.d_e":    ".a.b-c.d_e",
		"x[10][2]":     ".x[10][2]",
		".":            "",
		"meta.2":       ".meta.2",
		"task_ids[00]": ".task_ids[0]",
	}
	for src, want := range good {
		p, err := parsePath(src)
		if err != nil {
			t.Errorf("parsePath(%q): %v", src, err)
			continue
		}
		if got := formatPath(p); got != want {
			t.Errorf("parsePath(%q) = %q, want %q", src, got, want)
		}
	}
	for _, src := range []string{"", "a..b", "a[", "a[-1]", "a[+1]", "a[x]", "a b", "a.", "a]"} {
		if p, err := parsePath(src); err == nil {
			t.Errorf("parsePath(%q) = %q, want an error", src, formatPath(p))
		}
	}
}

func TestTruncateKeepsCharacters(t *testing.T) {
	for n := 0; n <= 7; n++ {
		got := truncate("añbç€d", n)
		if !utf8.ValidString(got) || len(strings.TrimSuffix(got, "…")) > n {
			t.Errorf("truncate(%q, %d) = %q", "añbç€d", n, got)
		}
	}
	if got := truncate("abc", 3); got != "abc" {
		t.Errorf("truncate(abc, 3) = %q, want abc", got)
	}
}

// TestShortCutsListsLikeTheWhole: short encodes a list only up to the
// cut, and must give what truncating the whole encoding gives.
func TestShortCutsListsLikeTheWhole(t *testing.T) {
	long := make([]any, 500)
	for i := range long {
		long[i] = map[string]any{"id": float64(i), "data": map[string]any{"text": "é <b> text"}}
	}
	tests := []struct {
		name string
		v    any
		n    int
	}{
		{"long list", long, 120},
		{"long list, long cut", long, 5000},
		{"whole list fits", []any{1.0, "a", nil}, 120},
		{"cut inside an item", []any{"abcdefghij", "klmnopqrstuvwxyz"}, 15},
		{"empty list", []any{}, 10},
		{"object", map[string]any{"a": long[:3]}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole, err := marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := short(tt.v, tt.n), truncate(string(whole), tt.n); got != want {
				t.Errorf("short(%s…, %d) = %q, want %q", truncate(string(whole), 60), tt.n, got, want)
			}
		})
	}
}
