package plebiscite

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"concord/elgamal"
	"concord/zkp"
)

// verifyPollStream runs SPEC §16.2 steps 1 to 7 in the two passes of
// §16.6.
func verifyPollStream(rec *StreamRecord) (*Election, *Aggregate, *Report, error) {
	e, rep, err := openRecord(rec.Manifest, rec.Roll, rec.Board)
	if err != nil {
		return nil, nil, nil, err
	}
	x, logRoot, err := indexLeaves(e, rec.Leaves)
	if err != nil {
		return nil, nil, nil, err
	}
	flags := x.countedFlags(e.Roll.Len())
	sums, err := e.verifyPass(rec, x, flags)
	if err != nil {
		return nil, nil, nil, err
	}
	if dup, orig := x.firstReplay(); dup >= 0 {
		return nil, nil, nil, &LeafError{Index: dup, Code: x.codes[dup], Err: fmt.Errorf("%w (leaf %d)", ErrReplay, orig)}
	}
	rep.Leaves, rep.LogRoot = len(x.kinds), logRoot
	var counted merkleBuilder
	agg := &Aggregate{Manifest: e.Hash, Sums: sums}
	for i, k := range x.kinds {
		if k == leafSpoil {
			rep.Spoiled++
		} else {
			rep.Ballots++
		}
		if flags[i] {
			counted.add(leafHash(x.codes[i][:]))
			agg.Ballots++
		}
	}
	agg.Counted = counted.root()
	rep.Counted, rep.CountedRoot, rep.Superseded = agg.Ballots, agg.Counted, rep.Ballots-agg.Ballots
	return e, agg, rep, nil
}

// leafFailure is a bad leaf found by the second pass.
type leafFailure struct {
	index int
	code  TrackingCode
	err   error
}

// failures collects the bad leaves of the second pass, keeping only the
// maxLeafErrors+1 first in log order.
type failures struct {
	mu      sync.Mutex
	list    []leafFailure
	changed bool
}

func (f *failures) add(list []leafFailure, changed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, list...)
	f.changed = f.changed || changed
	if len(f.list) > 4*(maxLeafErrors+1) {
		f.trim()
	}
}

func (f *failures) trim() {
	slices.SortFunc(f.list, func(a, b leafFailure) int { return cmp.Compare(a.index, b.index) })
	f.list = f.list[:min(len(f.list), maxLeafErrors+1)]
}

// err returns the error of SPEC §16.3 steps 4 to 6: a *LeafError for each
// of the first maxLeafErrors bad leaves, joined.
func (f *failures) err() error {
	if f.changed {
		return ErrLeavesChanged
	}
	if len(f.list) == 0 {
		return nil
	}
	f.trim()
	var errs []error
	for k, l := range f.list {
		if k == maxLeafErrors {
			errs = append(errs, fmt.Errorf("and more bad leaves after leaf %d", l.index))
			break
		}
		errs = append(errs, &LeafError{Index: l.index, Code: l.code, Err: l.err})
	}
	return errors.Join(errs...)
}

// chunkSize returns the number of leaves per batch: large enough for the
// bucket method's cost per term to fall, small enough that every worker has
// several chunks.
func chunkSize(n, workers int) int {
	return max(16, min(1024, n/(4*workers)))
}

// verifyPass is the second pass of SPEC §16.6: it verifies every leaf in
// chunks spread over the workers and returns the per-option sums of the
// counted ballots.
func (e *Election) verifyPass(rec *StreamRecord, x *leafIndex, flags []bool) ([]*elgamal.Ciphertext, error) {
	n := len(x.kinds)
	workers := rec.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := rec.Chunk
	if size <= 0 {
		size = chunkSize(n, workers)
	}
	type job struct {
		lo     int
		leaves [][]byte
	}
	jobs := make(chan job, workers)
	partial := make([][]*elgamal.Ciphertext, workers)
	var f failures
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := range workers {
		partial[w] = newSums(len(e.Manifest.Options))
		wg.Go(func() {
			for j := range jobs {
				bad, changed := e.verifyChunk(j.lo, j.leaves, x, flags, partial[w])
				f.add(bad, changed)
				if rec.Progress != nil {
					mu.Lock()
					done += len(j.leaves)
					rec.Progress(done)
					mu.Unlock()
				}
			}
		})
	}
	i := 0
	cur := job{leaves: make([][]byte, 0, size)}
	err := rec.Leaves(func(l []byte) bool {
		if i >= n {
			f.add(nil, true)
			return false
		}
		cur.leaves = append(cur.leaves, l)
		i++
		if len(cur.leaves) == size {
			jobs <- cur
			cur = job{lo: i, leaves: make([][]byte, 0, size)}
		}
		return true
	})
	if len(cur.leaves) > 0 {
		jobs <- cur
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("reading the leaves: %w", err)
	}
	if i != n {
		f.add(nil, true)
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	sums := newSums(len(e.Manifest.Options))
	for _, p := range partial {
		for j := range sums {
			sums[j].Add(sums[j], p[j])
		}
	}
	return sums, nil
}

func newSums(n int) []*elgamal.Ciphertext {
	s := make([]*elgamal.Ciphertext, n)
	for j := range s {
		s[j] = elgamal.NewCiphertext()
	}
	return s
}

// proofOwner maps a batch item to its leaf (offset in the chunk) and its
// option, or ownerRange for the range proof, or ownerSignature.
type proofOwner struct {
	leaf   int32
	option int16
}

const (
	ownerRange     = -1
	ownerSignature = -2
)

// verifyChunk verifies the leaves lo, lo+1, ... (SPEC §16.2 steps 4 to 6):
// decoding, the checks before the proofs, every proof of the chunk in one
// batch (SPEC §11.7.1), and the openings of spoil leaves; it adds the
// counted ballots to sums. It reports the bad leaves, and whether a leaf
// differs from the first pass.
func (e *Election) verifyChunk(lo int, raw [][]byte, x *leafIndex, flags []bool, sums []*elgamal.Ciphertext) ([]leafFailure, bool) {
	errs := make([]error, len(raw))
	codes := make([]TrackingCode, len(raw))
	leaves := make([]Leaf, len(raw))
	ballots := make([]*Ballot, len(raw))
	for k, l := range raw {
		i := lo + k
		if bb := ballotBytes(l); bb == nil && x.kinds[i] != 0 || bb != nil && (l[0] != x.kinds[i] || sha256.Sum256(bb) != x.codes[i]) {
			return nil, true
		}
		if h, ok := x.spoil[i]; ok && leafHash(l) != h {
			return nil, true // the same ballot with another opening
		}
		lf, err := ParseLeaf(l)
		if err != nil {
			errs[k] = err
			continue
		}
		leaves[k] = lf
		codes[k] = x.codes[i]
		if errs[k] = e.checkHeader(lf.ballot()); errs[k] == nil {
			ballots[k] = lf.ballot()
		}
	}
	e.verifyProofs(ballots, errs)
	var bad []leafFailure
	for k := range raw {
		if s := leaves[k].Spoil; s != nil && errs[k] == nil {
			errs[k] = VerifyAudit(e, s.Ballot, s.Opening)
		}
		if errs[k] != nil {
			bad = append(bad, leafFailure{index: lo + k, code: codes[k], err: errs[k]})
			continue
		}
		if flags[lo+k] {
			for j, o := range leaves[k].Ballot.Options {
				sums[j].Add(sums[j], o.Ct)
			}
		}
	}
	return bad, false
}

// verifyProofs checks the signature's equation (SPEC §14.6 step 5, with
// §14.4) and runs steps 6 and 7 for the ballots bs (nil entries are
// skipped) with one batch for all their signatures and proofs (SPEC
// §11.7.1, §11.7.3), and sets errs[k] for each ballot that fails, unless
// it is already set: a bad signature before a bit proof failure (the
// lowest option) before a range proof failure. The ballots must come from
// ParseBallot or Cast, which keep their encoding.
func (e *Election) verifyProofs(bs []*Ballot, errs []error) {
	batch := zkp.NewBatch(e.Key)
	var owners []proofOwner
	var parts []int
	mn, mx := uint64(e.Manifest.Min), uint64(e.Manifest.Max)
	per := elgamal.CiphertextSize + zkp.BitProofSize
	for k, b := range bs {
		if b == nil {
			continue
		}
		enc := b.bytes()
		batch.AddEd25519(b.Credential[:], b.Sig[:], []byte(labelBallot), enc[:len(enc)-SignatureSize])
		owners = append(owners, proofOwner{int32(k), ownerSignature})
		parts = parts[:0]
		for j, o := range b.Options {
			off := ballotHeaderSize + j*per
			parts = append(parts, batch.AddBit(bitContext(e.Hash, b.Credential, j), o.Ct, enc[off:off+elgamal.CiphertextSize], o.Proof))
			owners = append(owners, proofOwner{int32(k), int16(j)})
		}
		batch.AddRangeOfSum(rangeContext(e.Hash, b.Credential), parts, mn, mx, b.Range)
		owners = append(owners, proofOwner{int32(k), ownerRange})
	}
	var be *zkp.BatchError
	if err := batch.VerifyVarTime(); errors.As(err, &be) {
		// In the order of SPEC §14.6: the signature (step 5), the bit
		// proofs (6), the range proof (7).
		for _, q := range be.Bad {
			if o := owners[q]; o.option == ownerSignature && errs[o.leaf] == nil {
				errs[o.leaf] = fmt.Errorf("%w: credential %x", ErrBadSignature, bs[o.leaf].Credential[:])
			}
		}
		for _, q := range be.Bad {
			if o := owners[q]; o.option >= 0 && errs[o.leaf] == nil {
				errs[o.leaf] = &ProofError{Option: int(o.option), Err: zkp.ErrInvalidProof}
			}
		}
		for _, q := range be.Bad {
			if o := owners[q]; o.option == ownerRange && errs[o.leaf] == nil {
				errs[o.leaf] = fmt.Errorf("%w: %v", ErrRangeProof, zkp.ErrInvalidProof)
			}
		}
	}
}
