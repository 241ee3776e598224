package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
)

// DecideCommand implements "concord sign" and "concord reject": a party's
// decision on the exact hash of a proposal (SPEC §17.3).
type DecideCommand struct {
	out    io.Writer
	reject bool
}

// Run signs and appends the signature or rejection.
func (c *DecideCommand) Run(ctx context.Context, args []string) error {
	name := "sign"
	if c.reject {
		name = "reject"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	proposal := fs.String("proposal", "", "the proposal, as its `HASH` or @INDEX")
	reason := fs.String("reason", "", "the `REASON` given")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(name, "unexpected argument %q", pos[0])
	}
	if *proposal == "" {
		return usagef(name, "missing --proposal HASH|@INDEX")
	}
	p, err := ef.prepare(name)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	h, err := resolveRef(n, "--proposal", *proposal)
	if err != nil {
		return err
	}
	d := &ledger.Decision{Proposal: h, Reason: *reason}
	e := &ledger.Entry{Kind: ledger.KindSignature, Signature: d}
	if c.reject {
		e = &ledger.Entry{Kind: ledger.KindRejection, Rejection: d}
	}
	return ef.submit(ctx, c.out, n, p, e)
}
