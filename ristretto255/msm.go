package ristretto255

import (
	"sync"

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

// pippengerWindow returns the window width c minimising the estimated
// cost of the bucket method for terms whose scalars have hist[b] scalars
// of bit length b: each term costs a mixed addition (7 multiplications)
// per window up to its own top digit, and each window up to the longest
// scalar's costs 2^c full additions (9 multiplications) to sum the
// buckets. Batch verification mixes 128-bit weights with full scalars,
// so the upper windows hold few terms and an average length would choose
// too wide a window. c is at most 15, so that every signed digit, at most
// 2^(c-1) in absolute value, fits an int16.
func pippengerWindow(hist *[257]int) uint {
	maxBits := 0
	for b, k := range hist {
		if k > 0 {
			maxBits = b
		}
	}
	best, bestCost := uint(4), int(^uint(0)>>1)
	for c := uint(4); c <= 15; c++ {
		cost := 0
		for b, k := range hist {
			cost += 7 * k * ((b+int(c)-1)/int(c) + 1)
		}
		cost += 9 << c * ((maxBits+int(c)-1)/int(c) + 1)
		if cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

// pippengerScratch is the working memory of one varTimePippenger call,
// kept in a pool: a batch verification makes thousands of calls with
// about the same number of terms, and allocating (and zeroing) megabytes
// for each would cost more than the digit recoding.
type pippengerScratch struct {
	enc     [][32]byte
	digits  []int16 // window-major: digits[j*n+i] is digit j of term i
	pts     []cachedPoint
	affine  []bool
	buckets []extPoint
	used    []bool
}

var pippengerPool = sync.Pool{New: func() any { return new(pippengerScratch) }}

// grow returns s with length n, reallocated only if its capacity is short;
// the contents are not cleared.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// varTimePippenger sets out = sum(s[i]*p[i]) with the bucket method
// (Pippenger's algorithm with signed digits). It runs in variable time.
func varTimePippenger(out *edwards25519.Point, s []*Scalar, p []*edwards25519.Point) {
	n := len(s)
	sc := pippengerPool.Get().(*pippengerScratch)
	defer pippengerPool.Put(sc)
	// The window width depends on the scalars' lengths: the weights of
	// batch verification are 128-bit, other coefficients full size.
	sc.enc = grow(sc.enc, n)
	enc := sc.enc
	var hist [257]int
	for i, x := range s {
		copy(enc[i][:], x.Bytes())
		hist[bitLen(enc[i][:])]++
	}
	c := pippengerWindow(&hist)
	nw := (256+int(c)-1)/int(c) + 1
	sc.digits = grow(sc.digits, n*nw)
	sc.pts = grow(sc.pts, n)
	sc.affine = grow(sc.affine, n) // Z = 1, as for every decoded element
	digits, pts, affine := sc.digits, sc.pts, sc.affine
	windows := 0
	var tmp extPoint
	var d32 [256/4 + 1]int32
	for i := range n {
		top := signedDigits(enc[i][:], c, d32[:nw])
		windows = max(windows, top)
		for j := range nw {
			digits[j*n+i] = int16(d32[j])
		}
		tmp.fromPoint(p[i])
		pts[i].fromExt(&tmp)
		affine[i] = tmp.Z.Equal(feOne) == 1
	}
	nb := 1 << (c - 1)
	sc.buckets = grow(sc.buckets, nb+1)
	sc.used = grow(sc.used, nb+1)
	buckets, used := sc.buckets, sc.used
	var acc, running, total extPoint
	acc.setIdentity()
	for j := windows - 1; j >= 0; j-- {
		for range c {
			acc.double(&acc)
		}
		clear(used)
		for i, d := range digits[j*n : (j+1)*n] {
			if d == 0 {
				continue
			}
			sub := d < 0
			if sub {
				d = -d
			}
			if !used[d] {
				buckets[d].setIdentity()
				used[d] = true
			}
			buckets[d].addOrSub(&buckets[d], &pts[i], affine[i], sub)
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
