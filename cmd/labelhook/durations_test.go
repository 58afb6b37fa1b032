package main

import (
	"io"
	"slices"
	"testing"
	"time"
)

func TestParseDelayRange(t *testing.T) {
	for _, tc := range []struct {
		name           string
		in             string
		wantLo, wantHi time.Duration
		wantErr        bool
	}{
		{"range", "100ms-2s", 100 * time.Millisecond, 2 * time.Second, false},
		{"spaces", " 1s - 3s ", time.Second, 3 * time.Second, false},
		{"one duration is a fixed delay", "250ms", 250 * time.Millisecond, 250 * time.Millisecond, false},
		{"max below min", "2s-1s", 0, 0, true},
		{"bad min", "soon-1s", 0, 0, true},
		{"bad max", "1s-later", 0, 0, true},
		{"empty", "", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, err := parseDelayRange(tc.in)
			if (err != nil) != tc.wantErr || lo != tc.wantLo || hi != tc.wantHi {
				t.Errorf("parseDelayRange(%q) = %s, %s, %v; want %s, %s, error %v", tc.in, lo, hi, err, tc.wantLo, tc.wantHi, tc.wantErr)
			}
		})
	}
}

func TestParseRetrySchedule(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []time.Duration
		wantErr bool
	}{
		{"three waits", "1s, 5s,30s", []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}, false},
		{"empty is no retries", "", nil, false},
		{"blank is no retries", "  ", nil, false},
		{"bad duration", "1s,soon", nil, true},
		{"empty entry", "1s,,2s", nil, true},
		{"negative wait", "1s,-2s", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRetrySchedule(tc.in)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("parseRetrySchedule(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// Every timeout flag takes the same values: labelhook trigger --timeout 2s
// used to be refused while check --timeout 2s was not.
func TestTimeoutFlagsTakeDurationsAndSeconds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func(args []string) (time.Duration, error)
		flag  string
	}{
		{"trigger", func(args []string) (time.Duration, error) {
			o, err := parseTrigger(append([]string{"TASKS_CREATED", "--to", "http://127.0.0.1:1"}, args...), io.Discard)
			return o.Timeout, err
		}, "--timeout"},
		{"health", func(args []string) (time.Duration, error) {
			_, d, err := parseHealth(args, mapEnv(nil), io.Discard)
			return d, err
		}, "--timeout"},
		{"receive", func(args []string) (time.Duration, error) {
			o, err := parseReceive(args, mapEnv(nil), io.Discard)
			return o.forwardTimeout, err
		}, "--forward-timeout"},
		{"serve", func(args []string) (time.Duration, error) {
			o, err := parseServe(args, mapEnv(nil), io.Discard)
			return o.timeout, err
		}, "--webhook-timeout"},
	} {
		for _, v := range []string{"2s", "2", "2000ms"} {
			t.Run(tc.name+" "+v, func(t *testing.T) {
				got, err := tc.parse([]string{tc.flag, v})
				if err != nil || got != 2*time.Second {
					t.Errorf("%s %s %s: %s, %v; want 2s", tc.name, tc.flag, v, got, err)
				}
			})
		}
	}
}
