package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
)

// ConsentCommand implements "concord consent": a union member consents to
// another party's accession or exit (SPEC §17.3).
type ConsentCommand struct{ out io.Writer }

// Run signs and appends the consent.
func (c *ConsentCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("consent", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	union := fs.String("union", "", "the union's party `ID`")
	member := fs.String("member", "", "the party `ID` joining or leaving")
	action := fs.String("action", "", "`ACTION`: accession or exit")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("consent", "unexpected argument %q", pos[0])
	}
	if *union == "" || *member == "" || *action == "" {
		return usagef("consent", "--union, --member and --action are required")
	}
	p, err := ef.prepare("consent")
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	e := &ledger.Entry{Kind: ledger.KindConsent, Consent: &ledger.Consent{
		Union: ledger.PartyID(*union), Member: ledger.PartyID(*member), Action: ledger.Kind(*action),
	}}
	return ef.submit(ctx, c.out, n, p, e)
}
