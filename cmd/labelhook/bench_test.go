package main

import (
	"bytes"
	"context"
	"testing"
)

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--quick", "--nope"}} {
		var stderr bytes.Buffer
		err := run(context.Background(), append([]string{"bench"}, args...), mapEnv(nil), &bytes.Buffer{}, &stderr)
		if exitCode(err) != exitUsage {
			t.Errorf("bench %q: %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
}
