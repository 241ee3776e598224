package state

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"concord/ledger"
	"concord/plebiscite"
	"concord/ristretto255"
)

// element returns i·G, a ristretto255 element other than the identity.
func element(i byte) []byte {
	s, err := ristretto255.NewScalar().SetCanonicalBytes(append([]byte{i}, make([]byte, 31)...))
	if err != nil {
		panic(err)
	}
	return ristretto255.NewElement().ScalarBaseMult(s).Bytes()
}

// testManifest is a manifest whose keys are made up: the engine neither
// checks them nor decrypts (SPEC §7.15).
func testManifest(t *testing.T, armistice ledger.Hash, complete bool) []byte {
	t.Helper()
	m := &plebiscite.Manifest{V: plebiscite.ManifestVersion, ID: "bessarabia-1926", Territory: "bessarabia",
		Question: "Which state?", Options: []string{"Union", "Romania"}, Holders: []ledger.PartyID{"russia", "romania"},
		Min: 1, Max: 1, Outcome: plebiscite.AbsoluteMajority,
		Roll:  plebiscite.RollRef{Authority: "league", Count: 1, Root: ledger.Hash{1}},
		Opens: day(t, "1926-10-01"), Closes: day(t, "1926-10-03"), Threshold: 1,
		Trustees:      []plebiscite.Trustee{{ID: "sweden", Camp: "neutral"}},
		Observers:     []ledger.PartyID{"norway"},
		Preconditions: []plebiscite.Precondition{{Instrument: armistice, Clause: "withdraw", Attesters: []ledger.PartyID{"norway"}}},
	}
	if complete {
		m.Key, m.Trustees[0].Key = element(1), element(2)
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlebisciteStatus(t *testing.T) {
	b := &book{tb: t}
	for _, p := range []string{"russia", "romania", "league", "norway", "sweden"} {
		b.party(p, ledger.RoleState, "1926-01-01")
	}
	b.add(ledger.KindTerritory, "romania", "1926-01-01", func(e *ledger.Entry) {
		e.Territory = &ledger.Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "romania"}
	})
	deadline := day(t, "1926-09-30")
	arm := b.propose("russia", "1926-02-01", ledger.Proposal{Instrument: ledger.Armistice, Title: "Armistice",
		Parties: ids("russia", "romania"), Clauses: []ledger.Clause{{ID: "withdraw", Obligor: "romania",
			Action: "withdraw", Deadline: ledger.Deadline{Date: &deadline}, Attesters: ids("norway")}}})
	b.signAll("1926-02-01", arm, "russia", "romania")
	parties := ids("russia", "romania", "league", "sweden")
	draft := b.propose("russia", "1926-08-01", ledger.Proposal{Instrument: ledger.PlebisciteAgreement, Title: "Draft",
		Parties: parties, Territory: "bessarabia", Plebiscite: testManifest(t, arm, false)})
	rejected := b.propose("russia", "1926-08-10", ledger.Proposal{Instrument: ledger.PlebisciteAgreement, Title: "First",
		Parties: parties, Territory: "bessarabia", Plebiscite: testManifest(t, arm, true)})
	b.reject("romania", "1926-08-11", rejected)
	ag := b.propose("russia", "1926-09-01", ledger.Proposal{Instrument: ledger.PlebisciteAgreement, Title: "Agreed",
		Parties: parties, Territory: "bessarabia", Plebiscite: testManifest(t, arm, true)})
	b.propose("russia", "1926-09-01", ledger.Proposal{Instrument: ledger.PlebisciteAgreement, Title: "In principle",
		Parties: parties, Territory: "bessarabia"})
	b.signAll("1926-09-02", ag, "russia", "romania", "league")
	b.sign("sweden", "1926-09-05", ag)
	attest := func(outcome ledger.Outcome, eff string) {
		b.add(ledger.KindAttestation, "norway", eff, func(e *ledger.Entry) {
			e.Refs = []ledger.Hash{arm}
			e.Attestation = &ledger.Attestation{Instrument: arm, Clause: "withdraw", Outcome: outcome}
		})
	}
	attest(ledger.Violated, "1926-09-20")
	attest(ledger.Fulfilled, "1926-10-02") // after opens: does not count

	status := func(at string) []PlebisciteStatus {
		w := At(b.recs, day(t, at))
		var out []PlebisciteStatus
		for _, p := range w.Plebiscites {
			out = append(out, p.Status)
		}
		return out
	}
	for _, tt := range []struct {
		at   string
		want []PlebisciteStatus
	}{
		{"1926-08-01", []PlebisciteStatus{PlebisciteDraft}},
		{"1926-08-10", []PlebisciteStatus{PlebisciteDraft, PlebisciteProposed}},
		{"1926-09-03", []PlebisciteStatus{PlebisciteDraft, PlebisciteRejected, PlebisciteProposed}},
		{"1926-09-06", []PlebisciteStatus{PlebisciteDraft, PlebisciteRejected, PlebisciteAgreed}},
		{"1926-10-02", []PlebisciteStatus{PlebisciteDraft, PlebisciteRejected, PlebisciteAgreed}}, // precondition violated
		{"1926-10-04", []PlebisciteStatus{PlebisciteDraft, PlebisciteRejected, PlebisciteClosed}},
	} {
		if got := status(tt.at); !slices.Equal(got, tt.want) {
			t.Errorf("statuses at %s = %v; want %v", tt.at, got, tt.want)
		}
	}
	w := At(b.recs, day(t, "1926-10-02"))
	pc := w.Plebiscites[2].Preconditions[0]
	if pc.Attested || pc.Last == nil || pc.Last.Outcome != ledger.Violated {
		t.Errorf("precondition at 1926-10-02 = %+v; want unattested, last attestation violated", pc)
	}

	// Attested fulfilled on the opening day: the poll opens.
	attest(ledger.Fulfilled, "1926-10-01")
	if got := status("1926-10-01"); got[2] != PlebisciteOpen {
		t.Errorf("status on 1926-10-01 after the attestation = %v; want open", got[2])
	}
	var out bytes.Buffer
	if err := At(b.recs, day(t, "1926-10-01")).WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Plebiscites") || !strings.Contains(out.String(), "open      1926-10-01  1926-10-03  1 of 1 attested") {
		t.Errorf("WriteText() lacks the plebiscite row:\n%s", out.String())
	}
	// The draft agreement is listed as a draft, not as awaiting signatures,
	// and names the complete agreement that superseded it.
	for _, tt := range []struct {
		at         string
		superseded *ledger.Hash
	}{{"1926-08-01", nil}, {"1926-08-10", &rejected}, {"1926-10-01", &ag}} {
		w := At(b.recs, day(t, tt.at))
		in := w.instrument(t, draft)
		if in.Status != StatusDraft || !ptrEqual(in.SupersededBy, tt.superseded) {
			t.Errorf("At(%s): draft agreement status %s, superseded by %v; want draft, %v", tt.at, in.Status, in.SupersededBy, tt.superseded)
		}
		out.Reset()
		if err := w.WriteText(&out); err != nil {
			t.Fatal(err)
		}
		row := lineWith(out.String(), short(draft))
		want := "draft manifest, awaiting key generation"
		if tt.superseded != nil {
			want = "draft manifest, superseded by " + short(*tt.superseded)
		}
		if !strings.Contains(row, "  draft  ") || !strings.Contains(row, want) || strings.Contains(row, "awaiting russia") {
			t.Errorf("At(%s): instrument row %q; want status draft and %q", tt.at, row, want)
		}
	}
	// A result entry for a rejected agreement, or before the close, is skipped.
	b.add(ledger.KindResult, "sweden", "1926-10-05", func(e *ledger.Entry) {
		e.Refs = []ledger.Hash{rejected}
		e.Result = &ledger.Result{Agreement: rejected, Result: []byte("{}")}
	})
	b.add(ledger.KindResult, "sweden", "1926-10-02", func(e *ledger.Entry) {
		e.Refs = []ledger.Hash{ag}
		e.Result = &ledger.Result{Agreement: ag, Result: []byte("{}")}
	})
	w = At(b.recs, day(t, "1926-10-05"))
	var reasons []string
	for _, ig := range w.Ignored {
		reasons = append(reasons, ig.Reason)
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], "effective before the poll closes") || !strings.Contains(reasons[1], "not in force") {
		t.Errorf("ignored = %q; want a result before the close and one for an agreement not in force", reasons)
	}
}

func ptrEqual[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// lineWith returns the first line of s that contains sub, or "".
func lineWith(s, sub string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}
