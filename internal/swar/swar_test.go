package swar

import (
	"math/rand/v2"
	"testing"
)

// check compares each test on the word of b with a loop over its bytes.
func check(t *testing.T, b []byte) {
	t.Helper()
	x := Word(b)
	any := func(f func(c byte) bool) bool {
		for _, c := range b[:8] {
			if f(c) {
				return true
			}
		}
		return false
	}
	for _, n := range []byte{0, 1, 0x20, 0x22, 0x5c, 0x7f, 0x80} {
		if got, want := Below(x, n) != 0, any(func(c byte) bool { return c < n }); got != want {
			t.Fatalf("Below(%q, %#x) = %v, want %v", b, n, got, want)
		}
	}
	for _, c := range []byte{0, '"', '\\', 0x7f, 0x80, 0xff} {
		if got, want := Equal(x, c) != 0, any(func(d byte) bool { return d == c }); got != want {
			t.Fatalf("Equal(%q, %#x) = %v, want %v", b, c, got, want)
		}
	}
	for _, r := range [][2]byte{{0x20, 0x7e}, {0x20, 0x7f}, {0, 0x7f}, {0, 0}, {0x7f, 0x7f}, {'a', 'z'}} {
		lo, hi := r[0], r[1]
		if got, want := Outside(x, lo, hi) != 0, any(func(c byte) bool { return c < lo || c > hi }); got != want {
			t.Fatalf("Outside(%q, %#x, %#x) = %v, want %v", b, lo, hi, got, want)
		}
	}
}

// Every byte value in every position of an otherwise plain word, and
// random words, answer as a loop over the bytes does.
func TestWordTestsMatchByteLoops(t *testing.T) {
	for pos := range 8 {
		for v := range 256 {
			for _, fill := range []byte{'a', 0x00, 0xff, 0x21, 0x7f} {
				b := []byte{fill, fill, fill, fill, fill, fill, fill, fill}
				b[pos] = byte(v)
				check(t, b)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 8)
	for range 200000 {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		check(t, b)
	}
}

func FuzzWordTests(f *testing.F) {
	f.Add([]byte(`abc"\def`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 8 {
			check(t, b)
		}
	})
}
