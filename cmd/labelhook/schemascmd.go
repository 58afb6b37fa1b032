package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/labelhook/labelhook/internal/envflag"
	"github.com/labelhook/labelhook/schemas"
)

// runSchemas writes the JSON Schema files of the event contract to a
// directory, for validators in other languages.
func runSchemas(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := envflag.New("schemas", "schemas --out DIR\n\n"+
		"Writes one JSON Schema (draft-07) file per webhook action, plus the\n"+
		"definitions.json they all refer to by relative $ref.", stderr)
	out := fs.String("out", "", "directory to write the schema files to; created if missing")
	if err := fs.ParseArgs(args, getenv); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return usageErrorf("schemas: --out is required")
	}
	if fs.NArg() > 0 {
		return usageErrorf("schemas takes no arguments, got %q", fs.Args())
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	files := schemas.Files()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(*out, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("schemas: %w", err)
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}
