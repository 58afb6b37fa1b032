package server

import "testing"

// checkSlots fails unless every id below len(slots) holds what the map
// does and every task of the map is found by taskAt.
func checkSlots(t *testing.T, tb *tables) {
	t.Helper()
	for id, tk := range tb.slots {
		if tk != tb.tasks[id] {
			t.Fatalf("slot %d holds %v, the map %v", id, tk, tb.tasks[id])
		}
	}
	for id, tk := range tb.tasks {
		if got := tb.taskAt(id); got != tk {
			t.Fatalf("taskAt(%d) = %v, want %v", id, got, tk)
		}
	}
}

func TestTaskSlotsMirrorTheMap(t *testing.T) {
	tb := newTables()
	for id := 1; id <= 5; id++ {
		tb.putTask(&task{ID: id})
	}
	checkSlots(t, &tb)
	tb.dropTask(3)
	tb.dropTask(99) // not there: nothing changes
	checkSlots(t, &tb)
	if tb.taskAt(3) != nil || tb.taskAt(0) != nil || tb.taskAt(-1) != nil || tb.taskAt(6) != nil {
		t.Fatal("a task that is not there was found")
	}

	// A gap within maxSlotGap is filled with nils; a task far past the
	// slots, or with a negative id, lives in the map alone.
	tb.putTask(&task{ID: 5 + maxSlotGap})
	if len(tb.slots) != 6+maxSlotGap {
		t.Fatalf("after a gap of maxSlotGap: %d slots, want %d", len(tb.slots), 6+maxSlotGap)
	}
	far := &task{ID: 1 << 40}
	tb.putTask(far)
	tb.putTask(&task{ID: -7})
	if len(tb.slots) != 6+maxSlotGap {
		t.Fatalf("a task far past the slots grew them to %d", len(tb.slots))
	}
	checkSlots(t, &tb)
	tb.dropTask(1 << 40)
	if tb.taskAt(1<<40) != nil {
		t.Fatal("a dropped task past the slots is still found")
	}

	// Tables read from a state file have no slots until they are filled.
	read := newTables()
	sorted := []*task{{ID: 2}, {ID: 4}, {ID: 1 << 40}}
	for _, tk := range sorted {
		read.tasks[tk.ID] = tk
	}
	checkSlots(t, &read)
	read.fillSlots(sorted)
	if len(read.slots) != 5 {
		t.Fatalf("filled: %d slots, want 5", len(read.slots))
	}
	checkSlots(t, &read)
}
