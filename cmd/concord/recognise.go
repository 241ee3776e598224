package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
	"concord/node"
)

// RecogniseCommand implements "concord recognise" and "concord refuse":
// recognition, or refusal of recognition, of an act or an instrument
// (SPEC §17.3).
type RecogniseCommand struct {
	out       io.Writer
	recognise bool
}

// Run signs and appends the recognition.
func (c *RecogniseCommand) Run(ctx context.Context, args []string) error {
	name := "refuse"
	if c.recognise {
		name = "recognise"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	subject := fs.String("subject", "", "the act or instrument, as its `HASH` or @INDEX")
	return ef.run(ctx, c.out, fs, args, func() string {
		return missingFlag(*subject, "--subject HASH|@INDEX")
	}, func(n *node.Node) (*ledger.Entry, error) {
		h, err := resolveRef(n, "--subject", *subject)
		if err != nil {
			return nil, err
		}
		return &ledger.Entry{Kind: ledger.KindRecognition, Recognition: &ledger.Recognition{Subject: h, Recognise: c.recognise}}, nil
	})
}
