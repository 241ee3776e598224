package node

import (
	"bytes"
	"context"
	"fmt"

	"concord/ledger"
	"concord/plebiscite"
	"concord/tlog"
)

// Size returns the number of leaves in the ballot log.
func (p *Poll) Size(ctx context.Context) (int64, error) { return p.log.Size(ctx) }

// Leaves returns leaves start … end-1 of the ballot log.
func (p *Poll) Leaves(ctx context.Context, start, end int64) ([][]byte, error) {
	return p.log.ReadLeaves(ctx, start, end)
}

// Checkpoint returns a signed checkpoint of the ballot log at its current
// size, signing one if needed.
func (p *Poll) Checkpoint(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Checkpoint(ctx)
}

// Root returns the RFC 6962 root of the ballot log's first size leaves.
func (p *Poll) Root(ctx context.Context, size int64) (tlog.Hash, error) { return p.log.Root(ctx, size) }

// ProveConsistency returns the proof that the ballot log of oldSize
// leaves is a prefix of that of newSize.
func (p *Poll) ProveConsistency(ctx context.Context, oldSize, newSize int64) ([]tlog.Hash, error) {
	return p.log.ProveConsistency(ctx, oldSize, newSize)
}

// Lookup finds the leaf of a tracking code (SPEC §17b.6): the spoil leaf if
// the ballot was audited, else the cast ballot, with its inclusion proof
// against a checkpoint of the log's current size.
func (p *Poll) Lookup(ctx context.Context, code plebiscite.TrackingCode) (*Inclusion, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.catchUp(ctx); err != nil {
		return nil, err
	}
	cs, err := p.codes.get(code, p.codeAt(ctx))
	if err != nil {
		return nil, err
	}
	if cs == noEntry {
		return nil, fmt.Errorf("%w: %s", ErrUnknownCode, plebiscite.ShortCode(code))
	}
	in := &Inclusion{Index: int64(cs.cast)}
	if cs.spoil >= 0 {
		in.Index, in.Spoil = int64(cs.spoil), true
	}
	cp, err := p.log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	body, err := noteText(cp)
	if err != nil {
		return nil, err
	}
	_, size, _, err := tlog.ParseCheckpointText(body)
	if err != nil {
		return nil, err
	}
	leaves, err := p.log.ReadLeaves(ctx, in.Index, in.Index+1)
	if err != nil {
		return nil, err
	}
	if in.Proof, err = p.log.ProveInclusion(ctx, in.Index, size); err != nil {
		return nil, err
	}
	in.Leaf, in.Checkpoint, in.Size = leaves[0], cp, size
	if !in.Spoil {
		l, err := plebiscite.ParseLeaf(in.Leaf)
		if err != nil {
			return nil, err
		}
		if in.Superseded, err = p.superseded(ctx, l.Ballot.Credential, in.Index); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// superseded reports whether a later leaf than i casts a ballot of cred
// that is not spoiled (SPEC §15.1 rule 1): then the ballot cast at leaf i
// does not count. The last cast of each credential answers at once
// unless that ballot was spoiled; only then are the other codes searched.
// (The entry of the code cast at leaf i holds i, so a later cast found in
// the entries is another code's.)
func (p *Poll) superseded(ctx context.Context, cred plebiscite.Credential, i int64) (bool, error) {
	at := p.codeAt(ctx)
	if p.last != nil {
		ri := p.elec.Roll.Index(cred)
		if ri < 0 {
			return false, nil
		}
		j := p.last[ri]
		if int64(j) <= i {
			return false, nil
		}
		c, err := at(j)
		if err != nil {
			return false, err
		}
		cs, err := p.codes.get(c, at)
		if err != nil {
			return false, err
		}
		if cs.spoil < 0 {
			return true, nil
		}
	}
	found := false
	var err error
	p.codes.each(func(e codeEntry) bool {
		if int64(e.cast) > i && e.spoil < 0 {
			var c plebiscite.Credential
			if c, err = p.credentialOf(ctx, e.cast); err == nil && c == cred {
				found = true
			}
		}
		return !found && err == nil
	})
	return found, err
}

// credentialOf returns the credential of ballot leaf i, or the zero
// credential if it is not a ballot leaf.
func (p *Poll) credentialOf(ctx context.Context, i int32) (plebiscite.Credential, error) {
	ls, err := p.log.ReadLeaves(ctx, int64(i), int64(i)+1)
	if err != nil {
		return plebiscite.Credential{}, err
	}
	c, _ := plebiscite.LeafCredential(ls[0])
	return c, nil
}

// noteText returns the text of a signed note: everything up to the blank
// line before the signatures.
func noteText(signed []byte) ([]byte, error) {
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return nil, fmt.Errorf("%w: no signature block", tlog.ErrBadCheckpoint)
	}
	return signed[:i+1], nil
}

// allLeaves returns every leaf of the ballot log, or its first size.
func (p *Poll) allLeaves(ctx context.Context, size int64) ([][]byte, error) {
	if size < 0 {
		var err error
		if size, err = p.log.Size(ctx); err != nil {
			return nil, err
		}
	}
	if size == 0 {
		return [][]byte{}, nil
	}
	return p.log.ReadLeaves(ctx, 0, size)
}

// Tally verifies every leaf of the ballot log and returns the homomorphic
// aggregate of the counted ballots (SPEC §15.1, §15.2, §16.2 steps 1-7):
// what the trustees decrypt. It is meant for after the poll closes but
// reveals nothing before. The ballot log is read in ranges and verified in
// the streaming pass of SPEC §16.6, in memory bounded by the range and the
// roll, not the number of ballots. If the ledger holds a result entry, the
// leaves are its first log_size ones and must have the root it names.
func (p *Poll) Tally(ctx context.Context) (*plebiscite.Aggregate, error) {
	roll, recs, size, err := p.resultInputs(ctx)
	if err != nil {
		return nil, err
	}
	var agg *plebiscite.Aggregate
	err = p.withStream(ctx, recs, roll, size, func(s *plebiscite.LedgerStream) error {
		rec, err := plebiscite.StreamRecordFromLedger(s)
		if err != nil {
			return err
		}
		rec.Result = nil
		if _, agg, err = plebiscite.VerifyPollStream(rec); err == nil {
			p.mu.Lock()
			p.pass = rec.Passed
			p.mu.Unlock()
		}
		return err
	})
	return agg, err
}

// Record assembles the plebiscite record of SPEC §16.1 from the ledger and
// the ballot log (plebiscite.RecordFromLedger): if the ledger holds the
// result entry, the leaves are the first log_size ones and the result is
// included. It holds every leaf in memory: Tally and Verify do not.
func (p *Poll) Record(ctx context.Context) (*plebiscite.Record, error) {
	roll, recs, size, err := p.resultInputs(ctx)
	if err != nil {
		return nil, err
	}
	leaves, err := p.allLeaves(ctx, size)
	if err != nil {
		return nil, err
	}
	return plebiscite.RecordFromLedger(recs, p.agreement, roll, leaves)
}

// resultInputs reads what Record and Verify start from: the roll, the
// ledger's records, and the ballot log size that the last result entry
// for the agreement names (-1 if there is none).
func (p *Poll) resultInputs(ctx context.Context) (roll []byte, recs []ledger.Record, size int64, err error) {
	if roll, err = p.rollFile(ctx); err != nil {
		return nil, nil, 0, err
	}
	if recs, err = p.n.Records(ctx); err != nil {
		return nil, nil, 0, err
	}
	size = -1
	for _, r := range recs {
		if e := &r.Signed.Entry; e.Kind == ledger.KindResult && e.Result.Agreement == p.agreement {
			size = int64(e.Result.LogSize)
		}
	}
	return roll, recs, size, nil
}

// rollFile returns the roll file for a verification: the one the poll's
// election holds, which was read from the storage when the poll was opened
// or its roll set, and is written only once (SPEC §17b.2); else it reads
// it. The verifier keeps the roll it is given (plebiscite.ParseRoll), so
// the roll is held once, not once more per verification (96 MB at
// 3,000,000 credentials).
func (p *Poll) rollFile(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	e := p.elec
	p.mu.Unlock()
	if e != nil {
		return e.Roll.Bytes(), nil
	}
	return p.readRoll(ctx)
}

// ResultBody returns the body of the result entry for res (SPEC §3.4.12):
// the agreement, and the ballot log's size and root now.
func (p *Poll) ResultBody(ctx context.Context, res *plebiscite.Result) (*ledger.Result, error) {
	b, err := res.Encode()
	if err != nil {
		return nil, err
	}
	size, err := p.log.Size(ctx)
	if err != nil {
		return nil, err
	}
	root, err := p.log.Root(ctx, size)
	if err != nil {
		return nil, err
	}
	return &ledger.Result{Agreement: p.agreement, LogSize: uint64(size), LogRoot: ledger.Hash(root), Result: b}, nil
}

// AppendResult appends a signed result entry to the ledger after the full
// check of SPEC §16.5 (plebiscite.VerifyLedger on the ledger with the entry
// added, the roll and the ballot log), which the append rules alone cannot
// make since they do not see the ballot log. If Tally has verified the
// leaves the result closes the log at (the same number and root), their
// verification is not repeated (SPEC §16.6, "Reuse").
func (p *Poll) AppendResult(ctx context.Context, leaf []byte) (ledger.Record, *plebiscite.Report, error) {
	s, err := ledger.Decode(leaf)
	if err != nil {
		return ledger.Record{}, nil, err
	}
	if s.Entry.Kind != ledger.KindResult || s.Entry.Result.Agreement != p.agreement {
		return ledger.Record{}, nil, fmt.Errorf("not a result entry for agreement %v", p.agreement)
	}
	roll, err := p.rollFile(ctx)
	if err != nil {
		return ledger.Record{}, nil, err
	}
	recs, err := p.n.Records(ctx)
	if err != nil {
		return ledger.Record{}, nil, err
	}
	cand := append(recs, ledger.Record{Index: int64(len(recs)), Hash: ledger.LeafHash(leaf), Signed: s})
	p.mu.Lock()
	prior := p.pass
	p.mu.Unlock()
	var rep *plebiscite.Report
	err = p.withStream(ctx, cand, roll, int64(s.Entry.Result.LogSize), func(ls *plebiscite.LedgerStream) error {
		// The leaves Tally verified, if the result closes the log where
		// they end (SPEC §16.6, "Reuse"): the rest of the record, the
		// result and its decryption shares, is checked in full.
		ls.Prior = prior
		rep, err = plebiscite.VerifyLedgerStream(ls)
		return err
	})
	if err != nil {
		return ledger.Record{}, nil, err
	}
	rec, err := p.n.Append(ctx, leaf)
	return rec, rep, err
}

// Verify verifies the decided plebiscite from the ledger and the ballot log
// (SPEC §16.5), including that the ballot log's stored tree of log_size
// leaves is the one the result entry names. The ballot log is read in
// ranges and checked against its stored root in the streaming pass of SPEC
// §16.6 (withStream).
func (p *Poll) Verify(ctx context.Context) (*plebiscite.Report, error) {
	roll, recs, size, err := p.resultInputs(ctx)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("%w: no result entry for plebiscite %q", plebiscite.ErrLedger, p.id)
	}
	var rep *plebiscite.Report
	err = p.withStream(ctx, recs, roll, size, func(s *plebiscite.LedgerStream) error {
		if err := p.checkClosedTree(ctx, size, tlog.Hash(s.Root)); err != nil {
			return err
		}
		rep, err = plebiscite.VerifyLedgerStream(s)
		return err
	})
	return rep, err
}

// checkClosedTree checks the ballot log's latest checkpoint (SPEC §17b.1)
// and that the tree of size leaves with root is a prefix of it (SPEC
// §17b.8).
func (p *Poll) checkClosedTree(ctx context.Context, size int64, root tlog.Hash) error {
	signed, err := p.log.LatestCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("ballot log checkpoint: %w", err)
	}
	c, err := tlog.VerifyCheckpoint(signed, p.Origin(), p.verifier)
	if err != nil {
		return err
	}
	if c.Size < size {
		return fmt.Errorf("%w: the ballot log's checkpoint has %d leaves; the result closes it at %d", plebiscite.ErrLedger, c.Size, size)
	}
	proof, err := p.log.ProveConsistency(ctx, size, c.Size)
	if err != nil {
		return err
	}
	return tlog.VerifyConsistency(proof, c.Size, c.Root, size, root)
}
