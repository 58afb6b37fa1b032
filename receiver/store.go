package receiver

// recordLog keeps the newest records in seq order, at most max of them.
// Every webhook gets the next seq and is appended at once, and records
// leave only from the front (the cap) or all together (Clear), so the
// seqs kept are always contiguous: the record with seq s sits at
// s - first. Finding a seq is O(1) and a cursor (since) costs nothing.
//
// The caller holds Receiver.mu.
type recordLog struct {
	max  int
	buf  []Record // buf[head:] are kept; buf[:head] are zeroed, so dropped bodies can be collected
	head int
}

// len is the number of records kept.
func (l *recordLog) len() int { return len(l.buf) - l.head }

// first is the seq of the oldest record kept, or 0 when there is none.
func (l *recordLog) first() int64 {
	if l.len() == 0 {
		return 0
	}
	return l.buf[l.head].Seq
}

// push appends r, whose seq must follow the last one kept, and reports
// whether the oldest record was dropped to stay within max.
func (l *recordLog) push(r Record) (dropped bool) {
	if l.max > 0 && l.len() >= l.max {
		l.buf[l.head] = Record{}
		l.head++
		dropped = true
		// Move the kept records down once as many slots are dead as alive:
		// each record is moved at most once per slot it freed, so a push
		// stays O(1) on average and the array stays under twice max.
		if l.head >= l.len() {
			n := copy(l.buf, l.buf[l.head:])
			clear(l.buf[n:])
			l.buf = l.buf[:n]
			l.head = 0
		}
	}
	l.buf = append(l.buf, r)
	return dropped
}

// from returns the records with seq >= seq, in seq order. The slice is
// the log's own storage: read it under the lock and copy what you keep.
func (l *recordLog) from(seq int64) []Record {
	kept := l.buf[l.head:]
	if len(kept) == 0 {
		return nil
	}
	i := seq - kept[0].Seq
	switch {
	case i <= 0:
		return kept
	case i >= int64(len(kept)):
		return nil
	}
	return kept[i:]
}

// get returns the record with seq, if it is kept.
func (l *recordLog) get(seq int64) (*Record, bool) {
	kept := l.buf[l.head:]
	if len(kept) == 0 {
		return nil, false
	}
	i := seq - kept[0].Seq
	if i < 0 || i >= int64(len(kept)) {
		return nil, false
	}
	return &kept[i], true
}

// reset forgets every record and lets go of the storage, so the bodies
// can be collected.
func (l *recordLog) reset() int {
	n := l.len()
	l.buf, l.head = nil, 0
	return n
}
