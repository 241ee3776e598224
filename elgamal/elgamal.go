// Package elgamal implements exponential ElGamal encryption over ristretto255
// as specified in docs/SPEC.md, Section 10 (docs/SPEC.md).
//
// A message m (a small non-negative integer, such as a 0/1 vote or a tally)
// is encrypted under the public key Y = sk*G as the pair (A, B) = (r*G,
// m*G + r*Y). Ciphertexts add homomorphically; decryption recovers m*G and
// then m by a baby-step giant-step discrete logarithm, which is practical for
// m up to a few billion.
package elgamal

import (
	"errors"
	"fmt"

	"concord/ristretto255"
)

// Scalar is a ristretto255 scalar (the secret key, encryption randomness).
type Scalar = ristretto255.Scalar

// Sizes of the encodings of SPEC §10.1 and §10.3.
const (
	PublicKeySize  = ristretto255.ElementSize
	CiphertextSize = 2 * ristretto255.ElementSize
)

// Errors returned by the decoding functions. They are wrapped together with
// a more precise description; test for them with errors.Is.
var (
	ErrInvalidPublicKey  = errors.New("elgamal: invalid public key encoding")
	ErrInvalidCiphertext = errors.New("elgamal: invalid ciphertext encoding")
)

// PublicKey is an ElGamal public key Y = sk*G (SPEC §10.1).
type PublicKey struct {
	Y *ristretto255.Element
}

// GenerateKey returns a random secret key sk and its public key sk*G.
func GenerateKey() (sk *Scalar, pk *PublicKey) {
	sk = ristretto255.RandomScalar()
	return sk, NewPublicKey(sk)
}

// NewPublicKey returns the public key sk*G of the secret key sk.
func NewPublicKey(sk *Scalar) *PublicKey {
	return &PublicKey{Y: ristretto255.NewElement().ScalarBaseMult(sk)}
}

// Bytes returns the 32-byte encoding of pk (SPEC §10.1).
func (pk *PublicKey) Bytes() []byte {
	return pk.Y.Bytes()
}

// ParsePublicKey decodes a 32-byte public key strictly (SPEC §10.1): the
// bytes must be the canonical encoding of a group element other than the
// identity.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	Y, err := ristretto255.NewElement().SetCanonicalBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPublicKey, err)
	}
	if Y.Equal(ristretto255.NewElement()) == 1 {
		return nil, fmt.Errorf("%w: the identity element is not a valid public key", ErrInvalidPublicKey)
	}
	return &PublicKey{Y: Y}, nil
}

// Ciphertext is an exponential ElGamal ciphertext (A, B) = (r*G, m*G + r*Y)
// (SPEC §10.2).
type Ciphertext struct {
	A, B *ristretto255.Element
}

// NewCiphertext returns the ciphertext (identity, identity), the encryption
// of 0 with randomness 0: the neutral element of [Ciphertext.Add].
func NewCiphertext() *Ciphertext {
	return &Ciphertext{A: ristretto255.NewElement(), B: ristretto255.NewElement()}
}

// Encrypt encrypts m under pk with fresh randomness r from crypto/rand and
// returns the ciphertext and r (SPEC §10.2). Keep r secret; reveal it only to
// audit a ballot that is then discarded (Benaloh challenge, SPEC §10.6).
func Encrypt(pk *PublicKey, m uint64) (*Ciphertext, *Scalar) {
	r := ristretto255.RandomScalar()
	return EncryptWith(pk, m, r), r
}

// EncryptWith encrypts m under pk with the given randomness r:
// A = r*G, B = m*G + r*Y (SPEC §10.2). It runs in constant time.
func EncryptWith(pk *PublicKey, m uint64, r *Scalar) *Ciphertext {
	A := ristretto255.NewElement().ScalarBaseMult(r)
	mG := ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(m))
	B := ristretto255.NewElement().ScalarMult(r, pk.Y)
	B.Add(B, mG)
	return &Ciphertext{A: A, B: B}
}

// VerifyEncryption reports whether ct is the encryption of m under pk with
// randomness r, i.e. ct == EncryptWith(pk, m, r). This is the check of a
// Benaloh challenge (SPEC §10.6).
func VerifyEncryption(pk *PublicKey, ct *Ciphertext, m uint64, r *Scalar) bool {
	return ct.Equal(EncryptWith(pk, m, r)) == 1
}

// Add sets ct = x + y, the component-wise sum, which encrypts the sum of the
// plaintexts with the sum of the randomness (SPEC §10.4), and returns ct.
func (ct *Ciphertext) Add(x, y *Ciphertext) *Ciphertext {
	if ct.A == nil {
		ct.A, ct.B = ristretto255.NewElement(), ristretto255.NewElement()
	}
	ct.A.Add(x.A, y.A)
	ct.B.Add(x.B, y.B)
	return ct
}

// Sum returns the homomorphic sum of cts (the identity ciphertext if cts is
// empty).
func Sum(cts ...*Ciphertext) *Ciphertext {
	s := NewCiphertext()
	for _, c := range cts {
		s.Add(s, c)
	}
	return s
}

// Equal returns 1 if ct and x are the same ciphertext and 0 otherwise, in
// constant time.
func (ct *Ciphertext) Equal(x *Ciphertext) int {
	return ct.A.Equal(x.A) & ct.B.Equal(x.B)
}

// Bytes returns the 64-byte encoding A || B of ct (SPEC §10.3).
func (ct *Ciphertext) Bytes() []byte {
	return ct.AppendBytes(make([]byte, 0, CiphertextSize))
}

// AppendBytes appends the 64-byte encoding of ct to b.
func (ct *Ciphertext) AppendBytes(b []byte) []byte {
	return ct.B.AppendBytes(ct.A.AppendBytes(b))
}

// ParseCiphertext decodes a 64-byte ciphertext strictly (SPEC §10.3): exactly
// 64 bytes, each half the canonical encoding of a group element.
func ParseCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) != CiphertextSize {
		return nil, fmt.Errorf("%w: got %d bytes, want 64", ErrInvalidCiphertext, len(b))
	}
	// One allocation for the ciphertext and its two elements.
	c := &struct {
		ct   Ciphertext
		a, b ristretto255.Element
	}{}
	if _, err := c.a.SetCanonicalBytes(b[:32]); err != nil {
		return nil, fmt.Errorf("%w: component A: %w", ErrInvalidCiphertext, err)
	}
	if _, err := c.b.SetCanonicalBytes(b[32:]); err != nil {
		return nil, fmt.Errorf("%w: component B: %w", ErrInvalidCiphertext, err)
	}
	c.ct.A, c.ct.B = &c.a, &c.b
	return &c.ct, nil
}

// Decrypt returns the plaintext m of ct under the secret key sk, which must
// lie in [0, max] (SPEC §10.5). It computes M = B - sk*A in constant time,
// then m from M with a shared [DLogTable]: that last step takes time
// depending on m, so use Decrypt only where m becomes public (a tally). It
// returns an error wrapping [ErrDLogNotFound] if m is not in [0, max].
func Decrypt(sk *Scalar, ct *Ciphertext, max uint64) (uint64, error) {
	M := ristretto255.NewElement().ScalarMult(sk, ct.A)
	M.Subtract(ct.B, M)
	return VarTimeDLog(M, max)
}
