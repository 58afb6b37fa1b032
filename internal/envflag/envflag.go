// Package envflag is the command line of labelhook's subcommands: a
// flag.FlagSet whose flags may each be bound to an environment variable
// (the command line wins over the variable, the variable over the
// default), flags and positional arguments in any order, one-line usage
// errors that suggest the flag meant, and duration flags that also take a
// number of seconds.
package envflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/labelhook/labelhook/internal/suggest"
)

// Env looks up one environment variable as os.LookupEnv does (ok is
// false when it is not set); tests pass a map's lookup.
type Env func(string) (string, bool)

// Get is the variable's value, "" when it is not set.
func (e Env) Get(name string) string {
	v, _ := e(name)
	return v
}

// NoEnv is the environment of commands whose flags have no variables.
func NoEnv(string) (string, bool) { return "", false }

// FlagSet is a flag.FlagSet whose flags may each be bound to one
// environment variable. A flag given on the command line wins over its
// variable; the variable wins over the default.
type FlagSet struct {
	*flag.FlagSet
	name     string            // the subcommand: "serve"
	usage    string            // its synopsis: "serve [flags]"
	stderr   io.Writer         //
	env      map[string]string // flag name -> environment variable
	nonEmpty map[string]string // flag name -> what leaving the flag out means
	from     map[string]string // flag name -> "--name" or the variable it was read from
}

// New is the flag set of subcommand name ("serve"), whose synopsis is
// usage ("serve [flags]"); messages go to stderr.
func New(name, usage string, stderr io.Writer) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), name: name, usage: usage, stderr: stderr,
		env: map[string]string{}, nonEmpty: map[string]string{}, from: map[string]string{}}
	// The flag package's own messages are replaced by one line that names
	// the subcommand and suggests the flag meant (see fail).
	fs.SetOutput(io.Discard)
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

// BindEnv ties flag name to environment variable envName.
func (fs *FlagSet) BindEnv(name, envName string) {
	if fs.Lookup(name) == nil {
		panic("BindEnv: no flag " + name)
	}
	fs.env[name] = envName
}

// RequireNonEmpty makes an empty value of flag name (on the command line,
// or in its variable when that is set but empty) a usage error rather
// than the default; leftOut says what leaving the flag out means.
func (fs *FlagSet) RequireNonEmpty(name, leftOut string) {
	if fs.Lookup(name) == nil {
		panic("RequireNonEmpty: no flag " + name)
	}
	fs.nonEmpty[name] = leftOut
}

// Source says where flag name got its value: "--name", the environment
// variable, or "" for the default.
func (fs *FlagSet) Source(name string) string { return fs.from[name] }

// ParseArgs parses args, with flags before, between or after the positional
// arguments (labelhook run DIR --junit x.xml), then fills every flag not
// given on the command line from its environment variable. After "--"
// everything is positional. Errors are usage errors; a flag the command
// does not have is reported on stderr with the closest one it has and the
// command's synopsis.
func (fs *FlagSet) ParseArgs(args []string, getenv Env) error {
	// The flag package prints the usage on every error; only -h gets it.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return err
			}
			return fs.fail(err)
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
	fs.Visit(func(f *flag.Flag) { fs.from[f.Name] = "--" + f.Name })
	for _, name := range slices.Sorted(maps.Keys(fs.nonEmpty)) {
		if fs.from[name] != "" && fs.Lookup(name).Value.String() == "" {
			return Usagef("--%s is empty: give a value, or leave the flag out to use %s", name, fs.nonEmpty[name])
		}
	}
	for _, n := range slices.Sorted(maps.Keys(fs.env)) {
		if fs.from[n] != "" {
			continue
		}
		v, set := getenv(fs.env[n])
		if !set {
			continue
		}
		if v == "" {
			if leftOut, ok := fs.nonEmpty[n]; ok {
				return Usagef("$%s is set but empty: give a value, or unset it to use %s", fs.env[n], leftOut)
			}
			continue // an empty variable is an unset one
		}
		if err := fs.Set(n, strings.TrimSpace(v)); err != nil {
			return Usagef("$%s: invalid value %q: %v", fs.env[n], v, err)
		}
		fs.from[n] = fs.env[n]
	}
	return nil
}

// fail reports a command line the flag package refused: one line naming
// the subcommand (and, for an unknown flag, the closest one it has), then
// its synopsis. The error returned is a usage error already printed.
func (fs *FlagSet) fail(err error) error {
	msg := strings.ReplaceAll(err.Error(), "flag -", "--")
	if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok {
		msg = "--" + name + " needs an argument"
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		if s := suggest.Closest(name, known); s != "" {
			msg += " (did you mean --" + s + "?)"
		}
	}
	fmt.Fprintf(fs.stderr, "labelhook %s: %s\n", fs.name, msg)
	fs.ShortUsage()
	return &UsageError{fmt.Errorf("%s: %w", msg, ErrSilent)}
}

// ShortUsage prints the synopsis and where the flags are listed.
func (fs *FlagSet) ShortUsage() {
	synopsis, _, _ := strings.Cut(fs.usage, "\n\n")
	fmt.Fprintf(fs.stderr, "usage: labelhook %s\nrun 'labelhook %s -h' for its flags\n", synopsis, fs.name)
}
