package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// EndToEnd measures end-to-end throughput: conc clients POST annotations
// to the mock (sync delivery, as Label Studio without Redis), each webhook
// goes to a labelhook receiver that validates and records it; an event counts once
// its POST answered, which in sync mode is after the receiver answered.
// Baseline: the same client POSTs the same bodies to a handler that only
// reads them. Every concurrency of the plan is one scaling row.
func EndToEnd(ctx context.Context, plan Plan) (Result, []ScaleRow, error) {
	r := Result{Name: "end-to-end", Unit: "events/s", BaseUnit: "req/s", Goal: "≥ 0.5", goalAbove: true, goalRatio: 0.5}
	rows, err := realisticTasks(plan.ProjectTasks, false)
	if err != nil {
		return r, nil, err
	}
	bodies, err := annotationBodies(rows)
	if err != nil {
		return r, nil, err
	}
	rc := receiver.New(receiver.Config{})
	recvURL, stopRecv, err := loopback(rc)
	if err != nil {
		return r, nil, err
	}
	defer stopRecv()
	defer rc.Close()
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return r, nil, err
	}
	defer m.stop()
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return r, nil, err
	}
	if err := m.hook(ctx, recvURL+"/hook", schemas.AnnotationCreated); err != nil {
		return r, nil, err
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = "/api/tasks/" + strconv.Itoa(id) + "/annotations"
	}
	sink := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	})
	sinkURL, stopSink, err := loopback(sink)
	if err != nil {
		return r, nil, err
	}
	defer stopSink()

	var table []ScaleRow
	for _, conc := range plan.Concurrency {
		c := newClient(conc)
		e2e, n, err := rateOf(ctx, plan, conc, func(i int) error {
			j := i % len(paths)
			return post(ctx, c, m.api.Base+paths[j], m.api.Token, bodies[j], http.StatusCreated)
		})
		c.CloseIdleConnections()
		if err != nil {
			return r, table, fmt.Errorf("concurrency %d: %w", conc, err)
		}
		// Every POST answered means every webhook was recorded: check.
		got := rc.Events(receiver.Filter{Action: schemas.AnnotationCreated})
		if len(got) != n {
			return r, table, fmt.Errorf("concurrency %d: %d annotations created, %d webhooks recorded", conc, n, len(got))
		}
		for _, rec := range got {
			if !rec.Valid {
				return r, table, fmt.Errorf("concurrency %d: webhook %d invalid: %v", conc, rec.Seq, rec.Errors)
			}
		}
		rc.Clear()
		c = newClient(conc)
		base, _, err := rateOf(ctx, plan, conc, func(i int) error {
			j := i % len(paths)
			return post(ctx, c, sinkURL+paths[j], "", bodies[j], http.StatusCreated)
		})
		c.CloseIdleConnections()
		if err != nil {
			return r, table, fmt.Errorf("baseline, concurrency %d: %w", conc, err)
		}
		row := ScaleRow{Size: conc, Value: e2e, Unit: "events/s", Base: base, Ratio: e2e / base}
		table = append(table, row)
		if conc == plan.HeadlineClients {
			r.Value, r.Base = e2e, base
		}
	}
	r.judge()
	r.Note = fmt.Sprintf("%d clients, sync delivery, project of %d tasks", plan.HeadlineClients, plan.ProjectTasks)
	return r, table, nil
}
