package main

import (
	"strings"
	"testing"
)

// wantContains reports each wanted string that text lacks; what names
// the text in the message ("output", "ready line").
func wantContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}
