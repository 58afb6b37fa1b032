package server

// Task slots: the tasks again, in a slice indexed by id, for the reads
// that look up every task of a page or an export. Task ids are given out
// one by one from 1, so the slice is dense. A Go map of 500 000 tasks
// scatters sequential ids over its table: looking up a page's 100 tasks
// cost a cache miss each, and reading every page of 100 in turn
// (BenchmarkTaskListPageScaling) cost 358, 553 and 667 ns a task at 5k,
// 50k and 500k tasks; with the slice, whose lookups for a page are a read
// of 800 adjacent bytes, 328, 371 and 408.
//
// The map stays what every other lookup and all the state code read; the
// slots only mirror it: for an id below len(slots), slots[id] is
// tasks[id] (nil when there is none); an id at or above it is looked up
// in the map. Tables made empty or read from a state file start with no
// slots, which keeps that true; the state check (statecheck.go) fills them
// in one pass, and the store built from them keeps them.

// maxSlotGap bounds how far past the slots a new task may land and still
// get one (the gap is filled with nils): ids come one after the other,
// but a state file may carry any id, and a task with id 10^12 must not
// make a slice of 8 TB. A task past the gap is found in the map.
const maxSlotGap = 1 << 16

// verifySlots makes every slot lookup be checked against the map; the
// package's tests turn it on.
var verifySlots = false

// taskAt returns the task with id, or nil. Call under st.mu.
func (t *tables) taskAt(id int) *task {
	if uint(id) >= uint(len(t.slots)) {
		return t.tasks[id]
	}
	found := t.slots[id]
	if verifySlots && found != t.tasks[id] {
		panic("task slots: the slot of a task does not hold what the map does")
	}
	return found
}

// putTask stores t. Call under st.mu.
func (t *tables) putTask(tk *task) {
	t.tasks[tk.ID] = tk
	switch id := tk.ID; {
	case id < 0:
	case id < len(t.slots):
		t.slots[id] = tk
	case id-len(t.slots) <= maxSlotGap:
		t.slots = append(t.slots, make([]*task, id-len(t.slots))...)
		t.slots = append(t.slots, tk)
	}
}

// dropTask removes the task with id. Call under st.mu.
func (t *tables) dropTask(id int) {
	delete(t.tasks, id)
	if uint(id) < uint(len(t.slots)) {
		t.slots[id] = nil
	}
}

// fillSlots gives the tasks of sorted (ascending ids, every task of the
// tables) their slots, after tables were read with none.
func (t *tables) fillSlots(sorted []*task) {
	t.slots = nil
	for _, tk := range sorted {
		t.putTask(tk)
	}
}
