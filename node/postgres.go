package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"concord/store/postgres"
	"concord/tlog"
)

// MetaLogKey is the key under which a PostgreSQL ledger stores the log's
// public (verifier) key in its meta table (SPEC §17.8).
const MetaLogKey = "log_vkey"

// PostgresPubPath returns the path of the public key file written beside
// the private key file of a PostgreSQL ledger (SPEC §17.8).
func PostgresPubPath(keyFile string) string { return keyFile + ".pub" }

// createPostgres implements CreateWith for a postgres:// URL (SPEC §17.8).
func createPostgres(ctx context.Context, url, origin, keyFile string) (*Node, error) {
	name := redact(url)
	if keyFile == "" {
		return nil, fmt.Errorf("a PostgreSQL ledger needs a file for the log's private key: give --log-key FILE (or set %s)", LogKeyEnv)
	}
	for _, p := range []string{keyFile, PostgresPubPath(keyFile)} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", name, err)
	}
	if have, err := st.Meta(ctx, MetaLogKey); err == nil {
		st.Close()
		return nil, fmt.Errorf("%w: database %s already holds the ledger of log key %s", ErrExists, name, have)
	} else if !errors.Is(err, tlog.ErrNotFound) {
		st.Close()
		return nil, fmt.Errorf("ledger %s: %w", name, err)
	}
	skey, vkey, err := tlog.GenerateLogKey(origin)
	if err != nil {
		st.Close()
		return nil, err
	}
	var created []string
	fail := func(err error) (*Node, error) {
		for _, p := range created {
			os.Remove(p)
		}
		return nil, err
	}
	if err := WriteNewFile(keyFile, []byte(skey+"\n"), 0o600); err != nil {
		st.Close()
		return fail(err)
	}
	created = append(created, keyFile)
	if err := WriteNewFile(PostgresPubPath(keyFile), []byte(vkey+"\n"), 0o644); err != nil {
		st.Close()
		return fail(err)
	}
	created = append(created, PostgresPubPath(keyFile))
	// SetMeta keeps the first value: of two concurrent inits, one wins.
	stored, err := st.SetMeta(ctx, MetaLogKey, vkey)
	if err != nil {
		st.Close()
		return fail(fmt.Errorf("ledger %s: %w", name, err))
	}
	if stored != vkey {
		st.Close()
		return fail(fmt.Errorf("%w: database %s already holds the ledger of log key %s", ErrExists, name, stored))
	}
	n, err := open(ctx, name, st, skey, vkey)
	if err != nil {
		return fail(err)
	}
	if _, err := n.Checkpoint(ctx); err != nil {
		n.Close()
		return fail(err)
	}
	return n, nil
}

// openPostgres implements OpenWith for a postgres:// URL (SPEC §17.8).
// Without a key file the node is read-only.
func openPostgres(ctx context.Context, url, keyFile string) (*Node, error) {
	name := redact(url)
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", name, err)
	}
	vkey, err := st.Meta(ctx, MetaLogKey)
	if errors.Is(err, tlog.ErrNotFound) {
		st.Close()
		return nil, fmt.Errorf("%w: database %s holds no ledger", ErrNoLedger, name)
	} else if err != nil {
		st.Close()
		return nil, fmt.Errorf("ledger %s: %w", name, err)
	}
	var skey string
	if keyFile != "" {
		if skey, err = readLine(keyFile); err != nil {
			st.Close()
			return nil, fmt.Errorf("reading log key: %w", err)
		}
	}
	return open(ctx, name, st, skey, vkey)
}
