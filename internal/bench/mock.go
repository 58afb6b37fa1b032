package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// dataSeed makes every bench run use the same data.
const dataSeed = 7

// realisticTasks returns n import rows for the text classification sample:
// {"data": {"text": paragraph}}; every third one also carries a submitted
// annotation and a prediction when related is set. The rows are made on
// every CPU in chunks of genChunk, chunk k from the seed dataSeed+1000k,
// so they are the same on any machine (a generator made 100 000 in 1 s).
func realisticTasks(n int, related bool) ([]map[string]any, error) {
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		return nil, err
	}
	rows := make([]map[string]any, n)
	cpus := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k := 0; k*genChunk < n; k++ {
		cpus <- struct{}{}
		wg.Go(func() {
			defer func() { <-cpus }()
			g := fakedata.New(dataSeed + 1000*int64(k))
			for i := k * genChunk; i < min(n, (k+1)*genChunk); i++ {
				data := g.Task(cfg)
				row := map[string]any{"data": data}
				if related && i%3 == 0 {
					row["annotations"] = []any{g.Annotation(cfg, data)}
					row["predictions"] = []any{g.Prediction(cfg, data, "bench-v1")}
				}
				rows[i] = row
			}
		})
	}
	wg.Wait()
	return rows, nil
}

// genChunk is how many rows one generator makes.
const genChunk = 10000

// mock is a mock server on loopback with one project.
type mock struct {
	srv     *server.Server
	api     *apiclient.Client
	project int
	stop    func()
}

// startMock starts a mock with one project; with statePath, on that
// durable state (as serve --state).
func startMock(ctx context.Context, cfg server.Config, statePath string) (*mock, error) {
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	if statePath != "" {
		if _, err := srv.OpenState(statePath); err != nil {
			return nil, errors.Join(err, srv.Close(context.Background()))
		}
	}
	base, stop, err := loopback(srv)
	if err != nil {
		return nil, err
	}
	m := &mock{srv: srv, api: apiclient.New(base, srv.Config().Token), stop: func() {
		stop()
		_ = srv.Close(context.Background())
	}}
	m.api.HTTP = newClient(4)
	var p struct {
		ID int `json:"id"`
	}
	if err := m.api.Call(ctx, "POST", "/api/projects", map[string]any{"title": "Bench", "label_config": fakedata.TextClassificationConfig}, &p); err != nil {
		m.stop()
		return nil, err
	}
	m.project = p.ID
	return m, nil
}

// importRows imports rows into the project and returns the task ids.
func (m *mock) importRows(ctx context.Context, rows []map[string]any) ([]int, error) {
	var out struct {
		TaskIDs []int `json:"task_ids"`
	}
	err := m.api.Call(ctx, "POST", "/api/projects/"+strconv.Itoa(m.project)+"/import?return_task_ids=true", rows, &out)
	return out.TaskIDs, err
}

// annotations is the project's total_annotations_number.
func (m *mock) annotations(ctx context.Context) (int, error) {
	var p struct {
		Total int `json:"total_annotations_number"`
	}
	err := m.api.Call(ctx, http.MethodGet, "/api/projects/"+strconv.Itoa(m.project), nil, &p)
	return p.Total, err
}

// hook registers a project webhook for actions to url.
func (m *mock) hook(ctx context.Context, url string, actions ...schemas.Action) error {
	return m.api.Call(ctx, "POST", "/api/webhooks", map[string]any{"url": url, "project": m.project,
		"send_for_all_actions": false, "actions": actions}, nil)
}

// post sends body and checks the status; the answer is read and dropped.
func post(ctx context.Context, c *http.Client, url, token string, body []byte, want int) error {
	_, err := send(ctx, c, http.MethodPost, url, token, body, want, false)
	return err
}

// postAnswer sends body, wants a 201 and returns the answer.
func postAnswer(ctx context.Context, c *http.Client, url, token string, body []byte) ([]byte, error) {
	return send(ctx, c, http.MethodPost, url, token, body, http.StatusCreated, true)
}

// send makes one request with the token (body, when not nil, as JSON)
// and checks its status; keep returns the answer, else it is read and
// dropped.
func send(ctx context.Context, c *http.Client, method, url, token string, body []byte, want int, keep bool) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer []byte
	if keep {
		answer, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d", method, url, resp.StatusCode, want)
	}
	return answer, nil
}

// annotationBodies makes one realistic annotation body per row.
func annotationBodies(rows []map[string]any) ([][]byte, error) {
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		return nil, err
	}
	g := fakedata.New(dataSeed + 1)
	out := make([][]byte, len(rows))
	for i, row := range rows {
		b, err := apiclient.Marshal(g.Annotation(cfg, row["data"].(map[string]any)))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// get fetches url with the token and returns the body of a 200.
func get(ctx context.Context, c *http.Client, url, token string) ([]byte, error) {
	return send(ctx, c, http.MethodGet, url, token, nil, http.StatusOK, true)
}
