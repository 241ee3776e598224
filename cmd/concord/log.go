package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"concord/ledger"
	"concord/node"
	"concord/tlog"
)

// LogCommand implements "concord log": list the ledger's entries, one per
// line (index, hash, kind, author, effective date), optionally with
// inclusion proofs against the latest checkpoint (SPEC §17.3).
type LogCommand struct{ out io.Writer }

// Run lists the entries.
func (c *LogCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	index := fs.Int64("index", -1, "show only the entry at `N`")
	proof := fs.Bool("proof", false, "print the latest checkpoint and each entry's inclusion proof in it")
	asJSON := fs.Bool("json", false, "with --index: print the signed entry as indented JSON")
	raw := fs.Bool("raw", false, "with --index: print the entry's exact leaf bytes (input for 'concord append')")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("log", "unexpected argument %q", pos[0])
	}
	if (*asJSON || *raw) && *index < 0 {
		return usagef("log", "--json and --raw need --index N")
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	recs, err := n.Records(ctx)
	if err != nil {
		return err
	}
	if *index >= int64(len(recs)) {
		return withHint(fmt.Errorf("--index %d: the ledger has %d entries", *index, len(recs)), "list them with 'concord log --ledger %s'", *ledgerPath)
	}
	if *index >= 0 {
		recs = recs[*index : *index+1]
		switch {
		case *raw:
			leaves, err := n.Leaves(ctx, *index, *index+1)
			if err != nil {
				return err
			}
			_, err = c.out.Write(leaves[0])
			return err
		case *asJSON:
			enc := json.NewEncoder(c.out)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(recs[0].Signed)
		}
	}
	if !*proof {
		for _, r := range recs {
			printRecord(c.out, r)
		}
		return nil
	}
	cp, err := n.LatestCheckpoint(ctx)
	if err != nil {
		return withHint(err, "sign one with 'concord checkpoint --ledger %s'", *ledgerPath)
	}
	checkpoint, err := tlog.VerifyCheckpoint(cp, n.Origin(), n.Verifier())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "checkpoint\n%s\n", cp)
	for _, r := range recs {
		printRecord(c.out, r)
		if err := printProof(ctx, c.out, n, r, checkpoint); err != nil {
			return err
		}
	}
	return nil
}

func printRecord(w io.Writer, r ledger.Record) {
	e := &r.Signed.Entry
	fmt.Fprintf(w, "%d %s %s %s %s\n", r.Index, r.Hash, e.Kind, e.Author, e.Effective)
}

// printProof prints the inclusion proof of r in the checkpoint's tree, one
// hash per line in lowercase hex, after checking it (SPEC §17.3).
func printProof(ctx context.Context, w io.Writer, n *node.Node, r ledger.Record, cp *tlog.Checkpoint) error {
	if r.Index >= cp.Size {
		fmt.Fprintf(w, "  not yet in the checkpoint of size %d; run 'concord checkpoint'\n", cp.Size)
		return nil
	}
	proof, err := n.ProveInclusion(ctx, r.Index, cp.Size)
	if err != nil {
		return err
	}
	if err := tlog.VerifyInclusion(proof, cp.Size, cp.Root, r.Index, tlog.Hash(r.Hash)); err != nil {
		return fmt.Errorf("entry %d: %w", r.Index, err)
	}
	fmt.Fprintf(w, "  inclusion proof in tree size %d (%d hashes)\n", cp.Size, len(proof))
	for _, h := range proof {
		fmt.Fprintf(w, "  %x\n", h[:])
	}
	return nil
}
