// Package loadtest holds labelhook's load and fault tests: many concurrent
// API clients against an in-process mock server and receiver, checking
// that no event is lost, duplicated or invented and that counters end
// exact. It has no code of its own; run `go test ./internal/loadtest
// -large` for the big sizes.
package loadtest
