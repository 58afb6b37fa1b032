// Package emission makes a mock Label Studio emit a chosen webhook action
// by driving its REST API as a user's code would: it creates what the
// action needs (a project, tasks, an annotation) from generated data, then
// names the one API call that emits the action. `labelhook trigger`
// (internal/trigger) and `labelhook check` (scenarios/check) both make
// their webhooks so; each decides where the deliveries go and what it does
// with them (Capture keeps them in memory, answering for the consumer). It does not make LABEL_LINK_* actions, which the mock emits
// only from its label link API: internal/labellink builds those bodies.
package emission

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
)

// Call is one API request: Body (when not nil) is sent as JSON.
type Call struct {
	Method, Path string
	Body         any
}

// Do makes the call through api, ignoring the answer's body.
func (c Call) Do(ctx context.Context, api *apiclient.Client) error {
	return api.Call(ctx, c.Method, c.Path, c.Body, nil)
}

// ConfigRefusedError is the mock refusing the label config of a new
// project (a 400 from POST /api/projects). Its message reads after the
// config's name: "label config x.xml: the mock refuses it: ...".
type ConfigRefusedError struct{ Answer string }

func (e *ConfigRefusedError) Error() string { return "the mock refuses it: " + e.Answer }

// Maker drives one mock's API with data of one label config. The
// generator's draws follow the calls made, so the same seed and the same
// calls make the same data.
type Maker struct {
	API *apiclient.Client
	// LabelConfig is the label config (XML) of the projects made.
	LabelConfig string
	// Config is LabelConfig parsed: the data and annotations follow it.
	Config *fakedata.Config
	Gen    *fakedata.Generator
	// ModelVersion is the model_version of the predictions made.
	ModelVersion string
}

// ProjectBody is a new project with the label config.
func (m *Maker) ProjectBody() map[string]any {
	return map[string]any{"title": m.Gen.Title(), "description": m.Gen.Title(), "label_config": m.LabelConfig}
}

// Project creates a project with the label config and returns its id; a
// config the mock refuses is a *ConfigRefusedError.
func (m *Maker) Project(ctx context.Context) (int, error) {
	var p struct {
		ID int `json:"id"`
	}
	err := m.API.Call(ctx, http.MethodPost, "/api/projects", m.ProjectBody(), &p)
	if se := (*apiclient.StatusError)(nil); errors.As(err, &se) && se.Status == http.StatusBadRequest {
		return 0, &ConfigRefusedError{Answer: se.Body}
	}
	if err != nil {
		return 0, fmt.Errorf("create a project: %w", err)
	}
	return p.ID, nil
}

// Tasks returns n import items; withPredictions adds a prediction to each.
func (m *Maker) Tasks(n int, withPredictions bool) []any {
	out := make([]any, n)
	for i := range out {
		data := m.Gen.Task(m.Config)
		item := map[string]any{"data": data}
		if withPredictions {
			item["predictions"] = []any{m.Gen.Prediction(m.Config, data, m.ModelVersion)}
		}
		out[i] = item
	}
	return out
}

// ImportTasks imports items into project pid and returns the new tasks'
// ids.
func (m *Maker) ImportTasks(ctx context.Context, pid int, items []any) ([]int, error) {
	var out struct {
		TaskIDs []int `json:"task_ids"`
	}
	if err := m.API.Call(ctx, http.MethodPost, fmt.Sprintf("/api/projects/%d/import?return_task_ids=1", pid), items, &out); err != nil {
		return nil, fmt.Errorf("import tasks: %w", err)
	}
	return out.TaskIDs, nil
}

// Annotation is a submitted annotation of task id, made from its data as
// read back, as an annotator's tool reads it.
func (m *Maker) Annotation(ctx context.Context, id int) fakedata.Annotation {
	var t struct {
		Data map[string]any `json:"data"`
	}
	_ = m.API.Call(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/%d", id), nil, &t) // the task was just made
	return m.Gen.Annotation(m.Config, t.Data)
}

// Annotate annotates task id and returns the annotation's id.
func (m *Maker) Annotate(ctx context.Context, id int) (int, error) {
	var ann struct {
		ID int `json:"id"`
	}
	if err := m.API.Call(ctx, http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", id), m.Annotation(ctx, id), &ann); err != nil {
		return 0, fmt.Errorf("annotate: %w", err)
	}
	return ann.ID, nil
}

// PredictionsToAnnotations is the bulk action that turns the predictions
// of tasks ids of project pid into annotations: one ANNOTATIONS_CREATED
// whose annotation and task keys hold lists.
func PredictionsToAnnotations(pid int, ids []int) Call {
	return Call{http.MethodPost, fmt.Sprintf("/api/dm/actions?id=predictions_to_annotations&project=%d", pid),
		map[string]any{"selectedItems": map[string]any{"all": false, "included": ids}, "project": pid}}
}

// Prepare creates in project pid what action a needs (nothing of it
// emits a), then returns the one call that emits a. pid is unused for
// PROJECT_CREATED, and PROJECT_DELETED deletes a project of its own.
func (m *Maker) Prepare(ctx context.Context, a schemas.Action, pid int) (Call, error) {
	switch a {
	case schemas.ProjectCreated:
		return Call{http.MethodPost, "/api/projects", m.ProjectBody()}, nil
	case schemas.ProjectUpdated:
		return Call{http.MethodPatch, fmt.Sprintf("/api/projects/%d", pid), map[string]any{"title": m.Gen.Title(), "description": m.Gen.Title()}}, nil
	case schemas.ProjectDeleted:
		id, err := m.Project(ctx)
		if err != nil {
			return Call{}, err
		}
		return Call{http.MethodDelete, fmt.Sprintf("/api/projects/%d", id), nil}, nil
	case schemas.TasksCreated:
		return Call{http.MethodPost, fmt.Sprintf("/api/projects/%d/import", pid), m.Tasks(1+m.Gen.Intn(3), false)}, nil
	case schemas.TasksDeleted:
		ids, err := m.ImportTasks(ctx, pid, m.Tasks(1, false))
		if err != nil {
			return Call{}, err
		}
		return Call{http.MethodDelete, fmt.Sprintf("/api/tasks/%d", ids[0]), nil}, nil
	case schemas.AnnotationCreated, schemas.AnnotationUpdated, schemas.AnnotationsDeleted:
		ids, err := m.ImportTasks(ctx, pid, m.Tasks(1, false))
		if err != nil {
			return Call{}, err
		}
		if a == schemas.AnnotationCreated {
			return Call{http.MethodPost, fmt.Sprintf("/api/tasks/%d/annotations", ids[0]), m.Annotation(ctx, ids[0])}, nil
		}
		ann, err := m.Annotate(ctx, ids[0])
		if err != nil {
			return Call{}, err
		}
		if a == schemas.AnnotationUpdated {
			return Call{http.MethodPatch, fmt.Sprintf("/api/annotations/%d", ann), m.Annotation(ctx, ids[0])}, nil
		}
		return Call{http.MethodDelete, fmt.Sprintf("/api/annotations/%d", ann), nil}, nil
	case schemas.AnnotationsCreated:
		ids, err := m.ImportTasks(ctx, pid, m.Tasks(1+m.Gen.Intn(3), true))
		if err != nil {
			return Call{}, err
		}
		return PredictionsToAnnotations(pid, ids), nil
	}
	return Call{}, fmt.Errorf("no API call makes the mock emit %s", a)
}
