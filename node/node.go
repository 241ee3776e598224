// Package node implements a Concord ledger node as specified in
// docs/SPEC.md, Section 17.1: a ledger file (the transparency log's
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
	"time"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/state"
	"concord/store/postgres"
	"concord/store/sqlite"
	"concord/tlog"
	"concord/verify"
)

// ErrNotSupported is returned by Open for ledger URLs whose backend is not
// implemented.
var ErrNotSupported = errors.New("not supported")

// ErrReadOnly is returned by Append and Checkpoint on a node opened without
// the log's private key (a PostgreSQL ledger opened with no --log-key).
var ErrReadOnly = errors.New("ledger opened read-only: no log key")

// ErrKeyMismatch is returned by Open when the log key given does not match
// the public key stored with the ledger.
var ErrKeyMismatch = errors.New("log key does not match the ledger's log public key")

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
	path     string // file path, or URL without its password
	store    store
	log      *tlog.Log
	verifier note.Verifier
	vkey     string // the verifier key's text
	readOnly bool

	mu      sync.Mutex // guards checker, records and synced, serializes appends
	checker *ledger.Checker
	records []ledger.Record
	synced  time.Time // last successful catch-up
}

// SyncInterval is how stale Size and Lookup may be: when the last
// catch-up with entries other processes appended is older, they catch up
// first (SPEC §17.2).
const SyncInterval = 200 * time.Millisecond

// maybeSync catches up if the last catch-up is older than SyncInterval.
// A failure is left for Append or Records to report. n.mu must be held.
func (n *Node) maybeSync() {
	if time.Since(n.synced) < SyncInterval {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.catchUp(ctx)
}

// store is what a node needs of its storage: the log's store and Close.
type store interface {
	tlog.Store
	Close() error
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
// It is CreateWith with no options.
func Create(ctx context.Context, path, origin string) (*Node, error) {
	return CreateWith(ctx, path, origin, Options{})
}

// Options are the options of OpenWith and CreateWith.
type Options struct {
	// LogKey is the file of the log's private (signer) key of a PostgreSQL
	// ledger (SPEC §17.8). Empty: the file named by the environment
	// variable CONCORD_LOG_KEY, if set. Ignored for a SQLite ledger, whose
	// key file is beside it (SPEC §17.1).
	LogKey string
}

// LogKeyEnv names the environment variable that gives the log key file of
// a PostgreSQL ledger when Options.LogKey is empty (SPEC §17.8).
const LogKeyEnv = "CONCORD_LOG_KEY"

func (o Options) logKey() string {
	if o.LogKey != "" {
		return o.LogKey
	}
	return os.Getenv(LogKeyEnv)
}

// IsURL reports whether a ledger argument names a PostgreSQL database
// rather than a SQLite file.
func IsURL(ledgerArg string) bool { return postgres.IsURL(ledgerArg) }

// CreateWith creates a new, empty ledger: a SQLite file as Create does, or,
// for a postgres:// URL, a ledger in that database whose log key is written
// to the new file opt.LogKey (SPEC §17.8).
func CreateWith(ctx context.Context, path, origin string, opt Options) (*Node, error) {
	if IsURL(path) {
		return createPostgres(ctx, path, origin, opt.logKey())
	}
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
	if err := WriteNewFile(KeyPath(path), []byte(skey+"\n"), 0o600); err != nil {
		return fail(err)
	}
	created = append(created, KeyPath(path))
	if err := WriteNewFile(PubPath(path), []byte(vkey+"\n"), 0o644); err != nil {
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

// WriteNewFile creates the file path, which must not exist, with mode perm,
// writes data and syncs it to stable storage. On a failure after the file
// was created it removes the file.
func WriteNewFile(path string, data []byte, perm os.FileMode) error {
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

// Open opens an existing ledger; it is OpenWith with no options.
func Open(ctx context.Context, ledgerArg string) (*Node, error) {
	return OpenWith(ctx, ledgerArg, Options{})
}

// OpenWith opens an existing ledger. ledgerArg is a SQLite file path or a
// postgres:// (postgresql://) URL (SPEC §17.8). OpenWith replays every
// stored entry through the append rules and fails if one is refused: a node
// does not serve a ledger it would not have written.
func OpenWith(ctx context.Context, ledgerArg string, opt Options) (*Node, error) {
	if IsURL(ledgerArg) {
		return openPostgres(ctx, ledgerArg, opt.logKey())
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

// Redact returns a ledger argument fit to print: a URL without its
// password, a file path as it is.
func Redact(ledgerArg string) string { return redact(ledgerArg) }

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

func open(ctx context.Context, path string, st store, skey, vkey string) (*Node, error) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("log public key of %s: %w", path, err)
	}
	var signer note.Signer
	if skey != "" {
		if signer, err = note.NewSigner(skey); err != nil {
			st.Close()
			return nil, fmt.Errorf("log key of %s: %w", path, err)
		}
		if verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() {
			st.Close()
			return nil, fmt.Errorf("%w: the private key is %s+%08x, the ledger's public key %s+%08x",
				ErrKeyMismatch, signer.Name(), signer.KeyHash(), verifier.Name(), verifier.KeyHash())
		}
	}
	l, err := tlog.Open(ctx, st, verifier.Name(), signer)
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{path: path, store: st, log: l, verifier: verifier, vkey: vkey, checker: ledger.NewChecker(), readOnly: signer == nil}
	if err := n.catchUp(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return n, nil
}

// catchUp reads the leaves stored after the ones already applied and runs
// them through the append rules (verify.Apply: the verdicts of
// ledger.Checker.Check, with signatures verified on every core). n.mu must
// be held or n not yet shared.
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
		// Signatures are verified on every core; the rules in log order.
		recs, err := verify.Apply(n.checker, start, leaves, 0)
		n.records = append(n.records, recs...)
		if err != nil {
			return fmt.Errorf("stored %w", err)
		}
		start += int64(len(leaves))
	}
	n.synced = time.Now()
	return nil
}

// Close closes the ledger's storage.
func (n *Node) Close() error { return n.store.Close() }

// Path returns the ledger's file path, or its URL without the password.
func (n *Node) Path() string { return n.path }

// Origin returns the log's origin line (SPEC §17.1).
func (n *Node) Origin() string { return n.verifier.Name() }

// VerifierKey returns the log's verifier key, the text of SPEC §17.1.
func (n *Node) VerifierKey() string { return n.vkey }

// ReadOnly reports whether the node was opened without the log's private
// key, so that Append and Checkpoint fail with ErrReadOnly.
func (n *Node) ReadOnly() bool { return n.readOnly }

// Verifier returns the verifier of the log's checkpoints.
func (n *Node) Verifier() note.Verifier { return n.verifier }

// Append checks a leaf and, if every rule accepts it, stores it durably
// and returns its record. The steps are those of SPEC §17.2: size limit,
// strict decoding, then, under the store's writer lock if it has one
// (tlog.Locker, SPEC §6.3), catching up with entries other processes
// appended, the append rules, a durable append at the exact next index,
// and the rules' state updated. On any error the ledger is unchanged.
func (n *Node) Append(ctx context.Context, leaf []byte) (ledger.Record, error) {
	if len(leaf) > ledger.MaxEntrySize {
		return ledger.Record{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize)
	}
	if n.readOnly {
		return ledger.Record{}, fmt.Errorf("%w: give the log's private key file with --log-key or %s", ErrReadOnly, LogKeyEnv)
	}
	s, err := ledger.Decode(leaf)
	if err != nil {
		return ledger.Record{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for attempt := 1; ; attempt++ {
		var rec ledger.Record
		err := tlog.WithLock(ctx, n.store, func(ctx context.Context) error {
			if err := n.catchUp(ctx); err != nil {
				return err
			}
			if err := n.checker.Check(s); err != nil {
				return err
			}
			idx := int64(len(n.records))
			if err := n.log.AppendAt(ctx, idx, leaf); err != nil {
				return err
			}
			rec = ledger.Record{Index: idx, Hash: ledger.LeafHash(leaf), Signed: s}
			n.checker.Apply(rec)
			n.records = append(n.records, rec)
			return nil
		})
		// Without a writer lock (SQLite), another process may append
		// between the catch-up and the append: the append then fails with
		// ErrConflict, storing nothing, and is tried again.
		if errors.Is(err, tlog.ErrConflict) && attempt < maxAttempts {
			continue
		}
		return rec, err
	}
}

// maxAttempts bounds the appends tried after a conflict (SPEC §17.2).
const maxAttempts = 64

// Sync reads the entries other processes appended to the ledger since the
// node last looked, and applies them (SPEC §17.2).
func (n *Node) Sync(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.catchUp(ctx)
}

// Size returns the number of entries in the ledger, including those other
// processes appended up to SyncInterval ago.
func (n *Node) Size() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.maybeSync()
	return int64(len(n.records))
}

// Records returns every record of the ledger, in log order, including the
// entries other processes appended.
func (n *Node) Records(ctx context.Context) ([]ledger.Record, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.catchUp(ctx); err != nil {
		return nil, err
	}
	return append([]ledger.Record(nil), n.records...), nil
}

// Lookup returns the record with hash h. If the node does not know it, it
// first catches up with other processes unless it did less than
// SyncInterval ago.
func (n *Node) Lookup(h ledger.Hash) (*ledger.Record, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r, ok := n.checker.Lookup(h); ok {
		return r, ok
	}
	n.maybeSync()
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
	if n.readOnly {
		return nil, fmt.Errorf("%w: give the log's private key file with --log-key or %s", ErrReadOnly, LogKeyEnv)
	}
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
