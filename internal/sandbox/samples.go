package sandbox

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
)

// Sample data sizes and names.
const (
	// TasksPerProject is how many tasks each sample project gets.
	TasksPerProject = 20
	// ModelVersion is the model_version of the sample predictions.
	ModelVersion = "labelhook-sample-v1"
)

// SeedSampleData creates the sample projects (fakedata.Samples), each with
// TasksPerProject tasks in one import: a quarter annotated and predicted, a
// quarter annotated, a quarter predicted, a quarter neither. It returns
// the project ids.
func SeedSampleData(ctx context.Context, c *apiclient.Client, seed int64) ([]int, error) {
	g := fakedata.New(seed)
	var ids []int
	for _, s := range fakedata.Samples {
		cfg, err := fakedata.ParseConfig(s.LabelConfig)
		if err != nil {
			return ids, fmt.Errorf("sample %s: %w", s.Name, err)
		}
		var p struct {
			ID int `json:"id"`
		}
		if err := c.Call(ctx, http.MethodPost, "/api/projects", map[string]any{
			"title": s.Title, "description": s.Description, "label_config": s.LabelConfig,
		}, &p); err != nil {
			return ids, err
		}
		ids = append(ids, p.ID)
		items := make([]map[string]any, TasksPerProject)
		for i := range items {
			data := g.Task(cfg)
			item := map[string]any{"data": data}
			if i%4 <= 1 {
				item["annotations"] = []any{g.Annotation(cfg, data)}
			}
			if i%4 == 0 || i%4 == 2 {
				item["predictions"] = []any{g.Prediction(cfg, data, ModelVersion)}
			}
			items[i] = item
		}
		if err := c.Call(ctx, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", p.ID), items, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// EnsureOrgWebhook registers an organization-level webhook for every
// action to u, unless one to u exists (from a state file): that one is
// reused, and re-activated if failures had disabled it. It returns the
// webhook's id and whether it was created.
func EnsureOrgWebhook(ctx context.Context, c *apiclient.Client, u string) (int, bool, error) {
	var hooks []struct {
		ID       int    `json:"id"`
		URL      string `json:"url"`
		IsActive bool   `json:"is_active"`
	}
	if err := c.Call(ctx, http.MethodGet, "/api/webhooks?project=null", nil, &hooks); err != nil {
		return 0, false, err
	}
	for _, h := range hooks {
		if h.URL != u {
			continue
		}
		if !h.IsActive {
			if err := c.Call(ctx, http.MethodPatch, fmt.Sprintf("/api/webhooks/%d", h.ID), map[string]any{"is_active": true}, nil); err != nil {
				return 0, false, err
			}
		}
		return h.ID, false, nil
	}
	var created struct {
		ID int `json:"id"`
	}
	err := c.Call(ctx, http.MethodPost, "/api/webhooks", map[string]any{
		"url": u, "send_payload": true, "send_for_all_actions": true, "is_active": true,
	}, &created)
	return created.ID, true, err
}
