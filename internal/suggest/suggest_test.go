package suggest

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"serve", "receive", "run", "validate", "schemas", "trigger", "health", "bench"}
	flags := []string{"addr", "token", "webhook", "webhook-timeout", "seed", "sample-data", "state"}
	for _, tc := range []struct {
		name       string
		typed      string
		candidates []string
		want       string
	}{
		{"missing letter", "serv", commands, "serve"},
		{"swapped letters", "recieve", commands, "receive"},
		{"extra letter", "runn", commands, "run"},
		{"case ignored", "SERVE", commands, "serve"},
		{"flag missing letter", "adr", flags, "addr"},
		{"flag prefix", "sample", flags, "sample-data"},
		{"flag with a typo", "webhok-timeout", flags, "webhook-timeout"},
		{"nothing close", "deploy", commands, ""},
		{"nothing close among flags", "verbosity", flags, ""},
		{"no candidates", "serve", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Closest(tc.typed, tc.candidates); got != tc.want {
				t.Errorf("Closest(%q, %v) = %q, want %q", tc.typed, tc.candidates, got, tc.want)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"é", "e", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
