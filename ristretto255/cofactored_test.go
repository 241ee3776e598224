package ristretto255

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"filippo.io/edwards25519"
)

// decodeEdwardsReference is DecodeEdwardsPoint's rule by re-encoding:
// a point that decodes and whose encoding is the input.
func decodeEdwardsReference(b []byte) bool {
	p, err := new(edwards25519.Point).SetBytes(b)
	return err == nil && bytes.Equal(p.Bytes(), b)
}

func FuzzDecodeEdwardsPoint(f *testing.F) {
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"0100000000000000000000000000000000000000000000000000000000000080", // identity, sign set
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = -1
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = -1, sign set
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
		"5866666666666666666666666666666666666666666666666666666666666666", // B
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := DecodeEdwardsPoint(b)
		if want := len(b) == 32 && decodeEdwardsReference(b); ok != want {
			t.Fatalf("DecodeEdwardsPoint(%x) = %v; want %v", b, ok, want)
		}
		if ok && !bytes.Equal(p.Bytes(), b) {
			t.Fatalf("DecodeEdwardsPoint(%x) decoded to %x", b, p.Bytes())
		}
	})
}

// TestDecodeEdwardsPointRandom compares DecodeEdwardsPoint with the
// re-encoding rule on random inputs, half of them near p.
func TestDecodeEdwardsPointRandom(t *testing.T) {
	var b [32]byte
	for i := range 20000 {
		rand.Read(b[:])
		if i%2 == 0 {
			for j := 1; j < 31; j++ {
				b[j] = 0xff
			}
			b[31] |= 0x7f
		}
		if _, ok := DecodeEdwardsPoint(b[:]); ok != decodeEdwardsReference(b[:]) {
			t.Fatalf("DecodeEdwardsPoint(%x) = %v; want %v", b, ok, !ok)
		}
	}
}

// TestVarTimeCofactoredIdentity checks the combined check on sums that are
// the identity up to torsion and on sums that are not, on both sides of
// the bucket method's threshold.
func TestVarTimeCofactoredIdentity(t *testing.T) {
	t8b, _ := hex.DecodeString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	T8, err := new(edwards25519.Point).SetBytes(t8b)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 200} {
		// sum x_i*G_i - (sum x_i*g_i)*B + T8 + (Q - Q): the identity times 8.
		s := make([]*Scalar, n)
		p := make([]*Element, n)
		total := NewScalar()
		for i := range n {
			s[i] = RandomScalar()
			g := RandomScalar()
			p[i] = NewElement().ScalarBaseMult(g)
			total.MultiplyAdd(s[i], g, total)
		}
		s = append(s, total.Negate(total))
		p = append(p, NewGeneratorElement())
		q := new(edwards25519.Point).ScalarBaseMult(RandomScalar())
		one := NewScalar().Add(ScalarFromUint64(1), NewScalar())
		minus := NewScalar().Negate(one)
		ts := []*Scalar{one, one, minus}
		qs := []*edwards25519.Point{T8, q, q}
		if !VarTimeCofactoredIdentity(s, p, ts, qs) {
			t.Errorf("n=%d: identity plus torsion not accepted", n)
		}
		// Breaking any one term breaks it.
		s[0] = NewScalar().Add(s[0], one)
		if VarTimeCofactoredIdentity(s, p, ts, qs) {
			t.Errorf("n=%d: a non-identity sum accepted", n)
		}
		s[0] = NewScalar().Subtract(s[0], one)
		ts[2] = NewScalar()
		if VarTimeCofactoredIdentity(s, p, ts, qs) {
			t.Errorf("n=%d: a sum off by an edwards point accepted", n)
		}
	}
}
