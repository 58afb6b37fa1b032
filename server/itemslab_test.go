package server

import (
	"bytes"
	"testing"
)

// Values handed out of a chunk are independent: an append to a kept raw
// value allocates instead of writing over the next one, and each put
// gets its own value.
func TestSlabValuesAreIndependent(t *testing.T) {
	var s itemSlabs
	s.left = batchLeft{items: 2, bytes: 100}
	in := []byte(`{"a":1}[2]`)
	first, second := s.keep(in[:7]), s.keep(in[7:])
	in[0] = 'X' // the batch's input is not kept
	grown := append(first, ',')
	if string(first) != `{"a":1}` || string(second) != `[2]` || string(grown) != `{"a":1},` {
		t.Fatalf("first %s, second %s, grown %s", first, second, grown)
	}
	if cap(s.raw) > 100 {
		t.Errorf("a chunk of %d bytes for a batch with 100 left", cap(s.raw))
	}
	big := bytes.Repeat([]byte("x"), slabBytes)
	if got := s.keep(big); !bytes.Equal(got, big) || cap(s.raw) > 100 {
		t.Errorf("a big value went into the chunk")
	}

	a, b := s.ints.put(1, slabLen), s.ints.put(2, slabLen)
	*a = 10
	if *a != 10 || *b != 2 || a == b {
		t.Errorf("ints %d %d", *a, *b)
	}
	s.tasks.put(task{ID: 1}, 3)
	if n := len(s.tasks.free); n != 2 {
		t.Errorf("a batch with 3 tasks left got a chunk of %d", n+1)
	}
}
