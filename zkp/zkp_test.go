package zkp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"testing/cryptotest"

	"concord/elgamal"
	"concord/ristretto255"
)

var testCtx = []byte("manifest-hash:0123456789abcdef")

func randomElement() *Element {
	return ristretto255.NewElement().ScalarBaseMult(ristretto255.RandomScalar())
}

// otherElement returns an element different from e.
func otherElement(e *Element) *Element {
	return ristretto255.NewElement().Add(e, ristretto255.NewGeneratorElement())
}

func otherCtx(ctx []byte) []byte {
	out := append([]byte{}, ctx...)
	out[0] ^= 1
	return out
}

// fixedKey returns a deterministic ElGamal key pair for vectors.
func fixedKey() (*Scalar, *elgamal.PublicKey) {
	sk := ristretto255.HashToScalar("zkp test key")
	return sk, elgamal.NewPublicKey(sk)
}

func TestSchnorr(t *testing.T) {
	x := ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	p := ProveSchnorr(testCtx, x, X)
	if err := p.Verify(testCtx, X); err != nil {
		t.Fatalf("Verify(valid Schnorr proof) = %v; want nil", err)
	}
	q, err := ParseSchnorrProof(p.Bytes())
	if err != nil || !bytes.Equal(q.Bytes(), p.Bytes()) || q.Verify(testCtx, X) != nil {
		t.Fatalf("ParseSchnorrProof(Bytes()) = %v, %v; want an equal, valid proof", q, err)
	}
	mustFail(t, "Schnorr with other X", p.Verify(testCtx, otherElement(X)))
	mustFail(t, "Schnorr with other ctx", p.Verify(otherCtx(testCtx), X))
	// A proof for the wrong secret.
	mustFail(t, "Schnorr with wrong x", ProveSchnorr(testCtx, ristretto255.RandomScalar(), X).Verify(testCtx, X))
}

func TestDLEQ(t *testing.T) {
	x := ristretto255.RandomScalar()
	G, H := randomElement(), randomElement()
	X := ristretto255.NewElement().ScalarMult(x, G)
	Y := ristretto255.NewElement().ScalarMult(x, H)
	p := ProveDLEQ(testCtx, x, G, H, X, Y)
	if err := p.Verify(testCtx, G, H, X, Y); err != nil {
		t.Fatalf("Verify(valid DLEQ proof) = %v; want nil", err)
	}
	q, err := ParseDLEQProof(p.Bytes())
	if err != nil || !bytes.Equal(q.Bytes(), p.Bytes()) || q.Verify(testCtx, G, H, X, Y) != nil {
		t.Fatalf("ParseDLEQProof(Bytes()) = %v, %v; want an equal, valid proof", q, err)
	}
	// Changing any single public input makes verification fail.
	mustFail(t, "DLEQ with other ctx", p.Verify(otherCtx(testCtx), G, H, X, Y))
	mustFail(t, "DLEQ with other G", p.Verify(testCtx, otherElement(G), H, X, Y))
	mustFail(t, "DLEQ with other H", p.Verify(testCtx, G, otherElement(H), X, Y))
	mustFail(t, "DLEQ with other X", p.Verify(testCtx, G, H, otherElement(X), Y))
	mustFail(t, "DLEQ with other Y", p.Verify(testCtx, G, H, X, otherElement(Y)))
	// A false statement: Y = x'H with x' != x.
	Y2 := ristretto255.NewElement().ScalarMult(ristretto255.RandomScalar(), H)
	mustFail(t, "DLEQ of a false statement", ProveDLEQ(testCtx, x, G, H, X, Y2).Verify(testCtx, G, H, X, Y2))
}

func mustFail(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrInvalidProof) {
		t.Errorf("Verify(%s) = %v; want ErrInvalidProof", what, err)
	}
}

func TestBitProof(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	for m := range uint64(2) {
		ct, r := elgamal.Encrypt(pk, m)
		p := ProveBit(testCtx, pk, ct, m, r)
		if err := p.Verify(testCtx, pk, ct); err != nil {
			t.Fatalf("Verify(bit proof of %d) = %v; want nil", m, err)
		}
		q, err := ParseBitProof(p.Bytes())
		if err != nil || !bytes.Equal(q.Bytes(), p.Bytes()) || q.Verify(testCtx, pk, ct) != nil {
			t.Fatalf("ParseBitProof(Bytes()) = %v, %v; want an equal, valid proof", q, err)
		}
		_, pk2 := elgamal.GenerateKey()
		mustFail(t, "bit proof with other ctx", p.Verify(otherCtx(testCtx), pk, ct))
		mustFail(t, "bit proof with other pk", p.Verify(testCtx, pk2, ct))
		mustFail(t, "bit proof with other A", p.Verify(testCtx, pk, &elgamal.Ciphertext{A: otherElement(ct.A), B: ct.B}))
		mustFail(t, "bit proof with other B", p.Verify(testCtx, pk, &elgamal.Ciphertext{A: ct.A, B: otherElement(ct.B)}))
	}
	// An encryption of 2 cannot be proven to be a bit: the honest prover's
	// output for a false claim does not verify.
	ct, r := elgamal.Encrypt(pk, 2)
	mustFail(t, "bit proof of an encryption of 2", ProveBit(testCtx, pk, ct, 1, r).Verify(testCtx, pk, ct))
	mustFail(t, "bit proof of an encryption of 2", ProveBit(testCtx, pk, ct, 0, r).Verify(testCtx, pk, ct))
}

func TestRangeProof(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	for _, rg := range []struct{ min, max uint64 }{{1, 1}, {0, 1}, {0, 3}, {2, 5}} {
		for m := rg.min; m <= rg.max; m++ {
			ct, r := elgamal.Encrypt(pk, m)
			p, err := ProveRange(testCtx, pk, ct, m, r, rg.min, rg.max)
			if err != nil {
				t.Fatalf("ProveRange(%d in [%d, %d]) error: %v", m, rg.min, rg.max, err)
			}
			if err := p.Verify(testCtx, pk, ct, rg.min, rg.max); err != nil {
				t.Fatalf("Verify(range proof of %d in [%d, %d]) = %v; want nil", m, rg.min, rg.max, err)
			}
			if got, want := len(p.Bytes()), int(128*(rg.max-rg.min+1)-32); got != want {
				t.Errorf("len(RangeProof[%d, %d].Bytes()) = %d; want %d", rg.min, rg.max, got, want)
			}
			q, err := ParseRangeProof(p.Bytes())
			if err != nil || !bytes.Equal(q.Bytes(), p.Bytes()) || q.Verify(testCtx, pk, ct, rg.min, rg.max) != nil {
				t.Fatalf("ParseRangeProof(Bytes()) = %v, %v; want an equal, valid proof", q, err)
			}
			_, pk2 := elgamal.GenerateKey()
			mustFail(t, "range proof with other ctx", p.Verify(otherCtx(testCtx), pk, ct, rg.min, rg.max))
			mustFail(t, "range proof with other pk", p.Verify(testCtx, pk2, ct, rg.min, rg.max))
			mustFail(t, "range proof with other A", p.Verify(testCtx, pk, &elgamal.Ciphertext{A: otherElement(ct.A), B: ct.B}, rg.min, rg.max))
			mustFail(t, "range proof with other B", p.Verify(testCtx, pk, &elgamal.Ciphertext{A: ct.A, B: otherElement(ct.B)}, rg.min, rg.max))
			mustFail(t, "range proof with other min", p.Verify(testCtx, pk, ct, rg.min+1, rg.max+1)) // same size, shifted
			mustFail(t, "range proof with min+1", p.Verify(testCtx, pk, ct, rg.min+1, rg.max+1+1))
			mustFail(t, "range proof with max+1", p.Verify(testCtx, pk, ct, rg.min, rg.max+1))
			if rg.min > 0 {
				mustFail(t, "range proof with min-1", p.Verify(testCtx, pk, ct, rg.min-1, rg.max))
			}
		}
	}
	// Out-of-range values: the prover refuses, and a cheating prover's proof
	// (claiming another value of the range) does not verify.
	ct, r := elgamal.Encrypt(pk, 4)
	if _, err := ProveRange(testCtx, pk, ct, 4, r, 1, 3); !errors.Is(err, ErrBadRange) {
		t.Errorf("ProveRange(4 in [1, 3]) error = %v; want ErrBadRange", err)
	}
	p, _ := ProveRange(testCtx, pk, ct, 3, r, 1, 3)
	mustFail(t, "range proof of an encryption of 4 in [1, 3]", p.Verify(testCtx, pk, ct, 1, 3))
	for _, rg := range [][2]uint64{{3, 2}, {0, MaxRangeSize}} {
		if _, err := ProveRange(testCtx, pk, ct, rg[0], r, rg[0], rg[1]); !errors.Is(err, ErrBadRange) {
			t.Errorf("ProveRange(range [%d, %d]) error = %v; want ErrBadRange", rg[0], rg[1], err)
		}
	}
}

// TestVectors are fixed vectors of our own (SPEC §11.8): keys from
// HashToScalar, randomness from testing/cryptotest.SetGlobalRandom(t, 1),
// which drives crypto/rand deterministically; the prover reads its random
// scalars in the order given in SPEC §11.8.
func TestVectors(t *testing.T) {
	sk, pk := fixedKey()
	r := ristretto255.HashToScalar("zkp test randomness")
	ct1 := elgamal.EncryptWith(pk, 1, r)
	H := ristretto255.HashToElement("zkp test H")
	X := ristretto255.NewElement().ScalarBaseMult(sk)
	Y := ristretto255.NewElement().ScalarMult(sk, H)
	G := ristretto255.NewGeneratorElement()

	cryptotest.SetGlobalRandom(t, 1)
	schnorr := ProveSchnorr(testCtx, sk, X)
	cryptotest.SetGlobalRandom(t, 1)
	dleq := ProveDLEQ(testCtx, sk, G, H, X, Y)
	cryptotest.SetGlobalRandom(t, 1)
	bit := ProveBit(testCtx, pk, ct1, 1, r)
	cryptotest.SetGlobalRandom(t, 1)
	rng, err := ProveRange(testCtx, pk, ct1, 1, r, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		got    []byte
		want   string
		verify func([]byte) error
	}{
		{"Schnorr", schnorr.Bytes(), vectorSchnorr, func(b []byte) error {
			p, err := ParseSchnorrProof(b)
			if err != nil {
				return err
			}
			return p.Verify(testCtx, X)
		}},
		{"DLEQ", dleq.Bytes(), vectorDLEQ, func(b []byte) error {
			p, err := ParseDLEQProof(b)
			if err != nil {
				return err
			}
			return p.Verify(testCtx, G, H, X, Y)
		}},
		{"Bit", bit.Bytes(), vectorBit, func(b []byte) error {
			p, err := ParseBitProof(b)
			if err != nil {
				return err
			}
			return p.Verify(testCtx, pk, ct1)
		}},
		{"Range[1,1]", rng.Bytes(), vectorRange11, func(b []byte) error {
			p, err := ParseRangeProof(b)
			if err != nil {
				return err
			}
			return p.Verify(testCtx, pk, ct1, 1, 1)
		}},
	}
	for _, c := range cases {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s proof = %s; want %s", c.name, got, c.want)
		}
		want, _ := hex.DecodeString(c.want)
		if err := c.verify(want); err != nil {
			t.Errorf("%s vector does not verify: %v", c.name, err)
		}
		// Invalid vector: flip one bit of the last scalar (still canonical).
		bad := append([]byte{}, want...)
		bad[len(bad)-32] ^= 1
		if err := c.verify(bad); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s vector with a flipped response bit: %v; want ErrInvalidProof", c.name, err)
		}
	}
}

// The vectors were produced by this implementation and checked by
// testdata/specverify.py, an independent verifier written from SPEC
// §9-§11 alone (python3 testdata/specverify.py).
const (
	vectorSchnorr = "a6d7a14ba5c942b842a9155838694ea8bd0766f2918fa0ebdb8e9ab015bc2906" +
		"2d3b0db18b99bc295f0f08ab653c68b7e08da1c1181b6af176017ef3e2c14709"
	vectorDLEQ = "a6d7a14ba5c942b842a9155838694ea8bd0766f2918fa0ebdb8e9ab015bc2906" +
		"0e0ed88bb015ca4e4462e37afda123bc568cb374986d365f9aae71023f2b695a" +
		"9a56fdf4e3d6b4e384dc88ed116a251fe371b24dd8750cfe688ab324c904010e"
	vectorBit = "ae5bcfc24911f9983cefb33edafce367c7723a4099b7b64a74e5549b6aecdf32" +
		"26979c85e9f2b7633f4e57012d06e9fe37f7d67c784dd8f422b8774dbea9eb00" +
		"a6d7a14ba5c942b842a9155838694ea8bd0766f2918fa0ebdb8e9ab015bc2906" +
		"0c62ebb018d039678d22c3f555c8875328e702c3d3eef4f055c03e075eb15479" +
		"51ca31f92a88d8e276459106fe060fafac7bbc6ce414d7931a2d998e9845b60f" +
		"007cc410a30037ddc8d586daa8457f0577b1219dcd4e8e0cdf2f6836a4e7860d" +
		"9ae24a860aed91c84888a3488b3e1bc7f7a720287cac1a65ba767ba7a38a2c0c"
	vectorRange11 = "a6d7a14ba5c942b842a9155838694ea8bd0766f2918fa0ebdb8e9ab015bc2906" +
		"0c62ebb018d039678d22c3f555c8875328e702c3d3eef4f055c03e075eb15479" +
		"d03a463c1d7e35623ae2d05a16f4805a34015ca8d225c6077352c4a5fbca5b01"
)
