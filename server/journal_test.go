package server

// Every test of the package checks, after each change, that the journal
// record it makes holds everything that changed (journalcheck.go).
func init() { verifyJournal = true }
