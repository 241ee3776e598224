package plebiscite

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"concord/ledger"
	"concord/threshold"
	"concord/zkp"
)

// Record is everything needed to verify a plebiscite (SPEC §16.1).
type Record struct {
	Manifest []byte           // canonical manifest (SPEC §13.6)
	Roll     []byte           // roll file (SPEC §13.4)
	Leaves   [][]byte         // the plebiscite log's leaves, in log order (SPEC §14.8)
	Result   []byte           // canonical result (SPEC §15.4), with the decryption shares
	Board    *threshold.Board // optional: the key generation's public board (SPEC §12)
}

// Report is what VerifyRecord establishes (SPEC §16.4).
type Report struct {
	Manifest      Hash
	LogRoot       Hash // RFC 6962 root of the leaves: compare with the log's checkpoint
	Leaves        int
	Ballots       int // ballot leaves
	Spoiled       int // spoil leaves (Benaloh audits)
	Superseded    int // ballot leaves not counted: replaced by a later ballot, or spoiled
	Counted       int
	CountedRoot   Hash // Merkle root of the counted tracking codes
	Trustees      []ledger.PartyID
	Absent        []ledger.PartyID // trustees without a decryption share
	Options       []string
	Counts        []uint64
	Winner        *int
	KeysFromBoard bool              // the election keys were recomputed from the board
	Coalitions    *threshold.Report // which camps can decrypt or block (SPEC §12.11)
}

// Errors of record verification (SPEC §16.3). Errors about one leaf are a
// *LeafError wrapping the ballot error of SPEC §14.9.
var (
	ErrRoll       = errors.New("roll does not match the manifest")
	ErrKeys       = errors.New("election keys do not match the key generation board")
	ErrCountedSet = errors.New("result counts a different set of ballots than the counting rules give")
	ErrAggregate  = errors.New("result aggregate is not the sum of the counted ballots")
	ErrShare      = errors.New("invalid decryption share")
	ErrCounts     = errors.New("result counts differ from the decryption")
	ErrWinner     = errors.New("result winner differs from the outcome rule")
	ErrReplay     = errors.New("replayed leaf: the same ballot appears earlier in the log")
)

// LeafError names a leaf of the log that is not valid (SPEC §16.3).
type LeafError struct {
	Index int          // log index of the leaf
	Code  TrackingCode // tracking code of its ballot, zero if it does not decode
	Err   error
}

func (e *LeafError) Error() string {
	if e.Code == (TrackingCode{}) {
		return fmt.Sprintf("leaf %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("leaf %d (tracking code %s): %v", e.Index, ShortCode(e.Code), e.Err)
}

func (e *LeafError) Unwrap() error { return e.Err }

// maxLeafErrors bounds how many bad leaves an error lists.
const maxLeafErrors = 20

// VerifyRecord verifies a whole plebiscite record by the algorithm of SPEC
// §16.2 and returns its report, or the first failing step's error.
func VerifyRecord(rec *Record) (*Report, error) {
	e, agg, rep, err := verifyPoll(rec)
	if err != nil {
		return nil, err
	}
	if err := e.checkResult(rec.Result, agg, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// VerifyPoll runs SPEC §16.2 steps 1 to 7 on a record that need not have a
// result yet, and returns the election and the aggregate of the counted
// ballots. A trustee calls it before decrypting: it must decrypt only this
// recomputed aggregate, never a ciphertext handed to it (which could be a
// single voter's ballot).
func VerifyPoll(rec *Record) (*Election, *Aggregate, error) {
	e, agg, _, err := verifyPoll(rec)
	return e, agg, err
}

func verifyPoll(rec *Record) (*Election, *Aggregate, *Report, error) {
	m, err := ParseManifest(rec.Manifest)
	if err != nil {
		return nil, nil, nil, err
	}
	roll, err := ParseRoll(rec.Roll)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %v", ErrRoll, err)
	}
	e, err := NewElection(m, roll)
	if err != nil {
		if errors.Is(err, ErrManifest) {
			return nil, nil, nil, err
		}
		return nil, nil, nil, fmt.Errorf("%w: %v", ErrRoll, err)
	}
	rep := &Report{Manifest: e.Hash, Leaves: len(rec.Leaves), Options: m.Options}
	if rep.Coalitions, err = m.Coalitions(); err != nil {
		return nil, nil, nil, err
	}
	if rec.Board != nil {
		if err := e.checkBoard(rec.Board); err != nil {
			return nil, nil, nil, err
		}
		rep.KeysFromBoard = true
	}
	leaves, codes, err := e.verifyLeaves(rec.Leaves)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkReplays(leaves, codes); err != nil {
		return nil, nil, nil, err
	}
	hashes := make([]Hash, len(rec.Leaves))
	for i, l := range rec.Leaves {
		hashes[i] = leafHash(l)
		if leaves[i].Spoil != nil {
			rep.Spoiled++
		} else {
			rep.Ballots++
		}
	}
	rep.LogRoot = merkleRoot(hashes)
	agg := tally(e, leaves, counted(leaves, codes), codes)
	rep.Counted, rep.CountedRoot, rep.Superseded = agg.Ballots, agg.Counted, rep.Ballots-agg.Ballots
	return e, agg, rep, nil
}

// checkBoard recomputes the election key and verification keys from the
// key generation board (SPEC §16.2 step 3).
func (e *Election) checkBoard(b *threshold.Board) error {
	p := e.Params()
	q, err := threshold.Qualified(p, b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeys, err)
	}
	keys, err := threshold.PublicKeys(p, b.Commitments, q)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeys, err)
	}
	if keys.Joint.Equal(e.Key.Y) != 1 {
		return fmt.Errorf("%w: the board gives another election key", ErrKeys)
	}
	for j, x := range e.verificationKeys() {
		if keys.Verification[j].Equal(x) != 1 {
			return fmt.Errorf("%w: the board gives trustee %d (%s) another verification key", ErrKeys, j+1, e.Manifest.Trustees[j].ID)
		}
	}
	return nil
}

// checkReplays rejects a leaf that repeats an earlier leaf of the same
// kind with the same tracking code (SPEC §15.1 rule 0): replaying an old
// ballot must not undo a re-vote.
func checkReplays(leaves []Leaf, codes []TrackingCode) error {
	type key struct {
		code  TrackingCode
		spoil bool
	}
	seen := make(map[key]int, len(leaves))
	for i, l := range leaves {
		k := key{codes[i], l.Spoil != nil}
		if j, ok := seen[k]; ok {
			return &LeafError{Index: i, Code: codes[i], Err: fmt.Errorf("%w (leaf %d)", ErrReplay, j)}
		}
		seen[k] = i
	}
	return nil
}

// chunk is the number of leaves verified in one batch.
const chunk = 128

// verifyLeaves decodes and verifies every leaf (SPEC §16.2 steps 4 to 6) in
// parallel batches and returns the leaves and their tracking codes, or an
// error joining a *LeafError for each bad leaf (at most maxLeafErrors).
func (e *Election) verifyLeaves(raw [][]byte) ([]Leaf, []TrackingCode, error) {
	leaves := make([]Leaf, len(raw))
	codes := make([]TrackingCode, len(raw))
	errs := make([]error, len(raw))
	starts := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for lo := range starts {
				e.verifyChunk(raw, lo, min(lo+chunk, len(raw)), leaves, codes, errs)
			}
		})
	}
	for lo := 0; lo < len(raw); lo += chunk {
		starts <- lo
	}
	close(starts)
	wg.Wait()
	var bad []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		if len(bad) == maxLeafErrors {
			bad = append(bad, fmt.Errorf("and more bad leaves after leaf %d", i))
			break
		}
		bad = append(bad, &LeafError{Index: i, Code: codes[i], Err: err})
	}
	if bad != nil {
		return nil, nil, errors.Join(bad...)
	}
	return leaves, codes, nil
}

// verifyChunk verifies leaves lo … hi−1: decoding, the checks before the
// proofs, the proofs in two batches (bits, then ranges), and the openings
// of spoil leaves. It writes only indices lo … hi−1 of the outputs.
func (e *Election) verifyChunk(raw [][]byte, lo, hi int, leaves []Leaf, codes []TrackingCode, errs []error) {
	var bits []zkp.BitStatement
	var bitOwner []int
	var ranges []zkp.RangeStatement
	var rangeOwner []int
	mn, mx := uint64(e.Manifest.Min), uint64(e.Manifest.Max)
	for i := lo; i < hi; i++ {
		l, err := ParseLeaf(raw[i])
		if err != nil {
			errs[i] = err
			continue
		}
		leaves[i] = l
		b := l.ballot()
		codes[i] = sha256.Sum256(b.bytes())
		if err := e.checkHeader(b); err != nil {
			errs[i] = err
			continue
		}
		for j, o := range b.Options {
			bits = append(bits, zkp.BitStatement{Ctx: bitContext(e.Hash, b.Credential, j), Ciphertext: o.Ct, Proof: o.Proof})
			bitOwner = append(bitOwner, i<<8|j)
		}
		ranges = append(ranges, zkp.RangeStatement{Ctx: rangeContext(e.Hash, b.Credential), Ciphertext: b.sum(), Min: mn, Max: mx, Proof: b.Range})
		rangeOwner = append(rangeOwner, i)
	}
	var be *zkp.BatchError
	if err := zkp.VerifyBitBatchVarTime(e.Key, bits); errors.As(err, &be) {
		for _, k := range be.Bad {
			i, j := bitOwner[k]>>8, bitOwner[k]&0xff
			if errs[i] == nil {
				errs[i] = &ProofError{Option: j, Err: zkp.ErrInvalidProof}
			}
		}
	}
	if err := zkp.VerifyRangeBatchVarTime(e.Key, ranges); errors.As(err, &be) {
		for _, k := range be.Bad {
			if i := rangeOwner[k]; errs[i] == nil {
				errs[i] = fmt.Errorf("%w: %v", ErrRangeProof, zkp.ErrInvalidProof)
			}
		}
	}
	for i := lo; i < hi; i++ {
		if s := leaves[i].Spoil; s != nil && errs[i] == nil {
			errs[i] = VerifyAudit(e, s.Ballot, s.Opening)
		}
	}
}

// checkResult runs SPEC §16.2 steps 8 to 12 against the recomputed
// aggregate and fills the report.
func (e *Election) checkResult(b []byte, agg *Aggregate, rep *Report) error {
	r, err := ParseResult(b)
	if err != nil {
		return err
	}
	if r.Manifest != e.Hash {
		return fmt.Errorf("%w: result is for manifest %v", ErrWrongManifest, r.Manifest)
	}
	if len(r.Counts) != len(e.Manifest.Options) {
		return fmt.Errorf("%w: %d counts for %d options", ErrResult, len(r.Counts), len(e.Manifest.Options))
	}
	if r.Ballots != uint64(agg.Ballots) || r.Counted != agg.Counted {
		return fmt.Errorf("%w: the result counts %d ballots (root %v); the log's leaves, with the re-vote and spoil rules, give %d (root %v)",
			ErrCountedSet, r.Ballots, r.Counted, agg.Ballots, agg.Counted)
	}
	cts, _ := r.aggregate()
	for i, ct := range cts {
		if ct.Equal(agg.Sums[i]) != 1 {
			return fmt.Errorf("%w: option %d", ErrAggregate, i)
		}
	}
	shares, _ := r.shares()
	counts, err := decryptCounts(e, agg, shares)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrShare, err)
	}
	for i, c := range counts {
		if r.Counts[i] != c {
			return fmt.Errorf("%w: option %d (%q): the result says %d; the decryption gives %d", ErrCounts, i, e.Manifest.Options[i], r.Counts[i], c)
		}
	}
	w := Winner(counts, r.Ballots)
	if (w == nil) != (r.Winner == nil) || w != nil && *w != *r.Winner {
		return fmt.Errorf("%w: the result says %s; the rule %q gives %s", ErrWinner, winnerString(r.Winner), e.Manifest.Outcome, winnerString(w))
	}
	present := map[int]bool{}
	for _, s := range shares {
		present[s.Trustee] = true
	}
	for j, t := range e.Manifest.Trustees {
		if present[j+1] {
			rep.Trustees = append(rep.Trustees, t.ID)
		} else {
			rep.Absent = append(rep.Absent, t.ID)
		}
	}
	rep.Counts, rep.Winner = counts, w
	return nil
}

func winnerString(w *int) string {
	if w == nil {
		return "no decision"
	}
	return fmt.Sprintf("option %d", *w)
}

// String renders the report as text, one fact per line.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "manifest: %v\n", r.Manifest)
	fmt.Fprintf(&b, "log root: %v (%d leaves)\n", r.LogRoot, r.Leaves)
	fmt.Fprintf(&b, "ballots: %d cast, %d spoiled by audit, %d superseded or spoiled, %d counted\n", r.Ballots, r.Spoiled, r.Superseded, r.Counted)
	fmt.Fprintf(&b, "counted root: %v\n", r.CountedRoot)
	if r.KeysFromBoard {
		b.WriteString("election keys: recomputed from the key generation board\n")
	}
	fmt.Fprintf(&b, "decryption shares: %s\n", joinIDs(r.Trustees))
	if len(r.Absent) > 0 {
		fmt.Fprintf(&b, "absent: %s\n", joinIDs(r.Absent))
	}
	for i, c := range r.Counts {
		fmt.Fprintf(&b, "option %d, %s: %d\n", i, r.Options[i], c)
	}
	if r.Coalitions != nil {
		b.WriteString(r.Coalitions.String())
		if !strings.HasSuffix(r.Coalitions.String(), "\n") {
			b.WriteString("\n")
		}
	}
	if r.Winner == nil {
		b.WriteString("outcome: no decision\n")
	} else {
		fmt.Fprintf(&b, "winner: option %d, %s\n", *r.Winner, r.Options[*r.Winner])
	}
	return b.String()
}

func joinIDs(ids []ledger.PartyID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
