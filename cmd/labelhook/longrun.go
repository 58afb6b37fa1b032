package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/labelhook/labelhook/internal/httpserve"
)

// logHandler is the text log on w of serve and receive, the commands that
// run until stopped: info and above, or everything with --verbose.
func logHandler(w io.Writer, verbose bool) slog.Handler {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
}

// serveUntilStopped serves hs until ctx is cancelled (logged as the start
// of the shutdown) or the server fails (the error).
func serveUntilStopped(ctx context.Context, hs *httpserve.Server, log *slog.Logger) error {
	err := hs.Wait(ctx)
	if err == nil {
		log.Info("shutting down", "url", hs.URL)
	}
	return err
}
