// Package suggest finds the name a user most likely meant when they typed
// one that does not exist ("serv" for serve, "--adr" for --addr), for
// "did you mean" messages.
package suggest

import "strings"

// Closest returns the candidate closest to name when it is close enough to
// be a likely typo (or one contains the other), or "". Case is ignored.
func Closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(lower, lc)
		if len(lower) >= 4 && (strings.Contains(lc, lower) || strings.Contains(lower, lc)) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 1 || bestD*2 <= len(name) {
		return best
	}
	return ""
}

// Distance is the optimal string alignment distance between a and b:
// Levenshtein with a swap of two neighbours counted as one edit.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
