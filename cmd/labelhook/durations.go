package main

import (
	"fmt"
	"strings"
	"time"
)

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
