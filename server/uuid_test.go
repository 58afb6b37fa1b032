package server

import "testing"

// randomUUID gives version 4 UUIDs in Python's uuid4() form, each new.
func TestRandomUUIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := randomUUID()
		if !uuid4RE.MatchString(id) {
			t.Fatalf("%q is not a UUID4", id)
		}
		if seen[id] {
			t.Fatalf("%q came twice", id)
		}
		seen[id] = true
	}
}
