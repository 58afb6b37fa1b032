package trigger

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/emission"
	"github.com/labelhook/labelhook/internal/labellink"
	"github.com/labelhook/labelhook/schemas"
)

// sendLabelLink sends a LABEL_LINK_* body built as Label Studio does
// (internal/labellink) as the mock sends its webhooks: the mock sends a
// PROJECT_UPDATED to captureHost through a webhook with the target's
// headers and send_payload, and the label link body takes that
// delivery's headers and project.
func (tr *Trigger) sendLabelLink(ctx context.Context, a schemas.Action, pid int) (Result, error) {
	captured, err := tr.projectUpdated(ctx, pid)
	if err != nil {
		return Result{}, err
	}
	tr.links++
	body, err := labellink.FromProjectUpdated(a, tr.links, captured.Body, tr.mk.Config, tr.mk.Gen, time.Now())
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tr.o.To, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header = captured.Header
	tr.rec.take()
	if resp, err := tr.direct.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	return tr.result(a)
}

// projectUpdated returns the PROJECT_UPDATED delivery the mock makes for
// project pid to a webhook like the target's at captureHost.
func (tr *Trigger) projectUpdated(ctx context.Context, pid int) (emission.Delivery, error) {
	var wh struct {
		ID int `json:"id"`
	}
	if err := tr.api.Call(ctx, http.MethodPost, "/api/webhooks", map[string]any{"url": "http://" + captureHost + "/project",
		"project": pid, "send_for_all_actions": false, "actions": []string{string(schemas.ProjectUpdated)},
		"send_payload": !tr.o.NoPayload, "headers": tr.headersObject()}, &wh); err != nil {
		return emission.Delivery{}, fmt.Errorf("capture the project payload: %w", err)
	}
	defer func() { _ = tr.api.Call(ctx, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", wh.ID), nil, nil) }()
	tr.rec.take()
	if err := tr.api.Call(ctx, http.MethodPatch, fmt.Sprintf("/api/projects/%d", pid), map[string]any{}, nil); err != nil {
		return emission.Delivery{}, fmt.Errorf("capture the project payload: %w", err)
	}
	_, captured := tr.rec.take()
	if len(captured) != 1 {
		return emission.Delivery{}, fmt.Errorf("capture the project payload: %d deliveries arrived, want 1", len(captured))
	}
	return captured[0], nil
}
