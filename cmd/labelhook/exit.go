package main

import (
	"errors"
	"flag"

	"github.com/labelhook/labelhook/internal/envflag"
)

// Exit codes shared by every subcommand.
const (
	exitOK     = 0
	exitFailed = 1 // a check failed, or the command could not do its job
	exitUsage  = 2 // bad usage or unreadable input
)

// errSilent marks an error whose details were already printed.
var errSilent = envflag.ErrSilent

// usageError is bad usage: unknown flags, bad values, unreadable input.
type usageError = envflag.UsageError

var usageErrorf = envflag.Usagef

// env is the environment the commands read (os.LookupEnv; tests pass
// mapEnv).
type env = envflag.Env

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
