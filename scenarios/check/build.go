package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/emission"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// delivery is one webhook request as the mock made it: headers, Host and
// body bytes, replayed to the consumer as they are.
type delivery = emission.Delivery

// builder drives an in-process mock through its API (in memory: handler
// calls, no sockets) with an organization-level webhook that points at the
// consumer, and collects what the mock would have sent. The bodies and
// headers are the mock's own, so they follow it as it follows Label Studio.
type builder struct {
	ctx  context.Context // of the in-process API calls
	mk   *emission.Maker
	srv  *server.Server
	cap  *emission.Capture
	hook int
	pid  int // the project most payloads belong to
	// links hands out label link and label ids.
	links int
}

func newBuilder(ctx context.Context, cfg Config) (*builder, error) {
	lc, err := fakedata.ParseConfig(cfg.LabelConfig)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("label config: %w", err)}
	}
	cp := &emission.Capture{}
	srv, err := server.New(server.Config{
		HTTPClient:             &http.Client{Transport: cp},
		MaxConsecutiveFailures: -1,
		Logger:                 slog.New(slog.DiscardHandler),
		// An organization-level webhook sees every event, "delete all
		// tasks" too (Label Studio Enterprise); the payloads are the same.
		OrganizationWebhooks: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	b := &builder{ctx: ctx, cap: cp, srv: srv, mk: &emission.Maker{API: apiclient.InProcess(srv, server.DefaultToken),
		LabelConfig: cfg.LabelConfig, Config: lc, Gen: fakedata.New(cfg.Seed), ModelVersion: "labelhook-check-v1"}}
	headers := map[string]string{}
	for _, kv := range cfg.Headers {
		headers[kv[0]] = kv[1]
	}
	var wh struct {
		ID int `json:"id"`
	}
	if err := b.mk.API.Call(ctx, http.MethodPost, "/api/webhooks", map[string]any{"url": cfg.URL, "send_for_all_actions": true,
		"send_payload": true, "headers": headers}, &wh); err != nil {
		return nil, &ConfigError{fmt.Errorf("the webhook (URL and headers): %w", err)}
	}
	b.hook = wh.ID
	b.pid, err = b.mk.Project(ctx)
	if refused := (*emission.ConfigRefusedError)(nil); errors.As(err, &refused) {
		return nil, &ConfigError{fmt.Errorf("label config: %w", err)}
	}
	if err != nil {
		return nil, err
	}
	b.cap.Take()
	return b, nil
}

// emit makes the API call that causes action a and returns the
// deliveries of a it caused.
func (b *builder) emit(a schemas.Action, method, path string, body any) ([]delivery, error) {
	b.cap.Take()
	if err := b.mk.API.Call(b.ctx, method, path, body, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	var out []delivery
	for _, d := range b.cap.Take() {
		if d.Action == a {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %s %s sent no webhook of it (a bug in labelhook, please report it)", a, method, path)
	}
	return out, nil
}

// full returns n deliveries of action a with its full payload, each from
// its own API call, as trigger makes them.
func (b *builder) full(a schemas.Action, n int) ([]delivery, error) {
	var out []delivery
	for range n {
		ds, err := b.one(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// one prepares what action a needs, then makes the one API call that
// sends it.
func (b *builder) one(a schemas.Action) ([]delivery, error) {
	switch a {
	case schemas.LabelLinkCreated, schemas.LabelLinkUpdated, schemas.LabelLinkDeleted:
		d, err := b.labelLink(a)
		if err != nil {
			return nil, err
		}
		return []delivery{d}, nil
	}
	c, err := b.mk.Prepare(b.ctx, a, b.pid)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	return b.emit(a, c.Method, c.Path, c.Body)
}

// annotationsCreated turns the predictions of n new tasks into
// annotations in one bulk action: one ANNOTATIONS_CREATED whose
// annotation and task keys hold lists.
func (b *builder) annotationsCreated(n int) ([]delivery, error) {
	ids, err := b.mk.ImportTasks(b.ctx, b.pid, b.mk.Tasks(n, true))
	if err != nil {
		return nil, err
	}
	c := emission.PredictionsToAnnotations(b.pid, ids)
	return b.emit(schemas.AnnotationsCreated, c.Method, c.Path, c.Body)
}

// sendPayload turns the webhook's send_payload on or off.
func (b *builder) sendPayload(on bool) error {
	return b.mk.API.Call(b.ctx, http.MethodPatch, fmt.Sprintf("/api/webhooks/%d", b.hook), map[string]any{"send_payload": on, "send_for_all_actions": true}, nil)
}
