package plebiscite

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"filippo.io/edwards25519"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/zkp"
)

// TestWeakCredentials checks the list against encodings of small-order
// points from libsodium's blocklist (crypto_core/ed25519/ref10): the
// identity, the point of order 2 (y = -1), an order-4 point (y = 0), an
// order-8 point, and the non-canonical y = p (the order-4 points again)
// and y = p + 1 (the identity again).
func TestWeakCredentials(t *testing.T) {
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		b, _ := hex.DecodeString(h)
		if !WeakCredential(Credential(b)) {
			t.Errorf("WeakCredential(%s) = false; want true", h)
		}
	}
	for range 100 {
		if c := NewVoter().Credential(); WeakCredential(c) {
			t.Fatalf("WeakCredential(random key %x) = true; want false", c)
		}
	}
	// Every listed key decodes to a point of small order.
	for c := range weakCredentials {
		q, err := new(edwards25519.Point).SetBytes(c[:])
		if err != nil || new(edwards25519.Point).MultByCofactor(q).Equal(edwards25519.NewIdentityPoint()) != 1 {
			t.Errorf("weakCredentials holds %x, which is not a small-order key", c)
		}
	}
}

// TestSmallOrderCredentialForgery: with the identity as a credential on
// the roll, anyone can sign any ballot for it (crypto/ed25519 accepts
// R = s*B under the identity key). Before the fix, VerifyBallot accepted
// such a ballot from someone who holds no credential at all; NewRoll
// accepted such a key.
func TestSmallOrderCredentialForgery(t *testing.T) {
	voters := []*Voter{NewVoter(), NewVoter()}
	e, _, _ := newElection(t, voters, "weak-credential")
	var weak Credential
	weak[0] = 1 // the identity
	if _, err := NewRoll([]Credential{voters[0].Credential(), weak}); err == nil {
		t.Errorf("NewRoll(with the identity key) = nil error; want an error")
	}
	// A roll authority that lists it anyway (ParseRoll accepts any 32
	// bytes, so that old records still decode).
	keys := []Credential{voters[0].Credential(), voters[1].Credential(), weak}
	slices.SortFunc(keys, func(a, b Credential) int { return bytes.Compare(a[:], b[:]) })
	roll, err := ParseRoll(slices.Concat(keys[0][:], keys[1][:], keys[2][:]))
	if err != nil {
		t.Fatal(err)
	}
	e.Roll = roll

	// The forger's ballot: valid proofs (anyone can make them) and a
	// "signature" needing no secret.
	b := &Ballot{Manifest: e.Hash, Credential: weak}
	cts := make([]*elgamal.Ciphertext, 3)
	rs := make([]*ristretto255.Scalar, 3)
	for i, m := range []uint64{1, 0, 0} {
		cts[i], rs[i] = elgamal.Encrypt(e.Key, m)
		b.Options = append(b.Options, Option{Ct: cts[i], Proof: zkp.ProveBit(bitContext(e.Hash, weak, i), e.Key, cts[i], m, rs[i])})
	}
	r := ristretto255.NewScalar().Add(rs[0], rs[1])
	r.Add(r, rs[2])
	if b.Range, err = zkp.ProveRange(rangeContext(e.Hash, weak), e.Key, b.sum(), 1, r, 1, 1); err != nil {
		t.Fatal(err)
	}
	s := edwards25519.NewScalar().Add(rs[0], rs[1]) // any scalar
	sig := append(new(edwards25519.Point).ScalarBaseMult(s).Bytes(), s.Bytes()...)
	copy(b.Sig[:], sig)
	raw := append(b.body(), b.Sig[:]...)
	if !ed25519.Verify(weak[:], signedMessage(raw[:len(raw)-SignatureSize]), b.Sig[:]) {
		t.Fatal("crypto/ed25519 refuses the forged signature: the attack premise no longer holds")
	}
	forged, err := ParseBallot(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.VerifyBallot(forged); !errors.Is(err, ErrBadSignature) {
		t.Errorf("VerifyBallot(ballot forged for the identity credential) = %v; want ErrBadSignature", err)
	}
	if errs := e.VerifyBallots([]*Ballot{forged}); !errors.Is(errs[0], ErrBadSignature) {
		t.Errorf("VerifyBallots(ballot forged for the identity credential) = %v; want ErrBadSignature", errs[0])
	}
}
