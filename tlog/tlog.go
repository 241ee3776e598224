// Package tlog implements Concord's transparency log as specified in
// docs/SPEC.md (Section 5): an RFC 6962 Merkle tree over opaque
// leaves, inclusion and consistency proofs, C2SP tlog-checkpoint signed
// notes, C2SP tlog-cosignature witness cosignatures and the witness rules.
//
// Tree hashing and proofs come from golang.org/x/mod/sumdb/tlog, signed notes
// from golang.org/x/mod/sumdb/note and checkpoint bodies from
// github.com/transparency-dev/formats/log. Storage is behind the Store
// interface (Section 6); package concord/store/sqlite implements it.
//
// The pure functions (VerifyCheckpoint, VerifyInclusion, VerifyConsistency,
// RootOf, TreeBuilder) use no storage and serve the offline verifier.
package tlog

import (
	"context"
	"errors"

	"golang.org/x/mod/sumdb/tlog"
)

// Hash is a SHA-256 tree hash (a leaf hash, node hash or root hash). It is
// the same type as golang.org/x/mod/sumdb/tlog.Hash.
type Hash = tlog.Hash

// StoredHash is one hash of the tree at its storage index (SPEC §5.2).
type StoredHash struct {
	Index int64
	Hash  Hash
}

// MaxLeafSize is the largest leaf the log accepts, in bytes (SPEC §5.1).
const MaxLeafSize = 1 << 20

// Errors that callers tell apart with errors.Is.
var (
	// ErrConflict: another writer appended first (SPEC §6.1). Log retries.
	ErrConflict = errors.New("tlog: conflicting append: the log grew meanwhile")
	// ErrDuplicate: a leaf with the same leaf hash is already in the log.
	ErrDuplicate = errors.New("tlog: duplicate leaf: this leaf is already in the log")
	// ErrNotFound: no such leaf, checkpoint or cosignature.
	ErrNotFound = errors.New("tlog: not found")
	// ErrWrongOrigin: the store holds a log of another origin.
	ErrWrongOrigin = errors.New("tlog: store holds a log of another origin")
	// ErrInvalidProof: an inclusion or consistency proof does not verify.
	ErrInvalidProof = errors.New("tlog: invalid proof")
	// ErrBadCheckpoint: a checkpoint is malformed, not canonical, of another
	// origin, or lacks a valid log signature.
	ErrBadCheckpoint = errors.New("tlog: bad checkpoint")
	// ErrFork: a log showed two different histories (SPEC §5.9).
	ErrFork = errors.New("tlog: log fork detected")
	// ErrRollback: a log presented a smaller tree than one already cosigned.
	ErrRollback = errors.New("tlog: log rollback detected")
	// ErrUnknownLog: a witness knows this origin under another log key.
	ErrUnknownLog = errors.New("tlog: origin is known under another log key")
)

// Store is the storage a Log needs; its contract is SPEC §6.1. Every method
// that writes returns only after a durable commit.
type Store interface {
	// BindOrigin records origin if the store has none; it fails with
	// ErrWrongOrigin if the store holds another origin.
	BindOrigin(ctx context.Context, origin string) error
	// Size returns the number of leaves.
	Size(ctx context.Context) (int64, error)
	// Append atomically stores leaves first, first+1, … and the stored
	// hashes, if and only if the log has exactly first leaves; otherwise
	// it fails with ErrConflict. A leaf whose leaf hash is present fails
	// the whole call with ErrDuplicate.
	Append(ctx context.Context, first int64, leaves [][]byte, hashes []StoredHash) error
	// ReadLeaves returns leaves start … end-1.
	ReadLeaves(ctx context.Context, start, end int64) ([][]byte, error)
	// ReadHashes returns the stored hashes at indexes, in that order.
	ReadHashes(ctx context.Context, indexes []int64) ([]Hash, error)
	// LeafIndex returns the index of the leaf with leaf hash h, or ErrNotFound.
	LeafIndex(ctx context.Context, h Hash) (int64, error)
	// PutCheckpoint stores a signed checkpoint for size unless one exists.
	PutCheckpoint(ctx context.Context, size int64, signedNote []byte) error
	// Checkpoint returns the checkpoint of the largest size, or ErrNotFound.
	Checkpoint(ctx context.Context) (size int64, signedNote []byte, err error)
	// CheckpointAt returns the checkpoint for size, or ErrNotFound.
	CheckpointAt(ctx context.Context, size int64) ([]byte, error)
	// AddCosignature stores a witness's cosignature line for the
	// checkpoint of size, replacing an older one of the same witness.
	AddCosignature(ctx context.Context, size int64, witness string, line []byte) error
	// Cosignatures returns the cosignature lines of the checkpoint of size,
	// ordered by witness name.
	Cosignatures(ctx context.Context, size int64) ([][]byte, error)
}

// Locker is implemented by a Store that several processes write at once
// (SPEC §6.3). WithLock runs fn while holding a lock that excludes every
// other writer of the store, so that a writer can read the log's end, check
// its leaves against it and append them without losing a race. Log.Append
// and Log.AppendBatch take the lock when the store offers one.
type Locker interface {
	WithLock(ctx context.Context, fn func(ctx context.Context) error) error
}

// WithLock runs fn under store's writer lock if it has one (see Locker),
// and directly otherwise.
func WithLock(ctx context.Context, store Store, fn func(ctx context.Context) error) error {
	if lk, ok := store.(Locker); ok {
		return lk.WithLock(ctx, fn)
	}
	return fn(ctx)
}

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 ‖ leaf) of SPEC §5.1,
// which is also the entry hash of a ledger entry.
func LeafHash(leaf []byte) Hash {
	return tlog.RecordHash(leaf)
}

// EmptyRoot is the root hash of the empty tree, SHA-256("") (SPEC §5.2).
var EmptyRoot = Hash{
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
}
