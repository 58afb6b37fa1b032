package server

import "testing"

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       int
	}{
		{"equal", "1.23.2", "1.23.2", 0},
		{"missing parts are 0", "1.23", "1.23.0", 0},
		{"minor decides", "1.20.0", "1.23", -1},
		{"numeric, not text", "1.100", "1.23", 1},
		{"longer is newer", "1.23.1", "1.23", 1},
		{"empty is 0", "", "0.0", 0},
		{"major decides", "2.0", "1.99.99", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := compareVersions(tc.a, tc.b); got != tc.want {
				t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
