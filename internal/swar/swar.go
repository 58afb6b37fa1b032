// Package swar tests eight bytes at once in a 64-bit word ("SIMD within
// a register", after the haszero and hasless tricks of Sean Anderson's
// Bit Twiddling Hacks). The JSON scanners of labelhook use it to skip
// runs of plain string bytes a word at a time; each says which bytes are
// plain to it by combining these tests.
//
// Every test returns a word that is zero when no byte of x qualifies and
// not zero when one does. Which bits are set is not a map of which bytes
// qualify: a borrow from one that does can mark the bytes above it.
package swar

import "encoding/binary"

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// Word is the eight bytes b[0:8] as a word, b[0] in its lowest byte.
func Word(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// Below tests for a byte of x below n, which must be at most 0x80.
func Below(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x & highs }

// Equal tests for a byte of x equal to c.
func Equal(x uint64, c byte) uint64 {
	y := x ^ ones*uint64(c) // a zero byte where x has c
	return (y - ones) &^ y & highs
}

// Outside tests for a byte of x below lo or above hi, lo ≤ hi ≤ 0x7f (a
// byte that is not ASCII is above any such hi).
func Outside(x uint64, lo, hi byte) uint64 {
	return ((x - ones*uint64(lo)) | (x + ones*uint64(0x7f-hi)) | x) & highs
}
