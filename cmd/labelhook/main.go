// Command labelhook is the labelhook testkit: a mock Label Studio server,
// a webhook receiver, a payload validator and a scenario runner.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/labelhook/labelhook/internal/suggest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "labelhook:", err)
		}
		os.Exit(exitCode(err))
	}
}

// command is one labelhook subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error
}

// commands is the subcommand table, in the order `labelhook help` lists it.
func commands() []command {
	return []command{
		{"serve", "run the mock Label Studio server", runServe},
		{"receive", "run the webhook receiver (record, validate, forward)", runReceive},
		{"run", "run scenario files: drive the API, check the webhooks each step causes", runRun},
		{"compare", "run scenario files against a real Label Studio and the mock, report every difference", runCompare},
		{"validate", "check webhook bodies against the event contract", runValidate},
		{"schemas", "write the JSON Schema files of the event contract", runSchemas},
		{"trigger", "send realistic webhooks of one action (or all) to a URL", runTrigger},
		{"check", "test your running webhook consumer with what Label Studio really sends", runCheck},
		{"health", "exit 0 if a labelhook server answers GET /health (for container health checks)", runHealth},
		{"bench", "measure startup, throughput and import cost against baselines run on the same machine", runBench},
	}
}

func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usageErrorf("no command given")
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, args[1:], getenv, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil // -h: the usage was printed on request
			}
			return err
		}
	}
	return unknownCommand(name, stderr)
}

// unknownCommand reports a command labelhook does not have: one line with
// the closest one it has, then the list of commands.
func unknownCommand(name string, stderr io.Writer) error {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := suggest.Closest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	fmt.Fprintf(stderr, "labelhook: %s\nusage: labelhook <command> [flags]  (commands: %s)\nrun 'labelhook help' for what each does\n",
		msg, strings.Join(names, ", "))
	return &usageError{Err: fmt.Errorf("%s: %w", msg, errSilent)}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: labelhook <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 'labelhook <command> -h' for the flags of one command")
}
