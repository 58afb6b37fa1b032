package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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

// durationVar defines a duration flag that must be more than zero.
func (fs *flagSet) durationVar(p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{d: p}, name, usage)
}

// durationOrZeroVar defines a duration flag for which 0 means something
// (off, or the default), said in usage.
func (fs *flagSet) durationOrZeroVar(p *time.Duration, name string, value time.Duration, usage string) {
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

// parseDelayRange reads --fault-delay: "MIN-MAX" durations such as
// "100ms-2s", or one duration for a fixed delay.
func parseDelayRange(v string) (time.Duration, time.Duration, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(v), "-")
	low, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return 0, 0, fmt.Errorf("delay range %q: %w", v, err)
	}
	if !found {
		return low, low, nil
	}
	high, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return 0, 0, fmt.Errorf("delay range %q: %w", v, err)
	}
	if high < low {
		return 0, 0, fmt.Errorf("delay range %q: MAX is below MIN", v)
	}
	return low, high, nil
}

// parseRetrySchedule reads --retry-schedule: "1s,5s,30s"; an empty string
// is no retries.
func parseRetrySchedule(v string) ([]time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("retry schedule %q has an empty entry", v)
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("retry schedule %q: %w", v, err)
		}
		if d < 0 {
			return nil, fmt.Errorf("retry schedule %q: negative wait %s", v, d)
		}
		out = append(out, d)
	}
	return out, nil
}
