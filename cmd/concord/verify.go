package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"concord/internal/progress"
	"concord/node"
	"concord/store/postgres"
	"concord/store/sqlite"
	"concord/tlog"
	"concord/verify"
)

// VerifyCommand implements "concord verify [LEDGER]": read the ledger's
// leaves and stored checkpoints, then verify them offline with package
// verify, a pure function of those bytes (SPEC §17.4). Leaves are read in
// chunks and verified as they come, on every core.
type VerifyCommand struct{ out io.Writer }

// Run verifies the ledger and prints the report.
func (c *VerifyCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	logKey := fs.String("log-key", "", "the log's public key, as a `VKEY` or a file holding one (default: LEDGER.logkey.pub, or for a postgres:// ledger the key stored in the database)")
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
	lr, err := openLedgerReader(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer lr.close()
	vkey := *logKey
	switch {
	case vkey == "" && lr.vkey != "":
		vkey = lr.vkey
	case vkey == "":
		vkey = node.PubPath(*ledgerPath)
		fallthrough
	case !strings.Contains(vkey, "+") || fileExists(vkey):
		if vkey, err = readFirstLine(vkey); err != nil {
			return withHint(fmt.Errorf("log public key: %w", err), "give the log's public key with --log-key VKEY")
		}
	}
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		return fmt.Errorf("log public key: %w", err)
	}
	cps := lr.checkpoints
	for _, f := range extra {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		cps = append(cps, b)
	}
	bar := progress.New("verify", lr.size)
	r, err := verify.Stream(lr.source(ctx), cps, v, verify.Options{Progress: bar.Set})
	bar.Done()
	name := node.Redact(*ledgerPath)
	if err != nil {
		return withHint(fmt.Errorf("ledger %s does not verify: %w", name, err), "do not trust this ledger; compare it with another copy")
	}
	fmt.Fprintf(c.out, "ledger %s\n", name)
	if err := r.WriteText(c.out); err != nil {
		return err
	}
	// The ledger's plebiscites: ballot logs and results (SPEC §20.9).
	return verifyPlebiscites(ctx, c.out, *ledgerPath, vkey, r.Records)
}

// ledgerReader reads a stored ledger's bytes without checking anything.
type ledgerReader struct {
	st          tlog.Store
	size        int64
	checkpoints [][]byte // every stored checkpoint note, by increasing size
	vkey        string   // the log's public key stored with a PostgreSQL ledger
	close       func() error
}

// openLedgerReader opens a SQLite file or a postgres:// ledger for reading
// and reads its size and its stored checkpoints.
func openLedgerReader(ctx context.Context, arg string) (*ledgerReader, error) {
	if node.IsURL(arg) {
		st, err := postgres.Open(ctx, arg)
		if err != nil {
			return nil, err
		}
		lr := &ledgerReader{st: st, close: st.Close}
		if lr.vkey, err = st.Meta(ctx, node.MetaLogKey); err != nil {
			st.Close()
			return nil, withHint(fmt.Errorf("%w: database %s holds no ledger (%v)", node.ErrNoLedger, node.Redact(arg), err),
				"name the database of the ledger to verify")
		}
		if _, lr.checkpoints, err = st.Checkpoints(ctx); err != nil {
			st.Close()
			return nil, err
		}
		return lr, lr.readSize(ctx)
	}
	if !fileExists(arg) {
		return nil, withHint(fmt.Errorf("%w: %s", node.ErrNoLedger, arg), "name the ledger file to verify")
	}
	st, err := sqlite.OpenExisting(arg)
	if err != nil {
		return nil, err
	}
	lr := &ledgerReader{st: st, close: st.Close}
	if _, lr.checkpoints, err = st.Checkpoints(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("reading the checkpoints of %s: %w", arg, err)
	}
	return lr, lr.readSize(ctx)
}

func (lr *ledgerReader) readSize(ctx context.Context) error {
	var err error
	if lr.size, err = lr.st.Size(ctx); err != nil {
		lr.close()
	}
	return err
}

// source returns the leaves in chunks of verify.ChunkSize.
func (lr *ledgerReader) source(ctx context.Context) verify.Source {
	var next int64
	return func() ([][]byte, error) {
		if next >= lr.size {
			return nil, io.EOF
		}
		end := min(next+verify.ChunkSize, lr.size)
		leaves, err := lr.st.ReadLeaves(ctx, next, end)
		next = end
		return leaves, err
	}
}

// readLedger reads every leaf and every stored checkpoint of a ledger,
// without checking anything.
func readLedger(ctx context.Context, path string) (leaves, checkpoints [][]byte, err error) {
	lr, err := openLedgerReader(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer lr.close()
	if leaves, err = lr.st.ReadLeaves(ctx, 0, lr.size); err != nil {
		return nil, nil, err
	}
	return leaves, lr.checkpoints, nil
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
