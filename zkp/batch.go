package zkp

import (
	"crypto/rand"
	"fmt"

	"concord/elgamal"
	"concord/ristretto255"
)

// BitStatement is one bit proof with its statement, an input of
// [VerifyBitBatchVarTime]. All statements of a batch share the public key.
type BitStatement struct {
	Ctx        []byte
	Ciphertext *elgamal.Ciphertext
	Proof      *BitProof
}

// BatchError reports which statements of a batch failed verification. It
// wraps ErrInvalidProof.
type BatchError struct {
	Bad []int // indices into the batch, in increasing order
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("zkp: %d proofs of the batch do not verify, at indices %v", len(e.Bad), e.Bad)
}

func (e *BatchError) Unwrap() error { return ErrInvalidProof }

// VerifyBitBatchVarTime verifies many bit proofs under the same public key
// with one multi-scalar multiplication, combining all their verification
// equations with independent random 128-bit weights (SPEC §11.7). It accepts
// exactly when every proof would pass [BitProof.Verify], except with
// probability at most 2^-128 per call. If the batch fails, it is bisected and
// the returned *BatchError names the failing statements. It runs in variable
// time: use it only on public inputs.
func VerifyBitBatchVarTime(pk *elgamal.PublicKey, items []BitStatement) error {
	b := NewBatch(pk)
	for _, it := range items {
		b.AddBit(it.Ctx, it.Ciphertext, nil, it.Proof)
	}
	return b.VerifyVarTime()
}

// RangeStatement is one range proof with its statement, an input of
// [VerifyRangeBatchVarTime].
type RangeStatement struct {
	Ctx        []byte
	Ciphertext *elgamal.Ciphertext
	Min, Max   uint64
	Proof      *RangeProof
}

// VerifyRangeBatchVarTime is [VerifyBitBatchVarTime] for range proofs.
func VerifyRangeBatchVarTime(pk *elgamal.PublicKey, items []RangeStatement) error {
	b := NewBatch(pk)
	var bad []int
	for i, it := range items {
		if b.items[b.AddRange(it.Ctx, it.Ciphertext, nil, it.Min, it.Max, it.Proof)].bad {
			bad = append(bad, i)
		}
	}
	if bad != nil {
		// A proof that does not fit its range fails without any arithmetic;
		// such failures are reported alone.
		return &BatchError{Bad: bad}
	}
	return b.VerifyVarTime()
}

// bisect checks the items 0..n-1 with ok, a batch check of a subset; a
// failing subset is split in halves, down to single items, and the failing
// items are returned in a *BatchError (SPEC §11.7). Every call of ok draws
// fresh weights.
func bisect(n int, ok func(idx []int) bool) error {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	var bad []int
	var rec func(idx []int)
	rec = func(idx []int) {
		if len(idx) == 0 || ok(idx) {
			return
		}
		if len(idx) == 1 {
			bad = append(bad, idx[0])
			return
		}
		rec(idx[:len(idx)/2])
		rec(idx[len(idx)/2:])
	}
	rec(idx)
	if bad != nil {
		return &BatchError{Bad: bad}
	}
	return nil
}

// DLEQStatement is one DLEQ proof with its statement, an input of
// [VerifyDLEQBatchVarTime].
type DLEQStatement struct {
	Ctx        []byte
	G, H, X, Y *Element
	Proof      *DLEQProof
}

// VerifyDLEQBatchVarTime verifies many DLEQ proofs (for example all the
// decryption shares of a tally) with one multi-scalar multiplication, as
// [VerifyBitBatchVarTime] does for bit proofs (SPEC §11.7). It runs in
// variable time: use it only on public inputs.
func VerifyDLEQBatchVarTime(items []DLEQStatement) error {
	cs := make([]*Scalar, len(items))
	for i, it := range items {
		cs[i] = dleqChallenge(it.Ctx, it.G, it.H, it.X, it.Y, it.Proof.R1, it.Proof.R2)
	}
	return bisect(len(items), func(idx []int) bool {
		// sum rho*(z*G - c*X - R1) + sigma*(z*H - c*Y - R2) == identity
		scalars := make([]*Scalar, 0, 6*len(idx))
		points := make([]*Element, 0, 6*len(idx))
		weights := randomWeights(2 * len(idx))
		for n, i := range idx {
			it, rho, sigma := items[i], weights[2*n], weights[2*n+1]
			rz := ristretto255.NewScalar().Multiply(rho, it.Proof.Z)
			sz := ristretto255.NewScalar().Multiply(sigma, it.Proof.Z)
			rc := neg(ristretto255.NewScalar().Multiply(rho, cs[i]))
			sc := neg(ristretto255.NewScalar().Multiply(sigma, cs[i]))
			scalars = append(scalars, rz, rc, rho, sz, sc, sigma)
			points = append(points, it.G, it.X, ristretto255.NewElement().Negate(it.Proof.R1),
				it.H, it.Y, ristretto255.NewElement().Negate(it.Proof.R2))
		}
		sum := ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
		return sum.Equal(ristretto255.NewElement()) == 1
	})
}

// randomWeights returns n independent uniformly random scalars in [0, 2^128).
func randomWeights(n int) []*Scalar {
	buf := make([]byte, 16*n)
	if _, err := rand.Read(buf); err != nil {
		panic("zkp: crypto/rand failed: " + err.Error())
	}
	w := make([]*Scalar, n)
	var b [32]byte
	for i := range w {
		copy(b[:16], buf[16*i:])
		w[i], _ = ristretto255.NewScalar().SetCanonicalBytes(b[:]) // < 2^128 < l
	}
	return w
}
