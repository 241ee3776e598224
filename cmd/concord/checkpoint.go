package main

import (
	"context"
	"flag"
	"io"
)

// CheckpointCommand implements "concord checkpoint": sign a checkpoint of
// the log at its current size, store it, and print it (C2SP
// tlog-checkpoint in a C2SP signed note, SPEC §5.5).
type CheckpointCommand struct{ out io.Writer }

// Run signs and prints the checkpoint.
func (c *CheckpointCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("checkpoint", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("checkpoint", "unexpected argument %q", pos[0])
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	cp, err := n.Checkpoint(ctx)
	if err != nil {
		return err
	}
	_, err = c.out.Write(cp)
	return err
}
