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
// log is read in ranges of plebiscite.DefaultLeafRange leaves, so that
// memory is bounded by a range and the roll, not by the number of ballots
// (SPEC §16.6, §17b.8). One pass verifies the ballots and computes the
// tree roots that the checkpoints name; the result entry's ballot log root
// is checked against the leaves during that pass. If the leaves do not
// have it, or the result closes the log beyond its end, verifyPollChecked
// reads the checkpoints first, so that the error is the one that order of
// checks gives.
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
	v := &pollVerification{out: out, recs: recs, ag: ag, res: res, roll: roll, pf: pf, pollPath: pollPath,
		origin: node.PollOrigin(originOf(ledgerVKey), m.ID), closeAt: -1}
	if res != nil && res.LogSize <= uint64(pf.size) {
		v.closeAt = int64(res.LogSize)
	}
	if res != nil && v.closeAt < 0 {
		return v.checked(ctx, ledgerVKey)
	}
	t, err := newCheckpointTrees(pf.size, pf.checkpoints, ledgerVKey, m.ID, v.origin, v.closeAt)
	if err != nil {
		return err
	}
	n := pf.size
	var root plebiscite.Hash
	if res != nil {
		n, root = v.closeAt, plebiscite.Hash(res.LogRoot)
	}
	rep, agg, verr := v.verify(t.onFirstPass(pf.leaves(ctx, n)), root)
	if errors.Is(verr, plebiscite.ErrLeavesChanged) || t.b.Size() != n {
		return v.checked(ctx, ledgerVKey)
	}
	// The leaves after the close, for the checkpoints that cover them.
	rest := plebiscite.LeafRanges(pf.size-n, pollLeafRange, func(start, end int64) ([][]byte, error) {
		return pf.st.ReadLeaves(ctx, n+start, n+end)
	})
	if err := rest(func(l []byte) bool { t.add(l); return true }); err != nil {
		return fmt.Errorf("reading the ballot log: %w", err)
	}
	if err := t.check(); err != nil {
		return err
	}
	if verr != nil {
		return verr
	}
	return v.print(len(pf.checkpoints), rep, agg)
}

// pollVerification is one plebiscite's verification by verifyPoll.
type pollVerification struct {
	out      io.Writer
	recs     []ledger.Record
	ag       *agreement
	res      *ledger.Result
	roll     []byte
	pf       *pollFile
	pollPath string
	origin   string
	closeAt  int64
}

// checked verifies the plebiscite with the checkpoints first, in a pass
// of their own, then the ballots against the root the leaves gave.
func (v *pollVerification) checked(ctx context.Context, ledgerVKey string) error {
	checked, closeRoot, err := checkPollCheckpoints(v.pf.leaves(ctx, v.pf.size), v.pf.size, v.pf.checkpoints, ledgerVKey, v.ag.manifest.ID, v.origin, v.closeAt)
	if err != nil {
		return err
	}
	if v.res != nil && v.closeAt < 0 {
		return fmt.Errorf("the result entry closes the ballot log at %d leaves; the ballot log has %d: ballots were removed", v.res.LogSize, v.pf.size)
	}
	n := v.pf.size
	if v.res != nil {
		n = v.closeAt
	}
	rep, agg, err := v.verify(v.pf.leaves(ctx, n), plebiscite.Hash(closeRoot))
	if err != nil {
		return err
	}
	return v.print(checked, rep, agg)
}

// verify verifies the ballots of leaves: the whole record against root if
// a result closes the log, else every ballot, with no result to check.
func (v *pollVerification) verify(leaves plebiscite.LeafIterator, root plebiscite.Hash) (*plebiscite.Report, *plebiscite.Aggregate, error) {
	s := &plebiscite.LedgerStream{Records: v.recs, Agreement: v.ag.rec.Hash, Roll: v.roll, Leaves: leaves}
	if v.res == nil {
		bar := progress.New("verify ballots", v.pf.size)
		defer bar.Done()
		s.Size, s.Progress = v.pf.size, func(n int) { bar.Set(int64(n)) }
		rec, err := plebiscite.StreamRecordFromLedger(s)
		if err != nil {
			return nil, nil, err
		}
		_, agg, err := plebiscite.VerifyPollStream(rec)
		return nil, agg, err
	}
	bar := progress.New("verify ballots", v.closeAt)
	defer bar.Done()
	s.Size, s.Root, s.Progress = v.closeAt, root, func(n int) { bar.Set(int64(n)) }
	rep, err := plebiscite.VerifyLedgerStream(s)
	return rep, nil, err
}

// print prints the report of a verified plebiscite.
func (v *pollVerification) print(checked int, rep *plebiscite.Report, agg *plebiscite.Aggregate) error {
	m, out := v.ag.manifest, v.out
	fmt.Fprintf(out, "\nplebiscite %s (agreement entry %d), ballot log %s\n", m.ID, v.ag.rec.Index, v.pollPath)
	fmt.Fprintf(out, "ballot log: %d leaves; %d checkpoints of %s verified and consistent with the leaves\n", v.pf.size, checked, v.origin)
	if v.res == nil {
		fmt.Fprintf(out, "every ballot verified; %d counted; no result recorded yet\nplebiscite %s: ok\n", agg.Ballots, m.ID)
		return nil
	}
	if extra := v.pf.size - v.closeAt; extra > 0 {
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
	t, err := newCheckpointTrees(size, cps, ledgerVKey, id, origin, closeAt)
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	bar := progress.New("ballot log", size)
	err = leaves(func(l []byte) bool {
		t.add(l)
		if t.b.Size()%256 == 0 {
			bar.Set(t.b.Size())
		}
		return true
	})
	bar.Set(t.b.Size())
	bar.Done()
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("reading the ballot log: %w", err)
	}
	if err := t.check(); err != nil {
		return 0, tlog.Hash{}, err
	}
	return len(cps), t.roots[closeAt], nil
}

// checkpointTrees checks the ballot log's checkpoints against its leaves:
// the checkpoints' signatures when it is made, their roots as the leaves
// are added in order.
type checkpointTrees struct {
	parsed []*tlog.Checkpoint
	want   map[int64]bool
	roots  map[int64]tlog.Hash
	b      tlog.TreeBuilder
}

// newCheckpointTrees verifies every checkpoint with the ledger's key under
// the poll's origin, for a ballot log of size leaves, and prepares to
// record the tree's root at each checkpoint's size and at closeAt (if ≥ 0).
func newCheckpointTrees(size int64, cps [][]byte, ledgerVKey, id, origin string, closeAt int64) (*checkpointTrees, error) {
	vkey, err := node.PollVerifierKey(ledgerVKey, id)
	if err != nil {
		return nil, err
	}
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		return nil, err
	}
	t := &checkpointTrees{parsed: make([]*tlog.Checkpoint, len(cps)), want: map[int64]bool{}, roots: map[int64]tlog.Hash{}}
	for i, raw := range cps {
		cp, err := tlog.VerifyCheckpoint(raw, origin, v)
		if err != nil {
			return nil, fmt.Errorf("ballot log checkpoint %d: %w", i, err)
		}
		if cp.Size > size {
			return nil, fmt.Errorf("ballot log checkpoint %d is of size %d; the ballot log has %d leaves: ballots were removed", i, cp.Size, size)
		}
		t.parsed[i], t.want[cp.Size] = cp, true
	}
	if closeAt >= 0 {
		t.want[closeAt] = true
	}
	if t.want[0] {
		t.roots[0] = t.b.Root()
	}
	return t, nil
}

// add adds the next leaf to the tree.
func (t *checkpointTrees) add(l []byte) {
	t.b.Add(l)
	if t.want[t.b.Size()] {
		t.roots[t.b.Size()] = t.b.Root()
	}
}

// check compares every checkpoint's root with the leaves' once all the
// leaves have been added.
func (t *checkpointTrees) check() error {
	for i, cp := range t.parsed {
		if root := t.roots[cp.Size]; root != cp.Root {
			return fmt.Errorf("ballot log checkpoint %d (size %d) has root %x; the leaves give %x: ballots were altered, reordered or removed", i, cp.Size, cp.Root[:], root[:])
		}
	}
	return nil
}

// onFirstPass returns an iterator over it's leaves that adds each leaf to
// t during the first pass only (the verifier may read the leaves twice).
func (t *checkpointTrees) onFirstPass(it plebiscite.LeafIterator) plebiscite.LeafIterator {
	first := true
	return func(yield func([]byte) bool) error {
		if !first {
			return it(yield)
		}
		first = false
		return it(func(l []byte) bool {
			t.add(l)
			return yield(l)
		})
	}
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
