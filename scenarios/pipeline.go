package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/receiver"
)

// The pipeline under test: with a pipeline URL (Options.Pipeline or the
// scenario's pipeline: key) the scenario's receiver relays every webhook
// it accepts to that URL (receiver.Config.ForwardTo) and records the
// pipeline's answer, so the scenario still sees and validates every event
// and an expectation's pipeline: key checks what the pipeline answered.

// pipelineKeys are the keys of an expectation's pipeline: mapping.
var pipelineKeys = []string{"status", "max_time"}

// pipelineWant is what the pipeline must answer to each matching event.
type pipelineWant struct {
	// status is the exact status wanted; 0 means class.
	status int
	// class is the wanted status class (2 for 2xx) when status is 0.
	class int
	// maxTime bounds the relay's time, 0 for no bound.
	maxTime time.Duration
}

func (p *pipelineWant) statusText() string {
	if p.status != 0 {
		return fmt.Sprint(p.status)
	}
	return fmt.Sprintf("%dxx", p.class)
}

func (p *pipelineWant) String() string {
	s := "{status: " + p.statusText()
	if p.maxTime > 0 {
		s += ", max_time: " + p.maxTime.String()
	}
	return s + "}"
}

// pipelineURL reads a scenario's pipeline: key.
func (p *parser) pipelineURL(n *yaml.Node) string {
	raw, ok := p.str(n, "pipeline")
	if !ok {
		return ""
	}
	if err := httpurl.Check(raw); err != nil {
		p.errorf(n, "pipeline: %v", err)
		return ""
	}
	return raw
}

// pipelineWant reads an expectation's pipeline: {status: 2xx | 201,
// max_time: 1s}; status defaults to 2xx.
func (p *parser) pipelineWant(n *yaml.Node) *pipelineWant {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "pipeline: want a mapping such as {status: 2xx, max_time: 1s}, got %s", kindName(n))
		return nil
	}
	w := &pipelineWant{class: 2}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "status":
			v := kv.v
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && len(v.Value) == 3 && strings.HasSuffix(strings.ToLower(v.Value), "xx") &&
				v.Value[0] >= '1' && v.Value[0] <= '5' {
				w.class = int(v.Value[0] - '0')
				continue
			}
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
				w.status, _ = p.status(v, "pipeline status", 100)
				continue
			}
			p.errorf(v, "pipeline status: want 2xx (any of a class: 1xx to 5xx) or an HTTP status such as 202, got %s", kindName(v))
		case "max_time":
			w.maxTime, _ = p.duration(kv.v, "max_time", false)
		default:
			p.unknownKey(kv.k, "pipeline", pipelineKeys)
		}
	}
	p.needPipeline(n)
	return w
}

// needPipeline notes that the scenario being parsed needs a pipeline URL.
func (p *parser) needPipeline(n *yaml.Node) {
	if p.pipelineLine == 0 && n != nil {
		p.pipelineLine = n.Line
	}
}

// pipelineProblems checks the pipeline's recorded answers to the events
// of the expectations that have a pipeline: key.
func (s *scenarioRun) pipelineProblems(exps []*liveExpectation, evs []receiver.Record) []problem {
	var probs []problem
	for _, e := range exps {
		if e.pipeline == nil {
			continue
		}
		for _, rec := range s.matching(e, evs) {
			if msg := e.pipeline.verdict(rec); msg != "" {
				probs = append(probs, problem{
					headline: fmt.Sprintf("pipeline: #%d %s: %s", rec.Seq, actionOr(rec.Action), msg),
					detail:   []string{fmt.Sprintf("    expected (%s:%d): %s", s.sc.File, e.line, e.describe())},
				})
			}
		}
	}
	return probs
}

// verdict says what is wrong with the pipeline's answer to rec, or "".
func (p *pipelineWant) verdict(rec receiver.Record) string {
	took := time.Duration(rec.ForwardMS * float64(time.Millisecond))
	switch {
	case rec.ForwardError != "":
		return "no answer: " + rec.ForwardError
	case rec.ForwardStatus == 0:
		return "not relayed to the pipeline (the receiver refused the webhook)"
	case p.status != 0 && rec.ForwardStatus != p.status,
		p.status == 0 && rec.ForwardStatus/100 != p.class:
		return fmt.Sprintf("answered %d, want %s", rec.ForwardStatus, p.statusText())
	case p.maxTime > 0 && took > p.maxTime:
		return fmt.Sprintf("answered in %s, want at most %s", roundMS(took), p.maxTime)
	}
	return ""
}

func roundMS(d time.Duration) time.Duration {
	if d >= 10*time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

// relayWait bounds how long a step waits for relays still in flight: the
// receiver's own bound on one relay, and a little more.
const relayWait = receiver.DefaultForwardTimeout + time.Second

// awaitRelays waits until the pipeline has answered (or the relay has
// failed) every event of the step that was relayed, so the pipeline
// checks see final answers. In sync delivery they are final already; an
// async server, or a mock that gave up on a slow answer, can leave a relay
// running after the step's request.
func (s *scenarioRun) awaitRelays(ctx context.Context, since int64) {
	if s.pipeline == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, relayWait)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		pending := false
		for _, rec := range s.rc.Events(receiver.Filter{Since: since}) {
			if inFlight(rec) {
				pending = true
				break
			}
		}
		if !pending {
			return
		}
		select {
		case <-ctx.Done():
			return // the checks report what is missing
		case <-tick.C:
		}
	}
}

// inFlight reports whether rec is being relayed: the receiver accepted it
// (a JSON body: object or list) and has no answer from the pipeline yet.
func inFlight(rec receiver.Record) bool {
	b := rec.Body
	return rec.ForwardStatus == 0 && rec.ForwardError == "" && len(b) > 0 && (b[0] == '{' || b[0] == '[') && !rec.Abandoned
}

// router is the one listener of external mode: each scenario that has a
// pipeline gets a receiver of its own, relaying to that pipeline, for the
// webhooks under its path prefix; everything else goes to the shared one.
type router struct {
	shared *receiver.Receiver
	mu     sync.Mutex
	byPath map[string]*receiver.Receiver
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := rt.shared
	if r.Method == http.MethodPost {
		prefix := r.URL.Path
		if i := strings.IndexByte(prefix[min(1, len(prefix)):], '/'); i >= 0 {
			prefix = prefix[:i+1]
		}
		rt.mu.Lock()
		if own, ok := rt.byPath[prefix]; ok {
			rc = own
		}
		rt.mu.Unlock()
	}
	rc.ServeHTTP(w, r)
}

// route sends the webhooks under prefix to rc until the returned func is
// called, which also closes rc.
func (rt *router) route(prefix string, rc *receiver.Receiver) (undo func()) {
	rt.mu.Lock()
	if rt.byPath == nil {
		rt.byPath = map[string]*receiver.Receiver{}
	}
	rt.byPath[prefix] = rc
	rt.mu.Unlock()
	return func() {
		rt.mu.Lock()
		delete(rt.byPath, prefix)
		rt.mu.Unlock()
		rc.Close()
	}
}

// pipelineOf is the pipeline a scenario's webhooks are relayed to: the
// run's, else the scenario's own.
func (r *runner) pipelineOf(sc *Scenario) string {
	if r.opts.Pipeline != "" {
		return r.opts.Pipeline
	}
	return sc.Pipeline
}

// needsPipeline is the failure of a scenario that needs a pipeline URL
// and has none, or "".
func needsPipeline(sc *Scenario, pipeline string) string {
	if pipeline != "" || sc.pipelineLine == 0 {
		return ""
	}
	return fmt.Sprintf("%s:%d: needs the pipeline's URL: run with --pipeline URL or give the scenario pipeline: URL", sc.File, sc.pipelineLine)
}
