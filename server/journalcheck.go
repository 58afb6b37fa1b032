package server

import (
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
)

// verifyJournal makes every server keep a shadow state built from its
// journal records alone and compare it with the store after each change:
// a change that a record misses (a missing st.changed call) would be lost
// on restart. The package's tests turn it on.
var verifyJournal = false

// verifyRecord writes the pending changes as a record, replays it onto
// the shadow and panics if the shadow and the store differ. Call under
// st.mu.
func (s *Server) verifyRecord() {
	var rec bytes.Buffer
	if err := s.st.writeChanges(&rec); err != nil {
		panic(fmt.Sprintf("journal record: %v", err))
	}
	if s.shadow == nil {
		return // tracking without a shadow: records are dropped
	}
	if err := s.shadow.apply(rec.Bytes()); err != nil {
		panic(fmt.Sprintf("replay journal record: %v\n%s", err, rec.Bytes()))
	}
	var live, replayed bytes.Buffer
	_ = s.st.writeState(&live, 0)
	shadow := &store{next: s.shadow.next, tables: s.shadow.tables}
	_ = shadow.writeState(&replayed, 0)
	if !bytes.Equal(live.Bytes(), replayed.Bytes()) {
		// Not a panic a handler's recover could turn into a 400 that a
		// test might not look at: the test binary stops.
		fmt.Fprintf(os.Stderr, "BUG: a change is missing from the journal record %s\nstore:    %s\nreplayed: %s\n%s",
			rec.Bytes(), firstDiff(live.Bytes(), replayed.Bytes()), firstDiff(replayed.Bytes(), live.Bytes()), debug.Stack())
		os.Exit(3)
	}
}

// firstDiff shows a's text around the first byte where it differs from b.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo, hi := max(i-120, 0), min(i+120, len(a))
	return fmt.Sprintf("…%s…", a[lo:hi])
}
