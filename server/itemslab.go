package server

import (
	"encoding/json"
	"time"
)

// A big state's tasks and annotations came to seven allocations each on
// the fast path (the object, a copy of each raw JSON member, each
// pointer member): 1.4 million small objects for a state of 100 000 of
// each, a tenth of a load's CPU in malloc and more for the collector to
// mark. The item parser of one batch hands them out of shared chunks
// instead. The cost is what a chunk keeps: while any value from it is
// in use, the whole chunk stays (at most slabLen values, or slabBytes of
// JSON), which for objects that mostly live as long as the store is
// little.

// slabLen is how many values of one kind a chunk holds.
const slabLen = 128

// slab hands out pointers to values of T, up to slabLen to an
// allocation.
type slab[T any] struct{ free []T }

// put stores v in the next free value and returns its address; a new
// chunk holds up to want values (at least one).
func (s *slab[T]) put(v T, want int) *T {
	if len(s.free) == 0 {
		s.free = make([]T, min(max(want, 1), slabLen))
	}
	p := &s.free[0]
	*p = v
	s.free = s.free[1:]
	return p
}

// slabBytes is how many bytes of raw JSON a chunk holds; a longer value
// gets an allocation of its own.
const slabBytes = 16 << 10

// batchLeft is what a batch has left to read: items, and their bytes.
type batchLeft struct{ items, bytes int }

// itemSlabs are the chunks of one batch's item parser. A chunk of values
// is no bigger than the items the batch has left, and a chunk of raw JSON
// no bigger than their bytes, so no batch ends with most of a chunk
// unused.
type itemSlabs struct {
	left        batchLeft
	tasks       slab[task]
	annotations slab[annotation]
	ints        slab[int]
	floats      slab[float64]
	strings     slab[string]
	times       slab[time.Time]
	raw         []byte // the free bytes of the current chunk of raw JSON
}

// keep copies b out of the batch's input (which is not kept) into the
// current chunk. The copy's capacity ends with it: an append to it
// allocates instead of writing over the next value.
func (s *itemSlabs) keep(b []byte) json.RawMessage {
	if len(b) > slabBytes/4 {
		return append(json.RawMessage(nil), b...)
	}
	if len(b) > cap(s.raw)-len(s.raw) {
		s.raw = make([]byte, 0, min(slabBytes, max(s.left.bytes, len(b))))
	}
	start := len(s.raw)
	s.raw = append(s.raw, b...)
	return json.RawMessage(s.raw[start:len(s.raw):len(s.raw)])
}
