package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"concord/ledger"
)

// AppendCommand implements "concord append FILE": append a signed entry
// prepared elsewhere. FILE holds exactly the leaf bytes: the canonical
// encoding of the signed entry, without a trailing newline (SPEC §17.3).
type AppendCommand struct{ out io.Writer }

// Run reads, checks and appends the entry.
func (c *AppendCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("append", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("append", "expected one FILE")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	// Read one byte past the limit so that an oversized file is refused
	// without reading all of it.
	leaf, err := io.ReadAll(io.LimitReader(f, ledger.MaxEntrySize+1))
	f.Close()
	if err != nil {
		return err
	}
	if len(leaf) > ledger.MaxEntrySize {
		return withHint(fmt.Errorf("%s: entry too large: over %d bytes", pos[0], ledger.MaxEntrySize), "an entry is at most %d bytes; put large documents elsewhere and record their hash", ledger.MaxEntrySize)
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := appendLeaf(ctx, c.out, n, leaf); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	return nil
}
