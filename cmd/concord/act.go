package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
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
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("act", "unexpected argument %q", pos[0])
	}
	if *kind == "" || *text == "" {
		return usagef("act", "--act and --text are required")
	}
	p, err := ef.prepare("act")
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	e := &ledger.Entry{Kind: ledger.KindAct, Act: &ledger.Act{
		Act: ledger.ActKind(*kind), Territory: *territory, Against: ledger.PartyID(*against), Text: *text,
	}}
	return ef.submit(ctx, c.out, n, p, e)
}
