package plebiscite

import (
	"errors"
	"fmt"
	"strings"

	"concord/ledger"
	"concord/threshold"
)

// Record is everything needed to verify a plebiscite (SPEC §16.1).
type Record struct {
	Manifest []byte           // canonical manifest (SPEC §13.6)
	Roll     []byte           // roll file (SPEC §13.4), kept by the Election verification returns: not to be modified
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
	return verifyPollStream(&StreamRecord{Manifest: rec.Manifest, Roll: rec.Roll, Leaves: sliceLeaves(rec.Leaves), Board: rec.Board})
}

// openRecord runs SPEC §16.2 steps 1 to 3: the manifest, the roll and the
// board.
func openRecord(manifest, rollFile []byte, board *threshold.Board) (*Election, *Report, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, nil, err
	}
	roll, err := ParseRoll(rollFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrRoll, err)
	}
	e, err := NewElection(m, roll)
	if err != nil {
		if errors.Is(err, ErrManifest) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrRoll, err)
	}
	rep := &Report{Manifest: e.Hash, Options: m.Options}
	if rep.Coalitions, err = m.Coalitions(); err != nil {
		return nil, nil, err
	}
	if board != nil {
		if err := e.checkBoard(board); err != nil {
			return nil, nil, err
		}
		rep.KeysFromBoard = true
	}
	return e, rep, nil
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
