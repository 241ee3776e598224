package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"concord/calendar"
	"concord/ledger"
	"concord/node"
)

const defaultLedger = "concord.db"

// ledgerFlag registers the common --ledger flag.
func ledgerFlag(fs *flag.FlagSet) *string {
	return fs.String("ledger", defaultLedger, "ledger `FILE` or postgres:// URL (a PostgreSQL ledger appends with the log key named by CONCORD_LOG_KEY)")
}

// openNode opens a ledger with the hints of SPEC §17.3.
func openNode(ctx context.Context, path string) (*node.Node, error) {
	n, err := node.Open(ctx, path)
	switch {
	case errors.Is(err, node.ErrNoLedger):
		return nil, withHint(err, "create it with 'concord init --ledger %s', or name another with --ledger", node.Redact(path))
	case err != nil:
		return nil, withHint(fmt.Errorf("opening ledger %s: %w", node.Redact(path), err), "check it with 'concord verify %s'", node.Redact(path))
	}
	return n, nil
}

// entryFlags are the flags every signing command shares (SPEC §17.3).
type entryFlags struct {
	ledger    *string
	key       string
	effective string
	source    string
	out       string
	refs      listFlag
}

func (f *entryFlags) register(fs *flag.FlagSet) {
	f.ledger = ledgerFlag(fs)
	fs.StringVar(&f.key, "key", "", "the author's key `FILE` (from 'concord party new')")
	fs.StringVar(&f.effective, "effective", "", "the `DATE` (YYYY-MM-DD) on which the act took effect")
	fs.StringVar(&f.source, "source", "", "citation of the `SOURCE` this record comes from")
	fs.StringVar(&f.out, "out", "", "write the signed entry to `FILE` instead of appending it (for 'concord append')")
	fs.Var(&f.refs, "ref", "an earlier entry `REF` this one refers to: its hash or @INDEX (repeatable)")
}

// prepared is a parsed author key and effective date, checked before the
// ledger is opened.
type prepared struct {
	key       *ledger.KeyFile
	effective calendar.Date
}

func (f *entryFlags) prepare(cmd string) (*prepared, error) {
	if f.key == "" {
		return nil, usagef(cmd, "missing --key FILE: the author's key")
	}
	if f.effective == "" {
		return nil, usagef(cmd, "missing --effective DATE (YYYY-MM-DD)")
	}
	d, err := calendar.ParseDate(f.effective)
	if err != nil {
		return nil, withHint(fmt.Errorf("--effective: %w", err), "for 5 March 1918 write --effective 1918-03-05")
	}
	kf, err := readKeyFile(f.key)
	if err != nil {
		return nil, err
	}
	return &prepared{key: kf, effective: d}, nil
}

// run is the common path of the signing commands that take no positional
// argument (SPEC §17.3): it parses args with fs (named after the command),
// refuses a positional argument, and a missing required flag when missing
// returns a message; then it prepares the author's key and date, opens the
// ledger, builds the entry there and signs and appends it.
func (f *entryFlags) run(ctx context.Context, out io.Writer, fs *flag.FlagSet, args []string,
	missing func() string, build func(n *node.Node) (*ledger.Entry, error)) error {
	name := fs.Name()
	pos, err := parseFlags(fs, out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(name, "unexpected argument %q", pos[0])
	}
	if msg := missing(); msg != "" {
		return usagef(name, "%s", msg)
	}
	p, err := f.prepare(name)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *f.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	e, err := build(n)
	if err != nil {
		return err
	}
	return f.submit(ctx, out, n, p, e)
}

// missingFlag returns "missing FLAG" when value is empty, and "" otherwise.
func missingFlag(value, flag string) string {
	if value == "" {
		return "missing " + flag
	}
	return ""
}

func readKeyFile(path string) (*ledger.KeyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(err, "create a key with 'concord party new --key-out %s ...'", path)
	}
	kf, err := ledger.ParseKeyFile(b)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return kf, nil
}

// submit completes e with the author, date, source and references, signs
// it with the author's key and appends it to the ledger.
func (f *entryFlags) submit(ctx context.Context, out io.Writer, n *node.Node, p *prepared, e *ledger.Entry) error {
	e.V = ledger.Version
	e.Author = p.key.ID
	e.Effective = p.effective
	e.Source = f.source
	// SPEC §4.3: the entry a body names must also be listed in refs.
	if h, ok := bodyRef(e); ok {
		e.Refs = append(e.Refs, h)
	}
	for _, r := range f.refs {
		h, err := resolveRef(n, "--ref", r)
		if err != nil {
			return err
		}
		if !slices.Contains(e.Refs, h) {
			e.Refs = append(e.Refs, h)
		}
	}
	s, err := ledger.Sign(e, p.key.PrivateKey())
	if err != nil {
		return err
	}
	leaf, err := ledger.Encode(s)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := os.WriteFile(f.out, leaf, 0o644); err != nil {
			return err
		}
		h := ledger.LeafHash(leaf)
		fmt.Fprintf(out, "wrote %s by %s to %s (not appended)\nhash %s\n", e.Kind, e.Author, f.out, h)
		return nil
	}
	return appendLeaf(ctx, out, n, leaf)
}

// bodyRef returns the hash an entry's body names, if any (SPEC §4.3).
func bodyRef(e *ledger.Entry) (ledger.Hash, bool) {
	switch {
	case e.Signature != nil:
		return e.Signature.Proposal, true
	case e.Rejection != nil:
		return e.Rejection.Proposal, true
	case e.Denunciation != nil:
		return e.Denunciation.Instrument, true
	case e.Attestation != nil:
		return e.Attestation.Instrument, true
	case e.Recognition != nil:
		return e.Recognition.Subject, true
	}
	return ledger.Hash{}, false
}

// appendLeaf appends a leaf and prints its index and hash.
func appendLeaf(ctx context.Context, out io.Writer, n *node.Node, leaf []byte) error {
	rec, err := n.Append(ctx, leaf)
	if err != nil {
		return withHint(err, "the ledger is unchanged; see 'concord log --ledger %s'", n.Path())
	}
	e := &rec.Signed.Entry
	fmt.Fprintf(out, "appended entry %d: %s by %s, effective %s\nhash %s\n", rec.Index, e.Kind, e.Author, e.Effective, rec.Hash)
	return nil
}

// resolveRef parses a reference to an earlier entry: 64 hex digits, or
// @N for the entry at index N of the ledger (SPEC §17.3).
func resolveRef(n *node.Node, flagName, s string) (ledger.Hash, error) {
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		i, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || i < 0 {
			return ledger.Hash{}, usage(fmt.Errorf("%s %q: @ must be followed by an entry index", flagName, s), "write @INDEX, as listed by 'concord log'")
		}
		recs, err := n.Records(context.Background())
		if err != nil {
			return ledger.Hash{}, err
		}
		if i >= int64(len(recs)) {
			return ledger.Hash{}, withHint(fmt.Errorf("%s %s: the ledger has %d entries", flagName, s, len(recs)), "list them with 'concord log --ledger %s'", n.Path())
		}
		return recs[i].Hash, nil
	}
	h, err := ledger.ParseHash(s)
	if err != nil {
		return ledger.Hash{}, usage(fmt.Errorf("%s: %w", flagName, err), "give an entry hash or @INDEX, as listed by 'concord log'")
	}
	return h, nil
}

func parseDuration(flagName, s string) (*calendar.Duration, error) {
	if s == "" {
		return nil, nil
	}
	d, err := calendar.ParseDuration(s)
	if err != nil {
		return nil, withHint(fmt.Errorf("--%s: %w", flagName, err), "for two months write --%s P2M", flagName)
	}
	return &d, nil
}

func parseDateFlag(flagName, s string) (*calendar.Date, error) {
	if s == "" {
		return nil, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return nil, withHint(fmt.Errorf("--%s: %w", flagName, err), "for 5 March 1918 write --%s 1918-03-05", flagName)
	}
	return &d, nil
}

func parseParties(s string) []ledger.PartyID {
	var ids []ledger.PartyID
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '+' || r == ' ' }) {
		ids = append(ids, ledger.PartyID(p))
	}
	return ids
}
