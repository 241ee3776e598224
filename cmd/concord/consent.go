package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
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
	return ef.run(ctx, c.out, fs, args, func() string {
		if *union == "" || *member == "" || *action == "" {
			return "--union, --member and --action are required"
		}
		return ""
	}, func(*node.Node) (*ledger.Entry, error) {
		return &ledger.Entry{Kind: ledger.KindConsent, Consent: &ledger.Consent{
			Union: ledger.PartyID(*union), Member: ledger.PartyID(*member), Action: ledger.Kind(*action),
		}}, nil
	})
}
