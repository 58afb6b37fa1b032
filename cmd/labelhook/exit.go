package main

import (
	"errors"
	"flag"
	"fmt"
)

// Exit codes shared by every subcommand.
const (
	exitOK     = 0
	exitFailed = 1 // a check failed, or the command could not do its job
	exitUsage  = 2 // bad usage or unreadable input
)

// errSilent marks an error whose details were already printed.
var errSilent = errors.New("already reported")

// usageError is bad usage: unknown flags, bad values, unreadable input.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// checkFailedError reports that a check ran and failed (exit 1).
type checkFailedError struct{ err error }

func (e *checkFailedError) Error() string { return e.err.Error() }
func (e *checkFailedError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		return exitUsage
	default:
		return exitFailed
	}
}
