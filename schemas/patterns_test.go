package schemas

import (
	"regexp"
	"testing"
)

var patternSamples = []string{"2021-08-17T13:51:02.590839Z", "2021-08-17T13:51:02Z", "2021-08-17T13:51:02.5Z", "2021-08-17T13:51:02.Z",
	"2021-08-17T13:51:02.5908391Z", "2021-08-17T13:51:02", "2021-08-17 13:51:02Z", "2021-08-17T13:51:02.590839Zx", "x2021-08-17T13:51:02Z",
	"２021-08-17T13:51:02Z", "2021-08-17T13:51:02.59083９Z", "", "Z", "9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11", "9A0C1F8E-3C0A-4C7E-9A55-2F1B1E6D2C11",
	"9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c1", "9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11a", "9a0c1f8e_3c0a-4c7e-9a55-2f1b1e6d2c11", "ga0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c11",
	"9a0c1f8e-3c0a-4c7e-9a55-2f1b1e6d2c1\n", "2021-08-17T13:51:02Z\n"}

// checkMatchers fails t when a matcher and its regexp disagree on s.
func checkMatchers(t *testing.T, s string) {
	t.Helper()
	for pattern, match := range patternMatchers {
		if got, want := match([]byte(s)), regexp.MustCompile(pattern).MatchString(s); got != want {
			t.Fatalf("matcher of %s on %q: %v, regexp %v", pattern, s, got, want)
		}
	}
}

// TestPatternMatchers: each hand matcher says what its regexp says, and
// every pattern of the files has one.
func TestPatternMatchers(t *testing.T) {
	for _, s := range patternSamples {
		checkMatchers(t, s)
	}
	for _, n := range loadContract().quick {
		walkNodes(n, map[*node]bool{}, func(n *node) {
			if n.pattern != nil && patternMatchers[n.pattern.String()] == nil {
				t.Errorf("pattern %s has no matcher: it is matched by regexp, slowly", n.pattern)
			}
		})
	}
}

func FuzzPatternMatchers(f *testing.F) {
	for _, s := range patternSamples {
		f.Add(s)
	}
	f.Fuzz(checkMatchers)
}

// walkNodes calls visit on every node reachable from n once.
func walkNodes(n *node, seen map[*node]bool, visit func(*node)) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	visit(n)
	walkNodes(n.ref, seen, visit)
	walkNodes(n.items, seen, visit)
	walkNodes(n.ifN, seen, visit)
	walkNodes(n.thenN, seen, visit)
	walkNodes(n.elseN, seen, visit)
	for _, p := range n.propAt {
		walkNodes(p, seen, visit)
	}
	for _, a := range n.allOf {
		walkNodes(a, seen, visit)
	}
}
