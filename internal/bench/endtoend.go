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
	rows, err := realisticTasks(plan.ProjectTasks, false)
	if err != nil {
		return fail(err)
	}
	bodies, err := annotationBodies(rows)
	if err != nil {
		return fail(err)
	}
	rc := receiver.New(receiver.Config{})
	recvURL, stopRecv, err := loopback(rc)
	if err != nil {
		return fail(err)
	}
	defer stopRecv()
	defer rc.Close()
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return fail(err)
	}
	defer m.stop()
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return fail(err)
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	// One annotation before the webhook exists: its answer is the size
	// the chain answers with.
	answer, err := postAnswer(ctx, m.api.HTTP, m.api.Base+paths[0], m.api.Token, bodies[0])
	if err != nil {
		return fail(err)
	}
	if err := m.hook(ctx, recvURL+"/hook", schemas.AnnotationCreated); err != nil {
		return fail(err)
	}
	// One webhook: the size of the body the chain's second hop sends.
	if err := post(ctx, m.api.HTTP, m.api.Base+paths[1], m.api.Token, bodies[1], http.StatusCreated); err != nil {
		return fail(err)
	}
	got := rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
	if len(got) != 1 {
		return fail(fmt.Errorf("%d webhooks recorded for one annotation", len(got)))
	}
	webhookBody := []byte(got[0].Body)
	rc.Clear()

	chainURL, stopChain, err := twoHopChain(answer, webhookBody)
	if err != nil {
		return fail(err)
	}
	defer stopChain()
	sinkURL, stopSink, err := loopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	if err != nil {
		return fail(err)
	}
	defer stopSink()

	var table []ScaleRow
	var headline []Round
	var oneHop []float64
	for _, conc := range plan.Concurrency {
		c := newClient(conc)
		recorded := 0
		subject := newLoad(plan, conc, func(i int) error {
			j := i % len(paths)
			return post(ctx, c, m.api.Base+paths[j], m.api.Token, bodies[j], http.StatusCreated)
		})
		// Every POST answered means every webhook was recorded, valid:
		// checked after every window, and the records dropped.
		check := func() error {
			got := rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
			for _, rec := range got {
				if !rec.Valid {
					return fmt.Errorf("webhook %d invalid: %v", rec.Seq, rec.Errors)
				}
			}
			recorded += len(got)
			rc.Clear()
			if recorded != subject.calls() {
				return fmt.Errorf("%d annotations created, %d webhooks recorded", subject.calls(), recorded)
			}
			return nil
		}
		bc := newClient(conc)
		base := newLoad(plan, conc, func(i int) error {
			j := i % len(paths)
			return post(ctx, bc, chainURL+paths[j], "", bodies[j], http.StatusCreated)
		})
		if err := subject.warm(ctx); err != nil {
			return fail(fmt.Errorf("concurrency %d: %w", conc, err))
		}
		if err := check(); err != nil {
			return fail(fmt.Errorf("concurrency %d: %w", conc, err))
		}
		if err := base.warm(ctx); err != nil {
			return fail(fmt.Errorf("two-hop baseline, concurrency %d: %w", conc, err))
		}
		rounds, err := interleave(ctx, plan.Rounds, func() (float64, error) {
			v, err := subject.rate(ctx)
			if err == nil {
				err = check()
			}
			return v, err
		}, func() (float64, error) { return base.rate(ctx) })
		c.CloseIdleConnections()
		bc.CloseIdleConnections()
		if err != nil {
			return fail(fmt.Errorf("concurrency %d: %w", conc, err))
		}
		table = append(table, scaleRow("", conc, "events/s", rounds, false))
		if conc != plan.HeadlineClients {
			continue
		}
		headline = rounds
		oc := newClient(conc)
		one := newLoad(plan, conc, func(i int) error {
			j := i % len(paths)
			return post(ctx, oc, sinkURL+paths[j], "", bodies[j], http.StatusCreated)
		})
		if err := one.warm(ctx); err != nil {
			return fail(fmt.Errorf("one-hop: %w", err))
		}
		for range plan.Rounds {
			v, err := one.rate(ctx)
			if err != nil {
				return fail(fmt.Errorf("one-hop: %w", err))
			}
			oneHop = append(oneHop, v)
		}
		oc.CloseIdleConnections()
	}
	r.judge(headline)
	oneHopRate := median(oneHop)
	r.Note = fmt.Sprintf("%d clients, sync delivery, project of %d tasks, %d-byte webhooks; one hop: %s req/s, ratio %.2f",
		plan.HeadlineClients, plan.ProjectTasks, len(webhookBody), num(oneHopRate), ratio(r.Value, oneHopRate))
	return []Result{r}, table, nil
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
