// Package polltest builds, for tests, a ledger holding an open plebiscite
// (SPEC §4.14, §4.15, §17b): the parties, a territory, an armistice whose
// withdrawal clause is the plebiscite's precondition, the draft manifest, a
// key generation among the trustees recorded as trustee entries, the
// complete agreement signed by every party, the attestation of the
// precondition that opens the poll on its first day, and the roll.
//
// It appends through the Appender interface and does not import node, so
// that node's own tests may use it as well as those of server and web.
package polltest

import (
	"bytes"
	"context"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
	"concord/threshold"
)

// PollID is the identifier of the plebiscite's manifest.
const PollID = "bessarabia-1926"

// Appender appends a signed, encoded entry to a ledger (node.Node does).
type Appender interface {
	Append(ctx context.Context, leaf []byte) (ledger.Record, error)
}

// Poll is the part of an opened poll (node.Poll) that Open uses.
type Poll interface {
	SetRoll(ctx context.Context, roll []byte) error
	Election() (*plebiscite.Election, error)
}

// Camp is a trustee and the camp it belongs to.
type Camp struct {
	ID   ledger.PartyID
	Camp string
}

// FiveTrustees are five trustees of three camps.
var FiveTrustees = []Camp{
	{"ussr-a", "soviet"}, {"ussr-b", "soviet"}, {"romania-a", "romanian"}, {"romania-b", "romanian"}, {"sweden", "neutral"},
}

// ThreeTrustees are three trustees of three camps.
var ThreeTrustees = []Camp{{"ussr-a", "soviet"}, {"romania-a", "romanian"}, {"sweden", "neutral"}}

// Plebiscite is a ledger holding an open plebiscite, built by New.
type Plebiscite struct {
	t         testing.TB
	ledger    Appender
	Keys      map[ledger.PartyID]*ledger.KeyFile
	Camps     []Camp
	Manifest  *plebiscite.Manifest
	Armistice ledger.Hash // the instrument of the precondition
	Draft     ledger.Hash // the draft manifest's hash, the key generation's context
	Agreement ledger.Hash // the agreement in force
	Trustees  []*threshold.Trustee
	Voters    []*plebiscite.Voter
	Roll      []byte // the encoded roll, to be set with Open
}

// Day parses s as a calendar date, failing t if it is not one.
func Day(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Leaf signs e by author, effective on eff, and returns its encoding.
func (p *Plebiscite) Leaf(author ledger.PartyID, eff string, e *ledger.Entry) []byte {
	p.t.Helper()
	e.V, e.Author, e.Effective = ledger.Version, author, Day(p.t, eff)
	s, err := ledger.Sign(e, p.Keys[author].PrivateKey())
	if err != nil {
		p.t.Fatal(err)
	}
	b, err := ledger.Encode(s)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// Add signs e by author and appends it; it fails the test on refusal.
func (p *Plebiscite) Add(author ledger.PartyID, eff string, e *ledger.Entry) ledger.Record {
	p.t.Helper()
	r, err := p.ledger.Append(context.Background(), p.Leaf(author, eff, e))
	if err != nil {
		p.t.Fatalf("Append(%s by %s) = %v", e.Kind, author, err)
	}
	return r
}

// Trustee appends a trustee entry of trustee j for the draft (SPEC §4.15).
func (p *Plebiscite) Trustee(j int, eff string, step ledger.TrusteeStep, data []byte) {
	p.t.Helper()
	p.Add(p.Camps[j].ID, eff, &ledger.Entry{Kind: ledger.KindTrustee,
		Trustee: &ledger.Trustee{Plebiscite: p.Draft, Step: step, Data: data}})
}

// New builds the plebiscite on the empty ledger l, with the trustees camps
// of whom k may decrypt, and voters voters. The poll opens on 1926-10-01,
// the day of the attestation; set its roll with Open.
func New(t testing.TB, l Appender, camps []Camp, k, voters int) *Plebiscite {
	t.Helper()
	p := &Plebiscite{t: t, ledger: l, Keys: map[ledger.PartyID]*ledger.KeyFile{}, Camps: camps}
	p.parties()
	arm := p.armistice()
	m, roll := p.draft(arm, k, voters)
	signers := []ledger.PartyID{"ussr", "romania", "league"}
	for _, c := range camps {
		signers = append(signers, c.ID)
	}
	draftBytes, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p.Add("ussr", "1926-08-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia (draft for key generation)",
		Parties: signers, Territory: "bessarabia", Plebiscite: draftBytes}})
	p.Draft = plebiscite.HashManifestBytes(draftBytes)
	p.keyGeneration(m, k)
	p.Manifest = m
	full, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ag := p.Add("ussr", "1926-09-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia, under neutral supervision",
		Parties: signers, Territory: "bessarabia", Plebiscite: full}})
	p.Agreement = ag.Hash
	for _, s := range signers {
		p.Add(s, "1926-09-02", &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{ag.Hash},
			Signature: &ledger.Decision{Proposal: ag.Hash}})
	}
	p.Add("norway", "1926-10-01", &ledger.Entry{Kind: ledger.KindAttestation, Refs: []ledger.Hash{arm},
		Attestation: &ledger.Attestation{Instrument: arm, Clause: "withdraw", Outcome: ledger.Fulfilled}})
	p.Roll = roll
	return p
}

// Open sets the roll of the opened poll and returns its election.
func (p *Plebiscite) Open(poll Poll) *plebiscite.Election {
	p.t.Helper()
	if err := poll.SetRoll(context.Background(), p.Roll); err != nil {
		p.t.Fatalf("SetRoll() = %v", err)
	}
	e, err := poll.Election()
	if err != nil {
		p.t.Fatal(err)
	}
	return e
}

// parties registers the states, the observers and the trustees, each with
// a key from a fixed seed, and the territory.
func (p *Plebiscite) parties() {
	p.t.Helper()
	type party struct {
		id   ledger.PartyID
		role ledger.Role
	}
	parties := []party{{"ussr", ledger.RoleState}, {"romania", ledger.RoleState}, {"league", ledger.RoleObserver}, {"norway", ledger.RoleObserver}}
	for _, c := range p.Camps {
		parties = append(parties, party{c.ID, ledger.RoleObserver})
	}
	for i, pt := range parties {
		k, err := ledger.NewKeyFromSeed(pt.id, bytes.Repeat([]byte{byte(i + 1)}, 32))
		if err != nil {
			p.t.Fatal(err)
		}
		p.Keys[pt.id] = k
		p.Add(pt.id, "1926-01-01", &ledger.Entry{Kind: ledger.KindParty,
			Party: &ledger.Party{ID: pt.id, Name: string(pt.id), Role: pt.role, Key: k.PublicKey()}})
	}
	p.Add("romania", "1926-01-01", &ledger.Entry{Kind: ledger.KindTerritory,
		Territory: &ledger.Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "romania"}})
}

// armistice agrees the armistice whose withdrawal clause is the
// precondition and returns its hash.
func (p *Plebiscite) armistice() ledger.Hash {
	p.t.Helper()
	deadline := Day(p.t, "1926-09-30")
	arm := p.Add("ussr", "1926-02-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.Armistice, Title: "Dniester armistice", Parties: []ledger.PartyID{"ussr", "romania"},
		Clauses: []ledger.Clause{{ID: "withdraw", Obligor: "romania", Action: "withdraw the army and officials",
			Deadline: ledger.Deadline{Date: &deadline}, Attesters: []ledger.PartyID{"norway"}}}}})
	for _, s := range []ledger.PartyID{"ussr", "romania"} {
		p.Add(s, "1926-02-02", &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{arm.Hash},
			Signature: &ledger.Decision{Proposal: arm.Hash}})
	}
	p.Armistice = arm.Hash
	return arm.Hash
}

// draft makes the voters and returns the draft manifest, without keys,
// and the encoded roll.
func (p *Plebiscite) draft(arm ledger.Hash, k, voters int) (*plebiscite.Manifest, []byte) {
	p.t.Helper()
	p.Voters = make([]*plebiscite.Voter, voters)
	creds := make([]plebiscite.Credential, voters)
	for i := range p.Voters {
		p.Voters[i] = plebiscite.NewVoter()
		creds[i] = p.Voters[i].Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		p.t.Fatal(err)
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: PollID, Territory: "bessarabia",
		Question: "Which state shall Bessarabia belong to?",
		Options:  []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Holders:  []ledger.PartyID{"ussr", "romania", ""},
		Min:      1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("league"),
		Opens: Day(p.t, "1926-10-01"), Closes: Day(p.t, "1926-10-03"), Threshold: k,
		Observers:     []ledger.PartyID{"norway"},
		Preconditions: []plebiscite.Precondition{{Instrument: arm, Clause: "withdraw", Attesters: []ledger.PartyID{"norway"}}},
	}
	for _, c := range p.Camps {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: c.ID, Camp: c.Camp})
	}
	return m, roll.Bytes()
}

// keyGeneration runs the trustees' key generation for the draft, each
// message a trustee entry (SPEC §4.15), and sets the keys in m.
func (p *Plebiscite) keyGeneration(m *plebiscite.Manifest, k int) {
	p.t.Helper()
	par := threshold.Params{N: len(p.Camps), K: k, Context: p.Draft[:]}
	board := &threshold.Board{}
	p.Trustees = make([]*threshold.Trustee, par.N)
	for j := range p.Trustees {
		tr, err := threshold.NewTrustee(par, j+1)
		if err != nil {
			p.t.Fatal(err)
		}
		p.Trustees[j] = tr
		board.Keys = append(board.Keys, tr.PublicKey())
		p.Trustee(j, "1926-08-02", ledger.StepKeys, tr.PublicKey().Bytes())
	}
	for j, tr := range p.Trustees {
		c, shares, err := tr.Round1(board.Keys)
		if err != nil {
			p.t.Fatal(err)
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
		p.Trustee(j, "1926-08-03", ledger.StepCommitment, c.Bytes())
		for _, s := range shares {
			p.Trustee(j, "1926-08-03", ledger.StepShare, s.Bytes())
		}
	}
	for _, tr := range p.Trustees {
		if cs, err := tr.Receive(board); err != nil || len(cs) != 0 {
			p.t.Fatalf("Receive() = %d complaints, %v; want none", len(cs), err)
		}
		if err := tr.Finish(board); err != nil {
			p.t.Fatal(err)
		}
	}
	q, err := threshold.Qualified(par, board)
	if err != nil {
		p.t.Fatal(err)
	}
	pk, err := threshold.PublicKeys(par, board.Commitments, q)
	if err != nil {
		p.t.Fatal(err)
	}
	m.Key = pk.Joint.Bytes()
	for j := range m.Trustees {
		m.Trustees[j].Key = pk.Verification[j].Bytes()
	}
}
