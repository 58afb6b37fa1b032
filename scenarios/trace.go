package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/receiver"
)

// StepTrace is what one step did, recorded with Options.Trace: the
// request, the answer and the webhooks that arrived meanwhile.
type StepTrace struct {
	// Step numbers the steps from 1; Kind is the step's key
	// (import_tasks, request, receiver, …); Line is where it is.
	Step int    `json:"step"`
	Kind string `json:"kind"`
	Line int    `json:"line"`
	// Method and Target (path and query) of the request; empty for a
	// receiver step.
	Method string `json:"method,omitempty"`
	Target string `json:"target,omitempty"`
	// Body is the JSON sent, if any.
	Body json.RawMessage `json:"body,omitempty"`
	// Status and Answer are the server's answer; Answer is nil when the
	// body was empty and a JSON string of the text when it is not JSON.
	Status int             `json:"status,omitempty"`
	Answer json.RawMessage `json:"answer,omitempty"`
	// Events are the webhooks the step caused, in arrival order.
	Events []TraceEvent `json:"events,omitempty"`
	// Err says why the step could not run (its request could not be
	// built or sent); the scenario ends there.
	Err string `json:"error,omitempty"`
}

// TraceEvent is one webhook delivery of a step.
type TraceEvent struct {
	// Webhook is the path under the scenario's ${receiver.url} ("/" for
	// the URL itself, "/org" for ${receiver.url}/org).
	Webhook string          `json:"webhook"`
	Method  string          `json:"method"`
	Action  string          `json:"action"`
	Headers http.Header     `json:"headers"`
	Body    json.RawMessage `json:"body"`
}

// traceSteps runs the steps recording each one, checking nothing.
func (s *scenarioRun) traceSteps(ctx context.Context) *failure {
	for i, st := range s.sc.steps {
		if err := ctx.Err(); err != nil {
			return s.failf(st, i, "not run: %v", err)
		}
		t, f := s.traceStep(ctx, i, st)
		s.trace = append(s.trace, t)
		if f != nil {
			return f
		}
	}
	return nil
}

func (s *scenarioRun) traceStep(ctx context.Context, i int, st *step) (StepTrace, *failure) {
	t := StepTrace{Step: i + 1, Kind: st.kind, Line: st.line}
	since := s.cursor
	if st.kind == "receiver" {
		if err := s.rc.SetResponses(st.plan...); err != nil {
			t.Err = err.Error()
			return t, s.failf(st, i, "set the receiver's answers: %v", err)
		}
		return t, nil
	}
	c, err := s.call(ctx, st, i)
	if err != nil {
		t.Err = err.Error()
		return t, s.failf(st, i, "%v", err)
	}
	t.Method, t.Target = c.method, c.target()
	if c.hasBody || c.files != nil {
		if b, err := marshal(c.body); err == nil {
			t.Body = b
		}
	}
	status, answer, raw, err := s.do(ctx, c)
	if err != nil {
		t.Err = err.Error()
		return t, s.failf(st, i, "%v", err)
	}
	t.Status = status
	switch {
	case answer != nil:
		t.Answer = compactJSON(raw)
	case len(raw) > 0:
		t.Answer, _ = json.Marshal(truncate(string(raw), 2000))
	}
	s.track(c, status, answer)
	for _, sv := range st.save {
		if status < 200 || status > 299 || answer == nil {
			continue // nothing to save: later steps that need it end the scenario
		}
		if v, err := lookup(answer, sv.path); err == nil {
			s.vars[sv.name] = v
		}
	}
	if st.def.after != nil && status >= 200 && status <= 299 {
		if err := st.def.after(ctx, s, c.args, answer); err != nil {
			t.Err = err.Error()
			return t, s.failf(st, i, "%v", err)
		}
	}
	evs, err := s.settle(ctx, since)
	if err != nil {
		t.Err = err.Error()
		return t, s.failf(st, i, "%v", err)
	}
	for _, rec := range evs {
		t.Events = append(t.Events, TraceEvent{Webhook: s.rel(rec.Path), Method: rec.Method, Action: string(rec.Action), Headers: rec.Headers, Body: rec.Body})
	}
	s.logf("%s:%d: %s: %s %s -> %d%s", s.sc.File, st.line, st.title(i), c.method, c.target(), status, s.eventsText(evs))
	return t, nil
}

// settle waits until an in-process mock has delivered, or else (an
// external server, which may still be sending) for the settle window, and
// returns the step's events.
func (s *scenarioRun) settle(ctx context.Context, since int64) ([]receiver.Record, error) {
	if s.flush != nil {
		if err := s.flush(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.waitSettle(ctx); err != nil {
		return nil, fmt.Errorf("wait for the step's events: %w", err)
	}
	evs, _ := s.snapshot(since)
	return evs, nil
}

// waitSettle waits out the settle window against an external server,
// which may still be sending (async delivery). In-process there is
// nothing to wait for: the flush has delivered everything.
func (s *scenarioRun) waitSettle(ctx context.Context) error {
	d := s.r.opts.Settle
	if d <= 0 || s.flush != nil {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// compactJSON compacts valid JSON (and returns it as is otherwise).
func compactJSON(raw []byte) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}
