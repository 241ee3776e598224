package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
)

// DenounceCommand implements "concord denounce": a party denounces an
// instrument in force (SPEC §17.3).
type DenounceCommand struct{ out io.Writer }

// Run signs and appends the denunciation.
func (c *DenounceCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("denounce", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	instrument := fs.String("instrument", "", "the instrument, as its proposal `HASH` or @INDEX")
	reason := fs.String("reason", "", "the `REASON` given")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("denounce", "unexpected argument %q", pos[0])
	}
	if *instrument == "" {
		return usagef("denounce", "missing --instrument HASH|@INDEX")
	}
	p, err := ef.prepare("denounce")
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	h, err := resolveRef(n, "--instrument", *instrument)
	if err != nil {
		return err
	}
	e := &ledger.Entry{Kind: ledger.KindDenunciation, Denunciation: &ledger.Denunciation{Instrument: h, Reason: *reason}}
	return ef.submit(ctx, c.out, n, p, e)
}
