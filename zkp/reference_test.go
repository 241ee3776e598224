package zkp

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"testing"
	"testing/cryptotest"

	"concord/elgamal"
	"concord/ristretto255"
)

// proveReference is the prover of SPEC §11.5 exactly as the steps are
// written there, with variable-base double multiplications of A and
// D_i = B - v_i*G: the implementation before the fixed-base rewrite of
// proveWith, kept to check that the two give the same bytes.
func (s *orStatement) proveReference(m uint64, r *Scalar) *orProof {
	k := s.k()
	G := ristretto255.NewGeneratorElement()
	zero := ristretto255.NewScalar()
	w := ristretto255.RandomScalar()
	p := &orProof{a: make([]*Element, k), b: make([]*Element, k), z: make([]*Scalar, k)}
	cs := make([]*Scalar, k)
	j := m - s.min
	for i := range k {
		isReal := subtle.ConstantTimeEq(int32(i), int32(j))
		cs[i], p.z[i] = ristretto255.RandomScalar(), ristretto255.RandomScalar()
		selectScalar(cs[i], zero, cs[i], isReal)
		selectScalar(p.z[i], w, p.z[i], isReal)
		vG := ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(s.min + uint64(i)))
		D := ristretto255.NewElement().Subtract(s.ct.B, vG)
		nc := neg(cs[i])
		p.a[i] = ristretto255.NewElement().MultiScalarMult([]*Scalar{p.z[i], nc}, []*Element{G, s.ct.A})
		p.b[i] = ristretto255.NewElement().MultiScalarMult([]*Scalar{p.z[i], nc}, []*Element{s.pk.Y, D})
	}
	c := s.challenge(p.a, p.b)
	cj := ristretto255.NewScalar().Set(c)
	for i := range k {
		cj.Subtract(cj, cs[i])
	}
	zj := ristretto255.NewScalar().MultiplyAdd(cj, r, w)
	for i := range k {
		isReal := subtle.ConstantTimeEq(int32(i), int32(j))
		selectScalar(cs[i], cj, cs[i], isReal)
		selectScalar(p.z[i], zj, p.z[i], isReal)
	}
	p.c = cs[:k-1]
	return p
}

// TestProverMatchesReference checks that the fixed-base prover gives the
// same bytes as proveReference for the same randomness (crypto/rand made
// deterministic with testing/cryptotest), for bit proofs of 0 and 1 and
// range proofs of every value of several ranges, under several keys.
func TestProverMatchesReference(t *testing.T) {
	type statement struct {
		min, max uint64
		isRange  bool
	}
	stmts := []statement{{0, 1, false}, {1, 1, true}, {0, 1, true}, {0, 3, true}, {2, 6, true}, {0, 0, true}}
	seed := uint64(1)
	for key := range 4 {
		_, pk := elgamal.GenerateKey()
		for _, st := range stmts {
			for m := st.min; m <= st.max; m++ {
				for range 3 {
					ct, r := elgamal.Encrypt(pk, m)
					s := &orStatement{label: labelBit, ctx: testCtx, pk: pk, ct: ct, min: st.min, max: st.max}
					if st.isRange {
						s.label, s.isRange = labelRange, true
					}
					seed++
					cryptotest.SetGlobalRandom(t, seed)
					want := s.proveReference(m, r).appendBytes(nil)
					cryptotest.SetGlobalRandom(t, seed)
					got := s.prove(m, r).appendBytes(nil)
					name := fmt.Sprintf("key %d, %s [%d, %d], m = %d", key, s.label, st.min, st.max, m)
					if !bytes.Equal(got, want) {
						t.Fatalf("%s: prove = %x; want %x (reference)", name, got, want)
					}
					p, err := parseOrProof(got, s.k())
					if err != nil {
						t.Fatalf("%s: parseOrProof: %v", name, err)
					}
					if err := s.verify(p); err != nil {
						t.Errorf("%s: verify = %v; want nil", name, err)
					}
				}
			}
		}
	}
	// The public entry points too.
	_, pk := elgamal.GenerateKey()
	for m := range uint64(2) {
		ct, r := elgamal.Encrypt(pk, m)
		cryptotest.SetGlobalRandom(t, 99)
		want := bitStatement(testCtx, pk, ct).proveReference(m, r).appendBytes(nil)
		cryptotest.SetGlobalRandom(t, 99)
		if got := ProveBit(testCtx, pk, ct, m, r).Bytes(); !bytes.Equal(got, want) {
			t.Errorf("ProveBit(m = %d) = %x; want %x (reference)", m, got, want)
		}
	}
}

// TestProverKeyCache checks that proofs under alternating keys (which
// replace the cached table each time) use the right key.
func TestProverKeyCache(t *testing.T) {
	_, pk1 := elgamal.GenerateKey()
	_, pk2 := elgamal.GenerateKey()
	for i := range 4 {
		pk := pk1
		if i%2 == 1 {
			pk = pk2
		}
		ct, r := elgamal.Encrypt(pk, 1)
		if err := ProveBit(testCtx, pk, ct, 1, r).Verify(testCtx, pk, ct); err != nil {
			t.Errorf("proof %d under alternating keys: Verify = %v; want nil", i, err)
		}
	}
}

func BenchmarkProveBitReference(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	s := bitStatement(testCtx, pk, ct)
	for b.Loop() {
		s.proveReference(1, r)
	}
}
