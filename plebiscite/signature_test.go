package plebiscite

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"filippo.io/edwards25519"
)

// order8 encodes a point of order 8 (libsodium's blocklist, first entry).
const order8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"

func plusOrder8(enc []byte) []byte {
	t, _ := hex.DecodeString(order8)
	T, err := new(edwards25519.Point).SetBytes(t)
	if err != nil {
		panic(err)
	}
	P, err := new(edwards25519.Point).SetBytes(enc)
	if err != nil {
		panic(err)
	}
	return P.Add(P, T).Bytes()
}

// torsionSignature signs msg with priv as RFC 8032 does except that R has
// a component of order 8: only the key's holder can make it; it passes the
// cofactored equation of SPEC §14.4 and fails crypto/ed25519's.
func torsionSignature(priv ed25519.PrivateKey, msg []byte) []byte {
	h := sha512.Sum512(priv.Seed())
	a, _ := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	var rb [64]byte
	rand.Read(rb[:])
	r, _ := edwards25519.NewScalar().SetUniformBytes(rb[:])
	R := plusOrder8(new(edwards25519.Point).ScalarBaseMult(r).Bytes())
	kh := sha512.Sum512(slices.Concat(R, priv.Public().(ed25519.PublicKey), msg))
	k, _ := edwards25519.NewScalar().SetUniformBytes(kh[:])
	return append(R, edwards25519.NewScalar().MultiplyAdd(k, a, r).Bytes()...)
}

// TestBallotSignatureRule checks SPEC §14.4's cofactored rule on ballots
// through every verification path: single (VerifyBallot), batched
// (VerifyBallots) and the streamed record verifier. A signature whose R
// has a torsion component made by the credential's holder is valid (where
// crypto/ed25519 would refuse it); the same torsion added by anyone else
// to a valid signature is not, nor is S + l.
func TestBallotSignatureRule(t *testing.T) {
	p := sharedPlebiscite(t)
	v := p.voters[3]
	b, _, err := v.Cast(p.e, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	body := raw[:len(raw)-SignatureSize]
	withSig := func(sig []byte) []byte { return slices.Concat(body, sig) }
	orig := raw[len(body):]
	mauled := slices.Concat(plusOrder8(orig[:32]), orig[32:])
	sPlusL := slices.Clone(orig)
	addOrder(sPlusL[32:])
	torsion := torsionSignature(v.priv, signedMessage(body))
	if ed25519.Verify(v.priv.Public().(ed25519.PublicKey), signedMessage(body), torsion) {
		t.Fatal("crypto/ed25519 accepts the torsion signature; the test needs one it refuses")
	}
	for _, tc := range []struct {
		name  string
		leaf  []byte
		valid bool
	}{
		{"signed by the voter", raw, true},
		{"R with torsion, by the voter", withSig(torsion), true},
		{"R with torsion added by another", withSig(mauled), false},
		{"S + l", withSig(sPlusL), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bl, err := ParseBallot(tc.leaf)
			if err != nil {
				t.Fatal(err)
			}
			single := p.e.VerifyBallot(bl)
			batched := p.e.VerifyBallots([]*Ballot{bl})[0]
			for name, err := range map[string]error{"VerifyBallot": single, "VerifyBallots": batched} {
				if tc.valid && err != nil || !tc.valid && !errors.Is(err, ErrBadSignature) {
					t.Errorf("%s = %v; want valid %v", name, err, tc.valid)
				}
			}
			leaves := slices.Clone(p.record.Leaves)
			leaves = append(leaves, tc.leaf)
			bad, _ := oneByOne(p.e, leaves)
			if got := bad[len(leaves)-1] == nil; got != tc.valid {
				t.Errorf("reference verifier: valid %v; want %v", got, tc.valid)
			}
			r := p.record
			_, _, err = VerifyPollStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(leaves), Board: r.Board, Chunk: 64})
			var le *LeafError
			switch {
			case tc.valid && err != nil:
				t.Errorf("VerifyPollStream = %v; want nil", err)
			case !tc.valid && (!errors.As(err, &le) || le.Index != len(leaves)-1 || !errors.Is(err, ErrBadSignature)):
				t.Errorf("VerifyPollStream = %v; want a bad signature at leaf %d", err, len(leaves)-1)
			}
		})
	}
}

// addOrder adds l to the little-endian 32-byte scalar s.
func addOrder(s []byte) {
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	var c uint16
	for i := range 32 {
		c += uint16(s[i]) + uint16(l[i])
		s[i] = byte(c)
		c >>= 8
	}
}
