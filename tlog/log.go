package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxAttempts bounds how often an append is retried after ErrConflict.
const maxAttempts = 16

// Log is a transparency log on a Store (SPEC §5.7). It is safe for
// concurrent use; appends from one Log are serialised, appends from several
// processes sharing a Store are made safe by the Store's conflict check.
type Log struct {
	mu     sync.Mutex
	store  Store
	origin string
	signer note.Signer // nil: read-only
}

// Open opens the log of origin on store. The signer's name must be the
// origin (SPEC §5.6). A nil signer opens the log read-only: Append and
// Checkpoint then fail. Open checks that the latest stored checkpoint is of
// this origin and matches the stored tree.
func Open(ctx context.Context, store Store, origin string, signer note.Signer) (*Log, error) {
	if err := CheckOrigin(origin); err != nil {
		return nil, err
	}
	if signer != nil && signer.Name() != origin {
		return nil, fmt.Errorf("tlog: log key is named %q but the log origin is %q; use the key generated for this log", signer.Name(), origin)
	}
	if err := store.BindOrigin(ctx, origin); err != nil {
		return nil, err
	}
	l := &Log{store: store, origin: origin, signer: signer}
	size, signed, err := store.Checkpoint(ctx)
	if errors.Is(err, ErrNotFound) {
		return l, nil
	} else if err != nil {
		return nil, err
	}
	body, err := noteBody(signed)
	if err != nil {
		return nil, fmt.Errorf("tlog: stored checkpoint %d: %w", size, err)
	}
	o, n, root, err := ParseCheckpointText(body)
	if err != nil {
		return nil, fmt.Errorf("tlog: stored checkpoint %d: %w", size, err)
	}
	if o != origin || n != size {
		return nil, fmt.Errorf("tlog: stored checkpoint %d is for %q size %d; the store is corrupt", size, o, n)
	}
	if got, err := l.Root(ctx, n); err != nil {
		return nil, fmt.Errorf("tlog: stored checkpoint %d: %w; the store is corrupt or was restored from an older copy", n, err)
	} else if got != root {
		return nil, fmt.Errorf("tlog: stored tree of size %d has root %v but its checkpoint says %v; the store is corrupt", n, got, root)
	}
	return l, nil
}

// Origin returns the log's origin.
func (l *Log) Origin() string { return l.origin }

// Size returns the number of leaves in the log.
func (l *Log) Size(ctx context.Context) (int64, error) { return l.store.Size(ctx) }

// Append appends leaf and returns its index once it is durably stored. If
// another writer appends first, Append retries at the new end of the log
// (SPEC §5.7); a caller whose checks depend on the leaves before its own must
// use AppendAt instead.
func (l *Log) Append(ctx context.Context, leaf []byte) (int64, error) {
	return l.AppendBatch(ctx, [][]byte{leaf})
}

// AppendBatch appends leaves in one transaction (SPEC §5.7) and returns the
// index of the first once all are durably stored. Either all are appended
// or none is. Like Append, it retries after ErrConflict.
func (l *Log) AppendBatch(ctx context.Context, leaves [][]byte) (int64, error) {
	if err := l.checkAppend(leaves); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for range maxAttempts {
		var n int64
		err := WithLock(ctx, l.store, func(ctx context.Context) error {
			var err error
			if n, err = l.store.Size(ctx); err != nil {
				return err
			}
			return l.appendAt(ctx, n, leaves)
		})
		if !errors.Is(err, ErrConflict) {
			return n, err
		}
	}
	return 0, fmt.Errorf("%w: gave up after %d attempts; the log is too busy, retry later", ErrConflict, maxAttempts)
}

// AppendAt appends leaf at index if the log has exactly index leaves, and
// fails with ErrConflict, storing nothing, if it has any other number (for
// instance because another writer appended first). It is the conditional
// append of SPEC §5.7 for callers that checked the leaf against the first
// index leaves.
func (l *Log) AppendAt(ctx context.Context, index int64, leaf []byte) error {
	return l.AppendBatchAt(ctx, index, [][]byte{leaf})
}

// AppendBatchAt appends leaves in one transaction at index first, if the
// log has exactly first leaves; otherwise it fails with ErrConflict and
// stores nothing.
func (l *Log) AppendBatchAt(ctx context.Context, first int64, leaves [][]byte) error {
	if err := l.checkAppend(leaves); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Without this check, hashing leaves past the end would fail with
	// ErrNotFound rather than ErrConflict.
	size, err := l.store.Size(ctx)
	if err != nil {
		return err
	}
	if size != first {
		return fmt.Errorf("%w: append at index %d but the log has %d leaves", ErrConflict, first, size)
	}
	return l.appendAt(ctx, first, leaves)
}

func (l *Log) checkAppend(leaves [][]byte) error {
	if l.signer == nil {
		return fmt.Errorf("tlog: log %s is open read-only (no log key)", l.origin)
	}
	if len(leaves) == 0 {
		return fmt.Errorf("tlog: append of no leaves")
	}
	for i, leaf := range leaves {
		if len(leaf) == 0 || len(leaf) > MaxLeafSize {
			return fmt.Errorf("tlog: leaf %d of batch is %d bytes; want 1 to %d", i, len(leaf), MaxLeafSize)
		}
	}
	return nil
}

// appendAt computes the stored hashes of leaves as leaves n, n+1, … and
// asks the store to append them if the log still has n leaves (SPEC §5.7
// steps 2 and 3).
func (l *Log) appendAt(ctx context.Context, n int64, leaves [][]byte) error {
	pending := make(map[int64]Hash)
	r := tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		out := make([]Hash, len(indexes))
		var missing []int64
		for _, x := range indexes {
			if _, ok := pending[x]; !ok {
				missing = append(missing, x)
			}
		}
		var stored []Hash
		if len(missing) > 0 {
			var err error
			if stored, err = l.store.ReadHashes(ctx, missing); err != nil {
				return nil, err
			}
			if len(stored) != len(missing) {
				return nil, fmt.Errorf("tlog: store returned %d hashes for %d indexes", len(stored), len(missing))
			}
		}
		for i, x := range indexes {
			if h, ok := pending[x]; ok {
				out[i] = h
			} else {
				out[i], stored = stored[0], stored[1:]
			}
		}
		return out, nil
	})
	var all []StoredHash
	for j, leaf := range leaves {
		hs, err := tlog.StoredHashes(n+int64(j), leaf, r)
		if err != nil {
			return fmt.Errorf("tlog: hashing leaf %d: %w", n+int64(j), err)
		}
		base := tlog.StoredHashIndex(0, n+int64(j))
		for k, h := range hs {
			pending[base+int64(k)] = h
			all = append(all, StoredHash{Index: base + int64(k), Hash: h})
		}
	}
	return l.store.Append(ctx, n, leaves, all)
}

// hashReader reads stored hashes from the store.
func (l *Log) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		return l.store.ReadHashes(ctx, indexes)
	})
}

// Root returns the root hash of the tree of the first size leaves.
func (l *Log) Root(ctx context.Context, size int64) (Hash, error) {
	if err := l.checkSize(ctx, size); err != nil {
		return Hash{}, err
	}
	return tlog.TreeHash(size, l.hashReader(ctx))
}

func (l *Log) checkSize(ctx context.Context, size int64) error {
	n, err := l.store.Size(ctx)
	if err != nil {
		return err
	}
	if size < 0 || size > n {
		return fmt.Errorf("tlog: tree size %d out of range: the log has %d leaves", size, n)
	}
	return nil
}

// ReadLeaves returns leaves start … end-1.
func (l *Log) ReadLeaves(ctx context.Context, start, end int64) ([][]byte, error) {
	if start < 0 || end < start {
		return nil, fmt.Errorf("tlog: bad leaf range [%d, %d)", start, end)
	}
	if err := l.checkSize(ctx, end); err != nil {
		return nil, err
	}
	return l.store.ReadLeaves(ctx, start, end)
}

// LeafIndex returns the index of the leaf whose leaf hash is h, or
// ErrNotFound.
func (l *Log) LeafIndex(ctx context.Context, h Hash) (int64, error) {
	return l.store.LeafIndex(ctx, h)
}

// ProveInclusion returns the proof that leaf index is in the tree of size
// treeSize (SPEC §5.3).
func (l *Log) ProveInclusion(ctx context.Context, index, treeSize int64) ([]Hash, error) {
	if err := l.checkSize(ctx, treeSize); err != nil {
		return nil, err
	}
	if index < 0 || index >= treeSize {
		return nil, fmt.Errorf("tlog: leaf %d is not in a tree of size %d", index, treeSize)
	}
	return tlog.ProveRecord(treeSize, index, l.hashReader(ctx))
}

// ProveConsistency returns the proof that the tree of size oldSize is a
// prefix of the tree of size newSize (SPEC §5.4).
func (l *Log) ProveConsistency(ctx context.Context, oldSize, newSize int64) ([]Hash, error) {
	if err := l.checkSize(ctx, newSize); err != nil {
		return nil, err
	}
	if oldSize < 0 || oldSize > newSize {
		return nil, fmt.Errorf("tlog: cannot prove size %d consistent with size %d", oldSize, newSize)
	}
	if oldSize == 0 || oldSize == newSize {
		return []Hash{}, nil
	}
	return tlog.ProveTree(newSize, oldSize, l.hashReader(ctx))
}

// Checkpoint returns a signed checkpoint of the log's current size with the
// cosignatures stored for it, signing and storing one first if none exists
// for that size (SPEC §5.7).
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	if l.signer == nil {
		return nil, fmt.Errorf("tlog: log %s is open read-only (no log key)", l.origin)
	}
	n, err := l.store.Size(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := l.store.CheckpointAt(ctx, n); errors.Is(err, ErrNotFound) {
		root, err := tlog.TreeHash(n, l.hashReader(ctx))
		if err != nil {
			return nil, fmt.Errorf("tlog: root of size %d: %w", n, err)
		}
		signed, err := note.Sign(&note.Note{Text: string(FormatCheckpointText(l.origin, n, root))}, l.signer)
		if err != nil {
			return nil, fmt.Errorf("tlog: signing checkpoint: %w", err)
		}
		if err := l.store.PutCheckpoint(ctx, n, signed); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return l.CheckpointAt(ctx, n)
}

// CheckpointAt returns the stored checkpoint of size with its stored
// cosignatures appended, or ErrNotFound.
func (l *Log) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	signed, err := l.store.CheckpointAt(ctx, size)
	if err != nil {
		return nil, err
	}
	lines, err := l.store.Cosignatures(ctx, size)
	if err != nil {
		return nil, err
	}
	return append(bytes.Clone(signed), bytes.Join(lines, nil)...), nil
}

// LatestCheckpoint returns the stored checkpoint of the largest size with
// its cosignatures, or ErrNotFound.
func (l *Log) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	size, _, err := l.store.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return l.CheckpointAt(ctx, size)
}

// AddCosignature verifies a witness's cosignature line(s) on the stored
// checkpoint of size and stores it (SPEC §5.8).
func (l *Log) AddCosignature(ctx context.Context, size int64, line []byte, witness note.Verifier) error {
	signed, err := l.store.CheckpointAt(ctx, size)
	if err != nil {
		return fmt.Errorf("tlog: checkpoint %d: %w", size, err)
	}
	n, err := note.Open(append(bytes.Clone(signed), line...), note.VerifierList(witness))
	if err != nil {
		return fmt.Errorf("tlog: cosignature of %s on checkpoint %d: %v", witness.Name(), size, err)
	}
	var valid []byte
	for _, s := range n.Sigs {
		if s.Name == witness.Name() && s.Hash == witness.KeyHash() {
			valid = fmt.Appendf(valid, "— %s %s\n", s.Name, s.Base64)
		}
	}
	if len(valid) == 0 {
		return fmt.Errorf("tlog: no cosignature of %s on checkpoint %d", witness.Name(), size)
	}
	return l.store.AddCosignature(ctx, size, witness.Name(), valid)
}
