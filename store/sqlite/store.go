// Package sqlite implements the storage of Concord's transparency log in one
// SQLite file, as specified in docs/SPEC.md (Section 6). It uses
// the pure-Go driver modernc.org/sqlite in WAL mode with synchronous = FULL,
// so that an append is acknowledged only after a durable commit.
package sqlite

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"concord/tlog"
)

//go:embed schema.sql
var schema string

// SchemaVersion is the database schema version this package reads and
// writes (SPEC §6.3).
const SchemaVersion = 1

// ErrSchemaVersion: the database has a schema version this program does not
// support.
var ErrSchemaVersion = errors.New("sqlite: unsupported schema version")

// Store is a tlog.Store in one SQLite database file (SPEC §6).
type Store struct {
	db   *sql.DB
	path string
}

var _ tlog.Store = (*Store)(nil)

// Open opens the ledger database at path, creating it if missing
// (SPEC §6.4).
func Open(path string) (*Store, error) {
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: database path %q must be a plain file name without '?' or '#'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: cannot create %s: directory %s does not exist; create it first", path, dir)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenExisting opens the ledger database at path, which must exist
// (SPEC §6.4).
func OpenExisting(path string) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no ledger at %s; create one with: concord init --ledger %s", path, path)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return Open(path)
}

func (s *Store) init() error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: opening %s: %w", s.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("sqlite: %s: applying schema.sql: %w", s.path, err)
	}
	const q = `SELECT value FROM meta WHERE key = 'schema_version'`
	var v string
	if err := tx.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return stmtErr("reading schema version", q, err)
	}
	if v != strconv.Itoa(SchemaVersion) {
		return fmt.Errorf("%w: %s has schema version %s; this program supports %d", ErrSchemaVersion, s.path, v, SchemaVersion)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: opening %s: commit: %w", s.path, err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file name.
func (s *Store) Path() string { return s.path }

// stmtErr names the operation and the statement that failed (SPEC §6.5).
func stmtErr(op, query string, err error) error {
	return fmt.Errorf("sqlite: %s: %s: %w", op, query, err)
}

// Origin returns the origin of the log in the store, or tlog.ErrNotFound if
// none is bound yet.
func (s *Store) Origin(ctx context.Context) (string, error) {
	const q = `SELECT value FROM meta WHERE key = 'origin'`
	var o string
	err := s.db.QueryRowContext(ctx, q).Scan(&o)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite: %s has no log origin: %w", s.path, tlog.ErrNotFound)
	} else if err != nil {
		return "", stmtErr("reading origin", q, err)
	}
	return o, nil
}

// BindOrigin implements tlog.Store.
func (s *Store) BindOrigin(ctx context.Context, origin string) error {
	const q = `INSERT INTO meta (key, value) VALUES ('origin', ?) ON CONFLICT (key) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, origin); err != nil {
		return stmtErr("binding origin", q, err)
	}
	o, err := s.Origin(ctx)
	if err != nil {
		return err
	}
	if o != origin {
		return fmt.Errorf("%w: %s holds log %q, not %q", tlog.ErrWrongOrigin, s.path, o, origin)
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func size(ctx context.Context, db querier) (int64, error) {
	// Leaves are contiguous from 0, so max(idx)+1 is the size; max on the
	// primary key takes O(log n), count(*) would scan.
	const q = `SELECT coalesce(max(idx) + 1, 0) FROM leaves`
	var n int64
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, stmtErr("reading size", q, err)
	}
	return n, nil
}

// Size implements tlog.Store.
func (s *Store) Size(ctx context.Context) (int64, error) { return size(ctx, s.db) }

// Append implements tlog.Store (SPEC §6.1): one IMMEDIATE transaction,
// committed with synchronous = FULL before it returns.
func (s *Store) Append(ctx context.Context, first int64, leaves [][]byte, hashes []tlog.StoredHash) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append: begin: %w", err)
	}
	defer tx.Rollback()
	n, err := size(ctx, tx)
	if err != nil {
		return err
	}
	if n != first {
		return fmt.Errorf("%w: append at index %d but the log has %d leaves", tlog.ErrConflict, first, n)
	}
	const qLeaf = `INSERT INTO leaves (idx, leaf, hash) VALUES (?, ?, ?)`
	stmt, err := tx.PrepareContext(ctx, qLeaf)
	if err != nil {
		return stmtErr("append", qLeaf, err)
	}
	defer stmt.Close()
	for i, leaf := range leaves {
		h := tlog.LeafHash(leaf)
		if _, err := stmt.ExecContext(ctx, first+int64(i), leaf, h[:]); err != nil {
			if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
				return fmt.Errorf("%w: leaf %d has leaf hash %v", tlog.ErrDuplicate, first+int64(i), h)
			}
			return stmtErr(fmt.Sprintf("append leaf %d", first+int64(i)), qLeaf, err)
		}
	}
	const qHash = `INSERT INTO hashes (idx, hash) VALUES (?, ?)`
	hstmt, err := tx.PrepareContext(ctx, qHash)
	if err != nil {
		return stmtErr("append", qHash, err)
	}
	defer hstmt.Close()
	for _, h := range hashes {
		if _, err := hstmt.ExecContext(ctx, h.Index, h.Hash[:]); err != nil {
			return stmtErr(fmt.Sprintf("append hash %d (is %s corrupt?)", h.Index, s.path), qHash, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: append of %d leaves at %d: commit: %w", len(leaves), first, err)
	}
	return nil
}

func isConstraint(err error, code int) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == code
}

// ReadLeaves implements tlog.Store.
func (s *Store) ReadLeaves(ctx context.Context, start, end int64) ([][]byte, error) {
	const q = `SELECT idx, leaf FROM leaves WHERE idx >= ? AND idx < ? ORDER BY idx`
	rows, err := s.db.QueryContext(ctx, q, start, end)
	if err != nil {
		return nil, stmtErr("reading leaves", q, err)
	}
	defer rows.Close()
	out := make([][]byte, 0, max(0, min(end-start, 1<<16)))
	for rows.Next() {
		var i int64
		var leaf []byte
		if err := rows.Scan(&i, &leaf); err != nil {
			return nil, stmtErr("reading leaves", q, err)
		}
		if i != start+int64(len(out)) {
			break
		}
		out = append(out, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, stmtErr("reading leaves", q, err)
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("sqlite: leaf %d: %w", start+int64(len(out)), tlog.ErrNotFound)
	}
	return out, nil
}

// ReadHashes implements tlog.Store.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	q := `SELECT idx, hash FROM hashes WHERE idx IN (?` + strings.Repeat(", ?", len(indexes)-1) + `)`
	args := make([]any, len(indexes))
	for i, x := range indexes {
		args[i] = x
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, stmtErr("reading hashes", q, err)
	}
	defer rows.Close()
	found := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var i int64
		var h []byte
		if err := rows.Scan(&i, &h); err != nil {
			return nil, stmtErr("reading hashes", q, err)
		}
		found[i] = tlog.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return nil, stmtErr("reading hashes", q, err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("sqlite: stored hash %d: %w", x, tlog.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// LeafIndex implements tlog.Store.
func (s *Store) LeafIndex(ctx context.Context, h tlog.Hash) (int64, error) {
	const q = `SELECT idx FROM leaves WHERE hash = ?`
	var i int64
	err := s.db.QueryRowContext(ctx, q, h[:]).Scan(&i)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: leaf with hash %v: %w", h, tlog.ErrNotFound)
	} else if err != nil {
		return 0, stmtErr("finding leaf", q, err)
	}
	return i, nil
}

// PutCheckpoint implements tlog.Store.
func (s *Store) PutCheckpoint(ctx context.Context, size int64, signedNote []byte) error {
	const q = `INSERT INTO checkpoints (size, note) VALUES (?, ?) ON CONFLICT (size) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, size, signedNote); err != nil {
		return stmtErr(fmt.Sprintf("storing checkpoint %d", size), q, err)
	}
	return nil
}

// Checkpoint implements tlog.Store.
func (s *Store) Checkpoint(ctx context.Context) (int64, []byte, error) {
	const q = `SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1`
	var n int64
	var note []byte
	err := s.db.QueryRowContext(ctx, q).Scan(&n, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("sqlite: no checkpoint in %s: %w", s.path, tlog.ErrNotFound)
	} else if err != nil {
		return 0, nil, stmtErr("reading latest checkpoint", q, err)
	}
	return n, note, nil
}

// CheckpointAt implements tlog.Store.
func (s *Store) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	const q = `SELECT note FROM checkpoints WHERE size = ?`
	var note []byte
	err := s.db.QueryRowContext(ctx, q, size).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: checkpoint %d: %w", size, tlog.ErrNotFound)
	} else if err != nil {
		return nil, stmtErr(fmt.Sprintf("reading checkpoint %d", size), q, err)
	}
	return note, nil
}

// Checkpoints returns every stored checkpoint, by increasing size, in one
// query (SPEC §6.3): the sizes and the signed notes. tlog.Store can only
// fetch them one size at a time; offline verification wants them all.
func (s *Store) Checkpoints(ctx context.Context) (sizes []int64, notes [][]byte, err error) {
	const q = `SELECT size, note FROM checkpoints ORDER BY size`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, stmtErr("reading checkpoints", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var note []byte
		if err := rows.Scan(&n, &note); err != nil {
			return nil, nil, stmtErr("reading checkpoints", q, err)
		}
		sizes, notes = append(sizes, n), append(notes, note)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, stmtErr("reading checkpoints", q, err)
	}
	return sizes, notes, nil
}

// AddCosignature implements tlog.Store.
func (s *Store) AddCosignature(ctx context.Context, size int64, witness string, line []byte) error {
	const q = `INSERT INTO cosignatures (size, witness, line) VALUES (?, ?, ?)
		ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line`
	if _, err := s.db.ExecContext(ctx, q, size, witness, line); err != nil {
		if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
			return fmt.Errorf("sqlite: cosignature of %s: checkpoint %d: %w", witness, size, tlog.ErrNotFound)
		}
		return stmtErr(fmt.Sprintf("storing cosignature of %s on checkpoint %d", witness, size), q, err)
	}
	return nil
}

// Cosignatures implements tlog.Store.
func (s *Store) Cosignatures(ctx context.Context, size int64) ([][]byte, error) {
	const q = `SELECT line FROM cosignatures WHERE size = ? ORDER BY witness`
	rows, err := s.db.QueryContext(ctx, q, size)
	if err != nil {
		return nil, stmtErr("reading cosignatures", q, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var line []byte
		if err := rows.Scan(&line); err != nil {
			return nil, stmtErr("reading cosignatures", q, err)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		return nil, stmtErr("reading cosignatures", q, err)
	}
	return out, nil
}
