//go:build load && !race

package memtest

const raceEnabled = false
