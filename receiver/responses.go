package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxPlanBytes bounds the body of PUT /responses.
const maxPlanBytes = 1 << 20

// Step is one step of a response plan: the next Times accepted webhooks
// are answered Status after Delay. In JSON:
//
//	{"status": 500, "delay": "2s", "times": 3}
//
// A missing status means 200 and a missing times means 1. When every step
// is used up the receiver answers 200 again.
type Step struct {
	Status int
	Delay  time.Duration
	Times  int
}

type stepJSON struct {
	Status int             `json:"status,omitempty"`
	Delay  json.RawMessage `json:"delay,omitempty"`
	Times  int             `json:"times,omitempty"`
}

// MarshalJSON writes the delay as a duration string such as "2s".
func (s Step) MarshalJSON() ([]byte, error) {
	j := stepJSON{Status: s.Status, Times: s.Times}
	if s.Delay != 0 {
		j.Delay = json.RawMessage(strconv.Quote(s.Delay.String()))
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a step, refusing unknown fields and delays that are
// not duration strings. It does not apply defaults; see SetResponses.
func (s *Step) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j stepJSON
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*s = Step{Status: j.Status, Times: j.Times}
	if len(j.Delay) > 0 && string(j.Delay) != "null" {
		var d string
		if err := json.Unmarshal(j.Delay, &d); err != nil {
			return fmt.Errorf("delay: want a duration string like \"2s\", got %s", j.Delay)
		}
		dur, err := time.ParseDuration(d)
		if err != nil {
			return fmt.Errorf("delay: want a duration string like \"2s\", got %q", d)
		}
		s.Delay = dur
	}
	return nil
}

// withDefaults checks a step and fills in status 200 and times 1.
func (s Step) withDefaults() (Step, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	if s.Status < 200 || s.Status > 599 {
		return s, fmt.Errorf("status: want 200 to 599, got %d", s.Status)
	}
	if s.Delay < 0 {
		return s, fmt.Errorf("delay: want 0 or more, got %s", s.Delay)
	}
	if s.Times == 0 {
		s.Times = 1
	}
	if s.Times < 0 {
		return s, fmt.Errorf("times: want 1 or more, got %d", s.Times)
	}
	return s, nil
}

// SetResponses replaces the response plan with steps (none means 200 for
// every webhook). Only accepted webhooks use steps: bodies answered 400 or
// 413 by the receiver's own rules leave the plan as it is.
func (rc *Receiver) SetResponses(steps ...Step) error {
	plan := make([]Step, 0, len(steps))
	for i, s := range steps {
		s, err := s.withDefaults()
		if err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		plan = append(plan, s)
	}
	rc.mu.Lock()
	rc.plan = plan
	rc.mu.Unlock()
	rc.log.Info("response plan set", "steps", len(plan))
	return nil
}

// Responses returns what is left of the plan; Times counts down as
// webhooks use a step.
func (rc *Receiver) Responses() []Step {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Step{}, rc.plan...)
}

// nextStepLocked uses up one answer of the plan.
func (rc *Receiver) nextStepLocked() Step {
	if len(rc.plan) == 0 {
		return Step{Status: http.StatusOK}
	}
	s := rc.plan[0]
	rc.plan[0].Times--
	if rc.plan[0].Times == 0 {
		rc.plan = rc.plan[1:]
	}
	return s
}

// handleResponsesGet serves GET /responses.
func (rc *Receiver) handleResponsesGet(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, rc.Responses())
}

// handleResponsesPut serves PUT /responses: one step object or a list.
func (rc *Receiver) handleResponsesPut(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("read plan: %v", err))
		return
	}
	steps, err := parsePlan(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := rc.SetResponses(steps...); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("plan: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, rc.Responses())
}

// handleResponsesDelete serves DELETE /responses.
func (rc *Receiver) handleResponsesDelete(w http.ResponseWriter, _ *http.Request) {
	_ = rc.SetResponses() // an empty plan is always valid
	writeJSON(w, http.StatusOK, rc.Responses())
}

// parsePlan reads a step object or a list of them.
func parsePlan(data []byte) ([]Step, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New(`plan: empty body; want a step like {"status": 500, "times": 3} or a list of steps`)
	}
	switch data[0] {
	case '{':
		var s Step
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		return []Step{s}, nil
	case '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		steps := make([]Step, len(raw))
		for i, m := range raw {
			if err := json.Unmarshal(m, &steps[i]); err != nil {
				return nil, fmt.Errorf("plan: step %d: %w", i+1, err)
			}
		}
		return steps, nil
	}
	return nil, errors.New(`plan: want a step like {"status": 500, "times": 3} or a list of steps`)
}
