package plebiscite

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"concord/ledger"
)

// TestPassReuse checks SPEC §16.6, "Reuse": a pass over the leaves (the
// tally, before the result entry exists) spares the result entry's check
// from reading them again, with the same report; and it is not used when
// the ledger names other leaves or another manifest.
func TestPassReuse(t *testing.T) {
	p := sharedPlebiscite(t)
	leaves := p.record.clone().Leaves
	recs, agreement := ledgerOf(t, p, leaves)
	roll := p.e.Roll.Bytes()
	want, err := VerifyLedger(recs, agreement, roll, leaves)
	if err != nil {
		t.Fatal(err)
	}

	// The tally's pass, on the ledger without its result entry.
	reads := 0
	rec, err := StreamRecordFromLedger(&LedgerStream{Records: recs[:len(recs)-1], Agreement: agreement, Roll: roll,
		Leaves: rangedLeaves(leaves, 17, &reads), Size: int64(len(leaves))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyPollStream(rec); err != nil {
		t.Fatal(err)
	}
	pass := rec.Passed
	n, root, err := LogRoot(sliceLeaves(leaves))
	if err != nil {
		t.Fatal(err)
	}
	if pass == nil || pass.Size() != n || pass.Root() != root {
		t.Fatalf("VerifyPollStream left Passed = %+v; want a pass over %d leaves of root %v", pass, n, root)
	}

	verify := func(recs []ledger.Record, prior *Pass) (*Report, int, error) {
		reads := 0
		rep, err := VerifyLedgerStream(&LedgerStream{Records: recs, Agreement: agreement, Roll: roll,
			Leaves: rangedLeaves(leaves, 17, &reads), Size: n, Root: root, Prior: prior})
		return rep, reads, err
	}
	rep, reads, err := verify(recs, pass)
	if err != nil || !reflect.DeepEqual(rep, want) {
		t.Fatalf("VerifyLedgerStream(Prior) = %+v, %v; want VerifyLedger's %+v", rep, err, want)
	}
	if reads != 0 {
		t.Errorf("VerifyLedgerStream(Prior over the same leaves) read %d ranges; want none", reads)
	}

	// What the result entry adds is still checked in full.
	noShare := make([]ledger.Record, 0, len(recs))
	for _, r := range recs {
		if e := r.Signed.Entry; e.Kind != ledger.KindTrustee || e.Trustee.Step != ledger.StepDecryption || e.Author != "romania-a" {
			noShare = append(noShare, r)
		}
	}
	if _, _, err := verify(noShare, pass); !errors.Is(err, ErrLedger) {
		t.Errorf("VerifyLedgerStream(Prior, a decryption share missing) = %v; want ErrLedger", err)
	}
	forged := *pass
	forged.agg.Sums = cloneSums(pass.agg.Sums)
	forged.agg.Sums[0].Add(forged.agg.Sums[0], forged.agg.Sums[1])
	if _, _, err := verify(recs, &forged); !errors.Is(err, ErrAggregate) {
		t.Errorf("VerifyLedgerStream(Prior with another aggregate) = %v; want ErrAggregate: the pass's aggregate is the one checked", err)
	}

	// A pass over other leaves, or under another manifest, is not used.
	for name, q := range map[string]func(*Pass){
		"fewer leaves":     func(q *Pass) { q.rep.Leaves-- },
		"another root":     func(q *Pass) { q.rep.LogRoot[0] ^= 1 },
		"another manifest": func(q *Pass) { q.manifest[0] ^= 1 },
	} {
		other := *pass
		q(&other)
		rep, reads, err := verify(recs, &other)
		if err != nil || !reflect.DeepEqual(rep, want) {
			t.Errorf("%s: VerifyLedgerStream(Prior) = %+v, %v; want VerifyLedger's %+v", name, rep, err, want)
		}
		if reads == 0 {
			t.Errorf("%s: VerifyLedgerStream(Prior) read no leaves; want the leaves verified again", name)
		}
	}
}

// TestStreamTooManyLeaves checks that a record of more leaves than the
// index numbers in 32 bits is refused (SPEC §16.6), with maxLeaves lowered.
func TestStreamTooManyLeaves(t *testing.T) {
	p := sharedPlebiscite(t)
	r := p.record.clone()
	old := maxLeaves
	maxLeaves = len(r.Leaves) - 1
	t.Cleanup(func() { maxLeaves = old })
	rec := &StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(r.Leaves), Result: r.Result}
	_, err := VerifyRecordStream(rec)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d leaves", maxLeaves)) {
		t.Errorf("VerifyRecordStream(%d leaves, at most %d) = %v; want an error naming the limit", len(r.Leaves), maxLeaves, err)
	}
	maxLeaves = len(r.Leaves)
	if _, err := VerifyRecordStream(rec); err != nil {
		t.Errorf("VerifyRecordStream(%d leaves, at most as many) = %v; want nil", len(r.Leaves), err)
	}
}
