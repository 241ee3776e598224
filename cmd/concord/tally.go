package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"concord/internal/progress"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
)

// TallyCommand implements "concord tally": verify every leaf of the ballot
// log and print the homomorphic sum of the counted ballots (SPEC §20.7).
type TallyCommand struct{ out io.Writer }

// Run prints the aggregate.
func (c *TallyCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("tally", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("tally", "unexpected argument %q", pos[0])
	}
	n, p, err := openPoll(ctx, *ledgerPath, *id)
	if err != nil {
		return err
	}
	defer n.Close()
	defer p.Close()
	if _, err := election(p); err != nil {
		return err
	}
	size, err := p.Size(ctx)
	if err != nil {
		return err
	}
	done := pollProgress(ctx, p, "tally")
	agg, err := p.Tally(ctx)
	done()
	if err != nil {
		return withHint(fmt.Errorf("the ballot log of %s does not verify: %w", *id, err), "do not decrypt; compare the ballot log with another copy")
	}
	writeAggregate(c.out, p.Manifest(), size, agg)
	return nil
}

func writeAggregate(w io.Writer, m *plebiscite.Manifest, size int64, agg *plebiscite.Aggregate) {
	fmt.Fprintf(w, "plebiscite %s: %d leaves in the ballot log, every one verified; %d ballots counted (last ballot of each credential, spoiled ones excluded)\ncounted root %v\n",
		m.ID, size, agg.Ballots, agg.Counted)
	for i, s := range agg.Sums {
		fmt.Fprintf(w, "option %d (%s): encrypted sum %x\n", i, m.Options[i], s.Bytes())
	}
}

// decrypt is "concord trustee decrypt": the trustee recomputes the
// aggregate from the verified ballot log and posts its decryption share of
// it, never of a ciphertext handed to it (SPEC §20.4, §16.2).
func (s *trusteeSession) decrypt(ctx context.Context) error {
	p, err := s.n.Poll(ctx, s.t.manifest.ID)
	if err != nil {
		return withHint(err, "the plebiscite needs a complete agreement in the ledger")
	}
	defer p.Close()
	return s.decryptPoll(ctx, p, nil)
}

// decryptPoll posts the trustee's decryption share of the aggregate of
// the poll's counted ballots: agg if given (already recomputed from the
// verified ballot log), else recomputed here.
func (s *trusteeSession) decryptPoll(ctx context.Context, p *node.Poll, agg *plebiscite.Aggregate) error {
	dh, err := p.Manifest().Draft().Hash()
	if err != nil {
		return err
	}
	if dh != s.t.draftHash {
		return fmt.Errorf("the trustee key is for draft %v; the agreement of %s is for draft %v", s.t.draftHash, p.ID(), dh)
	}
	if !s.t.Trustee.Finished() {
		return withHint(fmt.Errorf("trustee %s has not finished the key generation", s.t.Party), "run 'concord trustee finish' first")
	}
	if _, err := election(p); err != nil {
		return err
	}
	if agg == nil {
		done := pollProgress(ctx, p, "tally")
		agg, err = p.Tally(ctx)
		done()
		if err != nil {
			return withHint(fmt.Errorf("the ballot log does not verify, refusing to decrypt: %w", err), "compare the ballot log with another copy")
		}
	}
	share, err := s.t.Trustee.DecryptShare(agg.Sums)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "trustee %s decrypts the tally of %d counted ballots (counted root %v)\n", s.t.Party, agg.Ballots, agg.Counted)
	return s.post(ctx, ledger.StepDecryption, share.Bytes())
}

// ResultCommand implements "concord result": combine the decryption shares
// recorded in the ledger and append the result entry (SPEC §20.7).
type ResultCommand struct{ out io.Writer }

// Run combines, checks and appends the result.
func (c *ResultCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("result", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("result", "unexpected argument %q", pos[0])
	}
	p, err := ef.prepare("result")
	if err != nil {
		return err
	}
	n, poll, err := openPoll(ctx, *ef.ledger, *id)
	if err != nil {
		return err
	}
	defer n.Close()
	defer poll.Close()
	rep, rec, err := appendResult(ctx, n, poll, p, ef.source, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "appended entry %d: result by %s, effective %s\nhash %s\n", rec.Index, rec.Signed.Entry.Author, rec.Signed.Entry.Effective, rec.Hash)
	_, err = io.WriteString(c.out, rep.String())
	return err
}

// appendResult combines the recorded decryption shares with the
// recomputed aggregate, signs the result entry and appends it after the
// full check of the plebiscite (SPEC §16.5).
//
// agg, if not nil, is the aggregate already recomputed from the verified
// ballot log; AppendResult verifies the whole record again in any case.
func appendResult(ctx context.Context, n *node.Node, poll *node.Poll, p *prepared, source string, agg *plebiscite.Aggregate) (*plebiscite.Report, ledger.Record, error) {
	e, err := election(poll)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	if agg == nil {
		done := pollProgress(ctx, poll, "tally")
		agg, err = poll.Tally(ctx)
		done()
		if err != nil {
			return nil, ledger.Record{}, withHint(fmt.Errorf("the ballot log does not verify: %w", err), "compare the ballot log with another copy")
		}
	}
	recs, err := n.Records(ctx)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	_, shares, err := plebiscite.TrusteeRecords(recs, e.Manifest)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	if len(shares) < e.Manifest.Threshold {
		return nil, ledger.Record{}, withHint(fmt.Errorf("%d decryption shares recorded; the threshold is %d", len(shares), e.Manifest.Threshold),
			"wait for more trustees to run 'concord trustee decrypt'")
	}
	res, err := plebiscite.Decrypt(e, agg, shares)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	body, err := poll.ResultBody(ctx, res)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	entry := &ledger.Entry{
		V: ledger.Version, Kind: ledger.KindResult, Author: p.key.ID, Effective: p.effective, Source: source,
		Refs: []ledger.Hash{poll.Agreement()}, Result: body,
	}
	s, err := ledger.Sign(entry, p.key.PrivateKey())
	if err != nil {
		return nil, ledger.Record{}, err
	}
	leaf, err := ledger.Encode(s)
	if err != nil {
		return nil, ledger.Record{}, err
	}
	rec, rep, err := poll.AppendResult(ctx, leaf)
	if err != nil {
		return nil, ledger.Record{}, withHint(err, "the ledger is unchanged")
	}
	return rep, rec, nil
}

// pollProgress shows a progress bar named name while the poll verifies its
// ballot log (SPEC §17.9), and returns the function that ends it.
func pollProgress(ctx context.Context, p *node.Poll, name string) (done func()) {
	size, err := p.Size(ctx)
	if err != nil {
		size = 0
	}
	bar := progress.New(name, size)
	p.SetProgress(func(n int) { bar.Set(int64(n)) })
	return func() { bar.Done(); p.SetProgress(nil) }
}
