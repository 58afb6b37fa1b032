package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
)

// Annotators are simulated annotators (--simulate-annotators): one
// goroutine per annotator and a scheduler that, at the total rate, gives
// the turn to one annotator drawn from the seed and waits for its action
// to finish. Actions run one
// at a time, so with the same seed and the same starting state the
// sequence of actions (and of the events they emit) is the same.
type Annotators struct {
	api    *apiclient.Client
	log    *slog.Logger
	seed   int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartAnnotators starts n annotators that together make rate actions per
// second on whatever projects the mock at api holds, until Stop.
func StartAnnotators(ctx context.Context, api *apiclient.Client, n int, rate float64, seed int64, log *slog.Logger) *Annotators {
	ctx, cancel := context.WithCancel(ctx)
	a := &Annotators{api: api, log: log, seed: seed, cancel: cancel}
	turns := make([]chan struct{}, n)
	done := make(chan struct{})
	for i := range turns {
		turns[i] = make(chan struct{})
		a.wg.Add(1)
		go a.annotator(ctx, i, turns[i], done)
	}
	every := time.Duration(float64(time.Second) / rate)
	a.wg.Add(1)
	go a.schedule(ctx, every, turns, done)
	log.Info("simulated annotators started", "annotators", n, "actions_per_second", rate, "seed", seed)
	return a
}

// Stop ends every annotator and waits for them.
func (a *Annotators) Stop() {
	a.cancel()
	a.wg.Wait()
}

func (a *Annotators) schedule(ctx context.Context, every time.Duration, turns []chan struct{}, done <-chan struct{}) {
	defer a.wg.Done()
	r := rand.New(rand.NewSource(a.seed))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case turns[r.Intn(len(turns))] <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

// annotator is one simulated person: it annotates (60%), updates one of
// its own annotations (25%, once it has some) or skips (15%) a task.
func (a *Annotators) annotator(ctx context.Context, i int, turn <-chan struct{}, done chan<- struct{}) {
	defer a.wg.Done()
	an := &annotator{api: a.api, g: fakedata.New(a.seed*1000003 + int64(i) + 1), configs: map[string]*fakedata.Config{}}
	log := a.log.With("annotator", i+1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-turn:
		}
		kind, attrs, err := an.act(ctx)
		switch {
		case ctx.Err() != nil:
			return // shutting down: the request was cancelled
		case err != nil:
			log.Warn("simulated annotator failed", "action", kind, "err", err)
		case kind != "":
			log.Debug("simulated annotator acted", append([]any{"action", kind}, attrs...)...)
		}
		select {
		case done <- struct{}{}:
		case <-ctx.Done():
			return
		}
	}
}

// annotator is the state of one simulated annotator.
type annotator struct {
	api     *apiclient.Client
	g       *fakedata.Generator
	mine    []int // ids of the annotations it made
	configs map[string]*fakedata.Config
}

// simTask is a task an annotator picked.
type simTask struct {
	ID      int            `json:"id"`
	Project int            `json:"project"`
	Data    map[string]any `json:"data"`
}

// act does one action and says which, with log attributes.
func (an *annotator) act(ctx context.Context) (string, []any, error) {
	r := an.g.Float64()
	switch {
	case len(an.mine) > 0 && r < 0.25:
		return an.update(ctx)
	case r < 0.40:
		return an.annotate(ctx, true)
	default:
		return an.annotate(ctx, false)
	}
}

func (an *annotator) annotate(ctx context.Context, skip bool) (string, []any, error) {
	kind := "annotate"
	if skip {
		kind = "skip"
	}
	t, c, err := an.pickTask(ctx)
	if err != nil || t == nil {
		return "", nil, err
	}
	var body any
	if skip {
		body = map[string]any{"result": []any{}, "was_cancelled": true, "lead_time": float64(1+an.g.Intn(30000)) / 1000}
	} else {
		body = an.g.Annotation(c, t.Data)
	}
	var created struct {
		ID int `json:"id"`
	}
	if err := an.api.Call(ctx, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", t.ID), body, &created); err != nil {
		return kind, nil, err
	}
	if !skip {
		an.mine = append(an.mine, created.ID)
	}
	return kind, []any{"project_id", t.Project, "task_id", t.ID, "annotation_id", created.ID}, nil
}

// update replaces the result of one of the annotator's annotations.
func (an *annotator) update(ctx context.Context) (string, []any, error) {
	k := an.g.Intn(len(an.mine))
	id := an.mine[k]
	var ann struct {
		Task int `json:"task"`
	}
	err := an.api.Call(ctx, http.MethodGet, fmt.Sprintf("/api/annotations/%d", id), nil, &ann)
	if se := (*apiclient.StatusError)(nil); errors.As(err, &se) && se.Status == http.StatusNotFound {
		an.mine = slices.Delete(an.mine, k, k+1) // deleted by someone else
		return an.annotate(ctx, false)
	}
	if err != nil {
		return "update", nil, err
	}
	var t simTask
	if err := an.api.Call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/%d", ann.Task), nil, &t); err != nil {
		return "update", nil, err
	}
	c, err := an.config(ctx, t.Project)
	if err != nil {
		return "update", nil, err
	}
	if err := an.api.Call(ctx, http.MethodPatch, fmt.Sprintf("/api/annotations/%d", id), an.g.Annotation(c, t.Data), nil); err != nil {
		return "update", nil, err
	}
	return "update", []any{"project_id", t.Project, "task_id", t.ID, "annotation_id", id}, nil
}

// unlabeledQuery selects tasks without completed_at (not yet labeled).
const unlabeledQuery = `{"filters":{"conjunction":"and","items":[{"filter":"filter:tasks:completed_at","operator":"empty","value":true,"type":"Datetime"}]}}`

// pickTask draws a project, then an unlabeled task of it (any task once
// all are labeled), from the first 100. It returns nil when there is none.
func (an *annotator) pickTask(ctx context.Context) (*simTask, *fakedata.Config, error) {
	var page struct {
		Results []struct {
			ID          int    `json:"id"`
			LabelConfig string `json:"label_config"`
		} `json:"results"`
	}
	if err := an.api.Call(ctx, http.MethodGet, "/api/projects?page_size=1000&ordering=id", nil, &page); err != nil {
		return nil, nil, err
	}
	if len(page.Results) == 0 {
		return nil, nil, nil
	}
	p := page.Results[an.g.Intn(len(page.Results))]
	c, err := an.parse(p.LabelConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("project %d: %w", p.ID, err)
	}
	for _, q := range []string{"&query=" + url.QueryEscape(unlabeledQuery), ""} {
		var list struct {
			Tasks []simTask `json:"tasks"`
		}
		if err := an.api.Call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks?project=%d&page_size=100%s", p.ID, q), nil, &list); err != nil {
			return nil, nil, err
		}
		if len(list.Tasks) > 0 {
			t := list.Tasks[an.g.Intn(len(list.Tasks))]
			return &t, c, nil
		}
	}
	return nil, nil, nil
}

func (an *annotator) config(ctx context.Context, projectID int) (*fakedata.Config, error) {
	var p struct {
		LabelConfig string `json:"label_config"`
	}
	if err := an.api.Call(ctx, http.MethodGet, fmt.Sprintf("/api/projects/%d", projectID), nil, &p); err != nil {
		return nil, err
	}
	return an.parse(p.LabelConfig)
}

// parse parses a label config once per distinct text.
func (an *annotator) parse(src string) (*fakedata.Config, error) {
	if c, ok := an.configs[src]; ok {
		return c, nil
	}
	c, err := fakedata.ParseConfig(src)
	if err != nil {
		return nil, err
	}
	an.configs[src] = c
	return c, nil
}
