// Package compare runs scenarios against two Label Studio-compatible
// servers — an external one (a real Label Studio, or another labelhook)
// and an in-process mock — and reports where they differ, step by step:
// the answer of each request and every webhook it caused.
//
// Flow: scenarios.Run with Options.Trace records each side (Run); Normalize
// turns a recorded scenario into a Scenario whose ids are placeholders in
// order of first appearance per kind ("<task 2>"), whose datetimes and
// uuids show only their format, and whose URLs, tokens and other volatile
// values are masked; Diff lists the differences of two normalised
// scenarios: events missing or extra, and for each answer and event the
// JSON paths whose key set, JSON type, null-ness or value differ, plus
// delivery headers. Traces written with Record are the truth the Go tests
// compare the mock against without Python (see testdata).
//
// It does not judge which side is right: a difference is a fact to fix
// in the mock or to list as deliberate.
package compare
