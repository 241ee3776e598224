package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"io"
	"os"

	"concord/ledger"
)

// AttestCommand implements "concord attest": a party or observer attests
// an obligation of an instrument (SPEC §17.3).
type AttestCommand struct{ out io.Writer }

// Run signs and appends the attestation.
func (c *AttestCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("attest", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	instrument := fs.String("instrument", "", "the instrument, as its proposal `HASH` or @INDEX")
	clause := fs.String("clause", "", "the clause `ID`")
	outcome := fs.String("outcome", "", "`OUTCOME`: fulfilled, violated or waived")
	evidence := fs.String("evidence", "", "an evidence `FILE`; its SHA-256 is recorded")
	note := fs.String("note", "", "a `NOTE`")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("attest", "unexpected argument %q", pos[0])
	}
	if *instrument == "" || *clause == "" || *outcome == "" {
		return usagef("attest", "--instrument, --clause and --outcome are required")
	}
	p, err := ef.prepare("attest")
	if err != nil {
		return err
	}
	a := &ledger.Attestation{Clause: *clause, Outcome: ledger.Outcome(*outcome), Note: *note}
	if *evidence != "" {
		b, err := os.ReadFile(*evidence)
		if err != nil {
			return err
		}
		h := ledger.Hash(sha256.Sum256(b))
		a.Evidence = &h
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	if a.Instrument, err = resolveRef(n, "--instrument", *instrument); err != nil {
		return err
	}
	return ef.submit(ctx, c.out, n, p, &ledger.Entry{Kind: ledger.KindAttestation, Attestation: a})
}
