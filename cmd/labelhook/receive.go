package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/labelhook/labelhook/receiver"
)

// receiveGrace bounds how long receive lets relays to the pipeline finish
// when it is asked to stop; one relay takes at most
// receiver.DefaultForwardTimeout.
const receiveGrace = receiver.DefaultForwardTimeout + 5*time.Second

// runReceive runs the webhook receiver until ctx is cancelled.
func runReceive(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("receive", "receive [flags]", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	record := fs.String("record", "", "append every webhook to this file as one JSON line")
	forwardTo := fs.String("forward-to", "", "relay every accepted webhook to this URL (the pipeline) and record its status")
	reject := fs.Bool("reject-invalid", false, "answer 400 to bodies that break the event contract (default: record them and answer 200)")
	maxBody := fs.Int64("max-body-bytes", receiver.DefaultMaxBodyBytes, "largest body read; larger ones are recorded without content and answered 413")
	verbose := fs.Bool("verbose", false, "log every webhook (debug level)")
	secret := fs.String("signing-secret", "", "verify Standard Webhooks signatures with this whsec_ secret; a missing or bad one makes the record invalid")
	fs.bindEnv("addr", "LABELHOOK_RECEIVER_ADDR")
	fs.bindEnv("record", "LABELHOOK_RECEIVER_RECORD")
	fs.bindEnv("forward-to", "LABELHOOK_RECEIVER_FORWARD_TO")
	fs.bindEnv("reject-invalid", "LABELHOOK_RECEIVER_REJECT_INVALID")
	fs.bindEnv("max-body-bytes", "LABELHOOK_RECEIVER_MAX_BODY_BYTES")
	fs.bindEnv("verbose", "LABELHOOK_VERBOSE")
	fs.bindEnv("signing-secret", "LABELHOOK_RECEIVER_SIGNING_SECRET")
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("receive takes no arguments, got %q", fs.Args())
	}
	if *maxBody <= 0 {
		return usageErrorf("--max-body-bytes must be positive, got %d", *maxBody)
	}
	if *forwardTo != "" {
		u, err := url.Parse(*forwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErrorf("--forward-to must be an http or https URL, got %q", *forwardTo)
		}
	}
	if *secret != "" {
		if err := receiver.CheckSigningSecret(*secret); err != nil {
			return usageErrorf("--signing-secret: %v", err)
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := receiver.Config{
		ForwardTo:     *forwardTo,
		RejectInvalid: *reject,
		MaxBodyBytes:  *maxBody,
		Logger:        log,
		SigningSecret: *secret,
	}
	var file *os.File
	if *record != "" {
		f, err := os.OpenFile(*record, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return usageErrorf("open record file: %v", err)
		}
		file = f
		cfg.RecordFile = f
	}
	rc := receiver.New(cfg)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", *addr, err), closeRecord(file))
	}
	hs := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	baseURL := "http://" + ln.Addr().String()
	log.Info("receiver ready", "url", baseURL, "record", *record, "forward_to", *forwardTo,
		"reject_invalid", *reject, "max_body_bytes", *maxBody)

	var serveErr error
	select {
	case err := <-served:
		serveErr = fmt.Errorf("serve %s: %w", baseURL, err)
	case <-ctx.Done():
		log.Info("shutting down", "url", baseURL)
	}
	sctx, cancel := context.WithTimeout(context.Background(), receiveGrace)
	defer cancel()
	// The receiver first: it ends planned delays and waits at once, so the
	// HTTP server's shutdown does not wait on them.
	rerr := rc.Shutdown(sctx)
	herr := hs.Shutdown(sctx)
	if serveErr == nil {
		<-served // http.ErrServerClosed
	}
	if err := errors.Join(serveErr, rerr, herr, closeRecord(file)); err != nil {
		return err
	}
	log.Info("stopped", "records", len(rc.Events(receiver.Filter{})))
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
