package ristretto255

import (
	"filippo.io/edwards25519"
)

// VarTimeCofactoredIdentity reports whether [8](sum s[i]*p[i] + sum
// t[j]*q[j]) is the identity point of edwards25519, where the p[i] are
// group elements, taken as their internal Edwards representatives, and the
// q[j] are arbitrary points of edwards25519 (for example the R and A of
// Ed25519 signatures). It is the combined check of SPEC §11.7.3.
//
// With no q, it gives the same answer as VarTimeMultiScalarMult followed
// by Equal with the identity: a sum of representatives lies in 2E, and a
// point of 2E whose 8-multiple is the identity is one of the four
// representatives of the identity element (SPEC §9.3). Its running time
// depends on the inputs: use it only on public values. It panics if
// len(s) != len(p) or len(t) != len(q).
func VarTimeCofactoredIdentity(s []*Scalar, p []*Element, t []*Scalar, q []*edwards25519.Point) bool {
	if len(s) != len(p) || len(t) != len(q) {
		panic("ristretto255: VarTimeCofactoredIdentity called with different numbers of scalars and points")
	}
	scalars := make([]*Scalar, 0, len(s)+len(t))
	scalars = append(append(scalars, s...), t...)
	pts := make([]*edwards25519.Point, 0, len(p)+len(q))
	for _, e := range p {
		pts = append(pts, &e.p)
	}
	pts = append(pts, q...)
	var sum edwards25519.Point
	if len(scalars) >= pippengerThreshold {
		varTimePippenger(&sum, scalars, pts)
	} else {
		sum.VarTimeMultiScalarMult(scalars, pts)
	}
	sum.MultByCofactor(&sum)
	return sum.Equal(edwards25519.NewIdentityPoint()) == 1
}

// DecodeEdwardsPoint decodes a 32-byte encoding of a point of edwards25519
// (RFC 8032, Section 5.1.3) strictly, as SPEC §14.4 requires of Ed25519
// ballot signatures: the y coordinate must be below p = 2^255 - 19, and the
// sign bit must be clear when x = 0. It returns false for any other
// encoding, or one that is not the encoding of a point. Small-order and
// mixed-order points are accepted: the cofactored check decides on them.
func DecodeEdwardsPoint(b []byte) (*edwards25519.Point, bool) {
	if len(b) != 32 {
		return nil, false
	}
	var y [32]byte
	copy(y[:], b)
	sign := y[31] >> 7
	y[31] &= 0x7f
	if !fieldCanonical(y[:]) {
		return nil, false
	}
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return nil, false
	}
	// x = 0 only for y = 1 and y = -1; their only canonical encodings
	// have the sign bit clear.
	if sign == 1 && (y == yOne || y == yMinusOne) {
		return nil, false
	}
	return p, true
}

var (
	yOne      = [32]byte{1}
	yMinusOne = [32]byte{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
)
