package plebiscite

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"concord/elgamal"
	"concord/zkp"
)

// verifyPollStream runs SPEC §16.2 steps 1 to 7 as §16.6 organises them:
// one pass that indexes and verifies every leaf, and a second one only to
// subtract the valid ballots that do not count.
func verifyPollStream(rec *StreamRecord) (*Election, *Aggregate, *Report, error) {
	e, rep, err := openRecord(rec.Manifest, rec.Roll, rec.Board)
	if err != nil {
		return nil, nil, nil, err
	}
	if agg, ok := rec.Prior.reuse(e, rec, rep); ok {
		rec.Passed = rec.Prior
		return e, agg, rep, nil
	}
	x, logRoot, sums, err := e.verifyPass(rec)
	if err != nil {
		return nil, nil, nil, err
	}
	flags := x.countedFlags(e.Roll.Len())
	if err := e.subtractUncounted(rec, x, flags, sums); err != nil {
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
	rec.Passed = newPass(e, agg, rep)
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
	mu   sync.Mutex
	list []leafFailure
}

func (f *failures) add(list []leafFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, list...)
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

// MaxLeaves is the most leaves a record, and a ballot log, may hold (SPEC
// §16.6, §17b.5): the verifier's index and the node's keep leaf numbers in
// 32 bits. It is 32 leaves per credential of the largest roll (MaxRoll),
// and 3 TB of one-of-three ballots.
const MaxLeaves = math.MaxInt32

// maxLeaves is MaxLeaves, which tests lower.
var maxLeaves = MaxLeaves

// chunkSize returns the number of leaves per batch: large enough for the
// bucket method's cost per term to fall, small enough that every worker has
// several chunks.
func chunkSize(n, workers int) int {
	return max(16, min(1024, n/(4*workers)))
}

// verifyPass is the pass of SPEC §16.6: it indexes every leaf and
// computes the log root as it reads them, and verifies them in chunks
// spread over the workers. It returns the index, the root, and the
// per-option sums of every valid ballot leaf, counted or not.
func (e *Election) verifyPass(rec *StreamRecord) (*leafIndex, Hash, []*elgamal.Ciphertext, error) {
	workers := rec.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := rec.Chunk
	if size <= 0 {
		// The number of leaves is not known before the pass; a poll has
		// about as many as the roll has credentials.
		size = chunkSize(e.Roll.Len(), workers)
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
				f.add(e.verifyChunk(j.lo, j.leaves, partial[w]))
				if rec.Progress != nil {
					mu.Lock()
					done += len(j.leaves)
					rec.Progress(done)
					mu.Unlock()
				}
			}
		})
	}
	x := newLeafIndex(e)
	var log merkleBuilder
	i := 0
	cur := job{leaves: make([][]byte, 0, size)}
	var tooMany error
	err := rec.Leaves(func(l []byte) bool {
		if i == maxLeaves {
			tooMany = fmt.Errorf("the ballot log has more than %d leaves, the most a record holds (SPEC §16.6)", maxLeaves)
			return false
		}
		x.add(e, &log, l)
		cur.leaves = append(cur.leaves, l)
		i++
		if len(cur.leaves) == size {
			jobs <- cur
			cur = job{lo: i, leaves: make([][]byte, 0, size)}
		}
		return true
	})
	if len(cur.leaves) > 0 && err == nil {
		jobs <- cur
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		err = tooMany
	}
	if err != nil {
		return nil, Hash{}, nil, fmt.Errorf("reading the leaves: %w", err)
	}
	root := log.root()
	if rec.wantRoot != nil && (int64(i) != rec.wantSize || root != *rec.wantRoot) {
		return nil, Hash{}, nil, fmt.Errorf("reading the leaves: %w: the ballot log read has %d leaves of root %v, not the %d of root %v checked against the ledger", ErrLeavesChanged, i, root, rec.wantSize, *rec.wantRoot)
	}
	if err := f.err(); err != nil {
		return nil, Hash{}, nil, err
	}
	sums := newSums(len(e.Manifest.Options))
	for _, p := range partial {
		for j := range sums {
			sums[j].Add(sums[j], p[j])
		}
	}
	return x, root, sums, nil
}

// subtractUncounted is the second pass of SPEC §16.6, made only if some
// ballot leaf does not count (superseded by a later ballot of its
// credential, or spoiled): it reads the leaves again, checks that each
// such leaf is the one the first pass indexed, and subtracts its
// ciphertexts from sums, which then hold the counted ballots' sums.
func (e *Election) subtractUncounted(rec *StreamRecord, x *leafIndex, flags []bool, sums []*elgamal.Ciphertext) error {
	uncounted := 0
	for i, k := range x.kinds {
		if k == leafBallot && !flags[i] {
			uncounted++
		}
	}
	if uncounted == 0 {
		return nil
	}
	n := len(x.kinds)
	i := 0
	var bad error
	err := rec.Leaves(func(l []byte) bool {
		if i >= n {
			bad = ErrLeavesChanged
			return false
		}
		if x.kinds[i] == leafBallot && !flags[i] {
			b, err := ParseBallot(l)
			if err != nil || b.TrackingCode() != x.codes[i] {
				bad = ErrLeavesChanged
				return false
			}
			for j, o := range b.Options {
				sums[j].A.Subtract(sums[j].A, o.Ct.A)
				sums[j].B.Subtract(sums[j].B, o.Ct.B)
			}
		}
		i++
		return true
	})
	if err != nil {
		return fmt.Errorf("reading the leaves: %w", err)
	}
	if bad != nil || i != n {
		return ErrLeavesChanged
	}
	return nil
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
// decoding, the checks before the proofs, every signature and proof of the
// chunk in one batch (SPEC §11.7.1, §11.7.3), and the openings of spoil
// leaves; it adds every valid ballot leaf to sums. It reports the bad
// leaves.
func (e *Election) verifyChunk(lo int, raw [][]byte, sums []*elgamal.Ciphertext) []leafFailure {
	errs := make([]error, len(raw))
	leaves := make([]Leaf, len(raw))
	ballots := make([]*Ballot, len(raw))
	for k, l := range raw {
		lf, err := ParseLeaf(l)
		if err != nil {
			errs[k] = err
			continue
		}
		leaves[k] = lf
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
			var code TrackingCode
			if bb := ballotBytes(raw[k]); bb != nil {
				code = sha256.Sum256(bb)
			}
			bad = append(bad, leafFailure{index: lo + k, code: code, err: errs[k]})
			continue
		}
		if b := leaves[k].Ballot; b != nil {
			for j, o := range b.Options {
				sums[j].Add(sums[j], o.Ct)
			}
		}
	}
	return bad
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
