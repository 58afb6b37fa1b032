package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// flagSet is a flag.FlagSet whose flags may each be bound to one
// environment variable. A flag given on the command line wins over its
// variable; the variable wins over the default.
type flagSet struct {
	*flag.FlagSet
	env map[string]string // flag name -> environment variable
}

func newFlagSet(name, usage string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), env: map[string]string{}}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: labelhook %s\n\nflags:\n", usage)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			envName := ""
			if e, ok := fs.env[f.Name]; ok {
				envName = fmt.Sprintf(" [$%s]", e)
			}
			fmt.Fprintf(stderr, "  --%s\n        %s%s%s\n", f.Name, f.Usage, def, envName)
		})
	}
	return fs
}

// bindEnv ties flag name to environment variable envName.
func (fs *flagSet) bindEnv(name, envName string) {
	if fs.Lookup(name) == nil {
		panic("bindEnv: no flag " + name)
	}
	fs.env[name] = envName
}

// parse parses args, with flags before, between or after the positional
// arguments (labelhook run DIR --junit x.xml), then fills every flag not
// given on the command line from its environment variable. After "--"
// everything is positional. Errors are usage errors.
func (fs *flagSet) parse(args []string, getenv env) error {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &usageError{err}
		}
		left := fs.FlagSet.Args()
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			pos = append(pos, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		pos = append(pos, left[0])
		rest = left[1:]
	}
	// Leave exactly the positional arguments in Args (flags set so far stay set).
	_ = fs.Parse(append([]string{"--"}, pos...))
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	names := make([]string, 0, len(fs.env))
	for n := range fs.env {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if given[n] {
			continue
		}
		v := getenv(fs.env[n])
		if v == "" {
			continue
		}
		if err := fs.Set(n, strings.TrimSpace(v)); err != nil {
			return usageErrorf("$%s: invalid value %q: %v", fs.env[n], v, err)
		}
	}
	return nil
}
