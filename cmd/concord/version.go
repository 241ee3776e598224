package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the CLI's version when the build carries none.
const version = "v0.1.0-dev"

// VersionCommand implements "concord version".
type VersionCommand struct{ out io.Writer }

// Run prints the version and the Go version.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintf(c.out, "concord %s (%s)\n", v, runtime.Version())
	return nil
}
