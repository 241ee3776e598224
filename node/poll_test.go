package node

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
	"concord/state"
	"concord/threshold"
	"concord/tlog"
)

// pollFixture is a ledger holding a plebiscite agreed by every party, after
// a key generation among five trustees of three camps recorded as trustee
// entries (SPEC §4.14, §4.15), with its poll opened and its roll set.
type pollFixture struct {
	t         testing.TB
	n         *Node
	path      string
	keys      map[ledger.PartyID]*ledger.KeyFile
	armistice ledger.Hash
	agreement ledger.Hash
	m         *plebiscite.Manifest
	trustees  []*threshold.Trustee
	voters    []*plebiscite.Voter
	roll      []byte
	poll      *Poll
}

var trusteeCamps = []struct {
	id   ledger.PartyID
	camp string
}{
	{"ussr-a", "soviet"}, {"ussr-b", "soviet"}, {"romania-a", "romanian"}, {"romania-b", "romanian"}, {"sweden", "neutral"},
}

func pd(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// add signs e by author and appends it; it fails the test on refusal.
func (f *pollFixture) add(author ledger.PartyID, eff string, e *ledger.Entry) ledger.Record {
	f.t.Helper()
	r, err := f.try(author, eff, e)
	if err != nil {
		f.t.Fatalf("Append(%s by %s) = %v", e.Kind, author, err)
	}
	return r
}

func (f *pollFixture) leaf(author ledger.PartyID, eff string, e *ledger.Entry) []byte {
	f.t.Helper()
	k := f.keys[author]
	e.V, e.Author, e.Effective = ledger.Version, author, pd(f.t, eff)
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := ledger.Encode(s)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *pollFixture) try(author ledger.PartyID, eff string, e *ledger.Entry) (ledger.Record, error) {
	f.t.Helper()
	return f.n.Append(context.Background(), f.leaf(author, eff, e))
}

func (f *pollFixture) sign(author ledger.PartyID, eff string, proposal ledger.Hash) {
	f.t.Helper()
	f.add(author, eff, &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{proposal},
		Signature: &ledger.Decision{Proposal: proposal}})
}

func (f *pollFixture) trustee(j int, eff string, draft ledger.Hash, step ledger.TrusteeStep, data []byte) {
	f.t.Helper()
	f.add(trusteeCamps[j].id, eff, &ledger.Entry{Kind: ledger.KindTrustee,
		Trustee: &ledger.Trustee{Plebiscite: draft, Step: step, Data: data}})
}

// newPollFixture builds the ledger up to the agreement in force. With
// attest, the observer attests the withdrawal on the opening day, which
// opens the poll; without it, an unrelated entry of that day moves the
// ledger's clock while the precondition stays unattested.
func newPollFixture(t testing.TB, voters int, attest bool) *pollFixture {
	t.Helper()
	return newPollFixtureHook(t, voters, attest, nil)
}

// newPollFixtureHook is newPollFixture calling hook after the key
// generation, before the agreement is proposed.
func newPollFixtureHook(t testing.TB, voters int, attest bool, hook func(f *pollFixture, signers []ledger.PartyID)) *pollFixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	n, err := Create(context.Background(), path, "concord.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return newPollFixtureOn(t, n, path, PollOptions{}, voters, attest, hook)
}

// newPollFixtureOn builds the fixture on the empty ledger n.
func newPollFixtureOn(t testing.TB, n *Node, path string, opt PollOptions, voters int, attest bool, hook func(f *pollFixture, signers []ledger.PartyID)) *pollFixture {
	t.Helper()
	ctx := context.Background()
	var err error
	f := &pollFixture{t: t, n: n, path: path, keys: map[ledger.PartyID]*ledger.KeyFile{}}

	parties := []struct {
		id   ledger.PartyID
		role ledger.Role
	}{{"ussr", ledger.RoleState}, {"romania", ledger.RoleState}, {"league", ledger.RoleObserver}, {"norway", ledger.RoleObserver}}
	for _, c := range trusteeCamps {
		parties = append(parties, struct {
			id   ledger.PartyID
			role ledger.Role
		}{c.id, ledger.RoleObserver})
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

	// The armistice whose withdrawal clause is the plebiscite's precondition.
	deadline, _ := calendar.ParseDate("1926-09-30")
	arm := f.add("ussr", "1926-02-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.Armistice, Title: "Dniester armistice", Parties: []ledger.PartyID{"ussr", "romania"},
		Clauses: []ledger.Clause{{ID: "withdraw", Obligor: "romania", Action: "withdraw the army and officials",
			Deadline: ledger.Deadline{Date: &deadline}, Attesters: []ledger.PartyID{"norway"}}}}})
	f.armistice = arm.Hash
	f.sign("ussr", "1926-02-01", arm.Hash)
	f.sign("romania", "1926-02-02", arm.Hash)

	// The roll and the draft manifest.
	creds := make([]plebiscite.Credential, voters)
	f.voters = make([]*plebiscite.Voter, voters)
	for i := range f.voters {
		f.voters[i] = plebiscite.NewVoter()
		creds[i] = f.voters[i].Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	f.roll = roll.Bytes()
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: "bessarabia-1926", Territory: "bessarabia",
		Question: "Which state shall Bessarabia belong to?",
		Options:  []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Holders:  []ledger.PartyID{"ussr", "romania", ""},
		Min:      1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("league"),
		Opens: pd(t, "1926-10-01"), Closes: pd(t, "1926-10-03"), Threshold: 3,
		Observers:     []ledger.PartyID{"norway"},
		Preconditions: []plebiscite.Precondition{{Instrument: arm.Hash, Clause: "withdraw", Attesters: []ledger.PartyID{"norway"}}},
	}
	for _, c := range trusteeCamps {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: c.id, Camp: c.camp})
	}
	signers := []ledger.PartyID{"ussr", "romania", "league"}
	for _, c := range trusteeCamps {
		signers = append(signers, c.id)
	}
	draftBytes, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f.add("ussr", "1926-08-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia (draft for key generation)",
		Parties: signers, Territory: "bessarabia", Plebiscite: draftBytes}})

	// Key generation, every message a trustee entry (SPEC §4.15).
	draft := plebiscite.HashManifestBytes(draftBytes)
	p := threshold.Params{N: 5, K: 3, Context: draft[:]}
	board := &threshold.Board{}
	f.trustees = make([]*threshold.Trustee, 5)
	for j := range f.trustees {
		if f.trustees[j], err = threshold.NewTrustee(p, j+1); err != nil {
			t.Fatal(err)
		}
		board.Keys = append(board.Keys, f.trustees[j].PublicKey())
		f.trustee(j, "1926-08-02", draft, ledger.StepKeys, f.trustees[j].PublicKey().Bytes())
	}
	for j, tr := range f.trustees {
		c, shares, err := tr.Round1(board.Keys)
		if err != nil {
			t.Fatal(err)
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
		f.trustee(j, "1926-08-03", draft, ledger.StepCommitment, c.Bytes())
		for _, s := range shares {
			f.trustee(j, "1926-08-03", draft, ledger.StepShare, s.Bytes())
		}
	}
	for _, tr := range f.trustees {
		cs, err := tr.Receive(board)
		if err != nil || len(cs) != 0 {
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

	if hook != nil {
		hook(f, signers)
	}
	// A first agreement is rejected; the second is signed by every party.
	first := f.add("ussr", "1926-08-10", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia",
		Parties: signers, Territory: "bessarabia", Plebiscite: full}})
	f.add("romania", "1926-08-11", &ledger.Entry{Kind: ledger.KindRejection, Refs: []ledger.Hash{first.Hash},
		Rejection: &ledger.Decision{Proposal: first.Hash, Reason: "the officials must be withdrawn first"}})
	ag := f.add("ussr", "1926-09-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in Bessarabia, under neutral supervision",
		Parties: signers, Territory: "bessarabia", Plebiscite: full}})
	f.agreement = ag.Hash
	for _, s := range signers {
		f.sign(s, "1926-09-02", ag.Hash)
	}
	if attest {
		f.add("norway", "1926-10-01", &ledger.Entry{Kind: ledger.KindAttestation, Refs: []ledger.Hash{arm.Hash},
			Attestation: &ledger.Attestation{Instrument: arm.Hash, Clause: "withdraw", Outcome: ledger.Fulfilled}})
	} else {
		f.add("ussr", "1926-10-01", &ledger.Entry{Kind: ledger.KindAct,
			Act: &ledger.Act{Act: ledger.Proclamation, Text: "The poll should open today."}})
	}
	if f.poll, err = n.PollWith(ctx, m.ID, opt); err != nil {
		t.Fatalf("Poll(%q) = %v", m.ID, err)
	}
	t.Cleanup(func() { f.poll.Close() })
	if err := f.poll.SetRoll(ctx, f.roll); err != nil {
		t.Fatalf("SetRoll() = %v", err)
	}
	return f
}

func (f *pollFixture) ballot(v, choice int) (*plebiscite.Ballot, *plebiscite.Secrets) {
	f.t.Helper()
	e, err := f.poll.Election()
	if err != nil {
		f.t.Fatal(err)
	}
	b, s, err := f.voters[v].Cast(e, []int{choice})
	if err != nil {
		f.t.Fatal(err)
	}
	return b, s
}

func TestPollCastRevoteLookupTally(t *testing.T) {
	f := newPollFixture(t, 6, true)
	ctx := context.Background()
	st, err := f.poll.Status(ctx)
	if err != nil || st.Status != state.PlebisciteOpen {
		t.Fatalf("Status() = %+v, %v; want open", st, err)
	}
	var receipts []Receipt
	for v := range 6 {
		b, _ := f.ballot(v, v%2)
		r, err := f.poll.Cast(ctx, b.Bytes())
		if err != nil {
			t.Fatalf("Cast(voter %d) = %v", v, err)
		}
		if r.Index != int64(v) || r.TrackingCode != b.TrackingCode() || len(r.Checkpoint) == 0 {
			t.Fatalf("Cast(voter %d) = %+v; want index %d and the ballot's tracking code", v, r, v)
		}
		receipts = append(receipts, r)
	}
	// Voter 0 re-votes: the later ballot counts, the first is superseded.
	b, _ := f.ballot(0, 1)
	if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
		t.Fatalf("Cast(re-vote) = %v", err)
	}
	// Replaying the first ballot is refused and changes nothing.
	old, err := f.poll.Leaves(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.poll.Cast(ctx, old[0]); !errors.Is(err, plebiscite.ErrReplay) {
		t.Errorf("Cast(replayed ballot) = %v; want ErrReplay", err)
	}
	if n, _ := f.poll.Size(ctx); n != 7 {
		t.Errorf("Size() after a refused replay = %d; want 7", n)
	}

	in, err := f.poll.Lookup(ctx, receipts[0].TrackingCode)
	if err != nil {
		t.Fatalf("Lookup() = %v", err)
	}
	if in.Index != 0 || !in.Superseded || in.Spoil {
		t.Errorf("Lookup(first ballot of voter 0) = index %d superseded %v spoil %v; want 0, true, false", in.Index, in.Superseded, in.Spoil)
	}
	c, err := tlog.VerifyCheckpoint(in.Checkpoint, f.poll.Origin(), f.poll.Verifier())
	if err != nil {
		t.Fatalf("VerifyCheckpoint(lookup checkpoint) = %v", err)
	}
	if err := tlog.VerifyInclusion(in.Proof, c.Size, c.Root, in.Index, tlog.LeafHash(in.Leaf)); err != nil {
		t.Errorf("VerifyInclusion(lookup proof) = %v", err)
	}
	if in, err := f.poll.Lookup(ctx, receipts[1].TrackingCode); err != nil || in.Superseded {
		t.Errorf("Lookup(voter 1) = %+v, %v; want a counted ballot", in, err)
	}
	if in, err := f.poll.Lookup(ctx, b.TrackingCode()); err != nil || in.Superseded || in.Index != 6 {
		t.Errorf("Lookup(voter 0's re-vote) = %+v, %v; want leaf 6, counted", in, err)
	}
	// Voter 2 casts again: the first ballot is superseded, found through
	// the credential's last cast rather than a scan of every code.
	b2, s2 := f.ballot(2, 0)
	if _, err := f.poll.Cast(ctx, b2.Bytes()); err != nil {
		t.Fatalf("Cast(voter 2 again) = %v", err)
	}
	if in, err := f.poll.Lookup(ctx, receipts[2].TrackingCode); err != nil || !in.Superseded {
		t.Errorf("Lookup(voter 2's first ballot, after a later one) = %+v, %v; want superseded", in, err)
	}
	// A cast ballot can no longer be audited, so the last cast of a
	// credential is never spoiled when the node appended it.
	if _, err := f.poll.Cast(ctx, s2.Audit().Bytes()); err == nil {
		t.Errorf("Cast(spoil of a cast ballot) = nil; want a refusal")
	}
	if _, err := f.poll.Lookup(ctx, plebiscite.TrackingCode{1}); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("Lookup(unknown code) = %v; want ErrUnknownCode", err)
	}

	agg, err := f.poll.Tally(ctx)
	if err != nil {
		t.Fatalf("Tally() = %v", err)
	}
	if agg.Ballots != 6 {
		t.Errorf("Tally().Ballots = %d; want 6 (the re-vote replaces a ballot)", agg.Ballots)
	}
}

func TestPollRefusesInvalidBallot(t *testing.T) {
	f := newPollFixture(t, 3, true)
	ctx := context.Background()
	b, _ := f.ballot(0, 1)
	raw := b.Bytes()
	cases := map[string][]byte{
		"empty":           {},
		"truncated":       raw[:len(raw)-1],
		"trailing byte":   append(bytes.Clone(raw), 0),
		"bad signature":   flip(raw, len(raw)-1),
		"bad proof":       flip(raw, 66+64+10),
		"unknown type":    append([]byte{9}, raw[1:]...),
		"other manifest":  flip(raw, 1),
		"not on the roll": castOffRoll(t, f),
	}
	for name, leaf := range cases {
		if _, err := f.poll.Cast(ctx, leaf); err == nil {
			t.Errorf("Cast(%s) succeeded; want a refusal", name)
		}
	}
	if n, _ := f.poll.Size(ctx); n != 0 {
		t.Fatalf("Size() after refused ballots = %d; want 0", n)
	}
	// A batch with one bad ballot appends nothing and names it.
	b1, _ := f.ballot(1, 0)
	_, err := f.poll.CastBatch(ctx, [][]byte{b1.Bytes(), flip(raw, len(raw)-1)})
	var ce *CastError
	if !errors.As(err, &ce) || ce.Position != 1 || !errors.Is(err, plebiscite.ErrBadSignature) {
		t.Errorf("CastBatch(good, bad) = %v; want a CastError at position 1 for a bad signature", err)
	}
	if n, _ := f.poll.Size(ctx); n != 0 {
		t.Fatalf("Size() after a refused batch = %d; want 0", n)
	}
	// An audited ballot cannot be cast afterwards.
	b2, s2 := f.ballot(2, 0)
	if _, err := f.poll.Cast(ctx, s2.Audit().Bytes()); err != nil {
		t.Fatalf("Cast(spoil) = %v", err)
	}
	if _, err := f.poll.Cast(ctx, b2.Bytes()); !errors.Is(err, ErrSpoiled) {
		t.Errorf("Cast(audited ballot) = %v; want ErrSpoiled", err)
	}
	if rs, err := f.poll.CastBatch(ctx, [][]byte{raw, b1.Bytes()}); err != nil || len(rs) != 2 || rs[1].Index != 2 {
		t.Errorf("CastBatch(two good) = %+v, %v; want indices 1 and 2", rs, err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func castOffRoll(t testing.TB, f *pollFixture) []byte {
	e, err := f.poll.Election()
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := plebiscite.NewVoter().Cast(e, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPollRefusesWhileUnattested(t *testing.T) {
	f := newPollFixture(t, 2, false)
	ctx := context.Background()
	st, err := f.poll.Status(ctx)
	if err != nil || st.Status != state.PlebisciteAgreed || st.Preconditions[0].Attested {
		t.Fatalf("Status() = %+v, %v; want agreed with the precondition unattested", st, err)
	}
	b, _ := f.ballot(0, 0)
	if _, err := f.poll.Cast(ctx, b.Bytes()); !errors.Is(err, ErrPollNotOpen) {
		t.Errorf("Cast(while unattested) = %v; want ErrPollNotOpen", err)
	}
	if n, _ := f.poll.Size(ctx); n != 0 {
		t.Errorf("Size() = %d; want 0", n)
	}
}

func TestPollMissing(t *testing.T) {
	f := newPollFixture(t, 1, true)
	if _, err := f.n.Poll(context.Background(), "no-such-poll"); !errors.Is(err, ErrNoPlebiscite) {
		t.Errorf("Poll(unknown id) = %v; want ErrNoPlebiscite", err)
	}
	// Reopening the poll sees the same log and roll.
	b, _ := f.ballot(0, 0)
	if _, err := f.poll.Cast(context.Background(), b.Bytes()); err != nil {
		t.Fatal(err)
	}
	p2, err := f.n.Poll(context.Background(), f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if _, err := p2.Cast(context.Background(), b.Bytes()); !errors.Is(err, plebiscite.ErrReplay) {
		t.Errorf("reopened Cast(same ballot) = %v; want ErrReplay", err)
	}
}

// BenchmarkPollCast measures the cast path of one ballot: strict parsing,
// VerifyBallot, the durable append and a signed checkpoint.
func BenchmarkPollCast(b *testing.B) {
	f := newPollFixture(b, b.N, true)
	leaves := make([][]byte, b.N)
	for i := range leaves {
		bl, _ := f.ballot(i, i%3)
		leaves[i] = bl.Bytes()
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := f.poll.Cast(context.Background(), leaves[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollCastBatch measures ingest: batches of 100 ballots, each
// verified, appended in one transaction.
func BenchmarkPollCastBatch(b *testing.B) {
	const batch = 100
	f := newPollFixture(b, b.N*batch, true)
	leaves := make([][]byte, b.N*batch)
	for i := range leaves {
		bl, _ := f.ballot(i, i%3)
		leaves[i] = bl.Bytes()
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := f.poll.CastBatch(context.Background(), leaves[i*batch:(i+1)*batch]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch)/1e3, "µs/ballot")
}
