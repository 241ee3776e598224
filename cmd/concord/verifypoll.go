package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"concord/internal/progress"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/store/sqlite"
	"concord/tlog"
)

// verifyPlebiscites verifies every plebiscite of a SQLite ledger that has a
// ballot log or a result, from the files alone (SPEC §20.9): the ballot
// log's tree against its checkpoints, signed by the ledger's log key under
// the poll's origin, then the whole record (plebiscite.VerifyLedger). It
// prints one report per plebiscite. recs are the ledger's records as
// verified (verify.Report.Records). A ledger without ballot logs or results
// prints nothing.
func verifyPlebiscites(ctx context.Context, out io.Writer, ledgerPath, ledgerVKey string, recs []ledger.Record) error {
	if node.IsURL(ledgerPath) {
		return nil
	}
	polls, _ := filepath.Glob(ledgerPath + ".poll-*.db")
	results := map[ledger.Hash]*ledger.Result{}
	for _, r := range recs {
		if e := &r.Signed.Entry; e.Kind == ledger.KindResult {
			results[e.Result.Agreement] = e.Result
		}
	}
	if len(polls) == 0 && len(results) == 0 {
		return nil
	}
	// Per manifest id, the agreement with a result, else the last complete
	// one: the ballot log file is per id.
	chosen := map[string]*agreement{}
	var order []string
	for _, ag := range agreements(recs) {
		id := ag.manifest.ID
		if !ag.manifest.Complete() {
			continue
		}
		old, ok := chosen[id]
		if !ok {
			order = append(order, id)
		}
		if !ok || results[old.rec.Hash] == nil {
			chosen[id] = ag
		}
	}
	for _, id := range order {
		ag := chosen[id]
		res := results[ag.rec.Hash]
		if res == nil && !fileExists(node.PollPath(ledgerPath, id)) {
			continue
		}
		if err := verifyPoll(ctx, out, ledgerPath, ledgerVKey, recs, ag, res); err != nil {
			return withHint(fmt.Errorf("plebiscite %s does not verify: %w", id, err), "do not trust this result; compare the ledger and the ballot log with other copies")
		}
	}
	return nil
}

// verifyPoll verifies one plebiscite and prints its report. The ballot
// log is read in ranges of plebiscite.DefaultLeafRange leaves, once for its
// checkpoints and twice more for its ballots (SPEC §16.6, §17b.8), so that
// memory is bounded by a range and the roll, not by the number of ballots.
func verifyPoll(ctx context.Context, out io.Writer, ledgerPath, ledgerVKey string, recs []ledger.Record, ag *agreement, res *ledger.Result) error {
	m := ag.manifest
	pollPath, rollPath := node.PollPath(ledgerPath, m.ID), node.RollPath(ledgerPath, m.ID)
	if !fileExists(pollPath) {
		return fmt.Errorf("its ballot log %s is missing", pollPath)
	}
	roll, err := os.ReadFile(rollPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("its roll file %s is missing", rollPath)
	} else if err != nil {
		return err
	}
	pf, err := openPollFile(ctx, pollPath)
	if err != nil {
		return err
	}
	defer pf.st.Close()
	origin := node.PollOrigin(originOf(ledgerVKey), m.ID)
	closeAt := int64(-1)
	if res != nil && res.LogSize <= uint64(pf.size) {
		closeAt = int64(res.LogSize)
	}
	checked, closeRoot, err := checkPollCheckpoints(pf.leaves(ctx, pf.size), pf.size, pf.checkpoints, ledgerVKey, m.ID, origin, closeAt)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nplebiscite %s (agreement entry %d), ballot log %s\n", m.ID, ag.rec.Index, pollPath)
	fmt.Fprintf(out, "ballot log: %d leaves; %d checkpoints of %s verified and consistent with the leaves\n", pf.size, checked, origin)
	if res == nil {
		bar := progress.New("verify ballots", pf.size)
		rec, err := plebiscite.StreamRecordFromLedger(&plebiscite.LedgerStream{Records: recs, Agreement: ag.rec.Hash, Roll: roll,
			Leaves: pf.leaves(ctx, pf.size), Size: pf.size, Progress: func(n int) { bar.Set(int64(n)) }})
		if err != nil {
			return err
		}
		_, agg, err := plebiscite.VerifyPollStream(rec)
		bar.Done()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "every ballot verified; %d counted; no result recorded yet\nplebiscite %s: ok\n", agg.Ballots, m.ID)
		return nil
	}
	if closeAt < 0 {
		return fmt.Errorf("the result entry closes the ballot log at %d leaves; the ballot log has %d: ballots were removed", res.LogSize, pf.size)
	}
	bar := progress.New("verify ballots", closeAt)
	rep, err := plebiscite.VerifyLedgerStream(&plebiscite.LedgerStream{Records: recs, Agreement: ag.rec.Hash, Roll: roll,
		Leaves: pf.leaves(ctx, closeAt), Size: closeAt, Root: plebiscite.Hash(closeRoot), Progress: func(n int) { bar.Set(int64(n)) }})
	bar.Done()
	if err != nil {
		return err
	}
	if extra := pf.size - closeAt; extra > 0 {
		fmt.Fprintf(out, "%d leaves after the close are not counted\n", extra)
	}
	if _, err := io.WriteString(out, rep.String()); err != nil {
		return err
	}
	if rep.Winner != nil {
		if h := m.Holder(*rep.Winner); h != "" {
			fmt.Fprintf(out, "binding result: %s holds %s from the result's effective date\n", h, m.Territory)
		}
	}
	fmt.Fprintf(out, "plebiscite %s: ok\n", m.ID)
	return nil
}

// pollFile is a ballot log file opened without checking anything: its
// size and stored checkpoints; its leaves are read in ranges.
type pollFile struct {
	st          *sqlite.Store
	size        int64
	checkpoints [][]byte
}

func openPollFile(ctx context.Context, path string) (*pollFile, error) {
	st, err := sqlite.OpenExisting(path)
	if err != nil {
		return nil, err
	}
	size, err := st.Size(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	_, cps, err := st.Checkpoints(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("reading the checkpoints of %s: %w", path, err)
	}
	return &pollFile{st: st, size: size, checkpoints: cps}, nil
}

// leaves returns an iterator over the first n leaves, read pollLeafRange
// at a time.
func (f *pollFile) leaves(ctx context.Context, n int64) plebiscite.LeafIterator {
	return plebiscite.LeafRanges(n, pollLeafRange, func(start, end int64) ([][]byte, error) {
		return f.st.ReadLeaves(ctx, start, end)
	})
}

// pollLeafRange is the number of ballot log leaves read at a time.
var pollLeafRange = plebiscite.DefaultLeafRange

// checkPollCheckpoints verifies every checkpoint of the ballot log with the
// ledger's key under the poll's origin and checks its root against the
// size leaves that leaves yields, in one pass holding one hash per tree
// level (SPEC §17.4 steps 2 to 4 for the ballot log). It also returns the
// root of the first closeAt leaves (if closeAt ≥ 0), for the result entry.
func checkPollCheckpoints(leaves plebiscite.LeafIterator, size int64, cps [][]byte, ledgerVKey, id, origin string, closeAt int64) (int, tlog.Hash, error) {
	vkey, err := node.PollVerifierKey(ledgerVKey, id)
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	parsed := make([]*tlog.Checkpoint, len(cps))
	want := map[int64]bool{}
	for i, raw := range cps {
		cp, err := tlog.VerifyCheckpoint(raw, origin, v)
		if err != nil {
			return 0, tlog.Hash{}, fmt.Errorf("ballot log checkpoint %d: %w", i, err)
		}
		if cp.Size > size {
			return 0, tlog.Hash{}, fmt.Errorf("ballot log checkpoint %d is of size %d; the ballot log has %d leaves: ballots were removed", i, cp.Size, size)
		}
		parsed[i], want[cp.Size] = cp, true
	}
	if closeAt >= 0 {
		want[closeAt] = true
	}
	var b tlog.TreeBuilder
	roots := map[int64]tlog.Hash{}
	if want[0] {
		roots[0] = b.Root()
	}
	bar := progress.New("ballot log", size)
	err = leaves(func(l []byte) bool {
		b.Add(l)
		if want[b.Size()] {
			roots[b.Size()] = b.Root()
		}
		if b.Size()%256 == 0 {
			bar.Set(b.Size())
		}
		return true
	})
	bar.Set(b.Size())
	bar.Done()
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("reading the ballot log: %w", err)
	}
	for i, cp := range parsed {
		if root := roots[cp.Size]; root != cp.Root {
			return 0, tlog.Hash{}, fmt.Errorf("ballot log checkpoint %d (size %d) has root %x; the leaves give %x: ballots were altered, reordered or removed", i, cp.Size, cp.Root[:], root[:])
		}
	}
	return len(cps), roots[closeAt], nil
}

// originOf returns the name of a note verifier key: the log's origin.
func originOf(vkey string) string {
	for i := range len(vkey) {
		if vkey[i] == '+' {
			return vkey[:i]
		}
	}
	return vkey
}
