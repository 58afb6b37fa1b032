package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/internal/webhookfile"
)

// runValidate checks webhook bodies in files, or on stdin for "-", against
// the event contract.
func runValidate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	return validateFiles(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// validateFiles is runValidate with stdin passed in, for tests.
func validateFiles(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := envflag.New("validate", "validate FILE... (- reads stdin)\n\n"+
		"Checks Label Studio webhook bodies against the event contract. A file holds\n"+
		"one body, JSON Lines (one body per line), or the receiver's records (a\n"+
		"receive --record file, or a saved GET /events answer), each checked by its\n"+
		"body. Problems name FILE:LINE. Exit status: 0 all valid, 1 some invalid,\n"+
		"2 bad usage or an unreadable file.", stderr)
	if err := fs.ParseArgs(args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErrorf("validate: no file given")
	}
	var (
		sum     webhookfile.Summary
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
		for _, b := range webhookfile.Split(data) {
			line, problems := b.Check()
			where := label
			if line > 0 {
				where = fmt.Sprintf("%s:%d", label, line)
			}
			sum.Add(len(problems))
			for _, p := range problems {
				fmt.Fprintf(stdout, "%s: %s\n", where, p)
			}
		}
	}
	if sum.Bodies > 0 {
		fmt.Fprintln(stdout, sum)
	}
	if len(readErr) > 0 {
		return &usageError{Err: fmt.Errorf("validate: %w", errors.Join(readErr...))}
	}
	if sum.Invalid > 0 {
		return &checkFailedError{fmt.Errorf("validate: %d of %d bodies invalid: %w", sum.Invalid, sum.Bodies, errSilent)}
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
