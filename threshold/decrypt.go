package threshold

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/zkp"
)

// MaxBatch is the largest number of ciphertexts in one batch (SPEC §12.9).
const MaxBatch = 65535

// ShareError reports an invalid decryption share and names its trustee
// (SPEC §12.10 step 2).
type ShareError struct {
	Trustee int
	Err     error
}

func (e *ShareError) Error() string {
	return fmt.Sprintf("threshold: decryption share of trustee %d: %v", e.Trustee, e.Err)
}

func (e *ShareError) Unwrap() error { return e.Err }

// batchHash returns H of SPEC §12.9.
func batchHash(p Params, cts []*elgamal.Ciphertext) []byte {
	h := sha256.New()
	h.Write(p.transcript(labelBatch))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(cts))))
	for _, ct := range cts {
		h.Write(ct.A.Bytes())
		h.Write(ct.B.Bytes())
	}
	return h.Sum(nil)
}

// decryptContext returns ctx_l of SPEC §12.9.
func decryptContext(p Params, j, l int, h []byte) []byte {
	return p.transcript(labelDecrypt, []byte{byte(j)}, binary.BigEndian.AppendUint16(nil, uint16(l)), h)
}

func checkBatch(cts []*elgamal.Ciphertext) error {
	if len(cts) == 0 || len(cts) > MaxBatch {
		return fmt.Errorf("threshold: batch of %d ciphertexts; want 1 to %d", len(cts), MaxBatch)
	}
	for l, ct := range cts {
		if ct == nil || ct.A == nil || ct.B == nil {
			return fmt.Errorf("threshold: ciphertext %d of the batch is missing", l)
		}
	}
	return nil
}

// DecryptShare returns the trustee's decryption share for a batch of
// ciphertexts: D_l = x_j·A_l with a DLEQ proof each (SPEC §12.9).
func (t *Trustee) DecryptShare(cts []*elgamal.Ciphertext) (*DecryptionShare, error) {
	if t.share == nil {
		return nil, ErrNotFinished
	}
	if err := checkBatch(cts); err != nil {
		return nil, err
	}
	p := t.params
	h := batchHash(p, cts)
	g := ristretto255.NewGeneratorElement()
	x := t.VerificationKey()
	d := &DecryptionShare{Trustee: t.index, D: make([]*ristretto255.Element, len(cts)), Proofs: make([]*zkp.DLEQProof, len(cts))}
	for l, ct := range cts {
		d.D[l] = ristretto255.NewElement().ScalarMult(t.share, ct.A)
		d.Proofs[l] = zkp.ProveDLEQ(decryptContext(p, t.index, l, h), t.share, g, ct.A, x, d.D[l])
	}
	return d, nil
}

// Verify checks the decryption share against trustee j's verification key
// for the batch (SPEC §12.9). Failures are *ShareError.
func (d *DecryptionShare) Verify(p Params, x *ristretto255.Element, cts []*elgamal.Ciphertext) error {
	if err := checkBatch(cts); err != nil {
		return err
	}
	return d.verify(p, x, cts, batchHash(p, cts))
}

func (d *DecryptionShare) verify(p Params, x *ristretto255.Element, cts []*elgamal.Ciphertext, h []byte) error {
	if d.Trustee < 1 || d.Trustee > p.N {
		return &ShareError{d.Trustee, fmt.Errorf("trustee index out of range 1 to %d", p.N)}
	}
	if len(d.D) != len(cts) || len(d.Proofs) != len(cts) {
		return &ShareError{d.Trustee, fmt.Errorf("%d parts for %d ciphertexts", len(d.D), len(cts))}
	}
	g := ristretto255.NewGeneratorElement()
	for l, ct := range cts {
		if err := d.Proofs[l].Verify(decryptContext(p, d.Trustee, l, h), g, ct.A, x, d.D[l]); err != nil {
			return &ShareError{d.Trustee, fmt.Errorf("proof for ciphertext %d does not verify: %w", l, err)}
		}
	}
	return nil
}

// Combine decrypts one ciphertext from decryption shares: it returns
// M = B − Σ λ_j D_j, which is m·G for exponential ElGamal (SPEC §12.10).
// vk holds the verification keys, vk[j-1] = X_j.
func Combine(p Params, vk []*ristretto255.Element, ct *elgamal.Ciphertext, shares []*DecryptionShare) (*ristretto255.Element, error) {
	m, err := CombineBatch(p, vk, []*elgamal.Ciphertext{ct}, shares)
	if err != nil {
		return nil, err
	}
	return m[0], nil
}

// CombineBatch decrypts a batch of ciphertexts from decryption shares
// (SPEC §12.10). It refuses duplicate shares, any invalid share (the error
// names every bad trustee; each is a *ShareError reachable with errors.As),
// and fewer than k shares (ErrTooFewShares). It uses the k shares of the
// smallest trustee indices; any k valid shares give the same result. Its
// multi-scalar multiplications run in variable time on public values only.
func CombineBatch(p Params, vk []*ristretto255.Element, cts []*elgamal.Ciphertext, shares []*DecryptionShare) ([]*ristretto255.Element, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(vk) != p.N {
		return nil, fmt.Errorf("threshold: %d verification keys for %d trustees", len(vk), p.N)
	}
	if err := checkBatch(cts); err != nil {
		return nil, err
	}
	byIndex := make(map[int]*DecryptionShare)
	for _, d := range shares {
		if d == nil {
			return nil, errors.New("threshold: nil decryption share")
		}
		if byIndex[d.Trustee] != nil {
			return nil, &ShareError{d.Trustee, errors.New("duplicate share")}
		}
		byIndex[d.Trustee] = d
	}
	h := batchHash(p, cts)
	var bad []error
	var set []int
	for j, d := range byIndex {
		var err error
		if j < 1 || j > p.N {
			err = d.verify(p, nil, cts, h)
		} else {
			err = d.verify(p, vk[j-1], cts, h)
		}
		if err != nil {
			bad = append(bad, err)
			continue
		}
		set = append(set, j)
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b error) int {
			var x, y *ShareError
			errors.As(a, &x)
			errors.As(b, &y)
			return x.Trustee - y.Trustee
		})
		return nil, errors.Join(bad...)
	}
	if len(set) < p.K {
		return nil, fmt.Errorf("threshold: %d valid shares, %d needed: %w", len(set), p.K, ErrTooFewShares)
	}
	slices.Sort(set)
	set = set[:p.K]
	lambda := lagrange(set)
	out := make([]*ristretto255.Element, len(cts))
	for l, ct := range cts {
		ds := make([]*ristretto255.Element, len(set))
		for a, j := range set {
			ds[a] = byIndex[j].D[l]
		}
		sum := ristretto255.NewElement().VarTimeMultiScalarMult(lambda, ds)
		out[l] = ristretto255.NewElement().Subtract(ct.B, sum)
	}
	return out, nil
}
