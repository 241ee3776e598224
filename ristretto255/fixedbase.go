package ristretto255

import (
	"crypto/subtle"

	"filippo.io/edwards25519/field"
)

// affineCached is a point with Z = 1 prepared for addition: (y+x, y-x,
// 2d*x*y). It is what [extPoint.addAffine] reads of a cachedPoint.
type affineCached struct {
	YplusX, YminusX, T2d field.Element
}

// FixedBaseTable holds precomputed multiples of one element P for
// [Element.FixedBaseMult], the constant-time fixed-base multiplication of
// SPEC §9.6: entry [i][k-1] is k*256^i*P for i = 0..31 and k = 1..8, in
// affine form, as filippo.io/edwards25519 stores the generator's multiples.
// A table takes about 30 KB; building it costs a few variable-base
// multiplications, so it pays off from the third multiplication by the same
// P. A table is read-only once built and safe for concurrent use.
type FixedBaseTable struct {
	base Element
	t    [32][8]affineCached
}

// NewFixedBaseTable returns the table of multiples of p for
// [Element.FixedBaseMult]. It runs in constant time.
func NewFixedBaseTable(p *Element) *FixedBaseTable {
	tbl := &FixedBaseTable{}
	tbl.base.Set(p)
	var pts [32 * 8]extPoint
	var b, tmp extPoint
	b.fromPoint(&p.p) // b = 256^i * P
	for i := range 32 {
		row := pts[8*i : 8*i+8]
		row[0] = b
		var bc cachedPoint
		bc.fromExt(&b)
		for k := 1; k < 8; k++ {
			row[k].addCached(&row[k-1], &bc)
		}
		// 256*b = 2^5 * (8*b)
		tmp = row[7]
		for range 5 {
			tmp.double(&tmp)
		}
		b = tmp
	}
	// Batch inversion of the Z coordinates (Montgomery's trick): prefix[n]
	// is the product of the first n Zs.
	var prefix [len(pts) + 1]field.Element
	prefix[0].One()
	for n := range pts {
		prefix[n+1].Multiply(&prefix[n], &pts[n].Z)
	}
	var inv, zInv, x, y field.Element
	inv.Invert(&prefix[len(pts)]) // every Z is non-zero on the curve
	for n := len(pts) - 1; n >= 0; n-- {
		zInv.Multiply(&inv, &prefix[n])
		inv.Multiply(&inv, &pts[n].Z)
		x.Multiply(&pts[n].X, &zInv)
		y.Multiply(&pts[n].Y, &zInv)
		c := &tbl.t[n/8][n%8]
		c.YplusX.Add(&y, &x)
		c.YminusX.Subtract(&y, &x)
		c.T2d.Multiply(&x, &y)
		c.T2d.Multiply(&c.T2d, constD2)
	}
	return tbl
}

// Element returns a copy of the element the table was built for.
func (tbl *FixedBaseTable) Element() *Element {
	return NewElement().Set(&tbl.base)
}

// selectInto sets dst to d*256^i*P, for a digit d in [-8, 8], reading every
// entry of row i so that the memory access pattern does not depend on d.
func (tbl *FixedBaseTable) selectInto(dst *cachedPoint, i int, d int8) {
	// abs = |d| without branches.
	sign := d >> 7
	abs := uint8((d + sign) ^ sign)
	neg := int(uint8(sign) & 1)
	// Identity: (y+x, y-x, 2dxy) = (1, 1, 0).
	dst.YplusX.One()
	dst.YminusX.One()
	dst.T2d.Zero()
	for k := range 8 {
		cond := subtle.ConstantTimeByteEq(abs, uint8(k+1))
		e := &tbl.t[i][k]
		dst.YplusX.Select(&e.YplusX, &dst.YplusX, cond)
		dst.YminusX.Select(&e.YminusX, &dst.YminusX, cond)
		dst.T2d.Select(&e.T2d, &dst.T2d, cond)
	}
	// Negation swaps y+x and y-x and negates 2dxy.
	var swapP, swapM, negT field.Element
	swapP.Set(&dst.YminusX)
	swapM.Set(&dst.YplusX)
	negT.Negate(&dst.T2d)
	dst.YplusX.Select(&swapP, &dst.YplusX, neg)
	dst.YminusX.Select(&swapM, &dst.YminusX, neg)
	dst.T2d.Select(&negT, &dst.T2d, neg)
}

// signedRadix16 returns the digits d_0..d_63 in [-8, 8] with
// s = sum d_i*16^i, computed without branches on s. The encoding of a
// reduced scalar is below 2^253, so the top digit cannot overflow.
func signedRadix16(b []byte) [64]int8 {
	var d [64]int8
	for i := range 32 {
		d[2*i] = int8(b[i] & 15)
		d[2*i+1] = int8(b[i] >> 4)
	}
	for i := range 63 {
		carry := (d[i] + 8) >> 4
		d[i] -= carry << 4
		d[i+1] += carry
	}
	return d
}

// FixedBaseMult sets e = s*P, where P is the element tbl was built for, and
// returns e. It runs in constant time: the digits of s choose table entries
// only through constant-time selection (SPEC §9.6). It costs 64 mixed
// additions and 4 doublings, about as much as [Element.ScalarBaseMult].
func (e *Element) FixedBaseMult(tbl *FixedBaseTable, s *Scalar) *Element {
	var buf [ScalarSize]byte
	copy(buf[:], s.Bytes())
	digits := signedRadix16(buf[:])
	var acc extPoint
	var q cachedPoint
	acc.setIdentity()
	// s*P = sum_{i odd} d_i*16^i*P + sum_{i even} d_i*16^i*P
	//     = 16 * sum_{i odd} d_i*256^((i-1)/2)*P + sum_{i even} d_i*256^(i/2)*P
	for i := 1; i < 64; i += 2 {
		tbl.selectInto(&q, i/2, digits[i])
		acc.addAffine(&acc, &q)
	}
	for range 4 {
		acc.double(&acc)
	}
	for i := 0; i < 64; i += 2 {
		tbl.selectInto(&q, i/2, digits[i])
		acc.addAffine(&acc, &q)
	}
	if _, err := e.p.SetExtendedCoordinates(&acc.X, &acc.Y, &acc.Z, &acc.T); err != nil {
		panic("ristretto255: internal error: fixed-base multiplication left the curve")
	}
	return e
}
