// Package sandbox fills a labelhook mock with realistic data and keeps it
// busy, the way `labelhook serve --sample-data --webhook URL
// --simulate-annotators N` does: organization webhooks, sample projects
// with seeded tasks, annotations and predictions, and simulated annotators.
// It drives the mock only through its REST API, as a user's code would, so
// every change sends the webhooks Label Studio would send.
package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
)

// Options say what SetUp does.
type Options struct {
	// Webhooks are URLs to register as organization-level webhooks.
	Webhooks []string
	// SampleData creates the sample projects (unless Restored).
	SampleData bool
	// Seed makes the sample data the same on every machine.
	Seed int64
	// Restored says the mock was loaded from a state file, which already
	// holds the sandbox: no sample data is added on top.
	Restored bool
	// StateFile names that file, for the log.
	StateFile string
}

// SetUp registers the webhooks, then (on a fresh start) the sample data.
// The webhooks come first on purpose: a receiver sees the sandbox fill up
// (PROJECT_CREATED, TASKS_CREATED), which proves the wiring before the
// first simulated annotation.
func SetUp(ctx context.Context, c *apiclient.Client, o Options, log *slog.Logger) error {
	for _, u := range o.Webhooks {
		id, created, err := EnsureOrgWebhook(ctx, c, u)
		if err != nil {
			return fmt.Errorf("register webhook %s: %w", u, err)
		}
		log.Info("organization webhook registered", "webhook_id", id, "url", u, "reused", !created)
	}
	if !o.SampleData {
		return nil
	}
	if o.Restored {
		log.Info("sample data skipped: the state file already holds the sandbox", "file", o.StateFile)
		return nil
	}
	start := time.Now()
	ids, err := SeedSampleData(ctx, c, o.Seed)
	if err != nil {
		return fmt.Errorf("create sample data: %w", err)
	}
	log.Info("sample data created", "projects", len(ids), "project_ids", ids, "tasks_per_project", TasksPerProject,
		"seed", o.Seed, "duration", time.Since(start))
	return nil
}
