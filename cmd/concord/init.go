package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"concord/node"
)

// InitCommand implements "concord init": create a new, empty ledger and
// its log key (SPEC §17.1, §17.8).
type InitCommand struct{ out io.Writer }

// Run creates the ledger.
func (c *InitCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	origin := fs.String("origin", "", "the log's `ORIGIN` line (default concord.example/NAME, NAME the file's base name or the database name)")
	logKey := fs.String("log-key", "", "for a postgres:// ledger: write the log's private key to the new `FILE` (and its public key to FILE.pub)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("init", "unexpected argument %q", pos[0])
	}
	isURL := node.IsURL(*ledgerPath)
	if isURL && *logKey == "" {
		return usagef("init", "a postgres:// ledger needs --log-key FILE, the new file for the log's private key")
	}
	if !isURL && *logKey != "" {
		return usagef("init", "--log-key is for postgres:// ledgers; a SQLite ledger keeps its key in %s", node.KeyPath(*ledgerPath))
	}
	if *origin == "" {
		*origin = "concord.example/" + defaultName(*ledgerPath)
	}
	n, err := node.CreateWith(ctx, *ledgerPath, *origin, node.Options{LogKey: *logKey})
	if errors.Is(err, node.ErrExists) {
		return withHint(err, "use the existing ledger, or choose another with --ledger")
	}
	if err != nil {
		return err
	}
	defer n.Close()
	keyPath := node.KeyPath(*ledgerPath)
	if isURL {
		keyPath = *logKey
	}
	fmt.Fprintf(c.out, "created ledger %s\norigin %s\nlog key %s (secret, keep it with the ledger)\nlog public key %s\n",
		n.Path(), n.Origin(), keyPath, n.VerifierKey())
	return nil
}

// defaultName is the base name of a ledger file, or the database name of a
// postgres:// URL.
func defaultName(ledger string) string {
	if node.IsURL(ledger) {
		if u, err := url.Parse(ledger); err == nil {
			if name := strings.Trim(u.Path, "/"); name != "" {
				return name
			}
		}
		return "postgres"
	}
	return filepath.Base(ledger)
}
