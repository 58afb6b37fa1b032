package webhookline

import (
	"context"
	"log/slog"
)

// DropPerWebhookWarnings returns h without the receiver's per-webhook
// warnings (a rejected body, a failed relay: Warn records with a "seq"),
// which the printed line already shows; everything else passes.
func DropPerWebhookWarnings(h slog.Handler) slog.Handler { return perWebhookWarnings{h} }

type perWebhookWarnings struct{ slog.Handler }

func (h perWebhookWarnings) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		perWebhook := false
		r.Attrs(func(a slog.Attr) bool {
			perWebhook = a.Key == "seq"
			return !perWebhook
		})
		if perWebhook {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h perWebhookWarnings) WithAttrs(attrs []slog.Attr) slog.Handler {
	return perWebhookWarnings{h.Handler.WithAttrs(attrs)}
}

func (h perWebhookWarnings) WithGroup(name string) slog.Handler {
	return perWebhookWarnings{h.Handler.WithGroup(name)}
}
