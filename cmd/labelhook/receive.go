package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/httpserve"
	"github.com/labelhook/labelhook/internal/httpurl"
	"github.com/labelhook/labelhook/internal/inspector"
	"github.com/labelhook/labelhook/internal/signing"
	"github.com/labelhook/labelhook/internal/webhookline"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/server"
)

// labelStudioTimeout is how long Label Studio (1.23.2's default
// WEBHOOK_TIMEOUT) waits for a webhook's answer; a forward timeout should
// stay below it.
var labelStudioTimeout = server.DefaultWebhookTimeout

// receiveOptions are receive's flags, checked.
type receiveOptions struct {
	addr, record, forwardTo, secret string
	forwardTimeout                  time.Duration
	reject, quiet, verbose          bool
	maxBody                         int64
	maxRecords                      int
}

// parseReceive reads receive's flags and environment.
func parseReceive(args []string, getenv env, stderr io.Writer) (receiveOptions, error) {
	var o receiveOptions
	fs := envflag.New("receive", "receive [flags]", stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9090", "address to listen on")
	fs.StringVar(&o.record, "record", "", "append every webhook to this file as one JSON line")
	fs.StringVar(&o.forwardTo, "forward-to", "", "relay every accepted webhook to this URL (the pipeline) and record its status")
	fs.DurationVar(&o.forwardTimeout, "forward-timeout", receiver.DefaultForwardTimeout, "give up on a relay to the pipeline after this long (record it as failed, answer the sender)")
	fs.BoolVar(&o.reject, "reject-invalid", false, "answer 400 to bodies that break the event contract (default: record them and answer 200)")
	fs.Int64Var(&o.maxBody, "max-body-bytes", receiver.DefaultMaxBodyBytes, "largest body read; larger ones are recorded without content and answered 413")
	fs.IntVar(&o.maxRecords, "max-records", receiver.DefaultMaxRecords, "records kept in memory; past it the oldest are dropped (and counted)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not print a line per webhook on stdout")
	fs.BoolVar(&o.verbose, "verbose", false, "log every webhook (debug level)")
	fs.StringVar(&o.secret, "signing-secret", "", "verify Standard Webhooks signatures with this whsec_ secret; a missing or bad one is answered 401 and not relayed")
	fs.BindEnv("addr", "LABELHOOK_RECEIVER_ADDR")
	fs.BindEnv("record", "LABELHOOK_RECEIVER_RECORD")
	fs.BindEnv("forward-to", "LABELHOOK_RECEIVER_FORWARD_TO")
	fs.BindEnv("forward-timeout", "LABELHOOK_RECEIVER_FORWARD_TIMEOUT")
	fs.BindEnv("reject-invalid", "LABELHOOK_RECEIVER_REJECT_INVALID")
	fs.BindEnv("max-body-bytes", "LABELHOOK_RECEIVER_MAX_BODY_BYTES")
	fs.BindEnv("max-records", "LABELHOOK_RECEIVER_MAX_RECORDS")
	fs.BindEnv("quiet", "LABELHOOK_RECEIVER_QUIET")
	fs.BindEnv("verbose", "LABELHOOK_VERBOSE")
	fs.BindEnv("signing-secret", "LABELHOOK_RECEIVER_SIGNING_SECRET")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usageErrorf("receive takes no arguments, got %q", fs.Args())
	case o.maxBody <= 0:
		return o, usageErrorf("--max-body-bytes must be positive, got %d", o.maxBody)
	case o.maxRecords <= 0:
		return o, usageErrorf("--max-records must be positive, got %d", o.maxRecords)
	}
	if err := httpurl.Check(o.forwardTo); o.forwardTo != "" && err != nil {
		return o, usageErrorf("--forward-to: %v", err)
	}
	if o.secret != "" {
		if _, err := signing.New(o.secret); err != nil {
			return o, usageErrorf("--signing-secret: %v", err)
		}
	}
	return o, nil
}

// runReceive runs the webhook receiver until ctx is cancelled.
func runReceive(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	o, err := parseReceive(args, getenv, stderr)
	if err != nil {
		return err
	}
	handler := logHandler(stderr, o.verbose)
	var lines *webhookline.Printer
	if !o.quiet {
		lines = webhookline.New(stdout, webhookline.Colors(stdout, getenv.Get))
		defer lines.Close(time.Second) // on the early returns; see below
		if !o.verbose {
			// The line on stdout already tells each rejection and failed relay.
			handler = webhookline.DropPerWebhookWarnings(handler)
		}
	}
	log := slog.New(handler)

	cfg := receiver.Config{
		ForwardTo:      o.forwardTo,
		ForwardTimeout: o.forwardTimeout,
		RejectInvalid:  o.reject,
		MaxBodyBytes:   o.maxBody,
		MaxRecords:     o.maxRecords,
		Logger:         log,
		SigningSecret:  o.secret,
	}
	if lines != nil {
		cfg.OnRecord = lines.Print
	}
	var file *os.File
	if o.record != "" {
		f, err := os.OpenFile(o.record, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return usageErrorf("open record file: %v", err)
		}
		file = f
		cfg.RecordFile = f
	}
	rc := receiver.New(cfg)

	hs, err := httpserve.Listen(o.addr, rc)
	if err != nil {
		return errors.Join(err, closeRecord(file))
	}
	baseURL := hs.URL
	ready := []any{"url", baseURL, "inspector", baseURL + inspector.ReceiverPagePath + "/", "record", o.record, "forward_to", o.forwardTo}
	if o.forwardTo != "" {
		ready = append(ready, "forward_timeout", o.forwardTimeout)
	}
	if o.forwardTo != "" && o.forwardTimeout >= labelStudioTimeout {
		// Before the ready line, so whoever waits for that line has seen it.
		log.Warn("the forward timeout is not below Label Studio's delivery timeout: a hanging pipeline makes the sender's delivery fail",
			"forward_timeout", o.forwardTimeout, "sender_timeout", labelStudioTimeout)
	}
	log.Info("receiver ready", append(ready, "reject_invalid", o.reject, "max_body_bytes", o.maxBody, "max_records", o.maxRecords)...)

	serveErr := serveUntilStopped(ctx, hs, log)
	// Relays in flight may finish: one takes at most the forward timeout.
	sctx, cancel := context.WithTimeout(context.Background(), o.forwardTimeout+5*time.Second)
	defer cancel()
	// The receiver first: it ends planned delays and waits at once, so the
	// HTTP server's shutdown does not wait on them.
	rerr := rc.Shutdown(sctx)
	if lines != nil {
		lines.Close(time.Second) // no record comes after Shutdown
	}
	herr := hs.Shutdown(sctx)
	if err := errors.Join(serveErr, rerr, herr, closeRecord(file)); err != nil {
		return err
	}
	log.Info("stopped", "records", len(rc.Events(receiver.Filter{})), "dropped", rc.Dropped())
	return nil
}

// closeRecord closes the record file, if there is one.
func closeRecord(f *os.File) error {
	if f == nil {
		return nil
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close record file: %w", err)
	}
	return nil
}
