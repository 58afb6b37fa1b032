// Package loadtest holds labelhook's load and fault tests: many concurrent
// API clients against an in-process mock server and receiver, checking
// that no event is lost, duplicated or invented and that counters end
// exact. It has no code of its own.
//
// The tests take 40 s or more with -race on two cores, so they sit behind
// the build tag `load` and out of `go test ./...`; .ci/run runs them as their
// own stage:
//
//	go test -tags load ./internal/loadtest           # 10 000 annotations
//	go test -tags load ./internal/loadtest -large    # 100 000 annotations
package loadtest
