package node

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"concord/ledger"
	"concord/plebiscite"
	"concord/state"
	"concord/threshold"
)

// flowChoice is voter i's final choice among 100: 60 for the Union (the
// holder of option 0), 20 for Romania, 20 for independence.
func flowChoice(i int) int {
	switch i % 5 {
	case 3:
		return 1
	case 4:
		return 2
	}
	return 0
}

// TestPlebisciteFlow runs a whole plebiscite in process: parties, territory
// and a precondition attested by an observer; a key generation among five
// trustees of three camps recorded as trustee entries; an agreement
// rejected, then one signed by every required party; 100 voters, ten of
// whom re-vote and one of whom audits a ballot; decryption shares by four of
// the five trustees; the result entry; the new holder from the result's
// date; and the verification of the whole record from the ledger and the
// ballot log.
func TestPlebisciteFlow(t *testing.T) {
	f := newPollFixture(t, 100, true)
	ctx := context.Background()
	e, err := f.poll.Election()
	if err != nil {
		t.Fatal(err)
	}

	// Voting: first ballots of voters 0-9 for independence, one audit,
	// then every voter's final ballot, half of them in one batch.
	for v := range 10 {
		b, _ := f.ballot(v, 2)
		if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
			t.Fatalf("Cast(voter %d first ballot) = %v", v, err)
		}
	}
	_, audit := f.ballot(11, 1)
	if _, err := f.poll.Cast(ctx, audit.Audit().Bytes()); err != nil {
		t.Fatalf("Cast(audit) = %v", err)
	}
	if err := plebiscite.VerifyAudit(e, audit.Ballot, audit.Audit().Opening); err != nil {
		t.Fatalf("VerifyAudit() = %v", err)
	}
	want := make([]uint64, 3)
	var batch [][]byte
	for v := range 100 {
		b, _ := f.ballot(v, flowChoice(v))
		want[flowChoice(v)]++
		if v < 50 {
			if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
				t.Fatalf("Cast(voter %d) = %v", v, err)
			}
			continue
		}
		batch = append(batch, b.Bytes())
	}
	if _, err := f.poll.CastBatch(ctx, batch); err != nil {
		t.Fatalf("CastBatch(50 ballots) = %v", err)
	}
	if n, _ := f.poll.Size(ctx); n != 111 {
		t.Fatalf("ballot log size = %d; want 111 (10 superseded, 1 spoil, 100 counted)", n)
	}

	// The poll closes; four trustees decrypt the aggregate they recompute.
	agg, err := f.poll.Tally(ctx)
	if err != nil {
		t.Fatalf("Tally() = %v", err)
	}
	draft, err := f.m.Draft().Hash()
	if err != nil {
		t.Fatal(err)
	}
	var shares []*threshold.DecryptionShare
	for j, tr := range f.trustees {
		if j == 3 {
			continue // romania-b is absent
		}
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, d)
		f.trustee(j, "1926-10-04", draft, ledger.StepDecryption, d.Bytes())
	}
	if _, err := f.try("norway", "1926-10-04", &ledger.Entry{Kind: ledger.KindTrustee,
		Trustee: &ledger.Trustee{Plebiscite: draft, Step: ledger.StepDecryption, Data: shares[0].Bytes()}}); !isRule(err, "4.15") {
		t.Errorf("Append(decryption share by a non-trustee) = %v; want refusal by SPEC §4.15", err)
	}
	b, _ := f.ballot(5, 1)
	if _, err := f.poll.Cast(ctx, b.Bytes()); !errors.Is(err, ErrPollNotOpen) {
		t.Errorf("Cast(after the poll closed) = %v; want ErrPollNotOpen", err)
	}
	if st, _ := f.poll.Status(ctx); st.Status != state.PlebisciteClosed {
		t.Errorf("Status() after close = %q; want closed", st.Status)
	}

	res, err := plebiscite.Decrypt(e, agg, shares)
	if err != nil {
		t.Fatalf("Decrypt() = %v", err)
	}
	if !slices.Equal(res.Counts, want) || res.Winner == nil || *res.Winner != 0 {
		t.Fatalf("Decrypt() counts %v winner %v; want %v and option 0", res.Counts, res.Winner, want)
	}
	body, err := f.poll.ResultBody(ctx, res)
	if err != nil {
		t.Fatal(err)
	}

	// A result with altered counts is refused by the full check.
	bad := *res
	bad.Counts = []uint64{20, 60, 20}
	badBody, _ := f.poll.ResultBody(ctx, &bad)
	badLeaf := f.leaf("sweden", "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.agreement}, Result: badBody})
	if _, _, err := f.poll.AppendResult(ctx, badLeaf); !errors.Is(err, plebiscite.ErrCounts) {
		t.Errorf("AppendResult(altered counts) = %v; want ErrCounts", err)
	}

	leaf := f.leaf("sweden", "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.agreement}, Result: body})
	var verified atomic.Int64
	f.poll.SetProgress(func(int) { verified.Add(1) })
	rec, rep, err := f.poll.AppendResult(ctx, leaf)
	if err != nil {
		t.Fatalf("AppendResult() = %v", err)
	}
	// Tally verified these leaves: the result's check reuses that pass
	// (SPEC §16.6, "Reuse"); Verify reads them again.
	if n := verified.Load(); n != 0 {
		t.Errorf("AppendResult() after Tally verified leaves again (%d progress calls); want the tally's pass reused", n)
	}
	if _, err := f.poll.Verify(ctx); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if verified.Load() == 0 {
		t.Errorf("Verify() reported no leaves verified; want every leaf verified")
	}
	f.poll.SetProgress(nil)
	if !slices.Equal(rep.Counts, want) || len(rep.Absent) != 1 || rep.Absent[0] != "romania-b" || rep.Spoiled != 1 || rep.Superseded != 10 {
		t.Errorf("report: counts %v absent %v spoiled %d superseded %d; want %v, [romania-b], 1, 10", rep.Counts, rep.Absent, rep.Spoiled, rep.Superseded, want)
	}
	if _, err := f.try("ussr", "1926-10-06", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.agreement}, Result: body}); !isRule(err, "4.16") {
		t.Errorf("Append(second result) = %v; want refusal by SPEC §4.16", err)
	}

	// The state engine: Romania holds Bessarabia until the result, the
	// Union from the result's date.
	recs, _ := f.n.Records(ctx)
	before := holding(t, state.At(recs, pd(t, "1926-10-04")))
	after := holding(t, state.At(recs, pd(t, "1926-10-05")))
	if before.Holder != "romania" {
		t.Errorf("holder on 1926-10-04 = %q; want romania", before.Holder)
	}
	if after.Holder != "ussr" || after.Basis != state.BasisPlebiscite || after.Entry != rec.Hash {
		t.Errorf("holding on 1926-10-05 = %+v; want ussr by the plebiscite result %v", after, rec.Hash)
	}
	w := state.At(recs, pd(t, "1926-10-05"))
	if len(w.Plebiscites) != 3 {
		t.Fatalf("World has %d plebiscites; want 3 (draft, rejected, decided)", len(w.Plebiscites))
	}
	got := []state.PlebisciteStatus{w.Plebiscites[0].Status, w.Plebiscites[1].Status, w.Plebiscites[2].Status}
	if !slices.Equal(got, []state.PlebisciteStatus{state.PlebisciteDraft, state.PlebisciteRejected, state.PlebisciteDecided}) {
		t.Errorf("plebiscite statuses = %v; want draft, rejected, decided", got)
	}
	if r := w.Plebiscites[2].Result; r == nil || !r.Binding || r.Holder != "ussr" || !slices.Equal(r.Counts, want) {
		t.Errorf("decided plebiscite result = %+v; want binding for ussr with counts %v", r, want)
	}

	// The whole record verifies, and again after reopening the ledger,
	// which replays every entry through the append rules.
	if _, err := f.poll.Verify(ctx); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	// Tampering with the ballot log or the ledger is caught.
	roll, _ := f.poll.Roll(ctx)
	leaves, _ := f.poll.Leaves(ctx, 0, 111)
	recs, _ = f.n.Records(ctx)
	if _, err := plebiscite.VerifyLedger(recs, f.agreement, roll, leaves[:110]); !errors.Is(err, plebiscite.ErrLedger) {
		t.Errorf("VerifyLedger(a ballot removed from the log) = %v; want ErrLedger", err)
	}
	swapped := slices.Clone(leaves)
	swapped[20], swapped[21] = swapped[21], swapped[20]
	if _, err := plebiscite.VerifyLedger(recs, f.agreement, roll, swapped); !errors.Is(err, plebiscite.ErrLedger) {
		t.Errorf("VerifyLedger(two leaves swapped) = %v; want ErrLedger", err)
	}
	noAttest := slices.DeleteFunc(slices.Clone(recs), func(r ledger.Record) bool { return r.Signed.Entry.Kind == ledger.KindAttestation })
	if _, err := plebiscite.VerifyLedger(noAttest, f.agreement, roll, leaves); !errors.Is(err, plebiscite.ErrPrecondition) {
		t.Errorf("VerifyLedger(without the attestation) = %v; want ErrPrecondition", err)
	}

	f.poll.Close()
	f.n.Close()
	n2, err := Open(ctx, f.path)
	if err != nil {
		t.Fatalf("Open(ledger with a plebiscite) = %v", err)
	}
	defer n2.Close()
	p2, err := n2.Poll(ctx, f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.poll = p2
	rep2, err := p2.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify() after reopening = %v", err)
	}
	if rep2.LogRoot != body.LogRoot || rep2.Counted != 100 {
		t.Errorf("report after reopening: root %v counted %d; want %v, 100", rep2.LogRoot, rep2.Counted, body.LogRoot)
	}
}

func holding(t *testing.T, w *state.World) state.Holding {
	t.Helper()
	for _, tr := range w.Territories {
		if tr.ID == "bessarabia" && tr.Holding != nil {
			return *tr.Holding
		}
	}
	t.Fatalf("no holding of bessarabia on %v", w.At)
	return state.Holding{}
}

func isRule(err error, rule string) bool {
	var re *ledger.RuleError
	return errors.As(err, &re) && re.Rule == rule
}
