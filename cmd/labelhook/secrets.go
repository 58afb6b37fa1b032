package main

import "unicode/utf8"

// maskSecret shows at most a quarter of a secret, and never more than its
// first 4 and last 3 characters ("lhk_…XYZ" for a 40-character token), so
// that one can tell which secret is in use without it being in a log.
func maskSecret(s string) string {
	r := []rune(s)
	shown := min(len(r)/4, 7)
	head := (shown + 1) / 2
	tail := shown - head
	if !utf8.ValidString(s) || shown == 0 {
		return "…"
	}
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
