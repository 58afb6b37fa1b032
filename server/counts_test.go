package server

// Every test of the package checks the incremental project counters
// against a full recount each time a payload or an API answer reads them.
func init() { verifyCounts = true }
