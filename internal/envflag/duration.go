package envflag

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// durationFlag is a duration given as 10s or 500ms, or as a bare number
// of seconds, the unit of Label Studio's WEBHOOK_TIMEOUT: every duration
// flag of every command takes both. A negative value is refused, and so
// is zero unless it means something for the flag (off, the default).
type durationFlag struct {
	d      *time.Duration
	zeroOK bool
}

// DurationVar defines a duration flag that must be more than zero.
func (fs *FlagSet) DurationVar(p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{d: p}, name, usage)
}

// DurationOrZeroVar defines a duration flag for which 0 means something
// (off, or the default), said in usage.
func (fs *FlagSet) DurationOrZeroVar(p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{d: p, zeroOK: true}, name, usage)
}

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		s, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || math.IsNaN(s) || math.Abs(s) > math.MaxInt64/float64(time.Second) {
			return fmt.Errorf("want a duration such as 10s or 500ms, or a number of seconds")
		}
		d = time.Duration(s * float64(time.Second))
	}
	switch {
	case d < 0 && f.zeroOK:
		return fmt.Errorf("want 0 or more")
	case d <= 0 && !f.zeroOK:
		return fmt.Errorf("want more than zero")
	}
	*f.d = d
	return nil
}
