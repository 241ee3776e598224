package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"concord/plebiscite"
	"concord/tlog"
)

// CastError names the leaf of a batch that was refused.
type CastError struct {
	Position int // position in the batch
	Err      error
}

func (e *CastError) Error() string { return fmt.Sprintf("leaf %d of the batch: %v", e.Position, e.Err) }
func (e *CastError) Unwrap() error { return e.Err }

// Cast checks a ballot or spoil leaf (SPEC §14.8) and appends it durably to
// the ballot log (SPEC §17b.5). A refused leaf changes nothing.
func (p *Poll) Cast(ctx context.Context, leaf []byte) (Receipt, error) {
	rs, err := p.CastBatch(ctx, [][]byte{leaf})
	if err != nil {
		var ce *CastError
		if errors.As(err, &ce) {
			return Receipt{}, ce.Err
		}
		return Receipt{}, err
	}
	return rs[0], nil
}

// CastBatch checks every leaf as Cast does and appends them all in one
// transaction, or none: the first refused leaf gives a *CastError naming
// its position (SPEC §17b.5).
func (p *Poll) CastBatch(ctx context.Context, leaves [][]byte) ([]Receipt, error) {
	if len(leaves) == 0 {
		return nil, nil
	}
	if err := p.checkOpen(ctx); err != nil {
		return nil, err
	}
	// The election is set once with the roll; the ballots are verified
	// outside the lock, so that batches from concurrent callers are
	// verified in parallel while another batch is being appended.
	p.mu.Lock()
	elec := p.elec
	p.mu.Unlock()
	if elec == nil {
		return nil, ErrNoRoll
	}
	parsed, err := verifyLeaves(elec, leaves)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if err := p.catchUp(ctx); err != nil {
			return nil, err
		}
		if err := p.checkCodes(ctx, parsed); err != nil {
			return nil, err
		}
		first := p.size
		if first+int64(len(leaves)) > plebiscite.MaxLeaves {
			return nil, fmt.Errorf("the ballot log holds %d leaves; a poll holds at most %d (SPEC §17b.5)", first, plebiscite.MaxLeaves)
		}
		err := p.log.AppendBatchAt(ctx, first, leaves)
		if errors.Is(err, tlog.ErrConflict) && attempt < 3 {
			continue
		}
		if errors.Is(err, tlog.ErrDuplicate) {
			return nil, fmt.Errorf("%w: %w (SPEC §15.1 rule 0)", ErrBallotRefused, plebiscite.ErrReplay)
		}
		if err != nil {
			return nil, err
		}
		// The log had exactly first leaves and now holds these after them:
		// index them from the batch already parsed rather than reading and
		// parsing them back (leaves other processes add later are read by
		// the next catchUp). If indexing fails, p.size stays at first and
		// the next catchUp indexes them again.
		for i, l := range parsed {
			if err := p.index(ctx, l, first+int64(i)); err != nil {
				return nil, err
			}
		}
		p.size = first + int64(len(parsed))
		cp, err := p.log.Checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Receipt, len(parsed))
		for i, l := range parsed {
			out[i] = Receipt{Index: first + int64(i), TrackingCode: ballotOf(l).TrackingCode(), Spoil: l.Spoil != nil, Checkpoint: cp}
		}
		return out, nil
	}
}

func ballotOf(l plebiscite.Leaf) *plebiscite.Ballot {
	if l.Spoil != nil {
		return l.Spoil.Ballot
	}
	return l.Ballot
}

// verifyLeaves parses and verifies leaves (SPEC §14.6, §14.7): the proofs
// of a chunk of ballots in one batch (Election.VerifyBallots), the chunks
// on every core, in chunks small enough that even a small batch keeps
// every core busy.
func verifyLeaves(elec *plebiscite.Election, leaves [][]byte) ([]plebiscite.Leaf, error) {
	parsed := make([]plebiscite.Leaf, len(leaves))
	errs := make([]error, len(leaves))
	cores := runtime.GOMAXPROCS(0)
	chunk := min(64, max(8, (len(leaves)+cores-1)/cores))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), (len(leaves)+chunk-1)/chunk) {
		wg.Go(func() {
			for lo := range next {
				verifyChunk(elec, leaves, parsed, errs, lo, min(lo+chunk, len(leaves)))
			}
		})
	}
	for lo := 0; lo < len(leaves); lo += chunk {
		next <- lo
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, &CastError{Position: i, Err: fmt.Errorf("%w: %w", ErrBallotRefused, err)}
		}
	}
	return parsed, nil
}

// verifyChunk verifies leaves lo … hi−1, writing only those indices.
func verifyChunk(elec *plebiscite.Election, leaves [][]byte, parsed []plebiscite.Leaf, errs []error, lo, hi int) {
	var bs []*plebiscite.Ballot
	var owner []int
	for i := lo; i < hi; i++ {
		leaf := leaves[i]
		if len(leaf) > tlog.MaxLeafSize {
			errs[i] = fmt.Errorf("%w: %d bytes", ErrTooLarge, len(leaf))
			continue
		}
		l, err := plebiscite.ParseLeaf(leaf)
		if err == nil && !bytes.Equal(l.Bytes(), leaf) {
			err = fmt.Errorf("%w: not in canonical form", plebiscite.ErrMalformed)
		}
		if err != nil {
			errs[i] = err
			continue
		}
		parsed[i] = l
		bs = append(bs, ballotOf(l))
		owner = append(owner, i)
	}
	for k, err := range elec.VerifyBallots(bs) {
		i := owner[k]
		if err == nil && parsed[i].Spoil != nil {
			err = plebiscite.VerifyAudit(elec, parsed[i].Spoil.Ballot, parsed[i].Spoil.Opening)
		}
		errs[i] = err
	}
}

// ErrSpoiled and ErrAlreadyCast refuse a ballot whose fate is sealed
// (SPEC §17b.5 step 4).
var (
	ErrSpoiled     = errors.New("this ballot was audited (spoiled) and can never be cast; cast a new ballot")
	ErrAlreadyCast = errors.New("this ballot was cast and can no longer be audited")
)

// checkCodes refuses leaves that replay a leaf, cast a spoiled ballot or
// spoil a cast one, against the log and within the batch. p.mu held.
func (p *Poll) checkCodes(ctx context.Context, parsed []plebiscite.Leaf) error {
	batch := map[plebiscite.TrackingCode]codeEntry{}
	at := p.codeAt(ctx)
	for i, l := range parsed {
		code := ballotOf(l).TrackingCode()
		cs, ok := batch[code]
		if !ok {
			var err error
			if cs, err = p.codes.get(code, at); err != nil {
				return err
			}
		}
		var err error
		switch {
		case l.Spoil == nil && cs.cast >= 0, l.Spoil != nil && cs.spoil >= 0:
			err = plebiscite.ErrReplay
		case l.Spoil == nil && cs.spoil >= 0:
			err = ErrSpoiled
		case l.Spoil != nil && cs.cast >= 0:
			err = ErrAlreadyCast
		}
		if err != nil {
			return &CastError{Position: i, Err: fmt.Errorf("%w: tracking code %s: %w", ErrBallotRefused, plebiscite.ShortCode(code), err)}
		}
		if l.Spoil != nil {
			cs.spoil = 0
		} else {
			cs.cast = 0
		}
		batch[code] = cs
	}
	return nil
}
