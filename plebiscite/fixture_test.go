package plebiscite

import (
	"sync"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/threshold"
)

// plebisciteFixture is a complete in-memory plebiscite: a manifest whose
// keys come from a real key generation among five trustees (k = 3), a roll
// of voters, and the record of a poll (SPEC §16.1).
type plebiscite struct {
	e        *Election
	trustees []*threshold.Trustee
	board    *threshold.Board
	voters   []*Voter // on the roll
	leaves   []Leaf
	record   *Record
	want     []uint64 // expected counts
	shares   []*threshold.DecryptionShare
}

var camps = []struct {
	id   ledger.PartyID
	camp string
}{
	{"ussr-a", "soviet"}, {"ussr-b", "soviet"}, {"romania-a", "romanian"},
	{"romania-b", "romanian"}, {"sweden", "neutral"},
}

// newElection runs the key generation of SPEC §12 for a draft manifest and
// completes it (SPEC §13.3).
func newElection(t testing.TB, voters []*Voter, id string, opts ...func(*Manifest)) (*Election, []*threshold.Trustee, *threshold.Board) {
	t.Helper()
	creds := make([]Credential, len(voters))
	for i, v := range voters {
		creds[i] = v.Credential()
	}
	roll, err := NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	m := &Manifest{
		V:         ManifestVersion,
		ID:        id,
		Territory: "bessarabia",
		Question:  "Which state shall Bessarabia belong to?",
		Options:   []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Min:       1,
		Max:       1,
		Outcome:   AbsoluteMajority,
		Roll:      roll.Ref("league-commission"),
		Opens:     calendar.Date{Year: 1926, Month: 10, Day: 1},
		Closes:    calendar.Date{Year: 1926, Month: 10, Day: 3},
		Threshold: 3,
		Observers: []ledger.PartyID{"united-states"},
	}
	for _, c := range camps {
		m.Trustees = append(m.Trustees, Trustee{ID: c.id, Camp: c.camp})
	}
	for _, o := range opts {
		o(m)
	}
	draft, err := m.Hash()
	if err != nil {
		t.Fatal(err)
	}
	p := threshold.Params{N: len(m.Trustees), K: m.Threshold, Context: draft[:]}
	board := &threshold.Board{}
	ts := make([]*threshold.Trustee, p.N)
	for i := range ts {
		if ts[i], err = threshold.NewTrustee(p, i+1); err != nil {
			t.Fatal(err)
		}
		board.Keys = append(board.Keys, ts[i].PublicKey())
	}
	for _, tr := range ts {
		c, shares, err := tr.Round1(board.Keys)
		if err != nil {
			t.Fatal(err)
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
	}
	for _, tr := range ts {
		cs, err := tr.Receive(board)
		if err != nil {
			t.Fatal(err)
		}
		board.Complaints = append(board.Complaints, cs...)
	}
	for _, tr := range ts {
		if err := tr.Finish(board); err != nil {
			t.Fatal(err)
		}
	}
	q, err := threshold.Qualified(p, board)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := threshold.PublicKeys(p, board.Commitments, q)
	if err != nil {
		t.Fatal(err)
	}
	m.Key = keys.Joint.Bytes()
	for j := range m.Trustees {
		m.Trustees[j].Key = keys.Verification[j].Bytes()
	}
	e, err := NewElection(m, roll)
	if err != nil {
		t.Fatal(err)
	}
	if e.DraftHash != draft {
		t.Fatalf("DraftHash = %v; want the key generation context %v", e.DraftHash, draft)
	}
	return e, ts, board
}

// choice is voter i's final choice: 120 for option 0, 40 for 1, 40 for 2
// among 200 voters.
func choice(i int) int {
	switch i % 5 {
	case 3:
		return 1
	case 4:
		return 2
	}
	return 0
}

// newPlebiscite holds a poll of n voters: voters 0 … 9 first vote for
// option 2 and later re-vote; voter 11 audits (spoils) a ballot before
// casting; trustee 2 is absent at decryption.
func newPlebiscite(t testing.TB, n int) *plebiscite {
	t.Helper()
	p := &plebiscite{voters: make([]*Voter, n), want: make([]uint64, 3)}
	for i := range p.voters {
		p.voters[i] = NewVoter()
	}
	p.e, p.trustees, p.board = newElection(t, p.voters, "bessarabia-1926")
	cast := func(i, c int) *Secrets {
		b, s, err := p.voters[i].Cast(p.e, []int{c})
		if err != nil {
			t.Fatalf("Cast(voter %d, option %d) = %v", i, c, err)
		}
		p.leaves = append(p.leaves, Leaf{Ballot: b})
		return s
	}
	for i := range min(10, n) {
		cast(i, 2)
	}
	if n > 11 {
		b, s, err := p.voters[11].Cast(p.e, []int{1})
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyAudit(p.e, b, s.Audit().Opening); err != nil {
			t.Fatalf("VerifyAudit(own opening) = %v", err)
		}
		p.leaves = append(p.leaves, Leaf{Spoil: s.Audit()})
	}
	for i := range n {
		cast(i, choice(i))
		p.want[choice(i)]++
	}
	// The trustees decrypt only the aggregate they recompute from the poll.
	p.record = p.recordWith(&Result{})
	_, agg, err := VerifyPoll(p.record)
	if err != nil {
		t.Fatalf("VerifyPoll() = %v", err)
	}
	if direct, _ := Tally(p.e, p.leaves); direct.Counted != agg.Counted || direct.Sums[0].Equal(agg.Sums[0]) != 1 {
		t.Fatalf("Tally() and VerifyPoll() disagree on the aggregate")
	}
	for j, tr := range p.trustees {
		if j == 1 {
			continue // absent
		}
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		p.shares = append(p.shares, d)
	}
	res, err := Decrypt(p.e, agg, p.shares)
	if err != nil {
		t.Fatalf("Decrypt() = %v", err)
	}
	p.record = p.recordWith(res)
	return p
}

// recordWith returns the record of the poll with the given result.
func (p *plebiscite) recordWith(res *Result) *Record {
	mb, err := p.e.Manifest.Encode()
	if err != nil {
		panic(err)
	}
	rb, err := res.Encode()
	if err != nil {
		panic(err)
	}
	r := &Record{Manifest: mb, Roll: p.e.Roll.Bytes(), Result: rb, Board: p.board}
	for _, l := range p.leaves {
		r.Leaves = append(r.Leaves, l.Bytes())
	}
	return r
}

var shared struct {
	once sync.Once
	p    *plebiscite
}

// sharedPlebiscite returns one 200-voter plebiscite for all tests; tests
// must not modify it (clone the record first).
func sharedPlebiscite(t testing.TB) *plebiscite {
	shared.once.Do(func() { shared.p = newPlebiscite(t, 200) })
	if shared.p == nil {
		t.Fatal("shared plebiscite failed to build")
	}
	return shared.p
}

// clone returns a deep copy of a record.
func (r *Record) clone() *Record {
	c := *r
	c.Leaves = make([][]byte, len(r.Leaves))
	for i, l := range r.Leaves {
		c.Leaves[i] = append([]byte(nil), l...)
	}
	c.Manifest = append([]byte(nil), r.Manifest...)
	c.Result = append([]byte(nil), r.Result...)
	return &c
}
