package webhookfile

import "fmt"

// Summary counts the bodies checked; `labelhook validate` prints it as
// its last line.
type Summary struct {
	Bodies, Invalid, Problems int
}

// Add counts one body with that many problems.
func (s *Summary) Add(problems int) {
	s.Bodies++
	s.Problems += problems
	if problems > 0 {
		s.Invalid++
	}
}

func (s Summary) String() string {
	bodies, problems := "bodies", "problems"
	if s.Bodies == 1 {
		bodies = "body"
	}
	if s.Problems == 1 {
		problems = "problem"
	}
	if s.Invalid == 0 {
		return fmt.Sprintf("%d %s checked: all valid", s.Bodies, bodies)
	}
	return fmt.Sprintf("%d %s checked: %d valid, %d invalid (%d %s)",
		s.Bodies, bodies, s.Bodies-s.Invalid, s.Invalid, s.Problems, problems)
}
