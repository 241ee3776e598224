// Package verify implements the offline verification of a Concord ledger
// as specified in docs/SPEC.md, Section 17.4: a pure function from
// the ledger's bytes (its leaves, the checkpoints a reader holds, and the
// log's public key) to a report or a precise error.
//
// It imports no storage and no network code; anyone holding the bytes can
// run it. Stream reads the leaves in chunks and verifies their signatures on
// every core (Section 17.4, steps a-d); Apply does the same for a node
// catching up with a stored log (Section 17.2).
package verify

import (
	"errors"
	"fmt"

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

// Ledger verifies a ledger held in memory; it is Stream over the slice,
// with signatures verified on every core (SPEC §17.4).
func Ledger(leaves [][]byte, checkpoints [][]byte, logVerifier note.Verifier) (*Report, error) {
	return Stream(Slice(leaves), checkpoints, logVerifier, Options{})
}
