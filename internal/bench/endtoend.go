package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// EndToEnd measures end-to-end throughput: conc clients POST annotations
// to the mock (sync delivery, as Label Studio without Redis); each
// webhook goes, through the mock's python-requests client (internal/pyhttp)
// with its json.dumps body (internal/pyjson), to a labelhook receiver
// that validates and records it. An event counts once its POST answered,
// which in sync mode is after the receiver answered.
//
// Baseline: the same chain with zero work, built in the same run — the
// same client POSTs the same bodies to a bare handler that reads them,
// POSTs a body of the webhook's size with a net/http client to a bare
// handler that decodes the JSON, and answers with as many bytes as the
// mock answers. Both cross two HTTP hops per event; the one-hop figure
// (the same POSTs to a handler that only reads them) is in the note for
// context. Every concurrency of the plan is one scaling row.
func EndToEnd(ctx context.Context, plan Plan) ([]Result, []ScaleRow, error) {
	r := Result{Name: "end-to-end", Unit: "events/s", BaseUnit: "req/s (two-hop chain, zero work)", Goal: "≥ 0.8", goalAbove: true, goalLimit: 0.8}
	fail := func(err error) ([]Result, []ScaleRow, error) { return []Result{r}, nil, err }
	ch := &endToEndChain{}
	defer ch.stop()
	if err := ch.start(ctx, plan); err != nil {
		return fail(err)
	}
	var table []ScaleRow
	var headline []Round
	var oneHop []float64
	for _, conc := range plan.Concurrency {
		rounds, err := ch.measure(ctx, plan, conc)
		if err != nil {
			return fail(err)
		}
		table = append(table, scaleRow("", conc, "events/s", rounds, false))
		if conc != plan.HeadlineClients {
			continue
		}
		headline = rounds
		one, err := ch.oneHop(ctx, plan, conc)
		if err != nil {
			return fail(err)
		}
		oneHop = append(oneHop, one...)
	}
	r.judge(headline)
	oneHopRate := median(oneHop)
	r.Note = fmt.Sprintf("%d clients, sync delivery, project of %d tasks, %d-byte webhooks; one hop: %s req/s, ratio %.2f",
		plan.HeadlineClients, plan.ProjectTasks, len(ch.webhookBody), num(oneHopRate), ratio(r.Value, oneHopRate))
	return []Result{r}, table, nil
}

// endToEndChain is what EndToEnd drives: a mock whose project's tasks
// take annotations, with an ANNOTATION_CREATED webhook to a recording
// receiver, and the servers of the baselines.
type endToEndChain struct {
	rc          *receiver.Receiver
	m           *mock
	paths       []string // each task's annotations path
	bodies      [][]byte // an annotation body per path
	webhookBody []byte   // one webhook as the receiver got it
	chainURL    string   // the two-hop baseline
	sinkURL     string   // the one-hop figure: a handler that only reads
	stops       []func()
}

// start builds the chain and its baselines; stop undoes what it built,
// even when it failed half-way.
func (ch *endToEndChain) start(ctx context.Context, plan Plan) error {
	rows, err := realisticTasks(plan.ProjectTasks, false)
	if err != nil {
		return err
	}
	if ch.bodies, err = annotationBodies(rows); err != nil {
		return err
	}
	ch.rc = receiver.New(receiver.Config{})
	recvURL, stopRecv, err := loopback(ch.rc)
	if err != nil {
		return err
	}
	ch.stops = append(ch.stops, stopRecv, ch.rc.Close)
	if ch.m, err = startMock(ctx, server.Config{}, ""); err != nil {
		return err
	}
	ch.stops = append(ch.stops, ch.m.stop)
	ids, err := ch.m.importRows(ctx, rows)
	if err != nil {
		return err
	}
	ch.paths = make([]string, len(ids))
	for i, id := range ids {
		ch.paths[i] = "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	answer, err := ch.firstWebhook(ctx, recvURL)
	if err != nil {
		return err
	}
	chainURL, stopChain, err := twoHopChain(answer, ch.webhookBody)
	if err != nil {
		return err
	}
	ch.chainURL = chainURL
	ch.stops = append(ch.stops, stopChain)
	sinkURL, stopSink, err := loopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	if err != nil {
		return err
	}
	ch.sinkURL = sinkURL
	ch.stops = append(ch.stops, stopSink)
	return nil
}

// firstWebhook sizes the baseline: one annotation before the webhook
// exists gives the answer the chain answers with (returned); then the
// webhook to recvURL, and one annotation whose webhook is the body the
// chain's second hop sends (ch.webhookBody).
func (ch *endToEndChain) firstWebhook(ctx context.Context, recvURL string) ([]byte, error) {
	api := ch.m.api
	answer, err := postAnswer(ctx, api.HTTP, api.Base+ch.paths[0], api.Token, ch.bodies[0])
	if err != nil {
		return nil, err
	}
	if err := ch.m.hook(ctx, recvURL+"/hook", schemas.AnnotationCreated); err != nil {
		return nil, err
	}
	if err := post(ctx, api.HTTP, api.Base+ch.paths[1], api.Token, ch.bodies[1], http.StatusCreated); err != nil {
		return nil, err
	}
	got := ch.rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
	if len(got) != 1 {
		return nil, fmt.Errorf("%d webhooks recorded for one annotation", len(got))
	}
	ch.webhookBody = []byte(got[0].Body)
	ch.rc.Clear()
	return answer, nil
}

// stop stops what start started, the last first.
func (ch *endToEndChain) stop() {
	for i := len(ch.stops) - 1; i >= 0; i-- {
		ch.stops[i]()
	}
}

// annotations is a load of conc clients POSTing the annotation bodies in
// turn, with c, to base + each task's annotations path.
func (ch *endToEndChain) annotations(ctx context.Context, plan Plan, conc int, c *http.Client, base, token string) *load {
	return newLoad(plan, conc, func(i int) error {
		j := i % len(ch.paths)
		return post(ctx, c, base+ch.paths[j], token, ch.bodies[j], http.StatusCreated)
	})
}

// measure measures the chain at conc clients against the two-hop
// baseline, in interleaved rounds.
func (ch *endToEndChain) measure(ctx context.Context, plan Plan, conc int) ([]Round, error) {
	c := newClient(conc)
	defer c.CloseIdleConnections()
	subject := ch.annotations(ctx, plan, conc, c, ch.m.api.Base, ch.m.api.Token)
	// Every POST answered means every webhook was recorded, valid:
	// checked after every window, and the records dropped.
	recorded := 0
	check := func() error {
		got := ch.rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
		for _, rec := range got {
			if !rec.Valid {
				return fmt.Errorf("webhook %d invalid: %v", rec.Seq, rec.Errors)
			}
		}
		recorded += len(got)
		ch.rc.Clear()
		if recorded != subject.calls() {
			return fmt.Errorf("%d annotations created, %d webhooks recorded", subject.calls(), recorded)
		}
		return nil
	}
	bc := newClient(conc)
	defer bc.CloseIdleConnections()
	base := ch.annotations(ctx, plan, conc, bc, ch.chainURL, "")
	if err := subject.warm(ctx); err != nil {
		return nil, fmt.Errorf("concurrency %d: %w", conc, err)
	}
	if err := check(); err != nil {
		return nil, fmt.Errorf("concurrency %d: %w", conc, err)
	}
	if err := base.warm(ctx); err != nil {
		return nil, fmt.Errorf("two-hop baseline, concurrency %d: %w", conc, err)
	}
	rounds, err := interleave(ctx, plan.Rounds, func() (float64, error) {
		v, err := subject.rate(ctx)
		if err == nil {
			err = check()
		}
		return v, err
	}, func() (float64, error) { return base.rate(ctx) })
	if err != nil {
		return nil, fmt.Errorf("concurrency %d: %w", conc, err)
	}
	return rounds, nil
}

// oneHop measures plan.Rounds windows of the same POSTs, at conc
// clients, to a handler that only reads them.
func (ch *endToEndChain) oneHop(ctx context.Context, plan Plan, conc int) ([]float64, error) {
	oc := newClient(conc)
	defer oc.CloseIdleConnections()
	one := ch.annotations(ctx, plan, conc, oc, ch.sinkURL, "")
	if err := one.warm(ctx); err != nil {
		return nil, fmt.Errorf("one-hop: %w", err)
	}
	var rates []float64
	for range plan.Rounds {
		v, err := one.rate(ctx)
		if err != nil {
			return nil, fmt.Errorf("one-hop: %w", err)
		}
		rates = append(rates, v)
	}
	return rates, nil
}

// twoHopChain serves the end-to-end baseline: a handler that reads the
// request, POSTs webhookBody to a handler that decodes it as JSON, reads
// that answer, and answers 201 with answer. Zero work beyond the two hops.
func twoHopChain(answer, webhookBody []byte) (string, func(), error) {
	decodeURL, stopDecode, err := loopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	if err != nil {
		return "", nil, err
	}
	hop := newClient(64)
	chainURL, stopChain, err := loopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		resp, err := hop.Post(decodeURL+"/hook", "application/json", bytes.NewReader(webhookBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			http.Error(w, "second hop: "+resp.Status, http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(answer)
	}))
	if err != nil {
		stopDecode()
		return "", nil, err
	}
	return chainURL, func() {
		stopChain()
		hop.CloseIdleConnections()
		stopDecode()
	}, nil
}
