package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
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
	return ef.run(ctx, c.out, fs, args, func() string {
		return missingFlag(*instrument, "--instrument HASH|@INDEX")
	}, func(n *node.Node) (*ledger.Entry, error) {
		h, err := resolveRef(n, "--instrument", *instrument)
		if err != nil {
			return nil, err
		}
		return &ledger.Entry{Kind: ledger.KindDenunciation, Denunciation: &ledger.Denunciation{Instrument: h, Reason: *reason}}, nil
	})
}
