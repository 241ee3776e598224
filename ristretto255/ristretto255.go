// Package ristretto255 implements the ristretto255 prime-order group of
// RFC 9496 on top of filippo.io/edwards25519, as specified in docs/SPEC.md,
// Section 9 (docs/SPEC.md).
//
// Elements are encoded as 32 bytes (RFC 9496, Section 4.3.2) and decoded
// strictly (Section 4.3.1): non-canonical, negative or invalid encodings are
// rejected. Scalars are integers modulo the group order
// l = 2^252 + 27742317777372353535851937790883648493, encoded as 32 bytes
// little-endian and also decoded strictly.
//
// All operations run in constant time unless their name starts with VarTime.
package ristretto255

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// ElementSize is the length in bytes of an encoded Element (SPEC §9.2).
const ElementSize = 32

// UniformBytesSize is the input length of [Element.SetUniformBytes] (SPEC §9.4).
const UniformBytesSize = 64

// ErrInvalidElement is returned (wrapped) by [Element.SetCanonicalBytes] for
// any byte string that is not the canonical encoding of a group element.
var ErrInvalidElement = errors.New("ristretto255: invalid element encoding")

// Element is an element of the ristretto255 group. The zero value is not
// valid: obtain elements from [NewElement], [NewGeneratorElement] or a
// decoding function.
//
// An Element is internally an Edwards point representing its equivalence
// class; two Elements are compared with [Element.Equal], never by their
// internal representation.
type Element struct {
	p edwards25519.Point
}

// Constants of RFC 9496, Section 4.1 (decimal, as printed there).
var (
	constD               = feFromDecimal("37095705934669439343138083508754565189542113879843219016388785533085940283555")
	constSqrtM1          = feFromDecimal("19681161376707505956807079304988542015446066515923890162744021073123829784752")
	constSqrtADMinusOne  = feFromDecimal("25063068953384623474111414158702152701244531502492656460079210482610430750235")
	constInvSqrtAMinusD  = feFromDecimal("54469307008909316920995813868745141605393597292927456921205312896311721017578")
	constOneMinusDSquare = feFromDecimal("1159843021668779879193775521855586647937357759715417654439879720876111806838")
	constDMinusOneSquare = feFromDecimal("40440834346308536858101042469323190826248399146238708352240133220865137265952")
	feOne                = new(field.Element).One()
	feMinusOne           = new(field.Element).Negate(feOne)
)

// Encodings of 1, -1 and -sqrt(-1), with which invSqrt compares.
var (
	encOne        = [32]byte(feOne.Bytes())
	encMinusOne   = [32]byte(feMinusOne.Bytes())
	encMinusSqrtI = [32]byte(new(field.Element).Negate(constSqrtM1).Bytes())
)

// invSqrt sets r to SQRT_RATIO_M1(1, v) of RFC 9496, Section 4.2: the
// non-negative square root of 1/v if v is a non-zero square, else of
// sqrt(-1)/v, and returns 1 if v was a non-zero square, else 0. It is
// field.Element.SqrtRatio with u = 1, which compares v*r^2 with 1, -1 and
// -sqrt(-1) through one encoding instead of three comparisons of two
// encodings each. It runs in constant time.
func invSqrt(r, v *field.Element) int {
	var v2, v3, v7, rr, check, rPrime field.Element
	v2.Square(v)
	v3.Multiply(&v2, v)
	v7.Multiply(&v3, v7.Square(&v2))
	// r = v^3 * (v^7)^((p-5)/8)
	rr.Multiply(&v3, rr.Pow22523(&v7))
	check.Multiply(v, check.Square(&rr))
	enc := [32]byte(check.Bytes())
	correct := subtle.ConstantTimeCompare(enc[:], encOne[:])
	flipped := subtle.ConstantTimeCompare(enc[:], encMinusOne[:])
	flippedI := subtle.ConstantTimeCompare(enc[:], encMinusSqrtI[:])
	rPrime.Multiply(&rr, constSqrtM1)
	rr.Select(&rPrime, &rr, flipped|flippedI)
	r.Absolute(&rr)
	return correct | flipped
}

func feFromDecimal(s string) *field.Element {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("ristretto255: bad constant " + s)
	}
	be := n.FillBytes(make([]byte, 32))
	le := make([]byte, 32)
	for i := range be {
		le[i] = be[31-i]
	}
	fe, err := new(field.Element).SetBytes(le)
	if err != nil {
		panic(err)
	}
	return fe
}

// NewElement returns a new Element set to the identity.
func NewElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewIdentityPoint())
	return e
}

// NewGeneratorElement returns a new Element set to the canonical generator
// of RFC 9496, Section 4.4 (the Ed25519 base point).
func NewGeneratorElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewGeneratorPoint())
	return e
}

// Set sets e = x and returns e.
func (e *Element) Set(x *Element) *Element {
	e.p.Set(&x.p)
	return e
}

// Add sets e = p + q and returns e.
func (e *Element) Add(p, q *Element) *Element {
	e.p.Add(&p.p, &q.p)
	return e
}

// Subtract sets e = p - q and returns e.
func (e *Element) Subtract(p, q *Element) *Element {
	e.p.Subtract(&p.p, &q.p)
	return e
}

// Negate sets e = -p and returns e.
func (e *Element) Negate(p *Element) *Element {
	e.p.Negate(&p.p)
	return e
}

// ScalarMult sets e = s * p and returns e, in constant time.
func (e *Element) ScalarMult(s *Scalar, p *Element) *Element {
	e.p.ScalarMult(s, &p.p)
	return e
}

// ScalarBaseMult sets e = s * G, where G is the generator, and returns e,
// in constant time.
func (e *Element) ScalarBaseMult(s *Scalar) *Element {
	e.p.ScalarBaseMult(s)
	return e
}

// MultiScalarMult sets e = sum(s[i] * p[i]) and returns e. Its running time
// depends only on len(s), which must equal len(p).
func (e *Element) MultiScalarMult(s []*Scalar, p []*Element) *Element {
	e.p.MultiScalarMult(s, points(p))
	return e
}

// VarTimeMultiScalarMult sets e = sum(s[i] * p[i]) and returns e.
// Its running time depends on the inputs: use it only on public values.
// Below 128 terms it uses the Straus method of filippo.io/edwards25519;
// from 128 terms on, the bucket method (Pippenger's algorithm with signed
// digits), whose cost per term falls as the number of terms grows and is
// about halved for 128-bit scalars. It panics if len(s) != len(p).
func (e *Element) VarTimeMultiScalarMult(s []*Scalar, p []*Element) *Element {
	if len(s) != len(p) {
		panic("ristretto255: VarTimeMultiScalarMult called with different numbers of scalars and points")
	}
	if len(s) >= pippengerThreshold {
		varTimePippenger(&e.p, s, points(p))
		return e
	}
	e.p.VarTimeMultiScalarMult(s, points(p))
	return e
}

// VarTimeDoubleScalarBaseMult sets e = a * A + b * G, where G is the
// generator, and returns e. Its running time depends on the inputs: use it
// only on public values.
func (e *Element) VarTimeDoubleScalarBaseMult(a *Scalar, A *Element, b *Scalar) *Element {
	e.p.VarTimeDoubleScalarBaseMult(a, &A.p, b)
	return e
}

func points(p []*Element) []*edwards25519.Point {
	out := make([]*edwards25519.Point, len(p))
	for i := range p {
		out[i] = &p[i].p
	}
	return out
}

// Equal returns 1 if e and x represent the same group element and 0
// otherwise, in constant time. It implements the Equals operation of
// RFC 9496, Section 4.3.3 (SPEC §9.3).
func (e *Element) Equal(x *Element) int {
	X1, Y1, _, _ := e.p.ExtendedCoordinates()
	X2, Y2, _, _ := x.p.ExtendedCoordinates()
	var a, b field.Element
	eq1 := a.Multiply(X1, Y2).Equal(b.Multiply(Y1, X2))
	eq2 := a.Multiply(Y1, Y2).Equal(b.Multiply(X1, X2))
	return eq1 | eq2
}

// SetCanonicalBytes sets e to the element encoded by b and returns e. It
// implements the Decode operation of RFC 9496, Section 4.3.1 (SPEC §9.2):
// b must be exactly 32 bytes, the canonical encoding of a non-negative field
// element s, and s must correspond to a group element. Otherwise it returns
// nil and an error wrapping [ErrInvalidElement], and e is unchanged.
func (e *Element) SetCanonicalBytes(b []byte) (*Element, error) {
	if len(b) != ElementSize {
		return nil, fmt.Errorf("%w: got %d bytes, want 32", ErrInvalidElement, len(b))
	}
	// field.Element.SetBytes ignores the top bit and accepts values >= p;
	// canonical means b < p as a 256-bit little-endian integer.
	if !fieldCanonical(b) {
		return nil, fmt.Errorf("%w: non-canonical field element (>= 2^255-19 or top bit set)", ErrInvalidElement)
	}
	// For a canonical encoding, the sign is the low bit of the first byte.
	if b[0]&1 == 1 {
		return nil, fmt.Errorf("%w: negative field element", ErrInvalidElement)
	}
	s, err := new(field.Element).SetBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidElement, err)
	}

	var ss, u1, u2, u2sq, v, t0, invsqrt, denX, denY, x, y, t field.Element
	ss.Square(s)
	u1.Subtract(feOne, &ss)
	u2.Add(feOne, &ss)
	u2sq.Square(&u2)
	// v = -(D * u1^2) - u2^2
	v.Square(&u1)
	v.Multiply(&v, constD)
	v.Negate(&v)
	v.Subtract(&v, &u2sq)
	wasSquare := invSqrt(&invsqrt, t0.Multiply(&v, &u2sq))
	denX.Multiply(&invsqrt, &u2)
	denY.Multiply(&invsqrt, &denX)
	denY.Multiply(&denY, &v)
	// x = CT_ABS(2 * s * den_x)
	x.Multiply(s, &denX)
	x.Add(&x, &x)
	x.Absolute(&x)
	y.Multiply(&u1, &denY)
	t.Multiply(&x, &y)
	if wasSquare == 0 || t.IsNegative() == 1 || [32]byte(y.Bytes()) == [32]byte{} {
		return nil, fmt.Errorf("%w: not the encoding of a group element", ErrInvalidElement)
	}
	if _, err := e.p.SetExtendedCoordinates(&x, &y, feOne, &t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidElement, err)
	}
	return e, nil
}

// fieldCanonical reports, in constant time, whether the 32 bytes b encode
// an integer below p = 2^255 - 19 (little-endian): whether computing
// b - p borrows.
func fieldCanonical(b []byte) bool {
	var borrow uint32
	for i := range 32 {
		pi := uint32(0xff)
		switch i {
		case 0:
			pi = 0xed
		case 31:
			pi = 0x7f
		}
		borrow = (uint32(b[i]) - pi - borrow) >> 31
	}
	return borrow == 1
}

// Bytes returns the 32-byte canonical encoding of e, as specified by the
// Encode operation of RFC 9496, Section 4.3.2 (SPEC §9.2).
func (e *Element) Bytes() []byte {
	var buf [ElementSize]byte
	return e.bytes(&buf)
}

// AppendBytes appends the 32-byte canonical encoding of e to b and returns
// the extended slice.
func (e *Element) AppendBytes(b []byte) []byte {
	var buf [ElementSize]byte
	return append(b, e.bytes(&buf)...)
}

func (e *Element) bytes(out *[ElementSize]byte) []byte {
	X0, Y0, Z0, T0 := e.p.ExtendedCoordinates()
	var u1, u2, tmp, invsqrt, den1, den2, zInv, ix0, iy0, enchanted, x, y, denInv, s field.Element
	// u1 = (Z0 + Y0) * (Z0 - Y0)
	u1.Add(Z0, Y0)
	u1.Multiply(&u1, tmp.Subtract(Z0, Y0))
	u2.Multiply(X0, Y0)
	// invsqrt = SQRT_RATIO_M1(1, u1 * u2^2)
	tmp.Square(&u2)
	tmp.Multiply(&tmp, &u1)
	invSqrt(&invsqrt, &tmp)
	den1.Multiply(&invsqrt, &u1)
	den2.Multiply(&invsqrt, &u2)
	zInv.Multiply(&den1, &den2)
	zInv.Multiply(&zInv, T0)
	ix0.Multiply(X0, constSqrtM1)
	iy0.Multiply(Y0, constSqrtM1)
	enchanted.Multiply(&den1, constInvSqrtAMinusD)
	rotate := tmp.Multiply(T0, &zInv).IsNegative()
	x.Select(&iy0, X0, rotate)
	y.Select(&ix0, Y0, rotate)
	denInv.Select(&enchanted, &den2, rotate)
	// y = CT_NEG(y, IS_NEGATIVE(x * z_inv))
	tmp.Negate(&y)
	y.Select(&tmp, &y, new(field.Element).Multiply(&x, &zInv).IsNegative())
	// s = CT_ABS(den_inv * (z - y))
	s.Subtract(Z0, &y)
	s.Multiply(&s, &denInv)
	s.Absolute(&s)
	copy(out[:], s.Bytes())
	return out[:]
}

// SetUniformBytes sets e to the element derived from the 64-byte string b
// and returns e. It implements the element derivation function of RFC 9496,
// Section 4.3.4 (SPEC §9.4). If b is not 64 bytes long it returns nil and an
// error, and e is unchanged.
func (e *Element) SetUniformBytes(b []byte) (*Element, error) {
	if len(b) != UniformBytesSize {
		return nil, errors.New("ristretto255: SetUniformBytes input must be 64 bytes")
	}
	// field.Element.SetBytes masks bit 255 and reduces modulo p, exactly as
	// required for r0 and r1.
	r0, _ := new(field.Element).SetBytes(b[:32])
	r1, _ := new(field.Element).SetBytes(b[32:])
	var p1, p2 edwards25519.Point
	mapToPoint(&p1, r0)
	mapToPoint(&p2, r1)
	e.p.Add(&p1, &p2)
	return e, nil
}

// mapToPoint implements MAP from RFC 9496, Section 4.3.4.
func mapToPoint(out *edwards25519.Point, t *field.Element) {
	var r, u, v, tmp, s, sPrime, c, n, w0, w1, w2, w3, x, y, z, tt field.Element
	// r = SQRT_M1 * t^2
	r.Square(t)
	r.Multiply(&r, constSqrtM1)
	// u = (r + 1) * ONE_MINUS_D_SQ
	u.Add(&r, feOne)
	u.Multiply(&u, constOneMinusDSquare)
	// v = (-1 - r*D) * (r + D)
	v.Multiply(&r, constD)
	v.Subtract(feMinusOne, &v)
	v.Multiply(&v, tmp.Add(&r, constD))
	_, wasSquare := s.SqrtRatio(&u, &v)
	// s_prime = -CT_ABS(s*t)
	sPrime.Multiply(&s, t)
	sPrime.Absolute(&sPrime)
	sPrime.Negate(&sPrime)
	s.Select(&s, &sPrime, wasSquare)
	c.Select(feMinusOne, &r, wasSquare)
	// N = c * (r - 1) * D_MINUS_ONE_SQ - v
	n.Subtract(&r, feOne)
	n.Multiply(&n, &c)
	n.Multiply(&n, constDMinusOneSquare)
	n.Subtract(&n, &v)
	// w0 = 2 * s * v; w1 = N * SQRT_AD_MINUS_ONE; w2 = 1 - s^2; w3 = 1 + s^2
	w0.Multiply(&s, &v)
	w0.Add(&w0, &w0)
	w1.Multiply(&n, constSqrtADMinusOne)
	tmp.Square(&s)
	w2.Subtract(feOne, &tmp)
	w3.Add(feOne, &tmp)
	x.Multiply(&w0, &w3)
	y.Multiply(&w2, &w1)
	z.Multiply(&w1, &w3)
	tt.Multiply(&w0, &w2)
	if _, err := out.SetExtendedCoordinates(&x, &y, &z, &tt); err != nil {
		// MAP always yields a point on the curve; this is unreachable.
		panic("ristretto255: internal error: MAP produced an invalid point")
	}
}
