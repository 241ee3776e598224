package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/scenario"
	"concord/verify"
)

// DemoCommand implements "concord demo": replay the 1917-1926 scenario of
// the source text into a fresh ledger, print the world at its key dates,
// continue with the HYPOTHETICAL plebiscite in Bessarabia (never held), and
// verify the ledger and the plebiscite offline (SPEC §17.5, §20.8).
type DemoCommand struct{ out io.Writer }

// Run replays the scenario.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	path := fset.String("ledger", "concord-demo.db", "write the demo ledger to `FILE`, replacing an old one (and its ballot log)")
	voters := fset.Int("voters", 0, "simulate `N` voters in the hypothetical plebiscite (default: the scenario's)")
	noPleb := fset.Bool("no-plebiscite", false, "stop after the 1917-1926 scenario")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo", "unexpected argument %q", pos[0])
	}
	if *voters < 0 || *voters > plebiscite.MaxRoll {
		return usagef("demo", "--voters must be 1 to %d", plebiscite.MaxRoll)
	}
	start := time.Now()
	sc, err := scenario.Load()
	if err != nil {
		return err
	}
	cont, err := scenario.LoadPlebiscite()
	if err != nil {
		return err
	}
	if *voters == 0 {
		*voters = cont.Voters.Default
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
	fmt.Fprintf(c.out, "Replayed %d signed entries of the 1917-1926 scenario into %s (origin %s).\n\n", len(entries), *path, n.Origin())
	for _, kd := range sc.KeyDates {
		if err := c.printWorld(ctx, n, kd); err != nil {
			return err
		}
	}
	if !*noPleb {
		d := &demoPlebiscite{out: c.out, n: n, c: cont, voters: *voters}
		if err := d.run(ctx, sc); err != nil {
			return fmt.Errorf("the hypothetical plebiscite: %w", err)
		}
		if err := c.printWorld(ctx, n, cont.KeyDate); err != nil {
			return err
		}
	}
	cp, err := n.Checkpoint(ctx)
	if err != nil {
		return err
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
	vkey, err := readFirstLine(node.PubPath(*path))
	if err != nil {
		return err
	}
	if err := verifyPlebiscites(ctx, c.out, *path, vkey, r.Records); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "\ndemo done in %.1fs; explore it with 'concord status --ledger %s --at 1918-05-10' or 'concord verify %s'\n", time.Since(start).Seconds(), *path, *path)
	return nil
}

func (c *DemoCommand) printWorld(ctx context.Context, n *node.Node, kd scenario.KeyDate) error {
	w, err := n.Status(ctx, kd.Date)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "==== %s: %s ====\n\n", kd.Date, kd.Caption)
	if err := w.WriteText(c.out); err != nil {
		return err
	}
	fmt.Fprintln(c.out)
	return nil
}

// removeLedger removes a ledger file, its SQLite journals, its log key
// files and its ballot logs and rolls (SPEC §17b.2), if they exist.
func removeLedger(path string) error {
	files := []string{path, path + "-wal", path + "-shm", path + "-journal", node.KeyPath(path), node.PubPath(path)}
	polls, err := filepath.Glob(path + ".poll-*")
	if err != nil {
		return err
	}
	for _, p := range append(files, polls...) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
