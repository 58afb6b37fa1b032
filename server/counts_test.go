package server

// Every test of the package checks the incremental project counters
// against a full recount each time a payload or an API answer reads them,
// and every kept task rendering against a fresh one before it is used.
func init() { verifyCounts, verifyRendered = true, true }
