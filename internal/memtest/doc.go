// Package memtest measures what a client can make labelhook hold in
// memory: a 1,000,000-row import (with a webhook, so its TASKS_CREATED
// chunks are built too), a Data Manager page of page_size=10^12, and a
// task's live cost. Its tests start the real binary and read its RSS from
// /proc, so they run on Linux, behind the `load` build tag:
// go test -tags load ./internal/memtest
package memtest
