package zkp

import (
	"crypto/sha512"

	"filippo.io/edwards25519"

	"concord/elgamal"
	"concord/ristretto255"
)

// Batch collects bit and range proofs under one public key and verifies
// them all with one random linear combination, evaluated as one
// multi-scalar multiplication (SPEC §11.7.1). Each challenge is hashed once,
// when the proof is added, from the encodings the proof and ciphertext
// were decoded from, so that no element is re-encoded. A Batch is not safe
// for concurrent use; use one per goroutine.
type Batch struct {
	pk    *elgamal.PublicKey
	pkEnc []byte
	items []batchItem
}

type batchItem struct {
	ct    *elgamal.Ciphertext
	p     *orProof
	min   uint64
	cs    []*Scalar // the k challenge shares
	neg   []Element // the negated commitments: -a_0, -b_0, -a_1, -b_1, ...
	bad   bool      // fails before any equation: wrong number of branches, bad range
	parts []int     // for AddRangeOfSum: the items whose ciphertexts ct sums
	sig   *sigItem  // for AddEd25519: the signature, and no proof
}

// sigItem is an Ed25519 signature in a batch (SPEC §11.7.3): its equation
// is [8]([S]B - R - [k]A) == identity.
type sigItem struct {
	negR, a edwards25519.Point
	s, k    Scalar
}

// NewBatch returns an empty batch for proofs under pk.
func NewBatch(pk *elgamal.PublicKey) *Batch {
	return &Batch{pk: pk, pkEnc: pk.Y.Bytes()}
}

// Len returns the number of proofs added.
func (b *Batch) Len() int { return len(b.items) }

// AddBit adds a bit proof on ct, bound to ctx (SPEC §11.5), and returns
// its index in the batch. ctEnc is the 64-byte encoding ct was decoded
// from, or nil to have it computed: it enters the challenge in place of ct,
// so it must be exactly ct's encoding.
func (b *Batch) AddBit(ctx []byte, ct *elgamal.Ciphertext, ctEnc []byte, p *BitProof) int {
	return b.add(bitStatement(ctx, b.pk, ct), ctEnc, p.p)
}

// AddRange adds a range proof that ct encrypts a value in [min, max], bound
// to ctx (SPEC §11.6), and returns its index in the batch. ctEnc is as for
// [Batch.AddBit]. A range the proof cannot cover (see [ErrBadRange]) makes
// the item fail.
func (b *Batch) AddRange(ctx []byte, ct *elgamal.Ciphertext, ctEnc []byte, min, max uint64, p *RangeProof) int {
	s, err := rangeStatement(ctx, b.pk, ct, min, max)
	if err != nil {
		b.items = append(b.items, batchItem{bad: true})
		return len(b.items) - 1
	}
	return b.add(s, ctEnc, p.p)
}

// AddRangeOfSum adds a range proof on the sum of the ciphertexts of the
// items parts (earlier items of this batch), as a ballot's range proof
// is on the sum of its options (SPEC §14.3), and returns its index. The
// batch computes the sum itself; when the parts are verified in the same
// combination, the sum's coefficients are added to theirs instead of
// entering as two more terms (SPEC §11.7.1).
func (b *Batch) AddRangeOfSum(ctx []byte, parts []int, min, max uint64, p *RangeProof) int {
	sum := elgamal.NewCiphertext()
	for _, q := range parts {
		if q < 0 || q >= len(b.items) || b.items[q].ct == nil {
			b.items = append(b.items, batchItem{bad: true})
			return len(b.items) - 1
		}
		sum.Add(sum, b.items[q].ct)
	}
	i := b.AddRange(ctx, sum, nil, min, max, p)
	if !b.items[i].bad {
		b.items[i].parts = append([]int(nil), parts...)
	}
	return i
}

// AddEd25519 adds the Ed25519 signature sig of the message that is the
// concatenation of msg, under the public key pub, with the cofactored
// verification of SPEC §14.4, and returns its index in the batch. An
// encoding that SPEC §14.4 refuses (a key or R that is not the canonical
// encoding of a point, S not below the group order, wrong lengths) makes
// the item fail. The batch checks the equation with the proofs, in the
// same multi-scalar multiplication (SPEC §11.7.3).
func (b *Batch) AddEd25519(pub, sig []byte, msg ...[]byte) int {
	it := batchItem{}
	if si, ok := decodeEd25519(pub, sig, msg); ok {
		it.sig = si
	} else {
		it.bad = true
	}
	b.items = append(b.items, it)
	return len(b.items) - 1
}

// decodeEd25519 decodes a signature for the batch and computes its
// challenge k = SHA-512(R || A || M) mod l (RFC 8032, Section 5.1.7).
func decodeEd25519(pub, sig []byte, msg [][]byte) (*sigItem, bool) {
	if len(pub) != 32 || len(sig) != 64 {
		return nil, false
	}
	a, ok := ristretto255.DecodeEdwardsPoint(pub)
	if !ok {
		return nil, false
	}
	r, ok := ristretto255.DecodeEdwardsPoint(sig[:32])
	if !ok {
		return nil, false
	}
	si := &sigItem{}
	if _, err := si.s.SetCanonicalBytes(sig[32:]); err != nil {
		return nil, false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(pub)
	for _, m := range msg {
		h.Write(m)
	}
	var d [64]byte
	if _, err := si.k.SetUniformBytes(h.Sum(d[:0])); err != nil {
		panic("zkp: internal error: " + err.Error())
	}
	si.negR.Negate(r)
	si.a.Set(a)
	return si, true
}

func (b *Batch) add(s *orStatement, ctEnc []byte, p *orProof) int {
	it := batchItem{ct: s.ct, p: p, min: s.min}
	if len(p.a) != s.k() {
		it.bad = true
	} else {
		if ctEnc == nil {
			ctEnc = s.ct.Bytes()
		}
		c := s.challengeEncoded(b.pkEnc, ctEnc, p.commitmentBytes())
		it.cs = make([]*Scalar, 0, len(p.a))
		it.cs = append(it.cs, p.c...)
		for _, ci := range p.c {
			c.Subtract(c, ci)
		}
		it.cs = append(it.cs, c)
		it.neg = make([]Element, 2*len(p.a)) // one allocation for all
		for i := range p.a {
			it.neg[2*i].Negate(p.a[i])
			it.neg[2*i+1].Negate(p.b[i])
		}
	}
	b.items = append(b.items, it)
	return len(b.items) - 1
}

// Terms returns the number of terms of the multi-scalar multiplication
// that verifies the whole batch: G, the public key, each ciphertext's two
// components (but not those of a sum whose parts are in the batch) and each
// branch's two commitments.
func (b *Batch) Terms() int {
	n := 2
	for _, it := range b.items {
		if it.bad {
			continue
		}
		if it.sig != nil {
			n += 2
			continue
		}
		if n += 2 * len(it.p.a); it.parts == nil {
			n += 2
		}
	}
	return n
}

// VerifyVarTime checks every proof of the batch (SPEC §11.7): nil if all
// verify, or a *BatchError naming, in increasing order, the indices of
// exactly those that fail one-by-one verification (except with probability
// at most 2^-128 per multi-scalar multiplication). A failing batch is
// bisected, each half with fresh weights. It runs in variable time.
func (b *Batch) VerifyVarTime() error {
	return bisect(len(b.items), b.ok)
}

// ok checks the items at idx with the random linear combination of SPEC
// §11.7: with weights rho, sigma per branch,
//
//	sum rho*(z*G - c*A - a) + sigma*(z*Y - c*B + c*v*G - b) == identity,
//
// where the coefficients of a sum ciphertext's A and B go to its parts
// when they are in idx too (SPEC §11.7.1).
func (b *Batch) ok(idx []int) bool {
	nTerms, nWeights, nSigs := 2, 0, 0
	pos := make(map[int]int, len(idx))
	for n, i := range idx {
		it := &b.items[i]
		if it.bad {
			return false
		}
		if it.sig != nil {
			nWeights++
			nSigs++
		} else {
			nTerms += 2 + 2*len(it.p.a)
			nWeights += 2 * len(it.p.a)
		}
		pos[i] = n
	}
	scalars := make([]*Scalar, 0, nTerms)
	points := make([]*Element, 0, nTerms)
	coefG, coefY := ristretto255.NewScalar(), ristretto255.NewScalar()
	scalars = append(scalars, coefG, coefY)
	points = append(points, ristretto255.NewGeneratorElement(), b.pk.Y)
	weights := randomWeights(nWeights)
	coefs := make([]Scalar, 2*len(idx))
	edScalars := make([]*Scalar, 0, 2*nSigs)
	edPoints := make([]*edwards25519.Point, 0, 2*nSigs)
	var tmp Scalar
	for n, i := range idx {
		it := &b.items[i]
		if si := it.sig; si != nil {
			// z*([S]B - R - [k]A): B's coefficient joins G's (the same
			// point up to 4-torsion, which the cofactor removes).
			z := weights[0]
			weights = weights[1:]
			coefG.MultiplyAdd(z, &si.s, coefG)
			zk := &coefs[2*n]
			zk.Multiply(z, &si.k)
			zk.Negate(zk)
			edScalars = append(edScalars, z, zk)
			edPoints = append(edPoints, &si.negR, &si.a)
			continue
		}
		coefA, coefB := &coefs[2*n], &coefs[2*n+1]
		for br := range it.p.a {
			rho, sigma := weights[0], weights[1]
			weights = weights[2:]
			c := it.cs[br]
			coefG.MultiplyAdd(rho, it.p.z[br], coefG)
			tmp.Multiply(sigma, c)
			switch v := it.min + uint64(br); v {
			case 0:
			case 1:
				coefG.Add(coefG, &tmp)
			default:
				coefG.MultiplyAdd(&tmp, ristretto255.ScalarFromUint64(v), coefG)
			}
			coefB.Subtract(coefB, &tmp)
			coefY.MultiplyAdd(sigma, it.p.z[br], coefY)
			coefA.Subtract(coefA, tmp.Multiply(rho, c))
			// Negated points rather than negated weights: a 128-bit weight
			// keeps few non-zero digits, so its term costs about half.
			scalars = append(scalars, rho, sigma)
			points = append(points, &it.neg[2*br], &it.neg[2*br+1])
		}
	}
	// Items are added in order, so a sum's parts come before it: fold the
	// sums from the last item back, then emit the remaining terms.
	folded := make([]bool, len(idx))
	for n := len(idx) - 1; n >= 0; n-- {
		it := &b.items[idx[n]]
		if it.parts == nil || it.sig != nil {
			continue
		}
		all := true
		for _, q := range it.parts {
			_, in := pos[q]
			all = all && in
		}
		if !all {
			continue
		}
		for _, q := range it.parts {
			m := pos[q]
			coefs[2*m].Add(&coefs[2*m], &coefs[2*n])
			coefs[2*m+1].Add(&coefs[2*m+1], &coefs[2*n+1])
		}
		folded[n] = true
	}
	for n, i := range idx {
		if !folded[n] && b.items[i].sig == nil {
			scalars = append(scalars, &coefs[2*n], &coefs[2*n+1])
			points = append(points, b.items[i].ct.A, b.items[i].ct.B)
		}
	}
	if nSigs == 0 {
		sum := ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
		return sum.Equal(ristretto255.NewElement()) == 1
	}
	return ristretto255.VarTimeCofactoredIdentity(scalars, points, edScalars, edPoints)
}
