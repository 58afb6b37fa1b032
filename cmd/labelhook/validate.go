package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/labelhook/labelhook/schemas"
)

// runValidate checks webhook bodies in files, or on stdin for "-", against
// the event contract.
func runValidate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	return validateFiles(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// validateFiles is runValidate with stdin passed in, for tests.
func validateFiles(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "validate FILE... (- reads stdin)\n\n"+
		"Checks Label Studio webhook bodies against the event contract. A file holds\n"+
		"one body, or JSON Lines (one body per line). Exit status: 0 all valid,\n"+
		"1 some invalid, 2 bad usage or an unreadable file.", stderr)
	if err := fs.parse(args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErrorf("validate: no file given")
	}
	var (
		sum     validateSummary
		readErr []error
	)
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, label, err := readValidateInput(name, stdin)
		if err != nil {
			readErr = append(readErr, err)
			continue
		}
		for _, b := range splitBodies(data) {
			where := label
			if b.line > 0 {
				where = fmt.Sprintf("%s:%d", label, b.line)
			}
			_, problems := schemas.Validate(b.body)
			sum.add(len(problems))
			for _, p := range problems {
				fmt.Fprintf(stdout, "%s: %s\n", where, p)
			}
		}
	}
	if sum.bodies > 0 {
		fmt.Fprintln(stdout, sum)
	}
	if len(readErr) > 0 {
		return &usageError{fmt.Errorf("validate: %w", errors.Join(readErr...))}
	}
	if sum.invalid > 0 {
		return &checkFailedError{fmt.Errorf("validate: %d of %d bodies invalid: %w", sum.invalid, sum.bodies, errSilent)}
	}
	return nil
}

// readValidateInput reads a named file, or stdin for "-", and returns the name to
// report it under.
func readValidateInput(name string, stdin io.Reader) ([]byte, string, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "", fmt.Errorf("read stdin: %w", err)
		}
		return data, "<stdin>", nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, "", err // *fs.PathError names the file
	}
	return data, name, nil
}

// webhookBody is one body of a file; line is its line number in a
// JSON Lines file, 0 when the file holds a single body.
type webhookBody struct {
	line int
	body []byte
}

// splitBodies cuts a file into bodies. A file that is one JSON value, or
// none of whose lines is a complete JSON object on its own, is a single
// body (so a broken pretty-printed body gives one "not JSON" problem).
// Otherwise it is JSON Lines: every non-blank line is a body, so a broken
// line is reported with its number and the others are still checked.
func splitBodies(data []byte) []webhookBody {
	lines := bytes.Split(data, []byte("\n"))
	first := -1
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) > 0 {
			first = i
			break
		}
	}
	if first < 0 || json.Valid(data) {
		return []webhookBody{{body: data}}
	}
	jsonLines := false
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] == '{' && json.Valid(l) {
			jsonLines = true
			break
		}
	}
	if !jsonLines {
		return []webhookBody{{body: data}}
	}
	var bodies []webhookBody
	for i, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			bodies = append(bodies, webhookBody{line: i + 1, body: l})
		}
	}
	return bodies
}

// validateSummary counts the bodies checked; it prints as the last line.
type validateSummary struct {
	bodies, invalid, problems int
}

func (s *validateSummary) add(problems int) {
	s.bodies++
	s.problems += problems
	if problems > 0 {
		s.invalid++
	}
}

func (s validateSummary) String() string {
	bodies, problems := "bodies", "problems"
	if s.bodies == 1 {
		bodies = "body"
	}
	if s.problems == 1 {
		problems = "problem"
	}
	if s.invalid == 0 {
		return fmt.Sprintf("%d %s checked: all valid", s.bodies, bodies)
	}
	return fmt.Sprintf("%d %s checked: %d valid, %d invalid (%d %s)",
		s.bodies, bodies, s.bodies-s.invalid, s.invalid, s.problems, problems)
}
