package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
)

// MembershipCommand implements "concord accede" and "concord exit": a
// party joins or leaves a union; under a consent rule, the consents it
// relies on are given with --ref (SPEC §17.3).
type MembershipCommand struct {
	out  io.Writer
	exit bool
}

// Run signs and appends the accession or exit.
func (c *MembershipCommand) Run(ctx context.Context, args []string) error {
	name := "accede"
	if c.exit {
		name = "exit"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	union := fs.String("union", "", "the union's party `ID`")
	return ef.run(ctx, c.out, fs, args, func() string {
		return missingFlag(*union, "--union ID")
	}, func(*node.Node) (*ledger.Entry, error) {
		m := &ledger.Membership{Union: ledger.PartyID(*union)}
		if c.exit {
			return &ledger.Entry{Kind: ledger.KindExit, Exit: m}, nil
		}
		return &ledger.Entry{Kind: ledger.KindAccession, Accession: m}, nil
	})
}
