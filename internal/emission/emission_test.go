package emission

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/schemas"
	"github.com/labelhook/labelhook/server"
)

// actions are the actions of the deliveries c kept since the last call.
func actions(c *Capture) []schemas.Action {
	var out []schemas.Action
	for _, d := range c.Take() {
		out = append(out, d.Action)
	}
	return out
}

func newMaker(t *testing.T, labelConfig string) (*Maker, *Capture) {
	t.Helper()
	sent := &Capture{}
	srv, err := server.New(server.Config{HTTPClient: &http.Client{Transport: sent}, OrganizationWebhooks: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		t.Fatal(err)
	}
	m := &Maker{API: apiclient.InProcess(srv, server.DefaultToken), LabelConfig: labelConfig, Config: cfg, Gen: fakedata.New(1), ModelVersion: "test-v1"}
	if err := m.API.Call(context.Background(), http.MethodPost, "/api/webhooks", map[string]any{"url": "http://consumer.invalid/hook"}, nil); err != nil {
		t.Fatal(err)
	}
	return m, sent
}

// Prepare's set-up emits nothing of the action, and its call emits exactly
// one webhook of it.
func TestPrepareEmitsTheAction(t *testing.T) {
	ctx := context.Background()
	m, sent := newMaker(t, fakedata.TextClassificationConfig)
	pid, err := m.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range schemas.Catalog {
		a := info.Action
		t.Run(string(a), func(t *testing.T) {
			sent.Take()
			c, err := m.Prepare(ctx, a, pid)
			if strings.HasPrefix(string(a), "LABEL_LINK_") {
				if err == nil {
					t.Errorf("Prepare(%s) = %+v, want an error: the mock emits label links only from its label link API", a, c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(sent); slices.Contains(got, a) {
				t.Fatalf("the set-up for %s already sent %v", a, got)
			}
			if err := c.Do(ctx, m.API); err != nil {
				t.Fatalf("%s %s: %v", c.Method, c.Path, err)
			}
			if got := actions(sent); !slices.Equal(got, []schemas.Action{a}) {
				t.Errorf("%s %s sent %v, want [%s]", c.Method, c.Path, got, a)
			}
		})
	}
}

func TestProjectWithARefusedConfig(t *testing.T) {
	m, _ := newMaker(t, "<View><Choices name='c' toName='missing'/></View>")
	_, err := m.Project(context.Background())
	var refused *ConfigRefusedError
	if !errors.As(err, &refused) || refused.Answer == "" {
		t.Errorf("Project with a config naming no object: %v, want a *ConfigRefusedError with the mock's answer", err)
	}
}
