//go:build load && race

package memtest

// The race detector multiplies memory use: live-heap figures mean nothing.
const raceEnabled = true
