// Package crashtest kills `labelhook serve --state` with SIGKILL while
// clients write, starts it again on the same state and checks that every
// write that was acknowledged is there and that no id is handed out
// twice. Its tests start real processes and take about a minute, so they
// sit behind the `load` build tag: go test -tags load ./internal/crashtest
package crashtest
