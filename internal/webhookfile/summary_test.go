package webhookfile

import "testing"

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		problems []int // per body
		want     string
	}{
		{"one valid", []int{0}, "1 body checked: all valid"},
		{"all valid", []int{0, 0}, "2 bodies checked: all valid"},
		{"one problem", []int{0, 1}, "2 bodies checked: 1 valid, 1 invalid (1 problem)"},
		{"problems", []int{2, 0, 3}, "3 bodies checked: 1 valid, 2 invalid (5 problems)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Summary
			for _, p := range tc.problems {
				s.Add(p)
			}
			if got := s.String(); got != tc.want {
				t.Errorf("bodies with %v problems: %q, want %q", tc.problems, got, tc.want)
			}
		})
	}
}
