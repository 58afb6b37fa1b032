package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// Import measures a bulk import: one POST /api/projects/{id}/import of n realistic
// tasks to a mock with one project webhook for TASKS_CREATED (batch 5000:
// 100 000 tasks make 20 events), timed from the POST to its answer, which
// in sync mode comes after the last delivery. The webhook goes to a sink
// that reads and drops bodies. Baseline: encoding/json decoding the same
// body into Go values and encoding them again. Every size of the plan is
// one scaling row; the last one is the headline.
func Import(ctx context.Context, plan Plan) ([]Result, []ScaleRow, error) {
	wall := Result{Name: "import wall", Unit: "ms", BaseUnit: "ms (encoding/json decode + encode)", Goal: "≤ 3", goalLimit: 3}
	heap := Result{Name: "import heap", Unit: "MiB peak", BaseUnit: "MiB payload", Goal: "≤ 10", goalLimit: 10}
	var events atomic.Int64
	sink := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		events.Add(1)
	})
	sinkURL, stopSink, err := loopback(sink)
	if err != nil {
		return []Result{wall}, nil, err
	}
	defer stopSink()

	var table []ScaleRow
	for _, n := range plan.ImportSizes {
		rows, err := realisticTasks(n, false)
		if err != nil {
			return []Result{wall}, table, err
		}
		body, err := apiclient.Marshal(rows)
		rows = nil
		if err != nil {
			return []Result{wall}, table, err
		}
		var heaps []Round
		var basePeaks []float64
		rounds, err := interleave(ctx, plan.Rounds, func() (float64, error) {
			took, peak, err := importOnce(ctx, body, sinkURL, &events, n)
			if err != nil {
				return 0, fmt.Errorf("import of %d tasks: %w", n, err)
			}
			payload := float64(len(body)) / mib
			heaps = append(heaps, Round{Value: float64(peak) / mib, Base: payload, Ratio: float64(peak) / mib / payload})
			return millis(took), nil
		}, func() (float64, error) {
			took, peak, err := decodeEncode(body)
			basePeaks = append(basePeaks, float64(peak)/mib)
			return millis(took), err
		})
		if err != nil {
			return []Result{wall}, table, err
		}
		row := scaleRow("", n, "ms", rounds, true)
		row.HeapMiB = spreadOf(heaps, func(x Round) float64 { return x.Value }).med
		table = append(table, row)
		wall.Name, heap.Name = "import "+strconv.Itoa(n/1000)+"k wall", "import "+strconv.Itoa(n/1000)+"k heap"
		wall.judge(rounds)
		heap.judge(heaps)
		wall.Note = fmt.Sprintf("%.1f MiB body, %d TASKS_CREATED", float64(len(body))/mib, events.Load())
		heap.Note = fmt.Sprintf("decode+encode peaks at %.0f MiB", median(basePeaks))
	}
	return []Result{wall, heap}, table, nil
}

// importOnce imports body into a new mock and returns the wall time and
// the peak heap growth while it ran.
func importOnce(ctx context.Context, body []byte, sinkURL string, events *atomic.Int64, n int) (time.Duration, uint64, error) {
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return 0, 0, err
	}
	defer m.stop()
	if err := m.hook(ctx, sinkURL+"/hook", schemas.TasksCreated); err != nil {
		return 0, 0, err
	}
	events.Store(0)
	url := m.api.Base + "/api/projects/" + strconv.Itoa(m.project) + "/import"
	h := startHeapPeak()
	start := time.Now()
	err = post(ctx, m.api.HTTP, url, m.api.Token, body, http.StatusCreated)
	took := time.Since(start)
	peak := h.end()
	if err != nil {
		return 0, 0, err
	}
	batch := m.srv.Config().BatchSize
	if want := int64((n + batch - 1) / batch); events.Load() != want {
		return 0, 0, fmt.Errorf("%d TASKS_CREATED delivered, want %d", events.Load(), want)
	}
	return took, peak, nil
}

// decodeEncode is the import baseline: what encoding/json alone costs to read
// the import body into Go values and write it back.
func decodeEncode(body []byte) (time.Duration, uint64, error) {
	h := startHeapPeak()
	start := time.Now()
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		var buf bytes.Buffer
		err = json.NewEncoder(&buf).Encode(v)
	}
	took := time.Since(start)
	peak := h.end()
	runtime.KeepAlive(v) // the decoded tasks count until the end, as the server's do
	return took, peak, err
}
