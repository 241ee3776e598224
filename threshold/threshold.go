// Package threshold implements threshold key generation and decryption for
// the trustees of a plebiscite, as specified in docs/SPEC.md, Section 12
// (docs/SPEC.md): a Joint-Feldman distributed key generation
// over ristretto255 with Schnorr proofs of knowledge, encrypted shares posted
// on the record and publicly decidable complaints; decryption shares with
// DLEQ proofs and their Lagrange combination with absent trustees; and the
// coalition analysis that says which camps of trustees can decrypt or block
// a tally.
//
// Every public message has a canonical, strictly decoded byte encoding. A
// trustee's secrets live only in its key file (Trustee.MarshalBinary).
package threshold

import (
	"encoding/binary"
	"errors"
	"fmt"

	"concord/ristretto255"
)

// MaxTrustees is the largest number of trustees (SPEC §12.1).
const MaxTrustees = 255

// MaxContext is the largest context, in bytes (SPEC §12.1).
const MaxContext = 65535

// Labels of SPEC §12.1, each ending in a zero byte.
const (
	labelCommit    = "concord/threshold/v1/commitment\x00"
	labelShare     = "concord/threshold/v1/share\x00"
	labelComplaint = "concord/threshold/v1/complaint\x00"
	labelDecrypt   = "concord/threshold/v1/decryption\x00"
	labelBatch     = "concord/threshold/v1/batch\x00"
	labelKeyFile   = "concord/threshold/v1/trustee-key\x00"
)

// Sentinel errors callers can tell apart (SPEC §12.13).
var (
	// ErrTooFewQualified means fewer than k dealers are qualified: the key
	// generation must be restarted (SPEC §12.7).
	ErrTooFewQualified = errors.New("too few qualified dealers")
	// ErrTooFewShares means fewer than k valid decryption shares were given
	// (SPEC §12.10).
	ErrTooFewShares = errors.New("too few decryption shares")
	// ErrShareMismatch means a trustee's secret share does not match its
	// public verification key (SPEC §12.8).
	ErrShareMismatch = errors.New("secret share does not match verification key")
	// ErrNotFinished means the trustee has not completed key generation.
	ErrNotFinished = errors.New("trustee has not finished key generation; call Finish first")
)

// Params are the public parameters of one key generation (SPEC §12.1).
type Params struct {
	N, K    int    // n trustees, any K of them can decrypt
	Context []byte // binds every proof to one plebiscite: the manifest hash
}

// Check reports whether the parameters are in range.
func (p Params) Check() error {
	if err := p.check(); err != nil {
		return errors.New("threshold: " + err.Error())
	}
	return nil
}

func (p Params) check() error {
	switch {
	case p.N < 1 || p.N > MaxTrustees:
		return fmt.Errorf("%d trustees; want 1 to %d", p.N, MaxTrustees)
	case p.K < 1 || p.K > p.N:
		return fmt.Errorf("threshold %d with %d trustees; want 1 to %d", p.K, p.N, p.N)
	case len(p.Context) > MaxContext:
		return fmt.Errorf("context of %d bytes; want at most %d", len(p.Context), MaxContext)
	}
	return nil
}

// encode returns PARAMS of SPEC §12.1.
func (p Params) encode() []byte {
	b := []byte{byte(p.N), byte(p.K)}
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Context)))
	return append(b, p.Context...)
}

// transcript concatenates a label, PARAMS and further parts.
func (p Params) transcript(label string, parts ...[]byte) []byte {
	b := append([]byte(label), p.encode()...)
	for _, x := range parts {
		b = append(b, x...)
	}
	return b
}

// indexScalar returns the trustee index j as a scalar.
func indexScalar(j int) *ristretto255.Scalar {
	return ristretto255.ScalarFromUint64(uint64(j))
}

// evalPoly returns f(j) for the coefficients a_0 … a_{k-1} (Horner's rule).
func evalPoly(coeffs []*ristretto255.Scalar, j int) *ristretto255.Scalar {
	x := indexScalar(j)
	acc := ristretto255.NewScalar()
	for m := len(coeffs) - 1; m >= 0; m-- {
		acc.MultiplyAdd(acc, x, coeffs[m])
	}
	return acc
}

// powers returns 1, j, j², … j^(k-1) as scalars.
func powers(j, k int) []*ristretto255.Scalar {
	x := indexScalar(j)
	out := make([]*ristretto255.Scalar, k)
	out[0] = indexScalar(1)
	for m := 1; m < k; m++ {
		out[m] = ristretto255.NewScalar().Multiply(out[m-1], x)
	}
	return out
}

// lagrange returns λ_{S,j} = Π_{m∈S, m≠j} m·(m−j)^{-1} for each j in set
// (SPEC §12.10 step 4). The indices must be distinct.
func lagrange(set []int) []*ristretto255.Scalar {
	out := make([]*ristretto255.Scalar, len(set))
	for a, j := range set {
		num, den := indexScalar(1), indexScalar(1)
		xj := indexScalar(j)
		for _, m := range set {
			if m == j {
				continue
			}
			xm := indexScalar(m)
			num.Multiply(num, xm)
			den.Multiply(den, ristretto255.NewScalar().Subtract(xm, xj))
		}
		out[a] = num.Multiply(num, ristretto255.NewScalar().Invert(den))
	}
	return out
}
