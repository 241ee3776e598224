package ristretto255

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"
)

// edgeScalars are scalars whose signed radix-16 digits hit the ends of
// [-8, 8] and the carry chain: 0, 1, 7, 8, 9, 15, 16, l-1, l-8, 2^252 and
// 0x88...88 (every digit 8, so every carry propagates).
func edgeScalars(t testing.TB) []*Scalar {
	var out []*Scalar
	for _, n := range []uint64{0, 1, 7, 8, 9, 15, 16, 0x8888888888888888} {
		out = append(out, ScalarFromUint64(n))
	}
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	for _, n := range []*big.Int{
		new(big.Int).Sub(l, big.NewInt(1)),
		new(big.Int).Sub(l, big.NewInt(8)),
		new(big.Int).Lsh(big.NewInt(1), 252),
		new(big.Int).SetBytes(bytes.Repeat([]byte{0x88}, 31)),
	} {
		be := n.FillBytes(make([]byte, 32))
		le := make([]byte, 32)
		for i := range be {
			le[i] = be[31-i]
		}
		s, err := ScalarFromCanonicalBytes(le)
		if err != nil {
			t.Fatalf("ScalarFromCanonicalBytes(%x): %v", le, err)
		}
		out = append(out, s)
	}
	return out
}

func TestFixedBaseMult(t *testing.T) {
	bases := []*Element{NewGeneratorElement(), NewElement(), HashToElement("fixed-base test")}
	for range 3 {
		bases = append(bases, NewElement().ScalarBaseMult(RandomScalar()))
	}
	scalars := edgeScalars(t)
	for range 20 {
		scalars = append(scalars, RandomScalar())
	}
	for _, p := range bases {
		tbl := NewFixedBaseTable(p)
		if tbl.Element().Equal(p) != 1 {
			t.Errorf("NewFixedBaseTable(%x).Element() = %x", p.Bytes(), tbl.Element().Bytes())
		}
		for _, s := range scalars {
			got := NewElement().FixedBaseMult(tbl, s)
			want := NewElement().ScalarMult(s, p)
			if got.Equal(want) != 1 || !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("FixedBaseMult(table(%x), %x) = %x; want %x", p.Bytes(), s.Bytes(), got.Bytes(), want.Bytes())
			}
		}
	}
}

// TestFixedBaseMultGenerator checks the table against the RFC 9496 vector
// for 2*G (Appendix A.1) and against ScalarBaseMult.
func TestFixedBaseMultGenerator(t *testing.T) {
	tbl := NewFixedBaseTable(NewGeneratorElement())
	got := hex.EncodeToString(NewElement().FixedBaseMult(tbl, ScalarFromUint64(2)).Bytes())
	if want := "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919"; got != want {
		t.Errorf("FixedBaseMult(table(G), 2) = %s; want %s", got, want)
	}
	for _, s := range edgeScalars(t) {
		got := NewElement().FixedBaseMult(tbl, s)
		if want := NewElement().ScalarBaseMult(s); got.Equal(want) != 1 {
			t.Errorf("FixedBaseMult(table(G), %x) = %x; want %x", s.Bytes(), got.Bytes(), want.Bytes())
		}
	}
}

func TestSignedRadix16(t *testing.T) {
	for _, s := range append(edgeScalars(t), RandomScalar(), RandomScalar()) {
		d := signedRadix16(s.Bytes())
		sum := new(big.Int)
		for i := 63; i >= 0; i-- {
			if d[i] < -8 || d[i] > 8 {
				t.Fatalf("signedRadix16(%x)[%d] = %d; want a digit in [-8, 8]", s.Bytes(), i, d[i])
			}
			sum.Lsh(sum, 4)
			sum.Add(sum, big.NewInt(int64(d[i])))
		}
		le := s.Bytes()
		be := make([]byte, 32)
		for i := range le {
			be[i] = le[31-i]
		}
		if want := new(big.Int).SetBytes(be); sum.Cmp(want) != 0 {
			t.Errorf("signedRadix16(%x) sums to %v; want %v", le, sum, want)
		}
	}
}

func BenchmarkNewFixedBaseTable(b *testing.B) {
	p := HashToElement("bench")
	for b.Loop() {
		NewFixedBaseTable(p)
	}
}

func BenchmarkFixedBaseMult(b *testing.B) {
	tbl := NewFixedBaseTable(HashToElement("bench"))
	s := RandomScalar()
	e := NewElement()
	for b.Loop() {
		e.FixedBaseMult(tbl, s)
	}
}
