// Package trigger sends realistic webhooks of one Label Studio action (or
// all) to a URL, as `labelhook trigger` does. The bodies come from a mock
// Label Studio running in-process, driven through its API with a webhook
// filtered to the action, so they are exactly what the mock (and Label
// Studio) sends; LABEL_LINK_* bodies, which the mock does not emit, are
// built as Label Studio's serializers build them
// (docs/label-studio-behaviour.md#label-links) and checked against the
// schemas.
package trigger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/emission"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/internal/httpserve"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// captureHost is a webhook host the mock's own transport answers itself:
// deliveries to it never reach the network.
const captureHost = "labelhook-trigger.invalid"

// Options say what to send where.
type Options struct {
	// To is the target URL.
	To string
	// Seed makes the generated data the same on every run.
	Seed int64
	// Count is how many webhooks of each action to send (at least 1).
	Count int
	// LabelConfig is the label config (XML) the data and annotations
	// follow; empty means a text classification config.
	LabelConfig string
	// ConfigPath is the file LabelConfig came from, for messages.
	ConfigPath string
	// Headers are added to every webhook, as a webhook's headers are.
	Headers [][2]string
	// NoPayload sends only {"action": ...}, as send_payload=false does.
	NoPayload bool
	// Timeout bounds one delivery, connect and answer (default 10 s).
	Timeout time.Duration
	// Logger gets what the in-process mock logs (default: nothing).
	Logger *slog.Logger
}

// ConfigError is a label config that does not parse, or that the mock
// refuses.
type ConfigError struct {
	Path string
	Err  error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("label config %s: %v", e.Path, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// Trigger drives an in-process mock whose webhooks go to one target.
type Trigger struct {
	o      Options
	mk     *emission.Maker
	api    *apiclient.Client
	rec    *recorder
	direct *http.Client // sends the LABEL_LINK_* bodies
	hs     *httpserve.Server
	mock   *server.Server
	links  int // label link and label ids handed out
}

// Start checks the label config and starts the in-process mock on
// 127.0.0.1:0; Close stops it.
func Start(o Options) (*Trigger, error) {
	if o.LabelConfig == "" {
		o.LabelConfig = fakedata.TextClassificationConfig
	}
	cfg, err := fakedata.ParseConfig(o.LabelConfig)
	if err != nil {
		return nil, &ConfigError{Path: o.ConfigPath, Err: err}
	}
	if o.Count < 1 {
		o.Count = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = server.DefaultWebhookTimeout
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rec := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	mock, err := server.New(server.Config{
		Token:                  server.DefaultToken,
		WebhookTimeout:         o.Timeout,
		MaxConsecutiveFailures: -1,   // --count 100 against a failing target must send 100
		OrganizationWebhooks:   true, // PROJECT_CREATED and PROJECT_DELETED go only to those
		HTTPClient:             &http.Client{Transport: rec},
		Logger:                 log,
	})
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	hs, err := httpserve.Listen("127.0.0.1:0", mock)
	if err != nil {
		return nil, fmt.Errorf("start the in-process mock: %w", err)
	}
	api := apiclient.New(hs.URL, server.DefaultToken)
	return &Trigger{
		o: o, rec: rec, hs: hs, mock: mock, api: api,
		mk: &emission.Maker{API: api, LabelConfig: o.LabelConfig, Config: cfg, Gen: fakedata.New(o.Seed),
			ModelVersion: "labelhook-trigger-v1"},
		direct: &http.Client{Transport: rec, Timeout: o.Timeout},
	}, nil
}

// Close stops the in-process mock.
func (tr *Trigger) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.hs.Shutdown(ctx)
	_ = tr.mock.Close(ctx)
}

// Send sets up a project and a webhook filtered to action a, then makes
// Options.Count emissions of it, reporting each delivery.
func (tr *Trigger) Send(ctx context.Context, a schemas.Action, report func(Result)) error {
	info, _ := schemas.Lookup(string(a))
	pid := 0
	if !info.OrgOnly {
		id, err := tr.mk.Project(ctx)
		if err != nil {
			return tr.configError(err)
		}
		pid = id
	}
	hook := map[string]any{"url": tr.o.To, "send_for_all_actions": false, "actions": []string{string(a)},
		"send_payload": !tr.o.NoPayload, "headers": tr.headersObject()}
	if pid != 0 {
		hook["project"] = pid
	}
	var wh struct {
		ID int `json:"id"`
	}
	if err := tr.api.Call(ctx, http.MethodPost, "/api/webhooks", hook, &wh); err != nil {
		return fmt.Errorf("%s: register the webhook: %w", a, err)
	}
	for range tr.o.Count {
		d, err := tr.emit(ctx, a, pid)
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		report(d)
	}
	// Gone before the next action, whose set-up must not reach the target.
	if err := tr.api.Call(ctx, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", wh.ID), nil, nil); err != nil {
		return fmt.Errorf("%s: remove the webhook: %w", a, err)
	}
	return nil
}

func (tr *Trigger) headersObject() map[string]string {
	h := map[string]string{}
	for _, kv := range tr.o.Headers {
		h[kv[0]] = kv[1]
	}
	return h
}

// emit prepares what action a needs (which the webhook's filter keeps
// from the target), then makes the one API call that emits a, and
// returns how the target answered.
func (tr *Trigger) emit(ctx context.Context, a schemas.Action, pid int) (Result, error) {
	switch a {
	case schemas.LabelLinkCreated, schemas.LabelLinkUpdated, schemas.LabelLinkDeleted:
		return tr.sendLabelLink(ctx, a, pid)
	}
	c, err := tr.mk.Prepare(ctx, a, pid)
	if err != nil {
		return Result{}, tr.configError(err)
	}
	tr.rec.take()
	if err := c.Do(ctx, tr.api); err != nil {
		return Result{}, err
	}
	return tr.result(a)
}

// result turns the exchanges of the last emission into its delivery.
func (tr *Trigger) result(a schemas.Action) (Result, error) {
	hops, _ := tr.rec.take()
	if len(hops) == 0 {
		return Result{}, errors.New("the mock sent no webhook (a bug in labelhook, please report it)")
	}
	last := hops[len(hops)-1]
	return Result{Action: a, Status: last.status, Err: last.err, Duration: last.end.Sub(hops[0].start)}, nil
}

// configError names the label config file the mock refused.
func (tr *Trigger) configError(err error) error {
	if refused := (*emission.ConfigRefusedError)(nil); errors.As(err, &refused) && tr.o.ConfigPath != "" {
		return &ConfigError{Path: tr.o.ConfigPath, Err: refused}
	}
	return err
}
