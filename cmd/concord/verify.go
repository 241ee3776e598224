package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"concord/node"
	"concord/store/sqlite"
	"concord/tlog"
	"concord/verify"
)

// VerifyCommand implements "concord verify [LEDGER]": read the ledger's
// leaves and stored checkpoints, then verify them offline with package
// verify, a pure function of those bytes (SPEC §17.4).
type VerifyCommand struct{ out io.Writer }

// Run verifies the ledger and prints the report.
func (c *VerifyCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	logKey := fs.String("log-key", "", "the log's public key, as a `VKEY` or a file holding one (default: LEDGER.logkey.pub)")
	var extra listFlag
	fs.Var(&extra, "checkpoint", "also check a checkpoint `FILE` received earlier (repeatable)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
	case 1:
		*ledgerPath = pos[0]
	default:
		return usagef("verify", "expected at most one LEDGER")
	}
	if *logKey == "" {
		*logKey = node.PubPath(*ledgerPath)
	}
	vkey := *logKey
	if !strings.Contains(vkey, "+") || fileExists(vkey) {
		if vkey, err = readFirstLine(vkey); err != nil {
			return withHint(fmt.Errorf("log public key: %w", err), "give the log's public key with --log-key VKEY")
		}
	}
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		return fmt.Errorf("log public key: %w", err)
	}
	leaves, cps, err := readLedger(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	for _, f := range extra {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		cps = append(cps, b)
	}
	r, err := verify.Ledger(leaves, cps, v)
	if err != nil {
		return withHint(fmt.Errorf("ledger %s does not verify: %w", *ledgerPath, err), "do not trust this ledger; compare it with another copy")
	}
	fmt.Fprintf(c.out, "ledger %s\n", *ledgerPath)
	return r.WriteText(c.out)
}

// readLedger reads every leaf and every stored checkpoint of a SQLite
// ledger, without checking anything.
func readLedger(ctx context.Context, path string) (leaves, checkpoints [][]byte, err error) {
	if !fileExists(path) {
		return nil, nil, withHint(fmt.Errorf("%w: %s", node.ErrNoLedger, path), "name the ledger file to verify")
	}
	st, err := sqlite.OpenExisting(path)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	size, err := st.Size(ctx)
	if err != nil {
		return nil, nil, err
	}
	if leaves, err = st.ReadLeaves(ctx, 0, size); err != nil {
		return nil, nil, err
	}
	for s := int64(0); s <= size; s++ {
		cp, err := st.CheckpointAt(ctx, s)
		if errors.Is(err, tlog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		checkpoints = append(checkpoints, cp)
	}
	return leaves, checkpoints, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readFirstLine(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}
