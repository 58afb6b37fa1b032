package server

// Every test of the package checks the incremental project counters
// against a full recount each time a payload or an API answer reads them,
// every kept task rendering against a fresh one before it is used, and
// every task found by its slot against the map (taskslots.go).
func init() { verifyCounts, verifyRendered, verifySlots = true, true, true }
