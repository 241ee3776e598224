package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
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
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(name, "unexpected argument %q", pos[0])
	}
	if *union == "" {
		return usagef(name, "missing --union ID")
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
	m := &ledger.Membership{Union: ledger.PartyID(*union)}
	e := &ledger.Entry{Kind: ledger.KindAccession, Accession: m}
	if c.exit {
		e = &ledger.Entry{Kind: ledger.KindExit, Exit: m}
	}
	return ef.submit(ctx, c.out, n, p, e)
}
