package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
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
	return ef.run(ctx, c.out, fs, args, func() string {
		return missingFlag(*proposal, "--proposal HASH|@INDEX")
	}, func(n *node.Node) (*ledger.Entry, error) {
		h, err := resolveRef(n, "--proposal", *proposal)
		if err != nil {
			return nil, err
		}
		d := &ledger.Decision{Proposal: h, Reason: *reason}
		if c.reject {
			return &ledger.Entry{Kind: ledger.KindRejection, Rejection: d}, nil
		}
		return &ledger.Entry{Kind: ledger.KindSignature, Signature: d}, nil
	})
}
