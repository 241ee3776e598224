package threshold

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"concord/ristretto255"
	"concord/zkp"
)

// Board is the public record of one key generation: the trustees' encryption
// keys and every commitment, encrypted share and complaint posted (SPEC §12.2
// to §12.6). Qualification is a pure function of it (SPEC §12.7).
type Board struct {
	Keys        []*ristretto255.Element // E_1 … E_n, Keys[j-1] = E_j
	Commitments []*Commitment
	Shares      []*EncryptedShare
	Complaints  []*Complaint
}

// checkKeys enforces SPEC §12.2: n keys, none the identity, no two equal.
func checkKeys(p Params, keys []*ristretto255.Element) error {
	if len(keys) != p.N {
		return fmt.Errorf("threshold: %d encryption keys for %d trustees", len(keys), p.N)
	}
	id := ristretto255.NewElement()
	for a, e := range keys {
		if e == nil || e.Equal(id) == 1 {
			return fmt.Errorf("threshold: encryption key of trustee %d is missing or the identity", a+1)
		}
		for b := range a {
			if keys[b].Equal(e) == 1 {
				return fmt.Errorf("threshold: trustees %d and %d have the same encryption key", b+1, a+1)
			}
		}
	}
	return nil
}

// Trustee is one trustee's secret state: its encryption secret, its
// polynomial, the shares it received and, once finished, its secret share of
// the joint key. Its only persistent form is its key file (MarshalBinary).
type Trustee struct {
	params    Params
	index     int
	enc       *ristretto255.Scalar         // e_i
	coeffs    []*ristretto255.Scalar       // a_{i,0} … a_{i,k-1}
	received  map[int]*ristretto255.Scalar // dealer → s_{dealer,i}
	qualified []int                        // set by Finish
	share     *ristretto255.Scalar         // x_i, set by Finish
}

// NewTrustee creates trustee index (1 … n) with a fresh encryption secret and
// a fresh random polynomial of degree k−1 (SPEC §12.2, §12.3 step 1).
func NewTrustee(p Params, index int) (*Trustee, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if index < 1 || index > p.N {
		return nil, fmt.Errorf("threshold: trustee index %d; want 1 to %d", index, p.N)
	}
	t := &Trustee{
		params:   Params{N: p.N, K: p.K, Context: slices.Clone(p.Context)},
		index:    index,
		enc:      randomNonZeroScalar(),
		coeffs:   make([]*ristretto255.Scalar, p.K),
		received: make(map[int]*ristretto255.Scalar),
	}
	for m := range t.coeffs {
		t.coeffs[m] = ristretto255.RandomScalar()
	}
	t.received[index] = evalPoly(t.coeffs, index)
	return t, nil
}

func randomNonZeroScalar() *ristretto255.Scalar {
	zero := ristretto255.NewScalar()
	for {
		s := ristretto255.RandomScalar()
		if s.Equal(zero) == 0 {
			return s
		}
	}
}

// Index returns the trustee's index.
func (t *Trustee) Index() int { return t.index }

// Params returns the trustee's parameters.
func (t *Trustee) Params() Params {
	return Params{N: t.params.N, K: t.params.K, Context: slices.Clone(t.params.Context)}
}

// PublicKey returns the trustee's encryption key E_i = e_i·G, to be published
// before round 1 (SPEC §12.2).
func (t *Trustee) PublicKey() *ristretto255.Element {
	return ristretto255.NewElement().ScalarBaseMult(t.enc)
}

// Round1 deals: it returns the trustee's commitment and its encrypted shares,
// one for each other trustee in index order, encrypted to keys (E_1 … E_n)
// (SPEC §12.3, §12.4). Everything it returns is public.
func (t *Trustee) Round1(keys []*ristretto255.Element) (*Commitment, []*EncryptedShare, error) {
	p := t.params
	if err := checkKeys(p, keys); err != nil {
		return nil, nil, err
	}
	if keys[t.index-1].Equal(t.PublicKey()) != 1 {
		return nil, nil, fmt.Errorf("threshold: key %d on the board is not trustee %d's encryption key", t.index, t.index)
	}
	c := &Commitment{Dealer: t.index, Coeffs: make([]*ristretto255.Element, p.K)}
	for m, a := range t.coeffs {
		c.Coeffs[m] = ristretto255.NewElement().ScalarBaseMult(a)
	}
	c.Proof = zkp.ProveSchnorr(c.proofContext(p), t.coeffs[0], c.Coeffs[0])
	shares := make([]*EncryptedShare, 0, p.N-1)
	for j := 1; j <= p.N; j++ {
		if j == t.index {
			continue
		}
		e, err := sealShare(p, t.index, j, keys[j-1], evalPoly(t.coeffs, j))
		if err != nil {
			return nil, nil, err
		}
		shares = append(shares, e)
	}
	return c, shares, nil
}

// sealShare encrypts s_{i,j} to E_j (SPEC §12.4).
func sealShare(p Params, i, j int, ej *ristretto255.Element, s *ristretto255.Scalar) (*EncryptedShare, error) {
	r := randomNonZeroScalar()
	e := &EncryptedShare{Dealer: i, Recipient: j, R: ristretto255.NewElement().ScalarBaseMult(r)}
	z := ristretto255.NewElement().ScalarMult(r, ej)
	aead, err := shareAEAD(p, e, ej, z)
	if err != nil {
		return nil, err
	}
	aead.Seal(e.Sealed[:0], make([]byte, aead.NonceSize()), s.Bytes(), e.header())
	return e, nil
}

// open decrypts an encrypted share with the Diffie-Hellman value z and
// decodes the share (SPEC §12.4, "opening").
func (e *EncryptedShare) open(p Params, ej, z *ristretto255.Element) (*ristretto255.Scalar, error) {
	aead, err := shareAEAD(p, e, ej, z)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, make([]byte, aead.NonceSize()), e.Sealed[:], e.header())
	if err != nil {
		return nil, errors.New("encrypted share does not decrypt")
	}
	s, err := ristretto255.NewScalar().SetCanonicalBytes(pt)
	if err != nil {
		return nil, errors.New("encrypted share holds a non-canonical scalar")
	}
	return s, nil
}

// shareAEAD derives the AES-256-GCM key of SPEC §12.4 step 3.
func shareAEAD(p Params, e *EncryptedShare, ej, z *ristretto255.Element) (cipher.AEAD, error) {
	info := p.transcript(labelShare, []byte{byte(e.Dealer), byte(e.Recipient)}, ej.Bytes(), e.R.Bytes())
	key, err := hkdf.Key(sha256.New, z.Bytes(), nil, string(info), 32)
	if err != nil {
		return nil, fmt.Errorf("threshold: deriving share key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("threshold: share cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// complaintContext returns ctx_Z of SPEC §12.6.
func complaintContext(p Params, e *EncryptedShare) []byte {
	return p.transcript(labelComplaint, e.Bytes())
}

// Receive is round 2 for this trustee: it opens every share addressed to it
// on the board from a dealer with a valid commitment, keeps the consistent
// ones and returns a complaint against each dealer whose share fails
// (SPEC §12.5, §12.6). Complaints are public and must be posted.
func (t *Trustee) Receive(b *Board) ([]*Complaint, error) {
	p := t.params
	if err := checkKeys(p, b.Keys); err != nil {
		return nil, err
	}
	commits := uniqueCommitments(p, b.Commitments)
	shares := uniqueShares(p, b.Shares)
	var complaints []*Complaint
	for i := 1; i <= p.N; i++ {
		c, e := commits[i], shares[[2]int{i, t.index}]
		if i == t.index || c == nil || e == nil || c.Verify(p) != nil {
			continue // the public rule disqualifies i, or i is us
		}
		z := ristretto255.NewElement().ScalarMult(t.enc, e.R)
		s, err := e.open(p, b.Keys[t.index-1], z)
		if err == nil && c.consistent(s, t.index) {
			t.received[i] = s
			continue
		}
		delete(t.received, i)
		proof := zkp.ProveDLEQ(complaintContext(p, e), t.enc, ristretto255.NewGeneratorElement(), e.R, b.Keys[t.index-1], z)
		complaints = append(complaints, &Complaint{Accuser: t.index, Accused: i, Z: z, Proof: proof})
	}
	return complaints, nil
}

// Finish completes key generation for this trustee once the complaint round
// is over: it computes the qualified set from the board, its secret share
// x_j = Σ_{i∈Q} s_{i,j}, and checks it against its verification key
// (SPEC §12.7, §12.8).
func (t *Trustee) Finish(b *Board) error {
	p := t.params
	q, err := Qualified(p, b)
	if err != nil {
		return err
	}
	x := ristretto255.NewScalar()
	for _, i := range q {
		s, ok := t.received[i]
		if !ok {
			return fmt.Errorf("threshold: dealer %d is qualified but trustee %d holds no good share from it; post trustee %d's complaint and finish again", i, t.index, t.index)
		}
		x.Add(x, s)
	}
	want, err := VerificationKey(p, b.Commitments, q, t.index)
	if err != nil {
		return err
	}
	if ristretto255.NewElement().ScalarBaseMult(x).Equal(want) != 1 {
		return fmt.Errorf("threshold: trustee %d: %w", t.index, ErrShareMismatch)
	}
	t.qualified, t.share = q, x
	return nil
}

// Finished reports whether Finish has succeeded.
func (t *Trustee) Finished() bool { return t.share != nil }

// VerificationKey returns X_j = x_j·G, or nil before Finish.
func (t *Trustee) VerificationKey() *ristretto255.Element {
	if t.share == nil {
		return nil
	}
	return ristretto255.NewElement().ScalarBaseMult(t.share)
}
