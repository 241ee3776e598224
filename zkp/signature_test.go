package zkp

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"

	"concord/elgamal"
	"concord/internal/ed25519test"
)

type signed struct {
	pub, sig, seed []byte
	msg            [][]byte
}

func newSigned(t testing.TB, msg string) signed {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	m := []byte(msg)
	return signed{pub, ed25519.Sign(priv, m), priv.Seed(), [][]byte{m[:len(m)/2], m[len(m)/2:]}}
}

// tamperings of a valid signature, each with whether SPEC §14.4 accepts
// the result and whether crypto/ed25519 does.
var tamperings = []struct {
	name            string
	f               func(s *signed)
	cofactored, std bool
}{
	{"valid", func(s *signed) {}, true, true},
	{"other message", func(s *signed) { s.msg = [][]byte{[]byte("x")} }, false, false},
	{"flipped S bit", func(s *signed) { s.sig[40] ^= 1 }, false, false},
	{"flipped R bit", func(s *signed) { s.sig[3] ^= 1 }, false, false},
	{"other key", func(s *signed) { s.pub = newSigned(nil, "k").pub }, false, false},
	{"key + 8-torsion", func(s *signed) { s.pub = ed25519test.PlusOrder8(s.pub) }, false, false},
	{"S + l", func(s *signed) { ed25519test.AddOrder(s.sig[32:]) }, false, false},
	{"R + 8-torsion (changes k)", func(s *signed) { copy(s.sig[:32], ed25519test.PlusOrder8(s.sig[:32])) }, false, false},
	// Only the key's holder can make this one; SPEC §14.4 accepts it
	// where crypto/ed25519 does not.
	{"signer's R with 8-torsion", func(s *signed) { s.sig = ed25519test.TorsionSignature(s.seed, slices.Concat(s.msg...)) }, true, false},
	{"R not canonical (y >= p)", func(s *signed) { copy(s.sig[:32], nonCanonicalY()) }, false, false},
	{"short signature", func(s *signed) { s.sig = s.sig[:63] }, false, false},
	{"short key", func(s *signed) { s.pub = s.pub[:31] }, false, false},
}

// nonCanonicalY returns y = p + 1 (the point y = 1, the identity, encoded
// with y >= p), which edwards25519.Point.SetBytes accepts.
func nonCanonicalY() []byte {
	b := make([]byte, 32)
	b[0] = 0xee
	for i := 1; i < 31; i++ {
		b[i] = 0xff
	}
	b[31] = 0x7f
	return b
}

// TestAddEd25519Verdicts checks the batch's verdict on every tampering
// against the rule written out, alone and among valid signatures and
// proofs, and names the bad item by bisection.
func TestAddEd25519Verdicts(t *testing.T) {
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			s := newSigned(t, "concord/plebiscite/ballot/v1\x00body")
			s.sig = slices.Clone(s.sig)
			tc.f(&s)
			flat := slices.Concat(s.msg...)
			if got := ed25519test.Verify(s.pub, s.sig, flat); got != tc.cofactored {
				t.Fatalf("cofactored rule: %v, want %v", got, tc.cofactored)
			}
			if got := len(s.pub) == 32 && ed25519.Verify(s.pub, flat, s.sig); got != tc.std {
				t.Fatalf("crypto/ed25519: %v, want %v", got, tc.std)
			}
			_, pk := elgamal.GenerateKey()
			bits := bitBatch(pk, 40)
			for _, others := range []int{0, 5, 70} { // 70: the bucket method
				b := NewBatch(pk)
				var want []int
				for i := range others {
					if i%2 == 0 {
						o := newSigned(t, fmt.Sprint("other ", i))
						b.AddEd25519(o.pub, o.sig, o.msg...)
					} else {
						b.AddBit(bits[i/2].Ctx, bits[i/2].Ciphertext, nil, bits[i/2].Proof)
					}
				}
				if i := b.AddEd25519(s.pub, s.sig, s.msg...); !tc.cofactored {
					want = []int{i}
				}
				b.AddBit(bits[39].Ctx, bits[39].Ciphertext, nil, bits[39].Proof)
				err := b.VerifyVarTime()
				var be *BatchError
				switch {
				case want == nil && err != nil:
					t.Fatalf("with %d others: %v; want nil", others, err)
				case want != nil && (!errors.As(err, &be) || !slices.Equal(be.Bad, want)):
					t.Fatalf("with %d others: %v; want bad %v", others, err, want)
				}
			}
		})
	}
}

// TestAddEd25519RFC8032 checks the published vectors of RFC 8032, Section
// 7.1 (TEST 1, 2 and 3): crypto/ed25519 and the batch both accept them.
func TestAddEd25519RFC8032(t *testing.T) {
	vectors := []struct{ pub, msg, sig string }{
		{"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	}
	_, pk := elgamal.GenerateKey()
	b := NewBatch(pk)
	for i, v := range vectors {
		pub, _ := hex.DecodeString(v.pub)
		msg, _ := hex.DecodeString(v.msg)
		sig, _ := hex.DecodeString(v.sig)
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatalf("vector %d: crypto/ed25519 refuses it (test data wrong?)", i+1)
		}
		if !ed25519test.Verify(pub, sig, msg) {
			t.Errorf("vector %d: the cofactored rule refuses it", i+1)
		}
		b.AddEd25519(pub, sig, msg)
	}
	if err := b.VerifyVarTime(); err != nil {
		t.Errorf("batch of the RFC 8032 vectors: %v", err)
	}
}
