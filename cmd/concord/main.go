// Command concord is the command-line interface of Concord: it keeps a
// ledger of accords between parties that do not trust one another, as
// specified in docs/SPEC.md; its command-line formats are in
// docs/SPEC.md.
//
// Usage:
//
//	concord <command> [flags] [arguments]
//
// Run "concord help" for the list of commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a command and turns its error into the CLI's output
// and exit code: 0 on success, 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeHelp(stderr)
		return 2
	}
	stopProfile, err := startProfile()
	if err == nil {
		err = dispatch(ctx, args, stdout)
		stopProfile()
	}
	if err == nil || errors.Is(err, errHelped) {
		return 0
	}
	fmt.Fprintf(stderr, "concord: error: %v\n", err)
	var h *hintError
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(stderr, "concord: hint: %s\n", h.hint)
	}
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func dispatch(ctx context.Context, args []string, stdout io.Writer) error {
	c := lookup(args[0])
	if c == nil {
		return usage(fmt.Errorf("unknown command %q", args[0]), "run 'concord help' for the list of commands")
	}
	return c.new(stdout).Run(ctx, args[1:])
}
