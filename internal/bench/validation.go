package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// capturedBodies returns n ANNOTATION_CREATED bodies exactly as the mock
// sends them: realistic tasks, annotated through the API, each webhook
// caught by a sink.
func capturedBodies(ctx context.Context, n int) ([][]byte, error) {
	var mu sync.Mutex
	var bodies [][]byte
	sink := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	})
	sinkURL, stopSink, err := loopback(sink)
	if err != nil {
		return nil, err
	}
	defer stopSink()
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return nil, err
	}
	defer m.stop()
	rows, err := realisticTasks(n, false)
	if err != nil {
		return nil, err
	}
	ids, err := m.importRows(ctx, rows)
	if err != nil {
		return nil, err
	}
	if err := m.hook(ctx, sinkURL+"/hook", schemas.AnnotationCreated); err != nil {
		return nil, err
	}
	anns, err := annotationBodies(rows)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if err := post(ctx, m.api.HTTP, m.api.Base+"/api/tasks/"+strconv.Itoa(id)+"/annotations", m.api.Token, anns[i], http.StatusCreated); err != nil {
			return nil, err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != n {
		return nil, fmt.Errorf("captured %d ANNOTATION_CREATED bodies, want %d", len(bodies), n)
	}
	return bodies, nil
}

// Validation measures the receiver: concurrentClients senders POST realistic
// ANNOTATION_CREATED bodies to a labelhook receiver (read, validate
// against the schema, record, answer). Baseline: the same senders and
// bodies against a handler that reads the body and decodes the JSON.
func Validation(ctx context.Context, plan Plan) (Result, error) {
	r := Result{Name: "receiver validation", Unit: "records/s", BaseUnit: "req/s (handler that only decodes)", Goal: "≥ 0.5", goalAbove: true, goalLimit: 0.5}
	bodies, err := capturedBodies(ctx, 256)
	if err != nil {
		return r, err
	}
	rc := receiver.New(receiver.Config{})
	defer rc.Close()
	recvURL, stopRecv, err := loopback(rc)
	if err != nil {
		return r, err
	}
	defer stopRecv()
	decodeOnly := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	baseURL, stopBase, err := loopback(decodeOnly)
	if err != nil {
		return r, err
	}
	defer stopBase()
	c := newClient(concurrentClients)
	defer c.CloseIdleConnections()
	var clearMu sync.Mutex
	subject := newLoad(plan, concurrentClients, func(i int) error {
		if i%8192 == 8191 {
			clearMu.Lock()
			rc.Clear() // a long run would otherwise keep every record in memory
			clearMu.Unlock()
		}
		return post(ctx, c, recvURL+"/hook", "", bodies[i%len(bodies)], http.StatusOK)
	})
	bc := newClient(concurrentClients)
	defer bc.CloseIdleConnections()
	base := newLoad(plan, concurrentClients, func(i int) error {
		return post(ctx, bc, baseURL+"/hook", "", bodies[i%len(bodies)], http.StatusOK)
	})
	rounds, err := rates(ctx, plan, subject, base)
	if err != nil {
		return r, err
	}
	for _, rec := range rc.Events(receiver.Filter{}) {
		if !rec.Valid {
			return r, fmt.Errorf("record %d invalid: %v", rec.Seq, rec.Errors)
		}
	}
	r.judge(rounds)
	r.Note = fmt.Sprintf("%d senders, %d-byte bodies over HTTP", concurrentClients, len(bodies[0]))
	return r, nil
}
