package node

import (
	"slices"
	"strings"
	"testing"

	"concord/ledger"
	"concord/plebiscite"
	"concord/threshold"
)

// The append rules of SPEC §4.14 to §4.16, checked through a node (where
// package plebiscite installs them), on the fixture's ledger.

func TestRule4_14PlebisciteProposals(t *testing.T) {
	f := newPollFixture(t, 2, true)
	signers := []ledger.PartyID{"ussr", "romania", "league", "ussr-a", "ussr-b", "romania-a", "romania-b", "sweden"}
	enc := func(edit func(m *plebiscite.Manifest)) []byte {
		m := *f.m
		m.Trustees = slices.Clone(f.m.Trustees)
		m.Holders = slices.Clone(f.m.Holders)
		m.Preconditions = slices.Clone(f.m.Preconditions)
		edit(&m)
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	full, _ := f.m.Encode()
	cases := []struct {
		name      string
		manifest  []byte
		territory string
		parties   []ledger.PartyID
		want      string
	}{
		{"not a manifest", []byte(`{"v":1}`), "bessarabia", signers, "invalid manifest"},
		{"not canonical", []byte(strings.Replace(string(full), `"Which`, `"\u0057hich`, 1)), "bessarabia", signers, "invalid manifest"},
		{"other territory", full, "moldavia", signers, "registered territory"},
		{"territory mismatch", enc(func(m *plebiscite.Manifest) { m.Territory = "moldavia" }), "bessarabia", signers, "for territory"},
		{"unregistered observer", enc(func(m *plebiscite.Manifest) { m.Observers = []ledger.PartyID{"mars"} }), "bessarabia", signers, `"mars" named in the manifest`},
		{"trustee not a party", full, "bessarabia", signers[:7], `"sweden" must be a party`},
		{"holder not a party", enc(func(m *plebiscite.Manifest) { m.Holders[2] = "norway" }), "bessarabia", signers, `"norway" must be a party`},
		{"precondition of no proposal", enc(func(m *plebiscite.Manifest) { m.Preconditions[0].Instrument = ledger.Hash{7} }), "bessarabia", signers, "not a proposal"},
		{"precondition of no clause", enc(func(m *plebiscite.Manifest) { m.Preconditions[0].Clause = "disarm" }), "bessarabia", signers, `clause "disarm"`},
		{"second live agreement", full, "bessarabia", signers, "already has agreement"},
		{"no key generation", enc(func(m *plebiscite.Manifest) { m.ID = "bessarabia-bis" }), "bessarabia", signers, "no key generation"},
	}
	for _, c := range cases {
		_, err := f.try("ussr", "1926-10-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
			Instrument: ledger.PlebisciteAgreement, Title: c.name, Parties: c.parties, Territory: c.territory, Plebiscite: c.manifest}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Append = %v; want an error containing %q", c.name, err, c.want)
		}
	}
	// A manifest on another instrument is malformed (SPEC §3.4.3).
	e := &ledger.Entry{V: ledger.Version, Kind: ledger.KindProposal, Author: "ussr", Effective: pd(t, "1926-10-01"),
		Proposal: &ledger.Proposal{Instrument: ledger.Armistice, Title: "x", Parties: signers, Plebiscite: full}}
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "only a plebiscite-agreement") {
		t.Errorf("Validate(armistice with a manifest) = %v; want a format error", err)
	}
}

func TestRule4_15TrusteeEntries(t *testing.T) {
	f := newPollFixture(t, 2, true)
	draft, _ := f.m.Draft().Hash()
	tr := f.trustees[0]
	key := tr.PublicKey().Bytes()
	shareBytes := func() []byte {
		b, _ := f.ballot(0, 0)
		if _, err := f.poll.Cast(t.Context(), b.Bytes()); err != nil {
			t.Fatal(err)
		}
		agg, err := f.poll.Tally(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		return d.Bytes()
	}
	cases := []struct {
		name   string
		author ledger.PartyID
		eff    string
		body   ledger.Trustee
		want   string
	}{
		{"unknown draft", "ussr-a", "1926-10-01", ledger.Trustee{Plebiscite: ledger.Hash{1}, Step: ledger.StepKeys, Data: key}, "draft hash of no plebiscite"},
		{"not a trustee", "norway", "1926-10-01", ledger.Trustee{Plebiscite: draft, Step: ledger.StepKeys, Data: key}, "is not a trustee"},
		{"keys twice", "ussr-a", "1926-10-01", ledger.Trustee{Plebiscite: draft, Step: ledger.StepKeys, Data: key}, "already recorded its keys"},
		{"bad key", "ussr-a", "1926-10-01", ledger.Trustee{Plebiscite: draft, Step: ledger.StepKeys, Data: make([]byte, 32)}, "not a keys message"},
		{"commitment of another dealer", "ussr-b", "1926-10-01", ledger.Trustee{Plebiscite: draft, Step: ledger.StepCommitment, Data: commitmentOf(t, f, 0)}, "from trustee 1"},
		{"decryption before close", "ussr-a", "1926-10-03", ledger.Trustee{Plebiscite: draft, Step: ledger.StepDecryption, Data: shareBytes()}, "after the poll closes"},
	}
	for _, c := range cases {
		if _, err := f.try(c.author, c.eff, &ledger.Entry{Kind: ledger.KindTrustee, Trustee: &c.body}); !isRule(err, "4.15") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Append = %v; want refusal by SPEC §4.15 containing %q", c.name, err, c.want)
		}
	}
}

func commitmentOf(t testing.TB, f *pollFixture, j int) []byte {
	t.Helper()
	recs, _ := f.n.Records(t.Context())
	for _, r := range recs {
		if e := r.Signed.Entry; e.Kind == ledger.KindTrustee && e.Trustee.Step == ledger.StepCommitment && e.Author == trusteeCamps[j].id {
			return e.Trustee.Data
		}
	}
	t.Fatal("no commitment")
	return nil
}

func TestRule4_16Results(t *testing.T) {
	f := newPollFixture(t, 3, true)
	ctx := t.Context()
	b, _ := f.ballot(0, 1)
	if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	agg, err := f.poll.Tally(ctx)
	if err != nil {
		t.Fatal(err)
	}
	draft, _ := f.m.Draft().Hash()
	var shares []*threshold.DecryptionShare
	for j := range 3 {
		d, err := f.trustees[j].DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, d)
		f.trustee(j, "1926-10-04", draft, ledger.StepDecryption, d.Bytes())
	}
	e, _ := f.poll.Election()
	res, err := plebiscite.Decrypt(e, agg, shares)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := f.poll.ResultBody(ctx, res)
	unrecorded := *res
	d4, _ := f.trustees[4].DecryptShare(agg.Sums)
	unrecorded.Shares = append(append([][]byte(nil), res.Shares[:2]...), d4.Bytes())
	unrecBody, _ := f.poll.ResultBody(ctx, &unrecorded)
	cases := []struct {
		name   string
		author ledger.PartyID
		eff    string
		body   *ledger.Result
		refs   []ledger.Hash
		want   string
	}{
		{"not an agreement", "sweden", "1926-10-05", &ledger.Result{Agreement: f.armistice, Result: body.Result}, []ledger.Hash{f.armistice}, "not a plebiscite agreement"},
		{"before close", "sweden", "1926-10-03", body, []ledger.Hash{f.agreement}, "after the poll closes"},
		{"by an outsider", "norway", "1926-10-05", body, []ledger.Hash{f.agreement}, "neither a trustee"},
		{"unrecorded share", "sweden", "1926-10-05", unrecBody, []ledger.Hash{f.agreement}, "not the one that trustee recorded"},
		{"not a result", "sweden", "1926-10-05", &ledger.Result{Agreement: f.agreement, Result: []byte("{}")}, []ledger.Hash{f.agreement}, "result.result"},
	}
	for _, c := range cases {
		if _, err := f.try(c.author, c.eff, &ledger.Entry{Kind: ledger.KindResult, Refs: c.refs, Result: c.body}); !isRule(err, "4.16") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Append = %v; want refusal by SPEC §4.16 containing %q", c.name, err, c.want)
		}
	}
	if _, err := f.try("sweden", "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.agreement}, Result: body}); err != nil {
		t.Errorf("Append(valid result) = %v", err)
	}
}

// TestRule4_14KeysFromKeyGeneration proposes, in place of the agreement, a
// manifest of the same draft whose keys are not those the trustee entries
// give.
func TestRule4_14KeysFromKeyGeneration(t *testing.T) {
	newPollFixtureHook(t, 1, true, func(f *pollFixture, signers []ledger.PartyID) {
		m := *f.m
		m.Trustees = slices.Clone(f.m.Trustees)
		m.Key, m.Trustees[0].Key = m.Trustees[0].Key, m.Key
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.try("ussr", "1926-08-09", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
			Instrument: ledger.PlebisciteAgreement, Title: "swapped keys", Parties: signers, Territory: "bessarabia", Plebiscite: b}})
		if !isRule(err, "4.14") || !strings.Contains(err.Error(), "not those of the key generation") {
			t.Errorf("Append(manifest with keys not from its key generation) = %v; want refusal by SPEC §4.14", err)
		}
	})
}
