package zkp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sync/atomic"

	"concord/elgamal"
	"concord/ristretto255"
)

// MaxRangeSize is the largest number of values max-min+1 a [RangeProof] may
// cover (SPEC §11.6); the proof grows linearly with it.
const MaxRangeSize = 256

// orProof is the disjunctive Chaum-Pedersen proof of SPEC §11.5 that a
// ciphertext (A, B) encrypts one of the values v_0 < ... < v_{k-1}: for
// each branch i, commitments a_i, b_i, a challenge share c_i and a response
// z_i with z_i*G == a_i + c_i*A and z_i*Y == b_i + c_i*(B - v_i*G), and the
// shares sum to the Fiat-Shamir challenge. The last share is not encoded.
type orProof struct {
	a, b []*Element // commitments, k each
	c    []*Scalar  // challenge shares c_0 .. c_{k-2} (c_{k-1} is derived)
	z    []*Scalar  // responses, k
	raw  []byte     // the encoding the proof was parsed from, or nil
}

// commitmentBytes returns a_0 || b_0 || ... || a_{k-1} || b_{k-1}, the
// commitments' encodings, from the parsed bytes if the proof has them.
func (p *orProof) commitmentBytes() []byte {
	if p.raw != nil {
		return p.raw[:64*len(p.a)]
	}
	out := make([]byte, 0, 64*len(p.a))
	for i := range p.a {
		out = p.a[i].AppendBytes(out)
		out = p.b[i].AppendBytes(out)
	}
	return out
}

// generatorEncoding is the encoding of the generator G.
var generatorEncoding = ristretto255.NewGeneratorElement().Bytes()

// orStatement is the public part of an OR proof: everything the challenge
// binds besides the commitments.
type orStatement struct {
	label    string
	ctx      []byte
	pk       *elgamal.PublicKey
	ct       *elgamal.Ciphertext
	min, max uint64 // values are min, min+1, ..., max
	isRange  bool   // the range proof also binds min and max
}

func (s *orStatement) k() int { return int(s.max - s.min + 1) }

// challenge computes the Fiat-Shamir challenge of SPEC §11.5, prover step 3.
func (s *orStatement) challenge(a, b []*Element) *Scalar {
	t := NewTranscript(s.label)
	t.Append("ctx", s.ctx)
	t.Append("G", generatorEncoding)
	t.AppendElement("pk", s.pk.Y)
	t.AppendElement("A", s.ct.A)
	t.AppendElement("B", s.ct.B)
	if s.isRange {
		t.AppendUint64("min", s.min)
		t.AppendUint64("max", s.max)
	}
	for i := range a {
		t.AppendElement("a", a[i])
		t.AppendElement("b", b[i])
	}
	return t.Challenge("c")
}

// challengeEncoded is challenge computed from encodings: pkEnc of the
// public key, ctEnc of the ciphertext (A || B) and commitments of the a_i
// and b_i interleaved, as commitmentBytes returns them. It gives the same
// scalar as challenge without encoding any element.
func (s *orStatement) challengeEncoded(pkEnc, ctEnc, commitments []byte) *Scalar {
	var arr [1536]byte
	t := appendOpening(arr[:0], s.label)
	t = appendRecord(t, "ctx", s.ctx)
	t = appendRecord(t, "G", generatorEncoding)
	t = appendRecord(t, "pk", pkEnc)
	t = appendRecord(t, "A", ctEnc[:32])
	t = appendRecord(t, "B", ctEnc[32:64])
	if s.isRange {
		t = appendUint64Record(t, "min", s.min)
		t = appendUint64Record(t, "max", s.max)
	}
	for i := 0; i+64 <= len(commitments); i += 64 {
		t = appendRecord(t, "a", commitments[i:i+32])
		t = appendRecord(t, "b", commitments[i+32:i+64])
	}
	return oneChallenge(t, "c")
}

// prove builds the proof for plaintext m (min <= m <= max) and randomness r.
// It runs in time independent of m (SPEC §11.5, prover).
func (s *orStatement) prove(m uint64, r *Scalar) *orProof {
	return s.proveWith(m, r, s.challenge)
}

// proveWith is prove with the challenge function as a parameter.
//
// It computes the commitments of SPEC §11.5, prover step 2, from the
// prover's secrets instead of A and B (the implementation note there): with
// A = r*G and B = m*G + r*Y,
//
//	a_i = z_i*G - c_i*A           = t_i*G            with t_i = z_i - c_i*r
//	b_i = z_i*Y - c_i*(B - v_i*G) = t_i*Y + u_i*G    with u_i = c_i*(v_i - m)
//
// which are the same group elements, so the proof is the same byte for
// byte; only fixed-base multiplications remain (G by the edwards25519 table,
// Y by a [ristretto255.FixedBaseTable] cached per key). For the real branch
// c_j = 0 and z_j = w give t_j = w and u_j = 0, so a_j = w*G and b_j = w*Y.
// Every branch runs the same operations on scalars chosen by constant-time
// selection, and m enters only through scalar arithmetic, so the running
// time and memory accesses do not depend on m, r, w or j. If ct is not the
// encryption of m with r, the proof does not verify (as before).
func (s *orStatement) proveWith(m uint64, r *Scalar, challenge func(a, b []*Element) *Scalar) *orProof {
	k := s.k()
	zero := ristretto255.NewScalar()
	w := ristretto255.RandomScalar()
	yTable := keyTable(s.pk.Y)
	mScalar := ristretto255.ScalarFromUint64(m)
	p := &orProof{a: make([]*Element, k), b: make([]*Element, k), z: make([]*Scalar, k)}
	cs := make([]*Scalar, k)
	j := m - s.min
	t, u := ristretto255.NewScalar(), ristretto255.NewScalar()
	uG := ristretto255.NewElement()
	for i := range k {
		isReal := subtle.ConstantTimeEq(int32(i), int32(j))
		// Simulated branch: random c_i, z_i. Real branch: c_j = 0, z_j = w,
		// so that the uniform formulas below give a_j = w*G, b_j = w*Y.
		cs[i], p.z[i] = ristretto255.RandomScalar(), ristretto255.RandomScalar()
		selectScalar(cs[i], zero, cs[i], isReal)
		selectScalar(p.z[i], w, p.z[i], isReal)
		t.Multiply(cs[i], r)
		t.Subtract(p.z[i], t)
		u.Subtract(ristretto255.ScalarFromUint64(s.min+uint64(i)), mScalar)
		u.Multiply(cs[i], u)
		p.a[i] = ristretto255.NewElement().ScalarBaseMult(t)
		p.b[i] = ristretto255.NewElement().FixedBaseMult(yTable, t)
		p.b[i].Add(p.b[i], uG.ScalarBaseMult(u))
	}
	c := challenge(p.a, p.b)
	// c_j = c - sum of the other shares (c_j is currently 0); z_j = w + c_j*r.
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

// cachedKey is the fixed-base table of the public key of the last proof.
type cachedKey struct {
	y   *Element
	tbl *ristretto255.FixedBaseTable
}

// lastKey caches one table: a voter proves many statements under one
// election key, and building a table costs about two scalar multiplications.
var lastKey atomic.Pointer[cachedKey]

// keyTable returns the fixed-base table of the public key Y, from the cache
// if Y is the key of the last proof. Y is public: looking it up may take
// variable time.
func keyTable(Y *Element) *ristretto255.FixedBaseTable {
	if c := lastKey.Load(); c != nil && c.y.Equal(Y) == 1 {
		return c.tbl
	}
	tbl := ristretto255.NewFixedBaseTable(Y)
	lastKey.Store(&cachedKey{y: tbl.Element(), tbl: tbl})
	return tbl
}

// shares returns the k challenge shares of p: the k-1 encoded ones and
// c_{k-1} = c - (c_0 + ... + c_{k-2}) (SPEC §11.5, verifier step 2).
func (s *orStatement) shares(p *orProof) []*Scalar {
	c := s.challenge(p.a, p.b)
	for _, ci := range p.c {
		c.Subtract(c, ci)
	}
	return append(append(make([]*Scalar, 0, len(p.a)), p.c...), c)
}

// verify checks p one equation at a time (SPEC §11.5, verifier).
func (s *orStatement) verify(p *orProof) error {
	if len(p.a) != s.k() {
		return invalid(fmt.Sprintf("proof has %d branches; the statement has %d values", len(p.a), s.k()))
	}
	cs := s.shares(p)
	G := ristretto255.NewGeneratorElement()
	e := ristretto255.NewElement()
	for i := range p.a {
		nc := neg(cs[i])
		// z_i*G - c_i*A == a_i
		if e.VarTimeDoubleScalarBaseMult(nc, s.ct.A, p.z[i]).Equal(p.a[i]) != 1 {
			return invalid(fmt.Sprintf("branch %d: z*G != a + c*A", i))
		}
		// z_i*Y - c_i*B + c_i*v_i*G == b_i
		cv := ristretto255.NewScalar().Multiply(cs[i], ristretto255.ScalarFromUint64(s.min+uint64(i)))
		e.VarTimeMultiScalarMult([]*Scalar{p.z[i], nc, cv}, []*Element{s.pk.Y, s.ct.B, G})
		if e.Equal(p.b[i]) != 1 {
			return invalid(fmt.Sprintf("branch %d: z*Y != b + c*(B - v*G)", i))
		}
	}
	return nil
}

// size returns the encoded length of a k-branch proof: 128k - 32.
func orProofSize(k int) int { return 128*k - 32 }

// appendBytes encodes a_0 || b_0 || ... || a_{k-1} || b_{k-1} || c_0 || ...
// || c_{k-2} || z_0 || ... || z_{k-1} (SPEC §11.5).
func (p *orProof) appendBytes(out []byte) []byte {
	for i := range p.a {
		out = p.a[i].AppendBytes(out)
		out = p.b[i].AppendBytes(out)
	}
	for i := range p.c {
		out = append(out, p.c[i].Bytes()...)
	}
	for i := range p.z {
		out = append(out, p.z[i].Bytes()...)
	}
	return out
}

func parseOrProof(b []byte, k int) (*orProof, error) {
	d := &decoder{b: b}
	p := &orProof{a: make([]*Element, k), b: make([]*Element, k), c: make([]*Scalar, k-1), z: make([]*Scalar, k)}
	// One allocation for the elements and one for the scalars.
	elems := make([]Element, 2*k)
	scalars := make([]Scalar, 2*k-1)
	for i := range k {
		p.a[i] = d.elementInto(&elems[2*i], "a", i)
		p.b[i] = d.elementInto(&elems[2*i+1], "b", i)
	}
	for i := range k - 1 {
		p.c[i] = d.scalarInto(&scalars[i], "c", i)
	}
	for i := range k {
		p.z[i] = d.scalarInto(&scalars[k-1+i], "z", i)
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	p.raw = append([]byte(nil), b...)
	return p, nil
}

// BitProof proves that an exponential ElGamal ciphertext encrypts 0 or 1
// (SPEC §11.5). Encoding: 224 bytes.
type BitProof struct {
	p *orProof
}

// BitProofSize is the length of an encoded [BitProof].
const BitProofSize = 224

func bitStatement(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext) *orStatement {
	return &orStatement{label: labelBit, ctx: ctx, pk: pk, ct: ct, min: 0, max: 1}
}

// ProveBit proves that ct = EncryptWith(pk, m, r) encrypts 0 or 1, bound to
// ctx (SPEC §11.5). It runs in time independent of m. It panics if m is
// neither 0 nor 1; if ct is not the encryption of m with r, the proof will
// not verify.
func ProveBit(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, m uint64, r *Scalar) *BitProof {
	if m > 1 {
		panic("zkp: ProveBit called with a value other than 0 or 1")
	}
	return &BitProof{p: bitStatement(ctx, pk, ct).prove(m, r)}
}

// Verify checks that p proves ct encrypts 0 or 1 under pk, bound to ctx.
func (p *BitProof) Verify(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext) error {
	if err := bitStatement(ctx, pk, ct).verify(p.p); err != nil {
		return fmt.Errorf("bit proof: %w", err)
	}
	return nil
}

// Bytes returns the 224-byte encoding of p.
func (p *BitProof) Bytes() []byte {
	return p.p.appendBytes(make([]byte, 0, BitProofSize))
}

// ParseBitProof decodes a BitProof strictly.
func ParseBitProof(b []byte) (*BitProof, error) {
	if len(b) != BitProofSize {
		return nil, fmt.Errorf("%w: bit proof must be %d bytes, got %d", ErrMalformedProof, BitProofSize, len(b))
	}
	p, err := parseOrProof(b, 2)
	if err != nil {
		return nil, err
	}
	return &BitProof{p: p}, nil
}

// RangeProof proves that an exponential ElGamal ciphertext encrypts a value
// in [min, max] (SPEC §11.6). Encoding: 128*(max-min+1) - 32 bytes.
type RangeProof struct {
	p *orProof
}

// ErrBadRange is returned for an empty range or one larger than MaxRangeSize.
var ErrBadRange = errors.New("zkp: bad range")

func rangeStatement(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, min, max uint64) (*orStatement, error) {
	if min > max || max-min >= MaxRangeSize {
		return nil, fmt.Errorf("%w [%d, %d]: need min <= max and at most %d values", ErrBadRange, min, max, MaxRangeSize)
	}
	return &orStatement{label: labelRange, ctx: ctx, pk: pk, ct: ct, min: min, max: max, isRange: true}, nil
}

// ProveRange proves that ct = EncryptWith(pk, m, r) encrypts a value in
// [min, max], bound to ctx (SPEC §11.6). It runs in time independent of m
// (but not of min and max). It returns an error if the range is invalid or
// does not contain m.
func ProveRange(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, m uint64, r *Scalar, min, max uint64) (*RangeProof, error) {
	s, err := rangeStatement(ctx, pk, ct, min, max)
	if err != nil {
		return nil, err
	}
	if m < min || m > max {
		return nil, fmt.Errorf("%w: value not in [%d, %d]", ErrBadRange, min, max)
	}
	return &RangeProof{p: s.prove(m, r)}, nil
}

// Verify checks that p proves ct encrypts a value in [min, max] under pk,
// bound to ctx.
func (p *RangeProof) Verify(ctx []byte, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, min, max uint64) error {
	s, err := rangeStatement(ctx, pk, ct, min, max)
	if err != nil {
		return fmt.Errorf("range proof: %w", err)
	}
	if err := s.verify(p.p); err != nil {
		return fmt.Errorf("range proof: %w", err)
	}
	return nil
}

// Bytes returns the encoding of p.
func (p *RangeProof) Bytes() []byte {
	return p.p.appendBytes(make([]byte, 0, orProofSize(len(p.p.a))))
}

// ParseRangeProof decodes a RangeProof strictly. The number of values it
// covers follows from its length, which must be 128*k - 32 for some k in
// [1, MaxRangeSize]; Verify then checks that k = max-min+1.
func ParseRangeProof(b []byte) (*RangeProof, error) {
	if (len(b)+32)%128 != 0 || len(b) < orProofSize(1) || len(b) > orProofSize(MaxRangeSize) {
		return nil, fmt.Errorf("%w: range proof length %d is not 128*k-32 for 1 <= k <= %d", ErrMalformedProof, len(b), MaxRangeSize)
	}
	p, err := parseOrProof(b, (len(b)+32)/128)
	if err != nil {
		return nil, err
	}
	return &RangeProof{p: p}, nil
}
