package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
)

// ActCommand implements "concord act": a unilateral act (SPEC §17.3).
type ActCommand struct{ out io.Writer }

// Run signs and appends the act.
func (c *ActCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("act", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	kind := fs.String("act", "", "`KIND`: annexation, proclamation, secession or offensive")
	territory := fs.String("territory", "", "the territory `ID`")
	against := fs.String("against", "", "the party `ID` the act is directed against")
	text := fs.String("text", "", "the act's `TEXT`")
	return ef.run(ctx, c.out, fs, args, func() string {
		if *kind == "" || *text == "" {
			return "--act and --text are required"
		}
		return ""
	}, func(*node.Node) (*ledger.Entry, error) {
		return &ledger.Entry{Kind: ledger.KindAct, Act: &ledger.Act{
			Act: ledger.ActKind(*kind), Territory: *territory, Against: ledger.PartyID(*against), Text: *text,
		}}, nil
	})
}
