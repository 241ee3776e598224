package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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

// verifyPoll verifies one plebiscite and prints its report.
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
	leaves, cps, err := readPollFile(ctx, pollPath)
	if err != nil {
		return err
	}
	origin := node.PollOrigin(originOf(ledgerVKey), m.ID)
	checked, err := checkPollCheckpoints(leaves, cps, ledgerVKey, m.ID, origin)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nplebiscite %s (agreement entry %d), ballot log %s\n", m.ID, ag.rec.Index, pollPath)
	fmt.Fprintf(out, "ballot log: %d leaves; %d checkpoints of %s verified and consistent with the leaves\n", len(leaves), checked, origin)
	if res == nil {
		rec, err := plebiscite.RecordFromLedger(recs, ag.rec.Hash, roll, leaves)
		if err != nil {
			return err
		}
		_, agg, err := plebiscite.VerifyPoll(rec)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "every ballot verified; %d counted; no result recorded yet\nplebiscite %s: ok\n", agg.Ballots, m.ID)
		return nil
	}
	if res.LogSize > uint64(len(leaves)) {
		return fmt.Errorf("the result entry closes the ballot log at %d leaves; the ballot log has %d: ballots were removed", res.LogSize, len(leaves))
	}
	rep, err := plebiscite.VerifyLedger(recs, ag.rec.Hash, roll, leaves[:res.LogSize])
	if err != nil {
		return err
	}
	if extra := uint64(len(leaves)) - res.LogSize; extra > 0 {
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

// readPollFile reads the leaves and stored checkpoints of a ballot log
// file without checking anything.
func readPollFile(ctx context.Context, path string) (leaves, checkpoints [][]byte, err error) {
	st, err := sqlite.OpenExisting(path)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	size, err := st.Size(ctx)
	if err != nil {
		return nil, nil, err
	}
	if size > 0 {
		if leaves, err = st.ReadLeaves(ctx, 0, size); err != nil {
			return nil, nil, err
		}
	}
	if _, checkpoints, err = st.Checkpoints(ctx); err != nil {
		return nil, nil, fmt.Errorf("reading the checkpoints of %s: %w", path, err)
	}
	return leaves, checkpoints, nil
}

// checkPollCheckpoints verifies every checkpoint of the ballot log with the
// ledger's key under the poll's origin and checks its root against the
// leaves (SPEC §17.4 steps 2 to 4 for the ballot log).
func checkPollCheckpoints(leaves, cps [][]byte, ledgerVKey, id, origin string) (int, error) {
	vkey, err := node.PollVerifierKey(ledgerVKey, id)
	if err != nil {
		return 0, err
	}
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		return 0, err
	}
	parsed := make([]*tlog.Checkpoint, len(cps))
	want := map[int64]bool{}
	for i, raw := range cps {
		cp, err := tlog.VerifyCheckpoint(raw, origin, v)
		if err != nil {
			return 0, fmt.Errorf("ballot log checkpoint %d: %w", i, err)
		}
		if cp.Size > int64(len(leaves)) {
			return 0, fmt.Errorf("ballot log checkpoint %d is of size %d; the ballot log has %d leaves: ballots were removed", i, cp.Size, len(leaves))
		}
		parsed[i], want[cp.Size] = cp, true
	}
	var b tlog.TreeBuilder
	roots := map[int64]tlog.Hash{}
	if want[0] {
		roots[0] = b.Root()
	}
	for i, l := range leaves {
		b.Add(l)
		if want[int64(i+1)] {
			roots[int64(i+1)] = b.Root()
		}
	}
	for i, cp := range parsed {
		if root := roots[cp.Size]; root != cp.Root {
			return 0, fmt.Errorf("ballot log checkpoint %d (size %d) has root %x; the leaves give %x: ballots were altered, reordered or removed", i, cp.Size, cp.Root[:], root[:])
		}
	}
	return len(cps), nil
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
