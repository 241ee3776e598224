package ristretto255

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// pippengerThreshold is the number of terms from which
// [Element.VarTimeMultiScalarMult] switches from the Straus method of
// filippo.io/edwards25519 to the bucket method below (measured on amd64).
const pippengerThreshold = 128

// extPoint is an Edwards point in extended coordinates (X:Y:Z:T), with
// x = X/Z, y = Y/Z and x*y = T/Z, on the curve -x^2 + y^2 = 1 + d*x^2*y^2.
type extPoint struct {
	X, Y, Z, T field.Element
}

// cachedPoint is a point prepared for addition: (Y+X, Y-X, 2Z, 2d*T).
type cachedPoint struct {
	YplusX, YminusX, Z2, T2d field.Element
}

var constD2 = new(field.Element).Add(constD, constD)

func (v *extPoint) setIdentity() {
	v.X.Zero()
	v.Y.One()
	v.Z.One()
	v.T.Zero()
}

func (v *extPoint) fromPoint(p *edwards25519.Point) {
	X, Y, Z, T := p.ExtendedCoordinates()
	v.X.Set(X)
	v.Y.Set(Y)
	v.Z.Set(Z)
	v.T.Set(T)
}

func (c *cachedPoint) fromExt(p *extPoint) {
	c.YplusX.Add(&p.Y, &p.X)
	c.YminusX.Subtract(&p.Y, &p.X)
	c.Z2.Add(&p.Z, &p.Z)
	c.T2d.Multiply(&p.T, constD2)
}

// addAffine sets v = p + q for a q with Z = 1 (so q.Z2 = 2): the
// multiplication by q.Z2 becomes an addition (madd-2008-hwcd-3, a = -1).
func (v *extPoint) addAffine(p *extPoint, q *cachedPoint) { v.addOrSub(p, q, true, false) }

// addCached sets v = p + q (the unified formula add-2008-hwcd-3, a = -1).
func (v *extPoint) addCached(p *extPoint, q *cachedPoint) { v.addOrSub(p, q, false, false) }

// addOrSub sets v = p + q, or p - q if sub, with add-2008-hwcd-3 (a = -1),
// or madd-2008-hwcd-3 if affine (q has Z = 1). Subtracting adds -q, whose
// cached form swaps Y+X and Y-X and negates 2dT. affine and sub are
// properties of the call, never of secret data: the function runs in
// constant time for constant-time callers.
func (v *extPoint) addOrSub(p *extPoint, q *cachedPoint, affine, sub bool) {
	ypx, ymx := &q.YplusX, &q.YminusX
	if sub {
		ypx, ymx = ymx, ypx
	}
	var a, b, c, d, e, f, g, h field.Element
	a.Subtract(&p.Y, &p.X)
	a.Multiply(&a, ymx)
	b.Add(&p.Y, &p.X)
	b.Multiply(&b, ypx)
	c.Multiply(&p.T, &q.T2d)
	if affine {
		d.Add(&p.Z, &p.Z)
	} else {
		d.Multiply(&p.Z, &q.Z2)
	}
	e.Subtract(&b, &a)
	if sub {
		f.Add(&d, &c)
		g.Subtract(&d, &c)
	} else {
		f.Subtract(&d, &c)
		g.Add(&d, &c)
	}
	h.Add(&b, &a)
	v.X.Multiply(&e, &f)
	v.Y.Multiply(&g, &h)
	v.T.Multiply(&e, &h)
	v.Z.Multiply(&f, &g)
}

func (v *extPoint) add(p, q *extPoint) {
	var qc cachedPoint
	qc.fromExt(q)
	v.addCached(p, &qc)
}

// double sets v = 2p (dbl-2008-hwcd, a = -1).
func (v *extPoint) double(p *extPoint) {
	var xx, yy, zz2, s, x, y, z, t field.Element
	xx.Square(&p.X)
	yy.Square(&p.Y)
	zz2.Square(&p.Z)
	zz2.Add(&zz2, &zz2)
	s.Add(&p.X, &p.Y)
	s.Square(&s)
	y.Add(&yy, &xx)
	z.Subtract(&yy, &xx)
	x.Subtract(&s, &y)
	t.Subtract(&zz2, &z)
	v.X.Multiply(&x, &t)
	v.Y.Multiply(&y, &z)
	v.Z.Multiply(&z, &t)
	v.T.Multiply(&x, &y)
}

// signedDigits writes the signed radix-2^c digits of the scalar with
// little-endian encoding b into out (len(out) windows): sum d_j*2^(c*j) = s,
// each d_j in [-2^(c-1), 2^(c-1)]. It returns the number of windows up to
// the last non-zero digit.
func signedDigits(b []byte, c uint, out []int32) int {
	var limbs [4]uint64
	for i := range limbs {
		for k := 7; k >= 0; k-- {
			limbs[i] = limbs[i]<<8 | uint64(b[8*i+k])
		}
	}
	mask := uint64(1)<<c - 1
	half := int32(1) << (c - 1)
	carry := int32(0)
	top := 0
	for j := range out {
		pos := uint(j) * c
		var v uint64
		if pos < 256 {
			l, sh := pos/64, pos%64
			v = limbs[l] >> sh
			if sh+c > 64 && l+1 < 4 {
				v |= limbs[l+1] << (64 - sh)
			}
			v &= mask
		}
		d := int32(v) + carry
		carry = 0
		if d >= half {
			d -= 2 * half
			carry = 1
		}
		out[j] = d
		if d != 0 {
			top = j + 1
		}
	}
	return top
}

// pippengerWindow returns the window width minimising the estimated number
// of point additions for n terms of about bits bits.
func pippengerWindow(n, bits int) uint {
	best, bestCost := uint(4), int(^uint(0)>>1)
	for c := uint(4); c <= 16; c++ {
		windows := (bits+int(c)-1)/int(c) + 1
		cost := windows * (n + 2<<(c-1))
		if cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

// varTimePippenger sets out = sum(s[i]*p[i]) with the bucket method
// (Pippenger's algorithm with signed digits). It runs in variable time.
func varTimePippenger(out *edwards25519.Point, s []*Scalar, p []*edwards25519.Point) {
	n := len(s)
	// The window width depends on the average scalar length: the weights
	// of batch verification are 128-bit, other coefficients full size.
	enc := make([][32]byte, n)
	bits := 0
	for i, x := range s {
		copy(enc[i][:], x.Bytes())
		bits += bitLen(enc[i][:])
	}
	c := pippengerWindow(n, bits/n+1)
	nw := (256+int(c)-1)/int(c) + 1
	digits := make([]int32, n*nw)
	pts := make([]cachedPoint, n)
	affine := make([]bool, n) // Z = 1, as for every decoded element
	tops := make([]int, n)
	windows := 0
	var tmp extPoint
	for i := range n {
		tops[i] = signedDigits(enc[i][:], c, digits[i*nw:(i+1)*nw])
		windows = max(windows, tops[i])
		tmp.fromPoint(p[i])
		pts[i].fromExt(&tmp)
		affine[i] = tmp.Z.Equal(feOne) == 1
	}
	nb := 1 << (c - 1)
	buckets := make([]extPoint, nb+1)
	used := make([]bool, nb+1)
	var acc, running, total extPoint
	acc.setIdentity()
	for j := windows - 1; j >= 0; j-- {
		for range c {
			acc.double(&acc)
		}
		clear(used)
		for i := range n {
			if j >= tops[i] {
				continue
			}
			d := digits[i*nw+j]
			if d == 0 {
				continue
			}
			q := &pts[i]
			sub := d < 0
			if sub {
				d = -d
			}
			if !used[d] {
				buckets[d].setIdentity()
				used[d] = true
			}
			buckets[d].addOrSub(&buckets[d], q, affine[i], sub)
		}
		// sum_k k*B_k as the sum of the running sums B_top + ... + B_k.
		running.setIdentity()
		total.setIdentity()
		started := false
		for k := nb; k >= 1; k-- {
			if used[k] {
				running.add(&running, &buckets[k])
				started = true
			}
			if started {
				total.add(&total, &running)
			}
		}
		acc.add(&acc, &total)
	}
	if _, err := out.SetExtendedCoordinates(&acc.X, &acc.Y, &acc.Z, &acc.T); err != nil {
		panic("ristretto255: internal error: multi-scalar multiplication left the curve")
	}
}

// bitLen returns the position of the highest set bit of a little-endian
// 32-byte integer, plus one.
func bitLen(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			n := 0
			for x := b[i]; x != 0; x >>= 1 {
				n++
			}
			return 8*i + n
		}
	}
	return 0
}
