package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"concord/node"
)

// InitCommand implements "concord init": create a new, empty ledger and
// its log key (SPEC §17.1).
type InitCommand struct{ out io.Writer }

// Run creates the ledger.
func (c *InitCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	origin := fs.String("origin", "", "the log's `ORIGIN` line (default concord.example/NAME, NAME the file's base name)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("init", "unexpected argument %q", pos[0])
	}
	if *origin == "" {
		*origin = "concord.example/" + filepath.Base(*ledgerPath)
	}
	n, err := node.Create(ctx, *ledgerPath, *origin)
	if errors.Is(err, node.ErrExists) {
		return withHint(err, "use the existing ledger, or choose another file with --ledger")
	}
	if err != nil {
		return err
	}
	defer n.Close()
	vkey, err := readFirstLine(node.PubPath(*ledgerPath))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "created ledger %s\norigin %s\nlog key %s (secret, keep it with the ledger)\nlog public key %s\n",
		*ledgerPath, n.Origin(), node.KeyPath(*ledgerPath), vkey)
	return nil
}
