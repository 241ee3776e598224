package plebiscite

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"testing"

	"concord/elgamal"
	"concord/threshold"
	"concord/zkp"
)

// Adversarial tests: each tries one way for a party or an operator to
// forge, alter, peek into or block a plebiscite, and checks that it fails.

// staleShare returns trustee j's decryption share of another batch: the
// aggregate with its first two options swapped, as a trustee who decrypted
// an earlier state of the log, or a malicious one, would post.
func staleShare(t *testing.T, p *plebiscite, agg *Aggregate, j int) *threshold.DecryptionShare {
	t.Helper()
	other := slices.Clone(agg.Sums)
	other[0], other[1] = other[1], other[0]
	d, err := p.trustees[j].DecryptShare(other)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDecryptSkipsInvalidShares: a single trustee posting an invalid
// decryption share (the ledger records one per trustee and cannot check it)
// must not block the tally while k valid shares remain (SPEC §15.3). Before
// the fix, Decrypt refused every set containing an invalid share, so one
// trustee of five could block a tally whose threshold is three.
func TestDecryptSkipsInvalidShares(t *testing.T) {
	p := sharedPlebiscite(t)
	_, agg, err := VerifyPoll(p.record)
	if err != nil {
		t.Fatalf("VerifyPoll() = %v", err)
	}
	// p.shares are of trustees 1, 3, 4, 5 (trustee 2 is absent).
	bad := slices.Clone(p.shares)
	bad[0] = staleShare(t, p, agg, 0)
	res, err := Decrypt(p.e, agg, bad)
	if err != nil {
		t.Fatalf("Decrypt(one stale share among four, k = 3) = %v; want the result from the three valid ones", err)
	}
	if !slices.Equal(res.Counts, p.want) {
		t.Errorf("Decrypt(one stale share) counts = %v; want %v", res.Counts, p.want)
	}
	rec := p.record.clone()
	if rec.Result, err = res.Encode(); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyRecord(rec)
	if err != nil {
		t.Fatalf("VerifyRecord(result without the stale share) = %v; want nil", err)
	}
	if len(rep.Absent) != 2 || rep.Absent[0] != p.e.Manifest.Trustees[0].ID {
		t.Errorf("VerifyRecord report absent = %v; want trustees 1 and 2", rep.Absent)
	}

	// A share relabelled with another trustee's index, and a stale one:
	// two valid shares are left, fewer than k = 3.
	relabelled := *p.shares[2] // trustee 4's share claiming to be trustee 3's
	relabelled.Trustee = 3
	bad[1] = &relabelled
	if _, err := Decrypt(p.e, agg, bad); !errors.Is(err, threshold.ErrTooFewShares) {
		t.Errorf("Decrypt(two invalid shares of four, k = 3) = %v; want ErrTooFewShares", err)
	}

	// The verifier stays strict: a result carrying an invalid share fails.
	good, err := Decrypt(p.e, agg, p.shares)
	if err != nil {
		t.Fatal(err)
	}
	good.Shares[0] = staleShare(t, p, agg, 0).Bytes()
	if rec.Result, err = good.Encode(); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyRecord(rec); !errors.Is(err, ErrShare) {
		t.Errorf("VerifyRecord(result with a stale share) = %v; want ErrShare", err)
	}
}

// TestDecryptDuplicateShares: the same trustee's share given twice counts
// once, and does not make up for a missing trustee.
func TestDecryptDuplicateShares(t *testing.T) {
	p := sharedPlebiscite(t)
	_, agg, err := VerifyPoll(p.record)
	if err != nil {
		t.Fatal(err)
	}
	dup := []*threshold.DecryptionShare{p.shares[0], p.shares[0], p.shares[1]}
	if _, err := Decrypt(p.e, agg, dup); !errors.Is(err, threshold.ErrTooFewShares) {
		t.Errorf("Decrypt(trustee 1 twice, trustee 3; k = 3) = %v; want ErrTooFewShares", err)
	}
	res, err := Decrypt(p.e, agg, append(dup, p.shares[2]))
	if err != nil {
		t.Fatalf("Decrypt(trustee 1 twice, 3, 4) = %v", err)
	}
	if len(res.Shares) != 3 {
		t.Errorf("Decrypt(trustee 1 twice, 3, 4) kept %d shares; want 3", len(res.Shares))
	}
}

// TestDecryptOnlyTheAggregate: a share of a single ballot's ciphertext (an
// operator asking a trustee to decrypt one voter's choice) does not combine
// with shares of the aggregate.
func TestDecryptOnlyTheAggregate(t *testing.T) {
	p := sharedPlebiscite(t)
	_, agg, err := VerifyPoll(p.record)
	if err != nil {
		t.Fatal(err)
	}
	one := p.leaves[len(p.leaves)-1].Ballot
	cts := make([]*elgamal.Ciphertext, len(one.Options))
	for i, o := range one.Options {
		cts[i] = o.Ct
	}
	d, err := p.trustees[0].DecryptShare(cts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(p.e.Params(), p.e.verificationKeys()[0], agg.Sums); err == nil {
		t.Errorf("DecryptionShare.Verify(share of one ballot, against the aggregate) = nil; want an error")
	}
}

// resignBallot returns a copy of b with the given manifest hash, re-signed by v
// (its credential replaces b's): what a voter, or a thief of v's key, can
// post.
func resignBallot(t *testing.T, v *Voter, mh Hash, b *Ballot) *Ballot {
	t.Helper()
	nb := &Ballot{Manifest: mh, Credential: v.Credential(), Options: slices.Clone(b.Options), Range: b.Range}
	copy(nb.Sig[:], ed25519.Sign(v.priv, signedMessage(nb.body())))
	out, err := ParseBallot(nb.Bytes())
	if err != nil {
		t.Fatalf("ParseBallot(re-signed ballot) = %v", err)
	}
	return out
}

// TestBallotProofsAreBound builds ballots that an attacker holding a
// credential can sign but whose proofs were made for another statement;
// each must be refused with the right reason, by VerifyBallot and by the
// batched VerifyBallots alike.
func TestBallotProofsAreBound(t *testing.T) {
	voters := []*Voter{NewVoter(), NewVoter(), NewVoter()}
	e, _, _ := newElection(t, voters, "attack-1")
	alice, mallory := voters[0], voters[1]
	honest, _, err := alice.Cast(e, []int{2})
	if err != nil {
		t.Fatal(err)
	}

	// Copying Alice's encrypted vote under Mallory's credential (the ballot
	// copying attack against privacy: Mallory's vote would be Alice's, and
	// the tally would leak it): the proofs name Alice's credential.
	copied := resignBallot(t, mallory, e.Hash, honest)

	// Alice's own ballot with two options swapped: the bit proofs name
	// their option.
	swapped := resignBallot(t, alice, e.Hash, honest)
	swapped.Options[0], swapped.Options[2] = swapped.Options[2], swapped.Options[0]
	swapped = resignBallot(t, alice, e.Hash, swapped)

	// Alice's ballot moved to another plebiscite with the same key: the
	// manifest hash names the plebiscite, and the proofs name it too.
	otherHash := e.Hash
	otherHash[0] ^= 1
	moved := resignBallot(t, alice, otherHash, honest)
	e2 := *e
	e2.Hash = otherHash

	// Two selections in a one-of-three question: valid bit proofs, and the
	// range proof of an honest ballot, which is about another sum.
	double := &Ballot{Manifest: e.Hash, Credential: mallory.Credential(), Range: honest.Range}
	for i, m := range []uint64{1, 1, 0} {
		ct, r := elgamal.Encrypt(e.Key, m)
		double.Options = append(double.Options, Option{Ct: ct, Proof: zkp.ProveBit(bitContext(e.Hash, mallory.Credential(), i), e.Key, ct, m, r)})
	}
	double = resignBallot(t, mallory, e.Hash, double)

	// A ballot signed by someone not on the roll.
	outsider := resignBallot(t, NewVoter(), e.Hash, honest)

	// A ballot whose signature covers another body: Alice's signature on
	// Mallory's options.
	forged := resignBallot(t, alice, e.Hash, double)
	forged.Sig = honest.Sig
	forged, _ = ParseBallot(append(forged.body(), forged.Sig[:]...))

	cases := []struct {
		name string
		e    *Election
		b    *Ballot
		want error
	}{
		{"honest", e, honest, nil},
		{"copied to another credential", e, copied, ErrBitProof},
		{"options swapped", e, swapped, ErrBitProof},
		{"moved to another manifest", &e2, moved, ErrBitProof},
		{"original in another manifest", &e2, honest, ErrWrongManifest},
		{"two selections", e, double, ErrRangeProof},
		{"credential not on the roll", e, outsider, ErrNotOnRoll},
		{"signature of another ballot", e, forged, ErrBadSignature},
	}
	for _, c := range cases {
		err := c.e.VerifyBallot(c.b)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("VerifyBallot(%s) = %v; want %v", c.name, err, c.want)
		}
	}
	// The batched check gives the same verdicts (for those of e).
	var bs []*Ballot
	var want []error
	for _, c := range cases {
		if c.e == e {
			bs, want = append(bs, c.b), append(want, c.want)
		}
	}
	for i, err := range e.VerifyBallots(bs) {
		if want[i] == nil && err != nil || want[i] != nil && !errors.Is(err, want[i]) {
			t.Errorf("VerifyBallots()[%d] = %v; want %v", i, err, want[i])
		}
	}
}

// TestRecordReplayAndSpoil: re-posting a voter's superseded ballot after
// its re-vote, or spoiling it again, makes the record invalid (SPEC §15.1
// rule 0); casting an audited (spoiled) ballot later is allowed in the
// log but never counts (rule 1).
func TestRecordReplayAndSpoil(t *testing.T) {
	p := sharedPlebiscite(t)
	// Voters 0 … 9 voted for option 2 first (leaves 0 … 9), then re-voted.
	rec := p.record.clone()
	rec.Leaves = append(rec.Leaves, rec.Leaves[0])
	if _, err := VerifyRecord(rec); !errors.Is(err, ErrReplay) {
		t.Errorf("VerifyRecord(voter 0's first ballot posted again at the end) = %v; want ErrReplay", err)
	}
	var spoil []byte
	for i, l := range p.leaves {
		if l.Spoil != nil {
			spoil = p.record.Leaves[i]
		}
	}
	if spoil == nil {
		t.Fatal("the fixture has no spoil leaf")
	}
	rec = p.record.clone()
	rec.Leaves = append(rec.Leaves, spoil)
	if _, err := VerifyRecord(rec); !errors.Is(err, ErrReplay) {
		t.Errorf("VerifyRecord(spoil leaf posted twice) = %v; want ErrReplay", err)
	}

	// The audited ballot cast at the end: the poll verifies, and counts
	// the same ballots as before.
	sp, err := ParseSpoil(spoil)
	if err != nil {
		t.Fatal(err)
	}
	rec = p.record.clone()
	rec.Leaves = append(rec.Leaves, sp.Ballot.Bytes())
	_, agg, err := VerifyPoll(rec)
	if err != nil {
		t.Fatalf("VerifyPoll(spoiled ballot cast later) = %v; want nil", err)
	}
	_, want, _ := VerifyPoll(p.record)
	if agg.Counted != want.Counted || agg.Ballots != want.Ballots {
		t.Errorf("VerifyPoll(spoiled ballot cast later) counts %d ballots (root %v); want %d (root %v)", agg.Ballots, agg.Counted, want.Ballots, want.Counted)
	}
	// The result of the original poll still verifies against it.
	if _, err := VerifyRecord(rec); err != nil {
		t.Errorf("VerifyRecord(spoiled ballot cast later) = %v; want nil", err)
	}
}
