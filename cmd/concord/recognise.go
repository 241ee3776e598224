package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
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
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(name, "unexpected argument %q", pos[0])
	}
	if *subject == "" {
		return usagef(name, "missing --subject HASH|@INDEX")
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
	h, err := resolveRef(n, "--subject", *subject)
	if err != nil {
		return err
	}
	e := &ledger.Entry{Kind: ledger.KindRecognition, Recognition: &ledger.Recognition{Subject: h, Recognise: c.recognise}}
	return ef.submit(ctx, c.out, n, p, e)
}
