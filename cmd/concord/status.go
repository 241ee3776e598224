package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// StatusCommand implements "concord status": the world as of a date,
// computed from the record alone (SPEC §17.3).
type StatusCommand struct{ out io.Writer }

// Run prints the world.
func (c *StatusCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	at := fs.String("at", "", "the `DATE` (YYYY-MM-DD); default: the latest effective date in the ledger")
	asJSON := fs.Bool("json", false, "print the world as JSON")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("status", "unexpected argument %q", pos[0])
	}
	d, err := parseDateFlag("at", *at)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	if d == nil {
		recs, err := n.Records(ctx)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return withHint(fmt.Errorf("ledger %s is empty", *ledgerPath), "register a party with 'concord party new'")
		}
		last := recs[0].Signed.Entry.Effective
		for _, r := range recs {
			if e := r.Signed.Entry.Effective; e.After(last) {
				last = e
			}
		}
		d = &last
	}
	w, err := n.Status(ctx, *d)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(w)
	}
	return w.WriteText(c.out)
}
