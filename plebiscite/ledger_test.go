package plebiscite

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"

	"concord/ledger"
)

func TestManifestHolders(t *testing.T) {
	m := sampleManifest()
	m.Holders = []ledger.PartyID{"ussr", "romania", ""}
	b, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode(with holders) = %v", err)
	}
	if !strings.Contains(string(b), `"holders":["ussr","romania",""]`) {
		t.Errorf("Encode() = %s; want the holders after the options", b)
	}
	back, err := ParseManifest(b)
	if err != nil || back.Holder(1) != "romania" || back.Holder(2) != "" || back.Holder(7) != "" {
		t.Errorf("ParseManifest(Encode()) = holders %v, %v; want them back", back.Holders, err)
	}
	for name, h := range map[string][]ledger.PartyID{
		"too few":  {"ussr", "romania"},
		"too many": {"ussr", "romania", "", ""},
		"bad id":   {"ussr", "Romania", ""},
	} {
		m.Holders = h
		if err := m.Check(); !errors.Is(err, ErrManifest) {
			t.Errorf("Check(holders %s) = %v; want ErrManifest", name, err)
		}
	}
	m.Holders = nil
	if b2, _ := m.Encode(); strings.Contains(string(b2), "holders") {
		t.Errorf("Encode(no holders) = %s; want no holders member", b2)
	}
}

func TestManifestInfo(t *testing.T) {
	m := sampleManifest()
	m.Holders = []ledger.PartyID{"ussr", "romania", ""}
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := m.Hash()
	d, _ := m.Draft().Hash()
	if info.Hash != h || info.Draft != d || !info.Complete || info.Options != 3 || info.ID != m.ID {
		t.Errorf("Info() = %+v; want hash %v, draft %v, complete, 3 options", info, h, d)
	}
	for _, id := range []ledger.PartyID{"ussr", "romania", m.Roll.Authority, m.Trustees[0].ID} {
		if !slices.Contains(info.Signers, id) {
			t.Errorf("Info().Signers = %v; want %q among them", info.Signers, id)
		}
	}
	for _, id := range m.Observers {
		if id == m.Roll.Authority {
			continue
		}
		if slices.Contains(info.Signers, id) || !slices.Contains(info.Named, id) {
			t.Errorf("observer %q: Signers %v, Named %v; want named, not a signer", id, info.Signers, info.Named)
		}
	}
	if len(info.Preconditions) != len(m.Preconditions) {
		t.Errorf("Info().Preconditions = %v; want %d", info.Preconditions, len(m.Preconditions))
	}
}

func TestLedgerRulesTrusteeMessage(t *testing.T) {
	var r ledgerRules
	p := sharedPlebiscite(t)
	c := p.board.Commitments[2]
	if from, to, err := r.TrusteeMessage(ledger.StepCommitment, c.Bytes()); err != nil || from != c.Dealer || to != 0 {
		t.Errorf("TrusteeMessage(commitment) = %d, %d, %v; want %d, 0", from, to, err, c.Dealer)
	}
	s := p.board.Shares[3]
	if from, to, err := r.TrusteeMessage(ledger.StepShare, s.Bytes()); err != nil || from != s.Dealer || to != s.Recipient {
		t.Errorf("TrusteeMessage(share) = %d, %d, %v; want %d, %d", from, to, err, s.Dealer, s.Recipient)
	}
	if _, _, err := r.TrusteeMessage(ledger.StepKeys, make([]byte, 32)); err == nil {
		t.Errorf("TrusteeMessage(identity key) = nil; want an error")
	}
	if _, _, err := r.TrusteeMessage(ledger.StepDecryption, c.Bytes()); err == nil {
		t.Errorf("TrusteeMessage(commitment as a decryption share) = nil; want an error")
	}
	if _, _, err := r.TrusteeMessage("vote", c.Bytes()); err == nil {
		t.Errorf("TrusteeMessage(unknown step) = nil; want an error")
	}
	mb, _ := p.e.Manifest.Encode()
	var msgs []ledger.TrusteeMessage
	for j, k := range p.board.Keys {
		msgs = append(msgs, ledger.TrusteeMessage{Trustee: j + 1, Step: ledger.StepKeys, Data: k.Bytes()})
	}
	for _, c := range p.board.Commitments {
		msgs = append(msgs, ledger.TrusteeMessage{Trustee: c.Dealer, Step: ledger.StepCommitment, Data: c.Bytes()})
	}
	for _, s := range p.board.Shares {
		msgs = append(msgs, ledger.TrusteeMessage{Trustee: s.Dealer, Step: ledger.StepShare, Data: s.Bytes()})
	}
	if err := r.Keys(mb, msgs); err != nil {
		t.Errorf("Keys(the fixture's board) = %v", err)
	}
	if err := r.Keys(mb, msgs[1:]); err == nil {
		t.Errorf("Keys(board without trustee 1's key) = nil; want an error")
	}
	if err := r.Keys(mb, msgs[:5+4]); !errors.Is(err, ErrKeys) {
		t.Errorf("Keys(board without the last commitment) = %v; want ErrKeys", err)
	}
}

func TestVerifyBallots(t *testing.T) {
	p := sharedPlebiscite(t)
	var bs []*Ballot
	for _, l := range p.leaves[:20] {
		if l.Ballot != nil {
			bs = append(bs, l.Ballot)
		}
	}
	for i, err := range p.e.VerifyBallots(bs) {
		if err != nil {
			t.Fatalf("VerifyBallots()[%d] = %v", i, err)
		}
	}
	// Corrupt ballot 3's signature and ballot 5's second bit proof.
	bad := slices.Clone(bs)
	raw := bs[3].Bytes()
	raw[len(raw)-1] ^= 1
	bad[3], _ = ParseBallot(raw)
	// Swap the bit proofs of options 0 and 1 of voter 5's ballot and sign
	// it again: the signature holds, the bit proofs do not.
	b5 := *bs[5]
	b5.Options = slices.Clone(bs[5].Options)
	b5.Options[0].Proof, b5.Options[1].Proof = b5.Options[1].Proof, b5.Options[0].Proof
	b5.raw = nil
	copy(b5.Sig[:], ed25519.Sign(p.voters[5].priv, signedMessage(b5.body())))
	bad[5] = &b5
	errs := p.e.VerifyBallots(bad)
	for i, err := range errs {
		want := p.e.VerifyBallot(bad[i])
		var pe, pw *ProofError
		same := (err == nil) == (want == nil) && errors.As(err, &pe) == errors.As(want, &pw) && (pe == nil || pe.Option == pw.Option)
		for _, class := range []error{ErrWrongManifest, ErrOptionCount, ErrNotOnRoll, ErrBadSignature, ErrBitProof, ErrRangeProof} {
			same = same && errors.Is(err, class) == errors.Is(want, class)
		}
		if !same {
			t.Errorf("VerifyBallots()[%d] = %v; VerifyBallot gives %v", i, err, want)
		}
	}
	if !errors.Is(errs[5], ErrBitProof) {
		t.Errorf("VerifyBallots()[5] = %v; want ErrBitProof", errs[5])
	}
	if !errors.Is(errs[3], ErrBadSignature) {
		t.Errorf("VerifyBallots()[3] = %v; want ErrBadSignature", errs[3])
	}
}

func BenchmarkVerifyBallots(b *testing.B) {
	p := sharedPlebiscite(b)
	var bs []*Ballot
	for _, l := range p.leaves[:100] {
		if l.Ballot != nil {
			bs = append(bs, l.Ballot)
		}
	}
	b.ResetTimer()
	for range b.N {
		p.e.VerifyBallots(bs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bs))/1e3, "µs/ballot")
}
