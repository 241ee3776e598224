package ristretto255

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"filippo.io/edwards25519"
)

// shortScalar returns a random scalar below 2^128, like a batch weight.
func shortScalar() *Scalar {
	var b [32]byte
	rand.Read(b[:16])
	s, _ := NewScalar().SetCanonicalBytes(b[:])
	return s
}

// TestPippengerMatchesStraus compares the bucket method with the Straus
// method of filippo.io/edwards25519 on random inputs of several sizes,
// with full and 128-bit scalars, zero scalars, the identity and repeated
// points.
func TestPippengerMatchesStraus(t *testing.T) {
	for _, n := range []int{1, 2, 3, 17, 96, 130, 700} {
		s := make([]*Scalar, n)
		p := make([]*Element, n)
		for i := range n {
			switch i % 7 {
			case 0:
				s[i] = shortScalar()
			case 1:
				s[i] = NewScalar()
			case 2:
				s[i] = NewScalar().Negate(ScalarFromUint64(1))
			default:
				s[i] = RandomScalar()
			}
			switch i % 5 {
			case 0:
				p[i] = NewElement()
			case 1:
				p[i] = NewGeneratorElement()
			case 4:
				// Decoded elements have Z = 1: the bucket method's affine addition.
				p[i], _ = NewElement().SetCanonicalBytes(NewElement().ScalarBaseMult(RandomScalar()).Bytes())
			default:
				p[i] = NewElement().ScalarBaseMult(RandomScalar())
			}
		}
		// The bucket method must give the same Edwards point as the Straus
		// method, exactly (VarTimeCofactoredIdentity relies on it), also
		// with a point of order 8 among the terms.
		t8, _ := hex.DecodeString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
		T8, _ := new(edwards25519.Point).SetBytes(t8)
		es, ep := append(slices.Clone(s), RandomScalar()), append(points(p), T8)
		var wantEd, gotEd edwards25519.Point
		wantEd.VarTimeMultiScalarMult(es, ep)
		varTimePippenger(&gotEd, es, ep)
		if gotEd.Equal(&wantEd) != 1 {
			t.Errorf("varTimePippenger(%d terms and a torsion point) = %x; want %x", n, gotEd.Bytes(), wantEd.Bytes())
		}
		var want edwards25519.Point
		want.VarTimeMultiScalarMult(s, points(p))
		var got Element
		varTimePippenger(&got.p, s, points(p))
		if got.p.Equal(&want) != 1 {
			t.Errorf("varTimePippenger(%d terms) = %x; want %x", n, got.Bytes(), (&Element{p: want}).Bytes())
		}
		viaAPI := NewElement().VarTimeMultiScalarMult(s, p)
		if viaAPI.Equal(&got) != 1 {
			t.Errorf("VarTimeMultiScalarMult(%d terms) = %x; want %x", n, viaAPI.Bytes(), got.Bytes())
		}
	}
}

func TestSignedDigits(t *testing.T) {
	for _, c := range []uint{4, 5, 7, 8, 11, 16} {
		for range 20 {
			s := RandomScalar()
			nw := (256+int(c)-1)/int(c) + 1
			d := make([]int32, nw)
			signedDigits(s.Bytes(), c, d)
			acc := NewScalar()
			pow := ScalarFromUint64(1 << c)
			for j := nw - 1; j >= 0; j-- {
				acc.Multiply(acc, pow)
				dj := ScalarFromUint64(uint64(abs(d[j])))
				if d[j] < 0 {
					dj.Negate(dj)
				}
				acc.Add(acc, dj)
				if abs(d[j]) > 1<<(c-1) {
					t.Fatalf("signedDigits(c=%d) digit %d = %d; want |d| <= %d", c, j, d[j], 1<<(c-1))
				}
			}
			if acc.Equal(s) != 1 {
				t.Fatalf("signedDigits(%x, c=%d) = %v; does not sum back to the scalar", s.Bytes(), c, d)
			}
		}
	}
}

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkVarTimeMultiScalarMult measures the cost per term for batch
// verification's mix: one term in three with a full scalar, the rest with
// 128-bit weights.
func BenchmarkVarTimeMultiScalarMult(b *testing.B) {
	for _, n := range []int{64, 128, 1024, 8192, 20480, 81920} {
		s := make([]*Scalar, n)
		p := make([]*Element, n)
		for i := range n {
			if i%3 == 0 {
				s[i] = RandomScalar()
			} else {
				s[i] = shortScalar()
			}
			// Decoded, as batch verification's points are.
			p[i], _ = NewElement().SetCanonicalBytes(NewElement().ScalarBaseMult(RandomScalar()).Bytes())
		}
		b.Run(fmt.Sprintf("n=%d/straus", n), func(b *testing.B) {
			var e edwards25519.Point
			start := cpuNanos()
			for b.Loop() {
				e.VarTimeMultiScalarMult(s, points(p))
			}
			b.ReportMetric(float64(cpuNanos()-start)/float64(b.N*n), "cpu-ns/term")
		})
		b.Run(fmt.Sprintf("n=%d/pippenger", n), func(b *testing.B) {
			var e Element
			p := points(p)
			start := cpuNanos()
			for b.Loop() {
				varTimePippenger(&e.p, s, p)
			}
			b.ReportMetric(float64(cpuNanos()-start)/float64(b.N*n), "cpu-ns/term")
		})
	}
}
