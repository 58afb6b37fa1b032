package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/fakedata"
)

// setUpSandbox registers the --webhook URLs, then (on a fresh start) the
// sample data. The webhooks come first on purpose: the receiver sees the
// sandbox fill up (PROJECT_CREATED, TASKS_CREATED), which proves the
// wiring before the first simulated annotation.
func setUpSandbox(ctx context.Context, api *apiClient, o serveOptions, restored bool, log *slog.Logger) error {
	for _, u := range o.webhooks {
		id, created, err := ensureOrgWebhook(ctx, api, u)
		if err != nil {
			return fmt.Errorf("register webhook %s: %w", u, err)
		}
		log.Info("organization webhook registered", "webhook_id", id, "url", u, "reused", !created)
	}
	if !o.sampleData {
		return nil
	}
	if restored {
		log.Info("sample data skipped: the state file already holds the sandbox", "file", o.stateFile)
		return nil
	}
	start := time.Now()
	ids, err := seedSampleData(ctx, api, o.seed)
	if err != nil {
		return fmt.Errorf("create sample data: %w", err)
	}
	log.Info("sample data created", "projects", len(ids), "project_ids", ids, "tasks_per_project", sampleTasksPerProject,
		"seed", o.seed, "duration", time.Since(start))
	return nil
}

// ensureOrgWebhook registers an organization-level webhook for every
// action to u, unless one to u exists (from a state file): that one is
// reused, and re-activated if failures had disabled it.
func ensureOrgWebhook(ctx context.Context, api *apiClient, u string) (int, bool, error) {
	var hooks []struct {
		ID       int    `json:"id"`
		URL      string `json:"url"`
		IsActive bool   `json:"is_active"`
	}
	if err := api.call(ctx, http.MethodGet, "/api/webhooks?project=null", nil, &hooks); err != nil {
		return 0, false, err
	}
	for _, h := range hooks {
		if h.URL != u {
			continue
		}
		if !h.IsActive {
			if err := api.call(ctx, http.MethodPatch, fmt.Sprintf("/api/webhooks/%d", h.ID), map[string]any{"is_active": true}, nil); err != nil {
				return 0, false, err
			}
		}
		return h.ID, false, nil
	}
	var created struct {
		ID int `json:"id"`
	}
	err := api.call(ctx, http.MethodPost, "/api/webhooks", map[string]any{
		"url": u, "send_payload": true, "send_for_all_actions": true, "is_active": true,
	}, &created)
	return created.ID, true, err
}

// seedSampleData creates the sample projects, each with
// sampleTasksPerProject tasks in one import: a quarter annotated and
// predicted, a quarter annotated, a quarter predicted, a quarter neither.
// It returns the project ids.
func seedSampleData(ctx context.Context, api *apiClient, seed int64) ([]int, error) {
	g := fakedata.New(seed)
	var ids []int
	for _, s := range fakedata.Samples {
		c, err := fakedata.ParseConfig(s.LabelConfig)
		if err != nil {
			return ids, fmt.Errorf("sample %s: %w", s.Name, err)
		}
		var p struct {
			ID int `json:"id"`
		}
		if err := api.call(ctx, http.MethodPost, "/api/projects", map[string]any{
			"title": s.Title, "description": s.Description, "label_config": s.LabelConfig,
		}, &p); err != nil {
			return ids, err
		}
		ids = append(ids, p.ID)
		items := make([]map[string]any, sampleTasksPerProject)
		for i := range items {
			data := g.Task(c)
			item := map[string]any{"data": data}
			if i%4 <= 1 {
				item["annotations"] = []any{g.Annotation(c, data)}
			}
			if i%4 == 0 || i%4 == 2 {
				item["predictions"] = []any{g.Prediction(c, data, sampleModelVersion)}
			}
			items[i] = item
		}
		if err := api.call(ctx, http.MethodPost, fmt.Sprintf("/api/projects/%d/import", p.ID), items, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}
