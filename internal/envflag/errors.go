package envflag

import (
	"errors"
	"fmt"
)

// ErrSilent marks an error whose details were already printed.
var ErrSilent = errors.New("already reported")

// UsageError is bad usage: unknown flags, bad values, unreadable input
// (labelhook exits 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}
