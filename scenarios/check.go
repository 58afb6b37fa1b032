package scenarios

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

// liveExpectation is an expectation with its variables expanded.
type liveExpectation struct {
	*expectation
	path    string // the receiver path relative to ${receiver.url}; "" is any
	match   pattern
	headers pattern
}

func (s *scenarioRun) expectations(st *step) ([]*liveExpectation, error) {
	out := make([]*liveExpectation, 0, len(st.expect))
	for _, e := range st.expect {
		le := &liveExpectation{expectation: e}
		if e.webhook != nil {
			v, err := s.vars.eval(e.webhook)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: webhook: %v", s.sc.File, e.line, err)
			}
			le.path = s.webhookPath(str(v))
		}
		if e.match != nil {
			p, err := s.vars.buildPattern(e.match)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: match: %v", s.sc.File, e.line, err)
			}
			le.match = p
		}
		if e.headers != nil {
			p, err := s.vars.buildPattern(e.headers)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: headers: %v", s.sc.File, e.line, err)
			}
			le.headers = canonicalKeys(p)
		}
		out = append(out, le)
	}
	return out, nil
}

// webhookPath reads an expectation's webhook: a path relative to
// ${receiver.url} ("/org"), or a whole URL under it.
func (s *scenarioRun) webhookPath(w string) string {
	if strings.Contains(w, "://") {
		if u, err := url.Parse(w); err == nil {
			return s.rel(u.Path)
		}
	}
	if !strings.HasPrefix(w, "/") {
		w = "/" + w
	}
	return w
}

// body decodes a record's body (nil when it is not JSON).
func body(rec receiver.Record) any {
	var v any
	if json.Unmarshal(rec.Body, &v) != nil {
		return nil
	}
	return v
}

// body is a record's decoded body, decoded once per record: a step's
// checks match every body against every expectation, and a 5000-task
// chunk takes milliseconds to decode.
func (s *scenarioRun) body(rec receiver.Record) any {
	if v, ok := s.bodies[rec.Seq]; ok {
		return v
	}
	v := body(rec)
	if s.bodies == nil {
		s.bodies = map[int64]any{}
	}
	s.bodies[rec.Seq] = v
	return v
}

// candidates are the events of the expectation's action at its webhook.
func (s *scenarioRun) candidates(e *liveExpectation, evs []receiver.Record) []receiver.Record {
	var out []receiver.Record
	for _, rec := range evs {
		if rec.Action == e.action && (e.path == "" || s.rel(rec.Path) == e.path) {
			out = append(out, rec)
		}
	}
	return out
}

// matching are the candidates whose body and headers match.
func (s *scenarioRun) matching(e *liveExpectation, evs []receiver.Record) []receiver.Record {
	var out []receiver.Record
	for _, rec := range s.candidates(e, evs) {
		if e.match != nil && !matches(e.match, s.body(rec)) {
			continue
		}
		if e.headers != nil && !matches(e.headers, headerValues(rec.Headers)) {
			continue
		}
		out = append(out, rec)
	}
	return out
}

// unexpected are the events no expectation matches.
func (s *scenarioRun) unexpected(exps []*liveExpectation, evs []receiver.Record) []receiver.Record {
	claimed := map[int64]bool{}
	for _, e := range exps {
		for _, rec := range s.matching(e, evs) {
			claimed[rec.Seq] = true
		}
	}
	var out []receiver.Record
	for _, rec := range evs {
		if !claimed[rec.Seq] {
			out = append(out, rec)
		}
	}
	return out
}

// unexplained are the unexpected events that are not near misses of a
// failed expectation (those are shown with its diff already).
func (s *scenarioRun) unexplained(exps []*liveExpectation, evs []receiver.Record) []receiver.Record {
	near := map[int64]bool{}
	for _, e := range exps {
		if n := len(s.matching(e, evs)); n >= e.min && (e.max < 0 || n <= e.max) {
			continue
		}
		for _, rec := range s.candidates(e, evs) {
			near[rec.Seq] = true
		}
	}
	var out []receiver.Record
	for _, rec := range s.unexpected(exps, evs) {
		if !near[rec.Seq] {
			out = append(out, rec)
		}
	}
	return out
}

// problem is one failed check of a step.
type problem struct {
	headline string
	detail   []string
}

// check applies a step's checks to the events that arrived during it:
// every body valid, every expectation's count, the order, and no other
// events.
func (s *scenarioRun) check(st *step, i int, exps []*liveExpectation, evs []receiver.Record) *failure {
	var probs []problem
	for _, rec := range evs {
		if rec.Valid {
			continue
		}
		p := problem{headline: fmt.Sprintf("webhook #%d (%s at %s) breaks the event contract", rec.Seq, actionOr(rec.Action), s.rel(rec.Path))}
		for j, e := range rec.Errors {
			if j == 10 {
				p.detail = append(p.detail, fmt.Sprintf("    … and %d more", len(rec.Errors)-10))
				break
			}
			p.detail = append(p.detail, "    "+e.String())
		}
		probs = append(probs, p)
	}
	if st.checked {
		probs = append(probs, s.checkCounts(exps, evs)...)
		probs = append(probs, s.pipelineProblems(exps, evs)...)
		if st.ordered {
			probs = append(probs, s.checkOrder(exps, evs)...)
		}
		if !st.others {
			if extra := s.unexplained(exps, evs); len(extra) > 0 {
				p := problem{headline: fmt.Sprintf("%d unexpected event(s): %s", len(extra), actionList(extra))}
				p.detail = append(p.detail, "    (every event a step causes must be listed in its expect; others: allow turns this off)")
				probs = append(probs, p)
			}
		}
	}
	if len(probs) == 0 {
		return nil
	}
	f := s.failf(st, i, "%s", probs[0].headline)
	for j, p := range probs {
		if j > 0 {
			f.detail = append(f.detail, "    and: "+p.headline)
		}
		f.detail = append(f.detail, p.detail...)
	}
	f.detail = append(f.detail, s.eventList("events during the step", evs)...)
	return f
}

func (s *scenarioRun) checkCounts(exps []*liveExpectation, evs []receiver.Record) []problem {
	var probs []problem
	for _, e := range exps {
		got := s.matching(e, evs)
		n := len(got)
		if n >= e.min && (e.max < 0 || n <= e.max) {
			continue
		}
		p := problem{headline: fmt.Sprintf("want %s, got %d", countText(e), n)}
		p.detail = append(p.detail, fmt.Sprintf("    expected (%s:%d): %s", s.sc.File, e.line, e.describe()))
		if n < e.min {
			if near, d := s.closest(e, evs, got); d != "" {
				p.detail = append(p.detail, fmt.Sprintf("    closest %s: #%d at %s (-want +got):", e.action, near.Seq, s.rel(near.Path)))
				p.detail = append(p.detail, indent(d, "      ")...)
			}
		}
		probs = append(probs, p)
	}
	return probs
}

// countText says how many of what an expectation wants, for a headline.
func countText(e *liveExpectation) string {
	what := string(e.action)
	if e.path != "" {
		what += " at " + e.path
	}
	if e.match != nil || e.headers != nil {
		what += " matching"
	}
	switch {
	case e.min == e.max:
		return fmt.Sprintf("%d %s", e.min, what)
	case e.max < 0:
		return fmt.Sprintf("at least %d %s", e.min, what)
	case e.min == 0:
		return fmt.Sprintf("at most %d %s", e.max, what)
	}
	return fmt.Sprintf("%d to %d %s", e.min, e.max, what)
}

// closest finds the candidate that did not match with the shortest diff
// and returns it with that diff.
func (s *scenarioRun) closest(e *liveExpectation, evs, matched []receiver.Record) (receiver.Record, string) {
	in := map[int64]bool{}
	for _, rec := range matched {
		in[rec.Seq] = true
	}
	var best receiver.Record
	bestDiff := ""
	for j, rec := range s.candidates(e, evs) {
		if in[rec.Seq] || j > 50 {
			continue
		}
		var d string
		if e.match != nil {
			if w, g, ok := compare(e.match, s.body(rec)); !ok {
				d = "body: " + diff(w, g)
			}
		}
		if e.headers != nil {
			if w, g, ok := compare(e.headers, headerValues(rec.Headers)); !ok {
				d += "headers: " + diff(w, g)
			}
		}
		if d != "" && (bestDiff == "" || len(d) < len(bestDiff)) {
			best, bestDiff = rec, d
		}
	}
	return best, bestDiff
}

// checkOrder checks that every event of an expectation arrives before
// any event of a later one (events both match are left out).
func (s *scenarioRun) checkOrder(exps []*liveExpectation, evs []receiver.Record) []problem {
	sets := make([]map[int64]bool, len(exps))
	for i, e := range exps {
		sets[i] = map[int64]bool{}
		for _, rec := range s.matching(e, evs) {
			sets[i][rec.Seq] = true
		}
	}
	for i := range exps {
		for j := i + 1; j < len(exps); j++ {
			for a := range sets[i] {
				for b := range sets[j] {
					if a > b && !sets[j][a] && !sets[i][b] {
						return []problem{{
							headline: fmt.Sprintf("out of order: #%d (%s, line %d) arrived after #%d (%s, line %d)", a, exps[i].action, exps[i].line, b, exps[j].action, exps[j].line),
							detail:   []string{"    (ordered: true wants the expected events in the order they are listed)"},
						}}
					}
				}
			}
		}
	}
	return nil
}

func actionOr(a schemas.Action) string {
	if a == "" {
		return "(no action)"
	}
	return string(a)
}

func actionList(evs []receiver.Record) string {
	var parts []string
	for _, rec := range evs {
		parts = append(parts, actionOr(rec.Action))
	}
	return strings.Join(parts, ", ")
}

// eventList lists events, one line each, under a title.
func (s *scenarioRun) eventList(title string, evs []receiver.Record) []string {
	if len(evs) == 0 {
		return []string{"    no events arrived during the step"}
	}
	out := []string{fmt.Sprintf("    %s (%d):", title, len(evs))}
	for _, rec := range evs {
		out = append(out, "      "+s.summary(rec))
	}
	return out
}

// eventsText is the short form of a step's events for the -v log.
func (s *scenarioRun) eventsText(evs []receiver.Record) string {
	if len(evs) == 0 {
		return ", no events"
	}
	var parts []string
	for _, rec := range evs {
		p := fmt.Sprintf("%s at %s", actionOr(rec.Action), s.rel(rec.Path))
		switch {
		case rec.ForwardError != "":
			p += " (pipeline: no answer)"
		case rec.ForwardStatus != 0:
			p += fmt.Sprintf(" (pipeline: %d)", rec.ForwardStatus)
		}
		parts = append(parts, p)
	}
	return ", events: " + strings.Join(parts, ", ")
}

// summary is one event in a line: seq, action, path and what the body
// holds, by id.
func (s *scenarioRun) summary(rec receiver.Record) string {
	head := fmt.Sprintf("#%d %s at %s", rec.Seq, actionOr(rec.Action), s.rel(rec.Path))
	if rec.ResponseStatus != 0 && rec.ResponseStatus != 200 {
		head += fmt.Sprintf(" (answered %d)", rec.ResponseStatus)
	}
	switch {
	case rec.ForwardError != "":
		head += " (pipeline: no answer)"
	case rec.ForwardStatus != 0:
		head += fmt.Sprintf(" (pipeline: %d in %s)", rec.ForwardStatus, roundMS(time.Duration(rec.ForwardMS*float64(time.Millisecond))))
	}
	b := body(rec)
	obj, ok := b.(map[string]any)
	switch {
	case !ok:
		head += ": body " + short(b, 80)
	case len(obj) == 1 && obj["action"] != nil:
		head += ": action only"
	default:
		info, _ := schemas.Lookup(string(rec.Action))
		var keys []string
		for _, k := range []string{info.Key, "project", info.Nested} {
			if _, has := obj[k]; has && k != "" && !contains(keys, k) {
				keys = append(keys, k)
			}
		}
		var rest []string
		for k := range obj {
			if k != "action" && !contains(keys, k) {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		var parts []string
		for _, k := range append(keys, rest...) {
			parts = append(parts, k+" "+idSummary(obj[k]))
		}
		head += ": " + strings.Join(parts, ", ")
	}
	if !rec.Valid && len(rec.Errors) > 0 {
		head += " INVALID: " + rec.Errors[0].String()
	}
	return head
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// idSummary shows an object as its id and a list as its ids.
func idSummary(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := x["id"]; ok {
			return "id " + str(id)
		}
	case []any:
		var ids []string
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok || m["id"] == nil {
				return short(v, 60)
			}
			if len(ids) == 8 {
				ids = append(ids, "…")
				break
			}
			ids = append(ids, str(m["id"]))
		}
		return fmt.Sprintf("[%d: ids %s]", len(x), strings.Join(ids, ", "))
	}
	return short(v, 60)
}
