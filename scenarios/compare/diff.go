package compare

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/labelhook/labelhook/internal/jsontext"
	"github.com/labelhook/labelhook/schemas"
)

// What a difference is.
const (
	OnlyReal   = "only in real"   // a key, header or event the external side has and the mock lacks
	OnlyMock   = "only in mock"   // the other way round
	TypeDiff   = "type differs"   // JSON types differ (neither is null)
	NullDiff   = "null differs"   // one side is null, the other not
	ValueDiff  = "value differs"  // same type, different non-volatile value
	NumberForm = "number form"    // same number written as integer on one side and as float on the other
	Length     = "length differs" // arrays of different length
	StepDiff   = "step differs"   // the step ran on one side only, or failed to run
	StatusDiff = "status differs" // HTTP status
)

// Difference is one way the two sides differ.
type Difference struct {
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	Step     int    `json:"step"`
	// Request is the step's normalised request ("POST /api/projects/<project 1>/import?…").
	Request string `json:"request"`
	// Where is "response", "events" or "event ACTION at WEBHOOK #N".
	Where string `json:"where"`
	// Path is a JSON path into the answer or event body ("$.tasks[0].allow_skip"),
	// "header NAME" for a delivery header, or the event for missing/extra events.
	Path string `json:"path"`
	What string `json:"what"`
	// Real and Mock show the two values, as JSON.
	Real string `json:"real,omitempty"`
	Mock string `json:"mock,omitempty"`
}

// String is one line: where, path, what, and the two values.
func (d Difference) String() string {
	s := fmt.Sprintf("%s %s: %s", d.Where, d.Path, d.What)
	if d.Path == "" {
		s = fmt.Sprintf("%s: %s", d.Where, d.What)
	}
	if d.Real != "" || d.Mock != "" {
		s += fmt.Sprintf(" (real %s, mock %s)", orNone(d.Real), orNone(d.Mock))
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var indexRe = regexp.MustCompile(`\[\d+\]`)
var placeholderRe = regexp.MustCompile(`<([a-z_]+) \d+>`)

// Key identifies a difference independently of the scenario, the step,
// the action and the array index it was seen at: a payload object is
// one view whatever event carries it (the project of TASKS_CREATED and
// of ANNOTATION_CREATED come from one serializer), so one entry of a
// list of known differences covers a field everywhere:
// "event task.allow_skip: only in real", "event header Connection: only
// in real", "response POST /api/projects $.state: only in real",
// "events POST /api/projects PROJECT_CREATED at /org: only in mock".
func (d Difference) Key() string {
	path := indexRe.ReplaceAllString(d.Path, "[]")
	switch {
	case strings.HasPrefix(d.Where, "event "):
		for _, v := range payloadViews {
			if path == v.prefix || strings.HasPrefix(path, v.prefix+".") {
				path = v.view + strings.TrimPrefix(path, v.prefix)
				break
			}
		}
		return fmt.Sprintf("event %s: %s", path, d.What)
	default:
		req := d.Request
		if i := strings.IndexByte(req, '?'); i >= 0 {
			req = req[:i]
		}
		req = strings.TrimSuffix(placeholderRe.ReplaceAllString(req, "{$1}"), "/")
		if path == "" {
			return fmt.Sprintf("%s %s: %s", d.Where, req, d.What)
		}
		return fmt.Sprintf("%s %s %s: %s", d.Where, req, path, d.What)
	}
}

// payloadViews name the payload objects by the JSON path they sit at.
var payloadViews = []struct{ prefix, view string }{
	{"$.project", "project"},
	{"$.tasks[]", "task"}, {"$.task[]", "task"}, {"$.task", "task"},
	{"$.annotation[]", "annotation"}, {"$.annotation", "annotation"},
	{"$.annotations[]", "deleted annotation"},
}

// Diff lists the differences between the real (external) and the mock
// side of one scenario, in step order.
func Diff(real, mock Scenario) []Difference {
	var out []Difference
	n := max(len(real.Steps), len(mock.Steps))
	for i := 0; i < n; i++ {
		var r, m *Step
		if i < len(real.Steps) {
			r = &real.Steps[i]
		}
		if i < len(mock.Steps) {
			m = &mock.Steps[i]
		}
		out = append(out, diffStep(real.Name, real.File, i+1, r, m)...)
	}
	return out
}

func diffStep(name, file string, num int, r, m *Step) []Difference {
	base := Difference{Scenario: name, File: file, Step: num}
	switch {
	case r == nil || m == nil || r.Error != "" || m.Error != "":
		d := base
		d.Where, d.Path, d.What = "step", "", StepDiff
		if r != nil {
			d.Request = r.Request
			d.Real = stepState(r)
		}
		if m != nil {
			d.Request = m.Request
			d.Mock = stepState(m)
		}
		if d.Real == d.Mock {
			return nil
		}
		return []Difference{d}
	}
	base.Request = r.Request
	var out []Difference
	add := func(where, path, what string, rv, mv any, hasR, hasM bool) {
		d := base
		d.Where, d.Path, d.What = where, path, what
		if hasR {
			d.Real = show(rv)
		}
		if hasM {
			d.Mock = show(mv)
		}
		out = append(out, d)
	}
	if r.Status != m.Status {
		add("response", "status", StatusDiff, r.Status, m.Status, true, true)
	}
	walk("$", r.Answer, m.Answer, func(path, what string, rv, mv any, hasR, hasM bool) {
		add("response", path, what, rv, mv, hasR, hasM)
	})

	// Events: grouped by webhook and action; the k-th of a group on one
	// side is compared with the k-th on the other.
	type group struct{ real, mock []Event }
	groups := map[string]*group{}
	var order []string
	for _, side := range []struct {
		evs  []Event
		real bool
	}{{r.Events, true}, {m.Events, false}} {
		for _, e := range side.evs {
			k := e.Action + " at " + e.Webhook
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
				order = append(order, k)
			}
			if side.real {
				g.real = append(g.real, e)
			} else {
				g.mock = append(g.mock, e)
			}
		}
	}
	sort.Strings(order)
	for _, k := range order {
		g := groups[k]
		switch {
		case len(g.real) > len(g.mock):
			add("events", k, OnlyReal, len(g.real), len(g.mock), true, true)
		case len(g.mock) > len(g.real):
			add("events", k, OnlyMock, len(g.real), len(g.mock), true, true)
		}
		for i := 0; i < min(len(g.real), len(g.mock)); i++ {
			where := fmt.Sprintf("event %s #%d", k, i+1)
			re, me := g.real[i], g.mock[i]
			if re.Method != me.Method {
				add(where, "method", ValueDiff, re.Method, me.Method, true, true)
			}
			diffHeaders(re.Headers, me.Headers, func(name, what string, rv, mv string, hasR, hasM bool) {
				add(where, "header "+name, what, rv, mv, hasR, hasM)
			})
			walk("$", re.Body, me.Body, func(path, what string, rv, mv any, hasR, hasM bool) {
				add(where, path, what, rv, mv, hasR, hasM)
			})
		}
	}
	return out
}

func stepState(s *Step) string {
	if s.Error != "" {
		return show("not run: " + s.Error)
	}
	return show("ran")
}

func diffHeaders(r, m map[string]string, report func(name, what, rv, mv string, hasR, hasM bool)) {
	for _, k := range unionKeys(r, m) {
		rv, okR := r[k]
		mv, okM := m[k]
		switch {
		case !okM:
			report(k, OnlyReal, rv, "", true, false)
		case !okR:
			report(k, OnlyMock, "", mv, false, true)
		case rv != mv:
			report(k, ValueDiff, rv, mv, true, true)
		}
	}
}

// walk compares two normalised JSON values and reports each difference.
func walk(path string, r, m any, report func(path, what string, rv, mv any, hasR, hasM bool)) {
	tr, tm := jsonType(r), jsonType(m)
	switch {
	case tr == "null" && tm == "null":
		return
	case tr == "null" || tm == "null":
		report(path, NullDiff, r, m, true, true)
		return
	case tr != tm:
		report(path, TypeDiff, r, m, true, true)
		return
	}
	switch x := r.(type) {
	case map[string]any:
		y := m.(map[string]any)
		for _, k := range unionKeys(x, y) {
			p := path + "." + k
			rv, okR := x[k]
			mv, okM := y[k]
			switch {
			case !okM:
				report(p, OnlyReal, rv, nil, true, false)
			case !okR:
				report(p, OnlyMock, nil, mv, false, true)
			default:
				walk(p, rv, mv, report)
			}
		}
	case []any:
		y := m.([]any)
		if len(x) != len(y) {
			report(path, Length, len(x), len(y), true, true)
		}
		for i := 0; i < min(len(x), len(y)); i++ {
			walk(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], report)
		}
	case json.Number:
		y := m.(json.Number)
		if x == y {
			return
		}
		fx, errX := x.Float64()
		fy, errY := y.Float64()
		if errX == nil && errY == nil && fx == fy {
			if isInt(x) != isInt(y) {
				report(path, NumberForm, r, m, true, true)
			}
			return
		}
		report(path, ValueDiff, r, m, true, true)
	default:
		if r != m {
			report(path, ValueDiff, r, m, true, true)
		}
	}
}

// unionKeys returns the keys of a and b, each once, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.AppendSeq(slices.Collect(maps.Keys(a)), maps.Keys(b))
	slices.Sort(keys)
	return slices.Compact(keys)
}

func isInt(n json.Number) bool { return !strings.ContainsAny(n.String(), ".eE") }

// jsonType names v's JSON type as schemas.TypeName does, but with one
// type for all numbers: 1 against 1.0 is a NumberForm difference.
func jsonType(v any) string {
	if t := schemas.TypeName(v); t != "integer" {
		return t
	}
	return "number"
}

// show renders a value for a report line, cut to a readable length.
func show(v any) string {
	b, err := jsontext.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
