package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labelhook/labelhook/server"
)

// shutdownGrace bounds how long serve waits for requests and queued
// deliveries when it is asked to stop.
const shutdownGrace = 30 * time.Second

// runServe runs the mock Label Studio until ctx is cancelled.
func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", "", "API token (default: the development token "+server.DefaultToken+")")
	timeout := fs.Float64("webhook-timeout", 10, "seconds one webhook delivery may take")
	batch := fs.Int("webhook-batch-size", server.DefaultBatchSize, "most items one list event carries")
	maxFail := fs.Int("max-consecutive-failures", server.DefaultMaxConsecutiveFailures, "failed deliveries in a row that disable a webhook; 0 turns this off")
	async := fs.Bool("async-delivery", false, "deliver webhooks from a background queue instead of inside the API request")
	verbose := fs.Bool("verbose", false, "log every request and delivery (debug level)")
	fs.bindEnv("addr", "LABELHOOK_ADDR")
	fs.bindEnv("token", "LABELHOOK_TOKEN")
	fs.bindEnv("webhook-timeout", "WEBHOOK_TIMEOUT")
	fs.bindEnv("webhook-batch-size", "WEBHOOK_BATCH_SIZE")
	fs.bindEnv("max-consecutive-failures", "WEBHOOK_MAX_CONSECUTIVE_FAILURES")
	fs.bindEnv("async-delivery", "LABELHOOK_ASYNC_DELIVERY")
	fs.bindEnv("verbose", "LABELHOOK_VERBOSE")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve takes no arguments, got %q", fs.Args())
	}
	if *timeout <= 0 {
		return usageErrorf("--webhook-timeout must be positive, got %v", *timeout)
	}
	if *batch <= 0 {
		return usageErrorf("--webhook-batch-size must be positive, got %d", *batch)
	}
	if *maxFail < 0 {
		return usageErrorf("--max-consecutive-failures must be 0 (off) or more, got %d", *maxFail)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{
		Token:                  *token,
		WebhookTimeout:         time.Duration(*timeout * float64(time.Second)),
		BatchSize:              *batch,
		MaxConsecutiveFailures: *maxFail,
		AsyncDelivery:          *async,
		Logger:                 log,
	}
	if *maxFail == 0 {
		cfg.MaxConsecutiveFailures = -1 // the flag's 0 means off; the Config's 0 means the default
	}
	tokenSource := "flag or environment"
	if cfg.Token == "" {
		cfg.Token = server.DefaultToken
		tokenSource = "development default"
	}
	srv := server.New(cfg)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	url := "http://" + ln.Addr().String()
	log.Info("labelhook mock Label Studio ready", "url", url, "token", cfg.Token, "token_source", tokenSource,
		"personal_access_token", server.RefreshToken(cfg.Token), "webhook_timeout", cfg.WebhookTimeout,
		"webhook_batch_size", cfg.BatchSize, "max_consecutive_failures", *maxFail, "async_delivery", cfg.AsyncDelivery)

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", url, err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "url", url)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	herr := hs.Shutdown(sctx)
	derr := srv.Close(sctx)
	if err := errors.Join(herr, derr); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}
