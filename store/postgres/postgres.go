// Package postgres implements the storage of Concord's transparency log on
// PostgreSQL, as specified in docs/SPEC.md, Section 6: the tlog.Store
// contract, for several stateless Concord servers in front of one database.
//
// Appends from every server are serialised by a row lock on the single row
// of concord_head (SPEC §6.3): a writer that finds the log longer than it
// expected gets tlog.ErrConflict and recomputes its tree hashes, so the log
// has no fork, no gap and no duplicate whatever the number of writers.
package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"concord/tlog"
)

//go:embed schema.sql
var schema string

// schemaLock is the advisory lock key under which the schema is created, so
// that servers starting together do not race on CREATE TABLE.
const schemaLock = 0x636f6e636f7264 // "concord"

// Store is a tlog.Store on one PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ tlog.Store = (*Store)(nil)

// IsURL reports whether a --ledger argument names a PostgreSQL database.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url (postgres://user:pass@host:port/db)
// and creates the schema if it is missing.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad database URL: %v; write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %v", err)
	}
	s := &Store{pool: pool}
	if err := s.createSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) createSchema(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return fmt.Errorf("postgres: cannot reach the database: %v", err)
		}
		if _, err := tx.Exec(ctx, schema); err != nil {
			return fmt.Errorf("postgres: creating the schema: %v", err)
		}
		return nil
	})
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// BindOrigin implements tlog.Store.
func (s *Store) BindOrigin(ctx context.Context, origin string) error {
	if _, err := s.pool.Exec(ctx,
		"INSERT INTO concord_meta (key, value) VALUES ('origin', $1) ON CONFLICT (key) DO NOTHING", origin); err != nil {
		return fmt.Errorf("postgres: binding origin: %v", err)
	}
	var have string
	if err := s.pool.QueryRow(ctx, "SELECT value FROM concord_meta WHERE key = 'origin'").Scan(&have); err != nil {
		return fmt.Errorf("postgres: reading origin: %v", err)
	}
	if have != origin {
		return fmt.Errorf("%w: the database holds %q, not %q", tlog.ErrWrongOrigin, have, origin)
	}
	return nil
}

// Meta returns the value stored under key, or tlog.ErrNotFound.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, "SELECT value FROM concord_meta WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", tlog.ErrNotFound
	}
	return v, err
}

// SetMeta stores value under key unless a value is there already; it
// returns the value that is stored afterwards.
func (s *Store) SetMeta(ctx context.Context, key, value string) (string, error) {
	if _, err := s.pool.Exec(ctx,
		"INSERT INTO concord_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("postgres: storing %s: %v", key, err)
	}
	return s.Meta(ctx, key)
}

// Size implements tlog.Store.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT size FROM concord_head WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: reading log size: %v", err)
	}
	return n, nil
}

// Append implements tlog.Store (SPEC §6.3). The transaction locks the head
// row, so concurrent writers are serialised and exactly one wins each index.
func (s *Store) Append(ctx context.Context, first int64, leaves [][]byte, hashes []tlog.StoredHash) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var size int64
		if err := tx.QueryRow(ctx, "SELECT size FROM concord_head WHERE id = 1 FOR UPDATE").Scan(&size); err != nil {
			return err
		}
		if size != first {
			return tlog.ErrConflict
		}
		leafRows := make([][]any, len(leaves))
		for i, leaf := range leaves {
			h := tlog.LeafHash(leaf)
			leafRows[i] = []any{first + int64(i), h[:], leaf}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"concord_leaves"}, []string{"idx", "hash", "leaf"},
			pgx.CopyFromRows(leafRows)); err != nil {
			return err
		}
		hashRows := make([][]any, len(hashes))
		for i, sh := range hashes {
			hashRows[i] = []any{sh.Index, sh.Hash[:]}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"concord_hashes"}, []string{"idx", "hash"},
			pgx.CopyFromRows(hashRows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE concord_head SET size = $1 WHERE id = 1", first+int64(len(leaves)))
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case err == nil, errors.Is(err, tlog.ErrConflict):
		return err
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "concord_leaves_hash_key":
		return tlog.ErrDuplicate
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		// Another writer stored these indexes: the head lock makes this
		// unreachable unless the head row was edited by hand.
		return fmt.Errorf("%w (%s)", tlog.ErrConflict, pgErr.Message)
	default:
		return fmt.Errorf("postgres: append: %v", err)
	}
}

// ReadLeaves implements tlog.Store.
func (s *Store) ReadLeaves(ctx context.Context, start, end int64) ([][]byte, error) {
	if start < 0 || end < start {
		return nil, fmt.Errorf("postgres: bad leaf range [%d, %d)", start, end)
	}
	rows, err := s.pool.Query(ctx, "SELECT idx, leaf FROM concord_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", start, end)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading leaves: %v", err)
	}
	defer rows.Close()
	out := make([][]byte, 0, end-start)
	for rows.Next() {
		var idx int64
		var leaf []byte
		if err := rows.Scan(&idx, &leaf); err != nil {
			return nil, fmt.Errorf("postgres: reading leaves: %v", err)
		}
		if idx != start+int64(len(out)) {
			return nil, fmt.Errorf("postgres: leaf %d is missing; the database is corrupt", start+int64(len(out)))
		}
		out = append(out, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reading leaves: %v", err)
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("%w: leaves [%d, %d) are not all in the log", tlog.ErrNotFound, start, end)
	}
	return out, nil
}

// ReadHashes implements tlog.Store.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	rows, err := s.pool.Query(ctx, "SELECT idx, hash FROM concord_hashes WHERE idx = ANY($1)", indexes)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading tree hashes: %v", err)
	}
	defer rows.Close()
	found := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, fmt.Errorf("postgres: reading tree hashes: %v", err)
		}
		if len(h) != len(tlog.Hash{}) {
			return nil, fmt.Errorf("postgres: tree hash %d has %d bytes; the database is corrupt", idx, len(h))
		}
		found[idx] = tlog.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reading tree hashes: %v", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("%w: tree hash %d", tlog.ErrNotFound, idx)
		}
		out[i] = h
	}
	return out, nil
}

// LeafIndex implements tlog.Store.
func (s *Store) LeafIndex(ctx context.Context, h tlog.Hash) (int64, error) {
	var idx int64
	err := s.pool.QueryRow(ctx, "SELECT idx FROM concord_leaves WHERE hash = $1", h[:]).Scan(&idx)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, tlog.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: looking up leaf: %v", err)
	}
	return idx, nil
}

// PutCheckpoint implements tlog.Store.
func (s *Store) PutCheckpoint(ctx context.Context, size int64, signedNote []byte) error {
	if _, err := s.pool.Exec(ctx,
		"INSERT INTO concord_checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING", size, signedNote); err != nil {
		return fmt.Errorf("postgres: storing checkpoint: %v", err)
	}
	return nil
}

// Checkpoint implements tlog.Store.
func (s *Store) Checkpoint(ctx context.Context) (int64, []byte, error) {
	var size int64
	var n []byte
	err := s.pool.QueryRow(ctx, "SELECT size, note FROM concord_checkpoints ORDER BY size DESC LIMIT 1").Scan(&size, &n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, tlog.ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("postgres: reading checkpoint: %v", err)
	}
	return size, n, nil
}

// CheckpointAt implements tlog.Store.
func (s *Store) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	var n []byte
	err := s.pool.QueryRow(ctx, "SELECT note FROM concord_checkpoints WHERE size = $1", size).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tlog.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: reading checkpoint: %v", err)
	}
	return n, nil
}

// Checkpoints returns every stored checkpoint, by increasing size, in one
// query (SPEC §6.3): the sizes and the signed notes. tlog.Store can only
// fetch them one size at a time; offline verification wants them all.
func (s *Store) Checkpoints(ctx context.Context) (sizes []int64, notes [][]byte, err error) {
	rows, err := s.pool.Query(ctx, "SELECT size, note FROM concord_checkpoints ORDER BY size")
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: reading checkpoints: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var note []byte
		if err := rows.Scan(&n, &note); err != nil {
			return nil, nil, fmt.Errorf("postgres: reading checkpoints: %v", err)
		}
		sizes, notes = append(sizes, n), append(notes, note)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("postgres: reading checkpoints: %v", err)
	}
	return sizes, notes, nil
}

// AddCosignature implements tlog.Store.
func (s *Store) AddCosignature(ctx context.Context, size int64, witness string, line []byte) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO concord_cosignatures (size, witness, line)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM concord_checkpoints WHERE size = $1)
		ON CONFLICT (size, witness) DO UPDATE SET line = EXCLUDED.line`, size, witness, line)
	if err != nil {
		return fmt.Errorf("postgres: storing cosignature: %v", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no checkpoint of size %d to cosign", tlog.ErrNotFound, size)
	}
	return nil
}

// Cosignatures implements tlog.Store.
func (s *Store) Cosignatures(ctx context.Context, size int64) ([][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT line FROM concord_cosignatures WHERE size = $1 ORDER BY witness", size)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading cosignatures: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("postgres: reading cosignatures: %v", err)
	}
	return lines, nil
}

// appendLock is the advisory lock key that serialises writers (SPEC §6.3).
const appendLock = 0x636f6e636f7265 // "concore"

var _ tlog.Locker = (*Store)(nil)

// WithLock implements tlog.Locker with a session-level advisory lock held
// on one connection of the pool while fn runs: writers in every server
// process take turns, so none of them starves on conflicts.
func (s *Store) WithLock(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %v", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(appendLock)); err != nil {
		return fmt.Errorf("postgres: taking the writer lock: %v", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even if ctx was cancelled;
		// if it fails, the connection is closed, which releases the lock.
		if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", int64(appendLock)); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	return fn(ctx)
}
