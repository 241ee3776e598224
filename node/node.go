// Package node implements a Concord ledger node as specified in
// docs/spec/17-cli.md, Section 17.1: a ledger file (the transparency log's
// storage), the log's signing key beside it, and the append rules of
// docs/SPEC.md, Section 4, enforced before any entry is stored.
package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/state"
	"concord/store/sqlite"
	"concord/tlog"
)

// ErrNotSupported is returned by Open for ledger URLs whose backend is not
// implemented yet.
var ErrNotSupported = errors.New("not supported yet")

// ErrTooLarge is returned by Append for a leaf over ledger.MaxEntrySize.
var ErrTooLarge = errors.New("entry too large")

// ErrNoLedger is returned by Open when the ledger file does not exist.
var ErrNoLedger = errors.New("no such ledger")

// ErrExists is returned by Create when the ledger file or its key file
// already exists.
var ErrExists = errors.New("ledger already exists")

// Node is an open ledger: its log, its storage and the append rules'
// state. Its methods are safe for concurrent use; appends are serialized.
type Node struct {
	path     string
	store    *sqlite.Store
	log      *tlog.Log
	verifier note.Verifier

	mu      sync.Mutex // guards checker and records, serializes appends
	checker *ledger.Checker
	records []ledger.Record
}

// KeyPath returns the path of the log's private key file for a ledger file
// (SPEC §17.1).
func KeyPath(ledgerPath string) string { return ledgerPath + ".logkey" }

// PubPath returns the path of the log's public verifier key file for a
// ledger file (SPEC §17.1).
func PubPath(ledgerPath string) string { return ledgerPath + ".logkey.pub" }

// Create creates a new, empty ledger at path with a fresh log signing key
// for origin, writes the key files of SPEC §17.1, and signs the checkpoint
// of the empty tree. It fails with ErrExists if any of the files exists.
func Create(ctx context.Context, path, origin string) (*Node, error) {
	for _, p := range []string{path, KeyPath(path), PubPath(path)} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	skey, vkey, err := tlog.GenerateLogKey(origin)
	if err != nil {
		return nil, err
	}
	// On failure, remove the files this call created, so that Create can
	// be run again.
	var created []string
	fail := func(err error) (*Node, error) {
		for _, p := range created {
			os.Remove(p)
		}
		return nil, err
	}
	if err := writeNew(KeyPath(path), []byte(skey+"\n"), 0o600); err != nil {
		return fail(err)
	}
	created = append(created, KeyPath(path))
	if err := writeNew(PubPath(path), []byte(vkey+"\n"), 0o644); err != nil {
		return fail(err)
	}
	created = append(created, PubPath(path))
	st, err := sqlite.Open(path)
	if err != nil {
		return fail(err)
	}
	created = append(created, path, path+"-wal", path+"-shm")
	n, err := open(ctx, path, st, skey, vkey)
	if err != nil {
		return fail(err)
	}
	if _, err := n.Checkpoint(ctx); err != nil {
		n.Close()
		return fail(err)
	}
	return n, nil
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// Open opens an existing ledger. ledgerArg is a file path; postgres://
// and postgresql:// URLs are reserved and return ErrNotSupported. Open
// replays every stored entry through the append rules and fails if one is
// refused: a node does not serve a ledger it would not have written.
func Open(ctx context.Context, ledgerArg string) (*Node, error) {
	if strings.HasPrefix(ledgerArg, "postgres://") || strings.HasPrefix(ledgerArg, "postgresql://") {
		return nil, fmt.Errorf("ledger %s: PostgreSQL backend: %w", redact(ledgerArg), ErrNotSupported)
	}
	path := ledgerArg
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoLedger, path)
	}
	skey, err := readLine(KeyPath(path))
	if err != nil {
		return nil, fmt.Errorf("reading log key: %w", err)
	}
	vkey, err := readLine(PubPath(path))
	if err != nil {
		return nil, fmt.Errorf("reading log public key: %w", err)
	}
	st, err := sqlite.OpenExisting(path)
	if err != nil {
		return nil, err
	}
	return open(ctx, path, st, skey, vkey)
}

// redact removes a password from a URL before it is printed.
func redact(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return u
	}
	user, _, _ := strings.Cut(userinfo, ":")
	return scheme + "://" + user + "@" + host
}

func readLine(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func open(ctx context.Context, path string, st *sqlite.Store, skey, vkey string) (*Node, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("log key %s: %w", KeyPath(path), err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("log public key %s: %w", PubPath(path), err)
	}
	if verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() {
		st.Close()
		return nil, fmt.Errorf("log public key %s does not match the private key %s", PubPath(path), KeyPath(path))
	}
	l, err := tlog.Open(ctx, st, signer.Name(), signer)
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{path: path, store: st, log: l, verifier: verifier, checker: ledger.NewChecker()}
	if err := n.catchUp(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return n, nil
}

// catchUp reads the leaves stored after the ones already applied and runs
// them through the append rules. n.mu must be held or n not yet shared.
func (n *Node) catchUp(ctx context.Context) error {
	size, err := n.store.Size(ctx)
	if err != nil {
		return err
	}
	const chunk = 4096
	for start := int64(len(n.records)); start < size; {
		count := min(size-start, chunk)
		leaves, err := n.store.ReadLeaves(ctx, start, start+count)
		if err != nil {
			return err
		}
		for i, leaf := range leaves {
			idx := start + int64(i)
			s, err := ledger.Decode(leaf)
			if err != nil {
				return fmt.Errorf("stored entry %d: %w", idx, err)
			}
			if err := n.checker.Check(s); err != nil {
				return fmt.Errorf("stored entry %d: %w", idx, err)
			}
			rec := ledger.Record{Index: idx, Hash: ledger.LeafHash(leaf), Signed: s}
			n.checker.Apply(rec)
			n.records = append(n.records, rec)
		}
		start += int64(len(leaves))
	}
	return nil
}

// Close closes the ledger's storage.
func (n *Node) Close() error { return n.store.Close() }

// Path returns the ledger's file path.
func (n *Node) Path() string { return n.path }

// Origin returns the log's origin line (SPEC §17.1).
func (n *Node) Origin() string { return n.verifier.Name() }

// Verifier returns the verifier of the log's checkpoints.
func (n *Node) Verifier() note.Verifier { return n.verifier }

// Append checks a leaf and, if every rule accepts it, stores it durably
// and returns its record. The steps are those of SPEC §17.2: size limit,
// strict decoding, the append rules, a durable append to the log, then the
// rules' state is updated. On any error the ledger is unchanged.
func (n *Node) Append(ctx context.Context, leaf []byte) (ledger.Record, error) {
	if len(leaf) > ledger.MaxEntrySize {
		return ledger.Record{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize)
	}
	s, err := ledger.Decode(leaf)
	if err != nil {
		return ledger.Record{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if err := n.checker.Check(s); err != nil {
			return ledger.Record{}, err
		}
		idx, err := n.log.Append(ctx, leaf)
		if errors.Is(err, tlog.ErrConflict) && attempt < 3 {
			// Another writer appended to the same storage: replay its
			// entries and check this one again against the new state.
			if err := n.catchUp(ctx); err != nil {
				return ledger.Record{}, err
			}
			continue
		}
		if err != nil {
			return ledger.Record{}, err
		}
		if idx != int64(len(n.records)) {
			return ledger.Record{}, fmt.Errorf("log assigned index %d, expected %d: the ledger was changed by another writer", idx, len(n.records))
		}
		rec := ledger.Record{Index: idx, Hash: ledger.LeafHash(leaf), Signed: s}
		n.checker.Apply(rec)
		n.records = append(n.records, rec)
		return rec, nil
	}
}

// Size returns the number of entries in the ledger.
func (n *Node) Size() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return int64(len(n.records))
}

// Records returns every record of the ledger, in log order.
func (n *Node) Records(ctx context.Context) ([]ledger.Record, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]ledger.Record(nil), n.records...), nil
}

// Lookup returns the record with hash h.
func (n *Node) Lookup(h ledger.Hash) (*ledger.Record, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.checker.Lookup(h)
}

// Status returns the world as of date at (docs/SPEC.md, Section 5).
func (n *Node) Status(ctx context.Context, at calendar.Date) (*state.World, error) {
	recs, err := n.Records(ctx)
	if err != nil {
		return nil, err
	}
	return state.At(recs, at), nil
}

// Checkpoint signs, stores and returns a checkpoint of the log at its
// current size (C2SP tlog-checkpoint).
func (n *Node) Checkpoint(ctx context.Context) ([]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.Checkpoint(ctx)
}

// LatestCheckpoint returns the stored checkpoint of the largest size, with
// its cosignatures.
func (n *Node) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	return n.log.LatestCheckpoint(ctx)
}

// CheckpointAt returns the stored checkpoint of size, with its
// cosignatures, or an error wrapping tlog.ErrNotFound.
func (n *Node) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	return n.log.CheckpointAt(ctx, size)
}

// AddCosignature verifies a witness's cosignature on the stored checkpoint
// of size and stores it with the checkpoint (SPEC §5.8).
func (n *Node) AddCosignature(ctx context.Context, size int64, line []byte, witness note.Verifier) error {
	return n.log.AddCosignature(ctx, size, line, witness)
}

// Leaves returns the leaf bytes of entries start … end-1.
func (n *Node) Leaves(ctx context.Context, start, end int64) ([][]byte, error) {
	return n.log.ReadLeaves(ctx, start, end)
}

// ProveInclusion returns the proof that entry index is in the tree of
// treeSize entries (SPEC §5.3).
func (n *Node) ProveInclusion(ctx context.Context, index, treeSize int64) ([]tlog.Hash, error) {
	return n.log.ProveInclusion(ctx, index, treeSize)
}

// ProveConsistency returns the proof that the tree of oldSize entries is a
// prefix of the tree of newSize entries (SPEC §5.4).
func (n *Node) ProveConsistency(ctx context.Context, oldSize, newSize int64) ([]tlog.Hash, error) {
	return n.log.ProveConsistency(ctx, oldSize, newSize)
}
