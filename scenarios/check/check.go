package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// Defaults of the zero Config.
const (
	// DefaultSlowAfter is the answer time past which a case warns (or half
	// the timeout, when that is shorter): Label Studio waits for the answer
	// inside the annotator's save request.
	DefaultSlowAfter = time.Second
	// DefaultBurst is how many deliveries the concurrent case sends at once.
	DefaultBurst = 10
	// maxTimeoutsInARow stops the run: a consumer that let this many
	// deliveries in a row time out has stopped answering, and every
	// further case would only wait out its timeout.
	maxTimeoutsInARow = 3
	// probeTimeout bounds the first connection attempt.
	probeTimeout = 5 * time.Second
)

// Config configures Run. URL is required; the rest has defaults.
type Config struct {
	// URL is the consumer's webhook URL, as it would be set in Label Studio.
	URL string
	// LabelConfig is the project's label config the payloads follow
	// (default: a text classification config).
	LabelConfig string
	// Headers are the webhook's own headers (name, value), sent with every
	// delivery as Label Studio sends them.
	Headers [][2]string
	// Actions are the actions the consumer subscribes to (default: all 12).
	Actions []schemas.Action
	// Timeout bounds one delivery, as Label Studio's WEBHOOK_TIMEOUT does
	// (default: the mock's, server.DefaultWebhookTimeout, the verified
	// release's). It bounds the whole exchange; Label Studio's bounds each
	// read, so an answer that trickles in may fare better there.
	Timeout time.Duration
	// SlowAfter is the answer time past which a case warns (default 1 s,
	// or half the timeout when that is shorter).
	SlowAfter time.Duration
	// Burst is how many deliveries the concurrent case sends (default 10).
	Burst int
	// Seed seeds the generated data: the same seed sends the same data.
	Seed int64
	// Out, if set, receives the report as it is made: the first line when
	// the payloads are ready, a row per case as it ends, then the summary.
	Out io.Writer
	// HTTPClient sends the deliveries (default: a client like the mock's,
	// following redirects as python-requests does). Timeout bounds every
	// delivery whatever the client.
	HTTPClient *http.Client
}

func (c Config) withDefaults() Config {
	if c.LabelConfig == "" {
		c.LabelConfig = fakedata.TextClassificationConfig
	}
	if len(c.Actions) == 0 {
		for _, a := range schemas.Catalog {
			c.Actions = append(c.Actions, a.Action)
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = server.DefaultWebhookTimeout
	}
	if c.SlowAfter <= 0 {
		c.SlowAfter = min(DefaultSlowAfter, c.Timeout/2)
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Transport: tr, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 30 {
				return errors.New("stopped after 30 redirects")
			}
			return nil
		}}
	}
	return c
}

// ConfigError is a Config the battery cannot run with: a bad URL, label
// config, action or header.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// UnreachableError is a consumer that cannot be reached at all: nothing
// was sent.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s is unreachable: %v", e.URL, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// Verdict is a case's outcome.
type Verdict string

// The verdicts: a warning does not fail the run.
const (
	Pass Verdict = "pass"
	Warn Verdict = "warn"
	Fail Verdict = "fail"
)

// Answer is the consumer's answer to one delivery.
type Answer struct {
	// Status is the HTTP status, 0 when there was none.
	Status int `json:"status,omitempty"`
	// MS is how long the answer took, in milliseconds.
	MS float64 `json:"ms"`
	// Error says why there is no answer.
	Error   string `json:"error,omitempty"`
	timeout bool
}

func (a Answer) took() time.Duration { return time.Duration(a.MS * float64(time.Millisecond)) }
func (a Answer) ok() bool            { return a.Error == "" && a.Status >= 200 && a.Status <= 299 }

// Result is the outcome of one case.
type Result struct {
	Name    string         `json:"name"`
	Action  schemas.Action `json:"action,omitempty"`
	Verdict Verdict        `json:"verdict"`
	// Reason says why, in one line.
	Reason string `json:"reason"`
	// Advice says what to change, for a warning or a failure.
	Advice string `json:"advice,omitempty"`
	// Note is said of the case whatever the verdict.
	Note string `json:"note,omitempty"`
	// Bytes is the size of the case's largest body.
	Bytes   int      `json:"bytes"`
	Answers []Answer `json:"answers"`
}

// Report is the outcome of a run.
type Report struct {
	URL                    string        `json:"url"`
	Results                []Result      `json:"cases"`
	Passed, Warned, Failed int           `json:"-"`
	Duration               time.Duration `json:"-"`
	cfg                    Config
}

// Run sends the battery to the consumer at cfg.URL and judges every
// answer. The error is for a run that could not start: a *ConfigError, or
// an *UnreachableError when nothing answers at the URL (then nothing was
// sent). A consumer that fails cases is in the Report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	cfg = cfg.withDefaults()
	u, err := httpurl.Parse(cfg.URL)
	if err != nil {
		return nil, &ConfigError{err}
	}
	for _, a := range cfg.Actions {
		if _, ok := schemas.Lookup(string(a)); !ok {
			return nil, &ConfigError{fmt.Errorf("unknown action %q", a)}
		}
	}
	if err := probe(ctx, u); err != nil {
		return nil, &UnreachableError{URL: cfg.URL, Err: err}
	}
	b, err := newBuilder(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.srv.Close(context.WithoutCancel(ctx)) }() // nothing is queued: sync delivery

	defs := cases(cfg)
	built := make([][]delivery, len(defs))
	payloadOn := true
	for i, c := range defs {
		if c.noPayload == payloadOn {
			payloadOn = !c.noPayload
			if err := b.sendPayload(payloadOn); err != nil {
				return nil, err
			}
		}
		if built[i], err = c.build(b); err != nil {
			return nil, fmt.Errorf("build %q: %w", c.name, err)
		}
	}

	rep := &Report{URL: cfg.URL, Results: make([]Result, 0, len(defs)), cfg: cfg}
	rep.writeHead(len(defs))
	s := &sender{cfg: cfg}
	for i, c := range defs {
		var res Result
		if s.timeoutsInARow >= maxTimeoutsInARow || ctx.Err() != nil {
			res = notSent(c, ctx.Err())
		} else {
			res = judge(cfg, c, s.sendCase(ctx, c.mode, built[i]))
		}
		for _, d := range built[i] {
			res.Bytes = max(res.Bytes, len(d.Body))
		}
		rep.add(res)
	}
	rep.Duration = time.Since(start)
	rep.writeSummary()
	return rep, nil
}

// probe opens (and closes) one connection to the consumer's host: an
// address nothing listens on fails the run at once, before payloads are
// built.
func probe(ctx context.Context, u *url.URL) error {
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return conn.Close()
}

// sender sends deliveries to the consumer and times the answers.
type sender struct {
	cfg            Config
	timeoutsInARow int
}

// sendCase sends a case's deliveries: one by one, or all at once.
func (s *sender) sendCase(ctx context.Context, m mode, ds []delivery) []Answer {
	out := make([]Answer, len(ds))
	if m == together {
		var wg sync.WaitGroup
		for i, d := range ds {
			wg.Go(func() { out[i] = s.send(ctx, d) })
		}
		wg.Wait()
	} else {
		for i, d := range ds {
			out[i] = s.send(ctx, d)
		}
	}
	for _, a := range out {
		if a.timeout {
			s.timeoutsInARow++
		} else {
			s.timeoutsInARow = 0
		}
	}
	return out
}

// send posts one delivery as the mock made it: its headers, its Host and
// its body bytes.
func (s *sender) send(ctx context.Context, d delivery) Answer {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Answer{Error: err.Error()}
	}
	req.Header = d.Header.Clone()
	if d.Host != "" {
		req.Host = d.Host
	}
	began := time.Now()
	resp, err := s.cfg.HTTPClient.Do(req)
	if err == nil {
		// Read (a little of) the answer, as python-requests does, so its
		// time counts and the connection can be reused.
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	a := Answer{MS: float64(time.Since(began).Microseconds()) / 1000}
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		a.Error, a.timeout = fmt.Sprintf("no answer within %s", s.cfg.Timeout), true
	case err != nil:
		a.Error = err.Error()
	default:
		a.Status = resp.StatusCode
	}
	return a
}

// notSent is a case the run did not send.
func notSent(c caseDef, ctxErr error) Result {
	why := fmt.Sprintf("not sent: the consumer stopped answering (%d deliveries in a row timed out)", maxTimeoutsInARow)
	if ctxErr != nil {
		why = "not sent: " + ctxErr.Error()
	}
	return Result{Name: c.name, Action: c.action, Verdict: Fail, Reason: why, Advice: adviceTimeout}
}

// Advice for answers that come too late or not at all.
const (
	adviceTimeout = "answer within Label Studio's webhook timeout: put the work on a queue and answer 200 at once"
	adviceSlow    = "Label Studio holds the annotator's save request until you answer: answer first, then do the work (a queue, a background task)"
	adviceDown    = "keep the endpoint accepting connections: Label Studio makes one attempt and the event is lost"
)
