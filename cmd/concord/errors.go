package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// hintError is an error with the command that fixes it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// withHint attaches a hint to err; a nil err stays nil.
func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// usageError marks a command-line mistake (exit status 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usage(err error, hint string) error {
	return withHint(&usageError{err}, "%s", hint)
}

func usagef(cmd, format string, args ...any) error {
	return usage(fmt.Errorf(format, args...), "run 'concord help "+cmd+"'")
}

// errHelped is returned by parseFlags after it printed a command's usage
// for -h or --help; run treats it as success.
var errHelped = errors.New("help printed")

// parseFlags parses args with fs, allowing flags after positional
// arguments, and returns the positional arguments. For -h and --help it
// prints the command's usage to out and returns errHelped.
func parseFlags(fs *flag.FlagSet, out io.Writer, args []string) ([]string, error) {
	name := fs.Name()
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(out, fs)
				return nil, errHelped
			}
			return nil, usagef(name, "%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }
