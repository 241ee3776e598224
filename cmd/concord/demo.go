package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"concord/ledger"
	"concord/node"
	"concord/scenario"
	"concord/verify"
)

// DemoCommand implements "concord demo": replay the 1917-1926 scenario of
// the source text into a fresh ledger, print the world at its key dates,
// and verify the ledger offline (SPEC §17.5).
type DemoCommand struct{ out io.Writer }

// Run replays the scenario.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	path := fset.String("ledger", "concord-demo.db", "write the demo ledger to `FILE`, replacing an old one")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo", "unexpected argument %q", pos[0])
	}
	start := time.Now()
	sc, err := scenario.Load()
	if err != nil {
		return err
	}
	entries, err := sc.Records()
	if err != nil {
		return err
	}
	if err := removeLedger(*path); err != nil {
		return err
	}
	n, err := node.Create(ctx, *path, "concord.example/demo")
	if err != nil {
		return err
	}
	defer n.Close()
	for i, s := range entries {
		leaf, err := ledger.Encode(s)
		if err != nil {
			return fmt.Errorf("scenario entry %d: %w", i, err)
		}
		if _, err := n.Append(ctx, leaf); err != nil {
			return fmt.Errorf("scenario entry %d (%s by %s): %w", i, s.Entry.Kind, s.Entry.Author, err)
		}
	}
	cp, err := n.Checkpoint(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "Replayed %d signed entries of the 1917-1926 scenario into %s (origin %s).\n\n", len(entries), *path, n.Origin())
	for _, kd := range sc.KeyDates {
		w, err := n.Status(ctx, kd.Date)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.out, "==== %s: %s ====\n\n", kd.Date, kd.Caption)
		if err := w.WriteText(c.out); err != nil {
			return err
		}
		fmt.Fprintln(c.out)
	}
	fmt.Fprintf(c.out, "==== checkpoint ====\n\n%s\n", cp)
	leaves, cps, err := readLedger(ctx, *path)
	if err != nil {
		return err
	}
	r, err := verify.Ledger(leaves, cps, n.Verifier())
	if err != nil {
		return fmt.Errorf("the demo ledger does not verify: %w", err)
	}
	fmt.Fprintf(c.out, "==== concord verify %s ====\n\n", *path)
	if err := r.WriteText(c.out); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "\ndemo done in %.1fs; explore it with 'concord status --ledger %s --at 1918-05-10'\n", time.Since(start).Seconds(), *path)
	return nil
}

// removeLedger removes a ledger file, its SQLite journals and its log key
// files, if they exist.
func removeLedger(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal", node.KeyPath(path), node.PubPath(path)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
