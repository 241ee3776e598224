package node

import (
	"context"
	"errors"

	"concord/ledger"
	"concord/plebiscite"
)

// leafRange is the number of ballot log leaves read at a time when a poll
// is verified (SPEC §16.6); tests make it small.
var leafRange = plebiscite.DefaultLeafRange

// leaves returns an iterator over the ballot log's first size leaves that
// reads them leafRange at a time, so that only one range is held.
func (p *Poll) leaves(ctx context.Context, size int64) plebiscite.LeafIterator {
	return plebiscite.LeafRanges(size, leafRange, func(start, end int64) ([][]byte, error) {
		return p.log.ReadLeaves(ctx, start, end)
	})
}

// withStream calls f with the plebiscite of the ledger's records recs, the
// roll and the ballot log read in ranges (SPEC §16.5, §16.6): its first
// size leaves, or all of them if size < 0. For a size given (the log_size
// of a result entry), the root the leaves must have is first the ballot
// log's stored root, which costs no pass over the leaves: the verifier
// checks the leaves against it as it reads them. If they do not have it,
// f is called again with the root computed from the leaves in a pass of
// their own, so that the error is the one plebiscite.VerifyLedger gives on
// the same leaves.
func (p *Poll) withStream(ctx context.Context, recs []ledger.Record, roll []byte, size int64, f func(*plebiscite.LedgerStream) error) error {
	if size >= 0 {
		if root, err := p.log.Root(ctx, size); err == nil {
			s := &plebiscite.LedgerStream{Records: recs, Agreement: p.agreement, Roll: roll, Progress: p.progress,
				Leaves: p.leaves(ctx, size), Size: size, Root: plebiscite.Hash(root)}
			if err := f(s); !errors.Is(err, plebiscite.ErrLeavesChanged) {
				return err
			}
		}
	}
	s, err := p.ledgerStream(ctx, recs, roll, size)
	if err != nil {
		return err
	}
	return f(s)
}

// ledgerStream returns the plebiscite of the ledger's records recs with
// the roll and the ballot log read in ranges (SPEC §16.5, §16.6): its first
// size leaves, or all of them if size < 0. For a size given (the log_size
// of a result entry), the leaves' root is computed in a first pass over
// them.
func (p *Poll) ledgerStream(ctx context.Context, recs []ledger.Record, roll []byte, size int64) (*plebiscite.LedgerStream, error) {
	s := &plebiscite.LedgerStream{Records: recs, Agreement: p.agreement, Roll: roll, Progress: p.progress}
	if size < 0 {
		n, err := p.log.Size(ctx)
		if err != nil {
			return nil, err
		}
		s.Leaves, s.Size = p.leaves(ctx, n), n
		return s, nil
	}
	s.Leaves = p.leaves(ctx, size)
	var err error
	if s.Size, s.Root, err = plebiscite.LogRoot(s.Leaves); err != nil {
		return nil, err
	}
	return s, nil
}

// SetProgress has Tally, Verify and AppendResult call f with the number of
// ballot-log leaves verified so far, from any goroutine (SPEC §17.9).
func (p *Poll) SetProgress(f func(done int)) { p.progress = f }
