// Package verify implements the offline verification of a Concord ledger
// as specified in docs/spec/17-cli.md, Section 17.4: a pure function from
// the ledger's bytes (its leaves, the checkpoints a reader holds, and the
// log's public key) to a report or a precise error.
//
// It imports no storage and no network code; anyone holding the bytes can
// run it.
package verify

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/state"
	"concord/tlog"
)

// Sentinel errors, wrapped in an *Error, that tell the failures of the
// log's structure apart (SPEC §17.4).
var (
	ErrEmptyLeaf      = errors.New("empty leaf")
	ErrTooLarge       = errors.New("entry too large")
	ErrCheckpoint     = errors.New("checkpoint does not verify (bad signature, origin or format)")
	ErrCheckpointSize = errors.New("checkpoint commits to more entries than the ledger holds (entries removed or truncated)")
	ErrCheckpointRoot = errors.New("checkpoint root hash differs from the root of the ledger's entries (entries altered, reordered, inserted or removed)")
	ErrFork           = errors.New("two checkpoints commit to different trees of the same size (the log forked)")
)

// Error is a verification failure. Entry is the index of the entry at
// fault or -1; Checkpoint is the index (in the caller's slice) of the
// checkpoint at fault or -1; Other is the second checkpoint of a fork or -1.
type Error struct {
	Entry      int64
	Checkpoint int
	Other      int
	Err        error
}

func (e *Error) Error() string {
	switch {
	case e.Entry >= 0:
		return fmt.Sprintf("entry %d: %v", e.Entry, e.Err)
	case e.Other >= 0:
		return fmt.Sprintf("checkpoints %d and %d: %v", e.Checkpoint, e.Other, e.Err)
	default:
		return fmt.Sprintf("checkpoint %d: %v", e.Checkpoint, e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }

func entryError(i int64, err error) *Error {
	return &Error{Entry: i, Checkpoint: -1, Other: -1, Err: err}
}

func checkpointError(i int, err error) *Error {
	return &Error{Entry: -1, Checkpoint: i, Other: -1, Err: err}
}

// Checkpoint is a checkpoint that verified.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Report is the result of a successful verification.
type Report struct {
	Entries     int64
	Root        tlog.Hash // RFC 6962 root of all entries (SPEC §5.2)
	Checkpoints []Checkpoint
	Kinds       map[ledger.Kind]int
	Last        calendar.Date // latest effective date; zero if there are no entries
	World       *state.World  // the world as of Last; nil if there are no entries
	Records     []ledger.Record
}

// Ledger verifies a ledger from its bytes, following SPEC §17.4:
//
//  1. each leaf is decoded strictly and checked against the append rules
//     by a fresh ledger.Checker, in log order;
//  2. the RFC 6962 tree of the leaves is recomputed;
//  3. each checkpoint's signature is verified under logVerifier, and its
//     origin, size and root are checked against the recomputed tree;
//     two checkpoints of the same size with different roots are a fork;
//  4. the world is recomputed as of the latest effective date.
//
// The first failure is returned as an *Error naming the entry or the
// checkpoint at fault.
func Ledger(leaves [][]byte, checkpoints [][]byte, logVerifier note.Verifier) (*Report, error) {
	r := &Report{Entries: int64(len(leaves)), Kinds: map[ledger.Kind]int{}}
	c := ledger.NewChecker()
	r.Records = make([]ledger.Record, 0, len(leaves))
	for i, leaf := range leaves {
		idx := int64(i)
		if len(leaf) == 0 {
			return nil, entryError(idx, ErrEmptyLeaf)
		}
		if len(leaf) > ledger.MaxEntrySize {
			return nil, entryError(idx, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize))
		}
		s, err := ledger.Decode(leaf)
		if err != nil {
			return nil, entryError(idx, err)
		}
		if err := c.Check(s); err != nil {
			return nil, entryError(idx, err)
		}
		rec := ledger.Record{Index: idx, Hash: ledger.LeafHash(leaf), Signed: s}
		c.Apply(rec)
		r.Records = append(r.Records, rec)
		r.Kinds[s.Entry.Kind]++
		if r.Last.IsZero() || s.Entry.Effective.After(r.Last) {
			r.Last = s.Entry.Effective
		}
	}

	cps, root, err := checkCheckpoints(leaves, checkpoints, logVerifier)
	if err != nil {
		return nil, err
	}
	r.Root = root
	r.Checkpoints = cps
	if r.Entries > 0 {
		r.World = state.At(r.Records, r.Last)
	}
	return r, nil
}

// checkCheckpoints verifies every checkpoint's signature, then looks for
// forks, then recomputes the root of each checkpoint's prefix of the
// leaves in one pass (SPEC §17.4, step 3). It returns the verified
// checkpoints and the root of all the leaves.
func checkCheckpoints(leaves, checkpoints [][]byte, v note.Verifier) ([]Checkpoint, tlog.Hash, error) {
	cps := make([]Checkpoint, len(checkpoints))
	for i, raw := range checkpoints {
		c, err := tlog.VerifyCheckpoint(raw, v.Name(), v)
		if err != nil {
			return nil, tlog.Hash{}, checkpointError(i, fmt.Errorf("%w: %v", ErrCheckpoint, err))
		}
		cps[i] = Checkpoint{Origin: c.Origin, Size: c.Size, Root: c.Root}
	}
	// Sort by size; forks first: they prove misbehaviour of the log
	// whatever the leaves say.
	order := make([]int, len(cps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cps[a].Size, cps[b].Size) })
	for k := 1; k < len(order); k++ {
		a, b := cps[order[k-1]], cps[order[k]]
		if a.Size == b.Size && a.Root != b.Root {
			return nil, tlog.Hash{}, &Error{Entry: -1, Checkpoint: order[k-1], Other: order[k],
				Err: fmt.Errorf("%w: size %d, roots %s and %s", ErrFork, a.Size, a.Root, b.Root)}
		}
	}
	size := int64(len(leaves))
	var b tlog.TreeBuilder
	k := 0
	for {
		for ; k < len(order) && cps[order[k]].Size == b.Size(); k++ {
			i := order[k]
			if got := b.Root(); got != cps[i].Root {
				return nil, tlog.Hash{}, checkpointError(i, fmt.Errorf("%w: size %d, checkpoint root %s, entries give %s", ErrCheckpointRoot, cps[i].Size, cps[i].Root, got))
			}
		}
		if b.Size() == size {
			break
		}
		b.Add(leaves[b.Size()])
	}
	if k < len(order) {
		i := order[k]
		return nil, tlog.Hash{}, checkpointError(i, fmt.Errorf("%w: size %d, the ledger has %d", ErrCheckpointSize, cps[i].Size, size))
	}
	return cps, b.Root(), nil
}
