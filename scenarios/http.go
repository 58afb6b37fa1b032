package scenarios

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/httpurl"
)

// The http step calls any URL (typically the pipeline's own API: "is the
// retraining job queued?"), and eventually: on any request step repeats
// the request until the answer is the one wanted.

// httpTimeout bounds one request of an http step.
const httpTimeout = 30 * time.Second

// Polling of eventually: the first pause, the longest.
const (
	pollFirst = 25 * time.Millisecond
	pollMax   = 500 * time.Millisecond
)

// resolve turns an http step's URL into an absolute one: a path (it
// starts with /) is resolved against the pipeline's URL, so /jobs with
// the pipeline http://127.0.0.1:8000/webhook is http://127.0.0.1:8000/jobs.
func (s *scenarioRun) resolve(c *call) error {
	if c.url == "" {
		return nil
	}
	if strings.HasPrefix(c.url, "/") {
		if s.pipeline == "" {
			return fmt.Errorf("url %q is a path, resolved against the pipeline's URL, and there is no pipeline: run with --pipeline URL or give the scenario pipeline: URL", c.url)
		}
		base, err := url.Parse(s.pipeline)
		if err != nil {
			return fmt.Errorf("pipeline %q: %w", s.pipeline, err)
		}
		ref, err := url.Parse(c.url)
		if err != nil {
			return fmt.Errorf("url %q: %w", c.url, err)
		}
		c.url = base.ResolveReference(ref).String()
		return nil
	}
	if err := httpurl.Check(c.url); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	return nil
}

// send makes the step's request; with eventually, again and again, until
// the status is the wanted one and the answer matches response, or the
// time is up. It returns the last answer and notes how often it asked.
func (s *scenarioRun) send(ctx context.Context, st *step, c *call) (int, any, []byte, error) {
	s.tries = 0
	if st.eventually <= 0 {
		s.tries = 1
		return s.do(ctx, c)
	}
	deadline := time.Now().Add(st.eventually)
	pause := pollFirst
	for {
		s.tries++
		// A request still running at the deadline is let finish, within
		// its own bound: its answer is the one to report.
		status, answer, raw, err := s.do(ctx, c)
		if err == nil && statusOK(c.status, status) && s.responseOK(st, answer) {
			return status, answer, raw, nil
		}
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			if err != nil {
				err = fmt.Errorf("%w%s", err, s.pollNote(st))
			}
			return status, answer, raw, err
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		pause = min(pause*2, pollMax)
	}
}

// responseOK reports whether the answer matches the step's response
// pattern (true when it has none, or when the pattern cannot be built:
// the step reports that itself).
func (s *scenarioRun) responseOK(st *step, answer any) bool {
	if st.response == nil {
		return true
	}
	p, err := s.vars.buildPattern(st.response)
	if err != nil {
		return true
	}
	return matches(p, answer)
}

// pollNote says, after a failed eventually, how long and how often the
// step asked ("" for a step without eventually).
func (s *scenarioRun) pollNote(st *step) string {
	if st.eventually <= 0 {
		return ""
	}
	return fmt.Sprintf(" (eventually %s: asked %d times, the last answer is shown)", st.eventually, s.tries)
}

// httpContext bounds one request of an http step.
func httpContext(ctx context.Context, c *call) (context.Context, context.CancelFunc) {
	if c.url == "" {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, httpTimeout)
}
