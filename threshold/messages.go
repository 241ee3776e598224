package threshold

import (
	"encoding/binary"
	"errors"
	"fmt"

	"concord/ristretto255"
	"concord/zkp"
)

// Fixed sizes of SPEC §12.3–§12.9.
const (
	elementSize        = 32
	scalarSize         = 32
	sealedSize         = scalarSize + 16 // AES-GCM ciphertext and tag
	encryptedShareSize = 2 + elementSize + sealedSize
	complaintSize      = 2 + elementSize + dleqSize
	schnorrSize        = zkp.SchnorrProofSize // |σ|
	dleqSize           = zkp.DLEQProofSize    // |π|
)

// Commitment is dealer i's Feldman commitment to its polynomial with a
// Schnorr proof of knowledge of the constant term (SPEC §12.3).
type Commitment struct {
	Dealer int                     // i, 1 … n
	Coeffs []*ristretto255.Element // C_{i,0} … C_{i,k-1}
	Proof  *zkp.SchnorrProof       // σ_i
}

// Bytes returns the canonical encoding of SPEC §12.3.
func (c *Commitment) Bytes() []byte {
	b := make([]byte, 0, 2+elementSize*len(c.Coeffs)+schnorrSize)
	b = append(b, byte(c.Dealer), byte(len(c.Coeffs)))
	for _, e := range c.Coeffs {
		b = append(b, e.Bytes()...)
	}
	return append(b, c.Proof.Bytes()...)
}

// ParseCommitment decodes a commitment strictly (SPEC §12.3). It does not
// verify the proof: see Verify.
func ParseCommitment(b []byte) (*Commitment, error) {
	if len(b) < 2 {
		return nil, errors.New("threshold: commitment too short")
	}
	i, k := int(b[0]), int(b[1])
	if i == 0 || k == 0 {
		return nil, fmt.Errorf("threshold: commitment with dealer %d and %d coefficients; want both at least 1", i, k)
	}
	if want := 2 + elementSize*k + schnorrSize; len(b) != want {
		return nil, fmt.Errorf("threshold: commitment of %d bytes; want %d for %d coefficients", len(b), want, k)
	}
	c := &Commitment{Dealer: i, Coeffs: make([]*ristretto255.Element, k)}
	off := 2
	for m := range c.Coeffs {
		e, err := ristretto255.NewElement().SetCanonicalBytes(b[off : off+elementSize])
		if err != nil {
			return nil, fmt.Errorf("threshold: commitment coefficient %d: %w", m, err)
		}
		c.Coeffs[m] = e
		off += elementSize
	}
	p, err := zkp.ParseSchnorrProof(b[off:])
	if err != nil {
		return nil, fmt.Errorf("threshold: commitment proof: %w", err)
	}
	c.Proof = p
	return c, nil
}

// proofContext returns ctx_C of SPEC §12.3.
func (c *Commitment) proofContext(p Params) []byte {
	b := p.transcript(labelCommit, []byte{byte(c.Dealer)})
	for _, e := range c.Coeffs {
		b = append(b, e.Bytes()...)
	}
	return b
}

// Verify reports whether the commitment is valid for the parameters: the
// right number of coefficients, a dealer index in range and a proof that
// verifies (SPEC §12.3).
func (c *Commitment) Verify(p Params) error {
	if c.Dealer < 1 || c.Dealer > p.N {
		return fmt.Errorf("threshold: commitment from dealer %d; want 1 to %d", c.Dealer, p.N)
	}
	if len(c.Coeffs) != p.K {
		return fmt.Errorf("threshold: commitment of dealer %d has %d coefficients; want %d", c.Dealer, len(c.Coeffs), p.K)
	}
	if err := c.Proof.Verify(c.proofContext(p), c.Coeffs[0]); err != nil {
		return fmt.Errorf("threshold: commitment of dealer %d: proof of knowledge: %w", c.Dealer, err)
	}
	return nil
}

// consistent reports whether s·G = Σ j^m C_m (SPEC §12.5). It is constant
// time in s (a fixed-base multiplication); the variable-time multi-scalar
// multiplication runs on public values only.
func (c *Commitment) consistent(s *ristretto255.Scalar, j int) bool {
	want := ristretto255.NewElement().VarTimeMultiScalarMult(powers(j, len(c.Coeffs)), c.Coeffs)
	got := ristretto255.NewElement().ScalarBaseMult(s)
	return got.Equal(want) == 1
}

// EncryptedShare is dealer i's share for trustee j, encrypted to j's
// encryption key (SPEC §12.4).
type EncryptedShare struct {
	Dealer, Recipient int
	R                 *ristretto255.Element // ephemeral key r·G
	Sealed            [sealedSize]byte      // AES-256-GCM ciphertext and tag
}

// Bytes returns the 82-byte encoding of SPEC §12.4.
func (e *EncryptedShare) Bytes() []byte {
	b := make([]byte, 0, encryptedShareSize)
	b = append(b, e.header()...)
	return append(b, e.Sealed[:]...)
}

// header returns u8(i) ‖ u8(j) ‖ R, the additional data of SPEC §12.4.
func (e *EncryptedShare) header() []byte {
	return append([]byte{byte(e.Dealer), byte(e.Recipient)}, e.R.Bytes()...)
}

// ParseEncryptedShare decodes an encrypted share strictly (SPEC §12.4).
func ParseEncryptedShare(b []byte) (*EncryptedShare, error) {
	if len(b) != encryptedShareSize {
		return nil, fmt.Errorf("threshold: encrypted share of %d bytes; want %d", len(b), encryptedShareSize)
	}
	e := &EncryptedShare{Dealer: int(b[0]), Recipient: int(b[1])}
	if err := checkPair("encrypted share", e.Dealer, e.Recipient); err != nil {
		return nil, err
	}
	r, err := ristretto255.NewElement().SetCanonicalBytes(b[2 : 2+elementSize])
	if err != nil {
		return nil, fmt.Errorf("threshold: encrypted share ephemeral key: %w", err)
	}
	e.R = r
	copy(e.Sealed[:], b[2+elementSize:])
	return e, nil
}

func checkPair(what string, a, b int) error {
	if a == 0 || b == 0 || a == b {
		return fmt.Errorf("threshold: %s between trustees %d and %d; want two different indices from 1", what, a, b)
	}
	return nil
}

// Complaint is trustee j's accusation that dealer i's encrypted share to j
// does not open to a consistent share. It reveals the Diffie-Hellman value of
// that share with a DLEQ proof so anyone can decide it (SPEC §12.6).
type Complaint struct {
	Accuser, Accused int
	Z                *ristretto255.Element // e_j·R
	Proof            *zkp.DLEQProof        // log_G E_j = log_R Z
}

// Bytes returns the encoding of SPEC §12.6.
func (c *Complaint) Bytes() []byte {
	b := make([]byte, 0, complaintSize)
	b = append(b, byte(c.Accuser), byte(c.Accused))
	b = append(b, c.Z.Bytes()...)
	return append(b, c.Proof.Bytes()...)
}

// ParseComplaint decodes a complaint strictly (SPEC §12.6).
func ParseComplaint(b []byte) (*Complaint, error) {
	if len(b) != complaintSize {
		return nil, fmt.Errorf("threshold: complaint of %d bytes; want %d", len(b), complaintSize)
	}
	c := &Complaint{Accuser: int(b[0]), Accused: int(b[1])}
	if err := checkPair("complaint", c.Accuser, c.Accused); err != nil {
		return nil, err
	}
	z, err := ristretto255.NewElement().SetCanonicalBytes(b[2 : 2+elementSize])
	if err != nil {
		return nil, fmt.Errorf("threshold: complaint key: %w", err)
	}
	c.Z = z
	p, err := zkp.ParseDLEQProof(b[2+elementSize:])
	if err != nil {
		return nil, fmt.Errorf("threshold: complaint proof: %w", err)
	}
	c.Proof = p
	return c, nil
}

// DecryptionShare is trustee j's share of the decryption of a batch of
// ciphertexts, with one DLEQ proof per ciphertext (SPEC §12.9).
type DecryptionShare struct {
	Trustee int
	D       []*ristretto255.Element // x_j·A_l
	Proofs  []*zkp.DLEQProof        // log_G X_j = log_{A_l} D_l
}

// Bytes returns the encoding of SPEC §12.9.
func (d *DecryptionShare) Bytes() []byte {
	b := make([]byte, 0, 3+len(d.D)*(elementSize+dleqSize))
	b = append(b, byte(d.Trustee))
	b = binary.BigEndian.AppendUint16(b, uint16(len(d.D)))
	for l := range d.D {
		b = append(b, d.D[l].Bytes()...)
		b = append(b, d.Proofs[l].Bytes()...)
	}
	return b
}

// ParseDecryptionShare decodes a decryption share strictly (SPEC §12.9). It
// does not verify the proofs: see Verify.
func ParseDecryptionShare(b []byte) (*DecryptionShare, error) {
	if len(b) < 3 {
		return nil, errors.New("threshold: decryption share too short")
	}
	j, c := int(b[0]), int(binary.BigEndian.Uint16(b[1:3]))
	if j == 0 || c == 0 {
		return nil, fmt.Errorf("threshold: decryption share of trustee %d for %d ciphertexts; want both at least 1", j, c)
	}
	if want := 3 + c*(elementSize+dleqSize); len(b) != want {
		return nil, fmt.Errorf("threshold: decryption share of %d bytes; want %d for %d ciphertexts", len(b), want, c)
	}
	d := &DecryptionShare{Trustee: j, D: make([]*ristretto255.Element, c), Proofs: make([]*zkp.DLEQProof, c)}
	off := 3
	for l := range c {
		e, err := ristretto255.NewElement().SetCanonicalBytes(b[off : off+elementSize])
		if err != nil {
			return nil, fmt.Errorf("threshold: decryption share %d: %w", l, err)
		}
		off += elementSize
		p, err := zkp.ParseDLEQProof(b[off : off+dleqSize])
		if err != nil {
			return nil, fmt.Errorf("threshold: decryption share %d proof: %w", l, err)
		}
		off += dleqSize
		d.D[l], d.Proofs[l] = e, p
	}
	return d, nil
}
