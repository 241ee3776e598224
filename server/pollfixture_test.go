package server

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/threshold"
)

// plebFixture is a ledger holding an open plebiscite (as in
// node/poll_flow_test.go): parties, a territory, an armistice whose
// withdrawal clause is the precondition, a key generation among five
// trustees of three camps recorded as trustee entries, the complete
// manifest agreed by every party, the roll set and the precondition
// attested on the opening day.
type plebFixture struct {
	t         testing.TB
	n         *node.Node
	path      string
	keys      map[ledger.PartyID]*ledger.KeyFile
	m         *plebiscite.Manifest
	draft     ledger.Hash
	agreement ledger.Hash
	trustees  []*threshold.Trustee
	voters    []*plebiscite.Voter
	elec      *plebiscite.Election
}

var fixtureTrustees = []struct {
	id   ledger.PartyID
	camp string
}{
	{"ussr-a", "soviet"}, {"ussr-b", "soviet"}, {"romania-a", "romanian"}, {"romania-b", "romanian"}, {"sweden", "neutral"},
}

const fixturePoll = "bessarabia-1926"

func (f *plebFixture) leaf(author ledger.PartyID, eff string, e *ledger.Entry) []byte {
	f.t.Helper()
	e.V, e.Author, e.Effective = ledger.Version, author, day(f.t, eff)
	s, err := ledger.Sign(e, f.keys[author].PrivateKey())
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := ledger.Encode(s)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *plebFixture) add(author ledger.PartyID, eff string, e *ledger.Entry) ledger.Record {
	f.t.Helper()
	r, err := f.n.Append(context.Background(), f.leaf(author, eff, e))
	if err != nil {
		f.t.Fatalf("Append(%s by %s) = %v", e.Kind, author, err)
	}
	return r
}

func (f *plebFixture) trustee(j int, eff string, step ledger.TrusteeStep, data []byte) {
	f.t.Helper()
	f.add(fixtureTrustees[j].id, eff, &ledger.Entry{Kind: ledger.KindTrustee,
		Trustee: &ledger.Trustee{Plebiscite: f.draft, Step: step, Data: data}})
}

// newPlebFixture builds the fixture with voters voters on a SQLite
// ledger in a temporary directory.
func newPlebFixture(t testing.TB, voters int) *plebFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	n, err := node.Create(ctx, path, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	f := &plebFixture{t: t, n: n, path: path, keys: map[ledger.PartyID]*ledger.KeyFile{}}

	type party struct {
		id   ledger.PartyID
		role ledger.Role
	}
	parties := []party{{"ussr", ledger.RoleState}, {"romania", ledger.RoleState}, {"league", ledger.RoleObserver}, {"norway", ledger.RoleObserver}}
	for _, c := range fixtureTrustees {
		parties = append(parties, party{c.id, ledger.RoleObserver})
	}
	for i, p := range parties {
		k, err := ledger.NewKeyFromSeed(p.id, bytes.Repeat([]byte{byte(i + 1)}, 32))
		if err != nil {
			t.Fatal(err)
		}
		f.keys[p.id] = k
		f.add(p.id, "1926-01-01", &ledger.Entry{Kind: ledger.KindParty,
			Party: &ledger.Party{ID: p.id, Name: string(p.id), Role: p.role, Key: k.PublicKey()}})
	}
	f.add("romania", "1926-01-01", &ledger.Entry{Kind: ledger.KindTerritory,
		Territory: &ledger.Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "romania"}})
	deadline := day(t, "1926-09-30")
	arm := f.add("ussr", "1926-02-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.Armistice, Title: "Dniester armistice", Parties: []ledger.PartyID{"ussr", "romania"},
		Clauses: []ledger.Clause{{ID: "withdraw", Obligor: "romania", Action: "withdraw the army and officials",
			Deadline: ledger.Deadline{Date: &deadline}, Attesters: []ledger.PartyID{"norway"}}}}})
	for _, p := range []ledger.PartyID{"ussr", "romania"} {
		f.add(p, "1926-02-02", &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{arm.Hash},
			Signature: &ledger.Decision{Proposal: arm.Hash}})
	}

	// The voters (keys only: cheap) and the roll.
	f.voters = make([]*plebiscite.Voter, voters)
	creds := make([]plebiscite.Credential, voters)
	for i := range f.voters {
		f.voters[i] = plebiscite.NewVoter()
		creds[i] = f.voters[i].Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: fixturePoll, Territory: "bessarabia",
		Question: "Which state shall Bessarabia belong to?",
		Options:  []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Holders:  []ledger.PartyID{"ussr", "romania", ""},
		Min:      1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("league"),
		Opens: day(t, "1926-10-01"), Closes: day(t, "1926-10-03"), Threshold: 3,
		Observers:     []ledger.PartyID{"norway"},
		Preconditions: []plebiscite.Precondition{{Instrument: arm.Hash, Clause: "withdraw", Attesters: []ledger.PartyID{"norway"}}},
	}
	signers := []ledger.PartyID{"ussr", "romania", "league"}
	for _, c := range fixtureTrustees {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: c.id, Camp: c.camp})
		signers = append(signers, c.id)
	}
	draftBytes, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f.add("ussr", "1926-08-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia (draft for key generation)",
		Parties: signers, Territory: "bessarabia", Plebiscite: draftBytes}})

	// The key generation, each message a trustee entry (SPEC §4.15).
	f.draft = plebiscite.HashManifestBytes(draftBytes)
	p := threshold.Params{N: len(fixtureTrustees), K: 3, Context: f.draft[:]}
	board := &threshold.Board{}
	f.trustees = make([]*threshold.Trustee, p.N)
	for j := range f.trustees {
		if f.trustees[j], err = threshold.NewTrustee(p, j+1); err != nil {
			t.Fatal(err)
		}
		board.Keys = append(board.Keys, f.trustees[j].PublicKey())
		f.trustee(j, "1926-08-02", ledger.StepKeys, f.trustees[j].PublicKey().Bytes())
	}
	for j, tr := range f.trustees {
		c, shares, err := tr.Round1(board.Keys)
		if err != nil {
			t.Fatal(err)
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
		f.trustee(j, "1926-08-03", ledger.StepCommitment, c.Bytes())
		for _, s := range shares {
			f.trustee(j, "1926-08-03", ledger.StepShare, s.Bytes())
		}
	}
	for _, tr := range f.trustees {
		if cs, err := tr.Receive(board); err != nil || len(cs) != 0 {
			t.Fatalf("Receive() = %d complaints, %v; want none", len(cs), err)
		}
		if err := tr.Finish(board); err != nil {
			t.Fatal(err)
		}
	}
	q, err := threshold.Qualified(p, board)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := threshold.PublicKeys(p, board.Commitments, q)
	if err != nil {
		t.Fatal(err)
	}
	m.Key = pk.Joint.Bytes()
	for j := range m.Trustees {
		m.Trustees[j].Key = pk.Verification[j].Bytes()
	}
	f.m = m
	full, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ag := f.add("ussr", "1926-09-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia, under neutral supervision",
		Parties: signers, Territory: "bessarabia", Plebiscite: full}})
	f.agreement = ag.Hash
	for _, s := range signers {
		f.add(s, "1926-09-02", &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{ag.Hash},
			Signature: &ledger.Decision{Proposal: ag.Hash}})
	}
	f.add("norway", "1926-10-01", &ledger.Entry{Kind: ledger.KindAttestation, Refs: []ledger.Hash{arm.Hash},
		Attestation: &ledger.Attestation{Instrument: arm.Hash, Clause: "withdraw", Outcome: ledger.Fulfilled}})
	poll, err := n.Poll(ctx, m.ID)
	if err != nil {
		t.Fatalf("Poll(%q) = %v", m.ID, err)
	}
	defer poll.Close()
	if err := poll.SetRoll(ctx, roll.Bytes()); err != nil {
		t.Fatalf("SetRoll() = %v", err)
	}
	if f.elec, err = poll.Election(); err != nil {
		t.Fatal(err)
	}
	return f
}

// ballotJob is one leaf to generate: voter's ballot for choice, or with
// audit the spoil leaf of such a ballot.
type ballotJob struct {
	voter, choice int
	audit         bool
}

// generate encrypts the jobs' ballots on every core.
func (f *plebFixture) generate(jobs []ballotJob) [][]byte {
	f.t.Helper()
	out := make([][]byte, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				j := jobs[i]
				b, s, err := f.voters[j.voter].Cast(f.elec, []int{j.choice})
				switch {
				case err != nil:
					errs[i] = err
				case j.audit:
					out[i] = s.Audit().Bytes()
				default:
					out[i] = b.Bytes()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return out
}

// finish closes the poll: the trustees but one decrypt the tally of the
// ballot log, a trustee enters the result, and the whole record is
// verified from the ledger and the ballot log (node.Poll.Verify, which
// runs plebiscite.VerifyLedger). It returns the report.
func (f *plebFixture) finish() *plebiscite.Report {
	f.t.Helper()
	ctx := context.Background()
	poll, err := f.n.Poll(ctx, f.m.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer poll.Close()
	agg, err := poll.Tally(ctx)
	if err != nil {
		f.t.Fatalf("Tally() = %v", err)
	}
	var shares []*threshold.DecryptionShare
	for j, tr := range f.trustees {
		if j == 3 {
			continue // romania-b is absent
		}
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			f.t.Fatal(err)
		}
		shares = append(shares, d)
		f.trustee(j, "1926-10-04", ledger.StepDecryption, d.Bytes())
	}
	res, err := plebiscite.Decrypt(f.elec, agg, shares)
	if err != nil {
		f.t.Fatalf("Decrypt() = %v", err)
	}
	body, err := poll.ResultBody(ctx, res)
	if err != nil {
		f.t.Fatal(err)
	}
	leaf := f.leaf("sweden", "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.agreement}, Result: body})
	if _, _, err := poll.AppendResult(ctx, leaf); err != nil {
		f.t.Fatalf("AppendResult() = %v", err)
	}
	rep, err := poll.Verify(ctx)
	if err != nil {
		f.t.Fatalf("Verify() = %v", err)
	}
	return rep
}
