package ristretto255

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"

	"filippo.io/edwards25519"
)

// ScalarSize is the length in bytes of an encoded Scalar (SPEC §9.1).
const ScalarSize = 32

// Scalar is an integer modulo the group order l (SPEC §9.1). It is an alias
// of edwards25519.Scalar, whose methods (Add, Multiply, Bytes,
// SetCanonicalBytes, SetUniformBytes, Equal, ...) all run in constant time.
type Scalar = edwards25519.Scalar

// ErrInvalidScalar is returned (wrapped) by [ScalarFromCanonicalBytes] for a
// byte string that is not the canonical encoding of a scalar.
var ErrInvalidScalar = errors.New("ristretto255: invalid scalar encoding")

// NewScalar returns a new Scalar set to zero.
func NewScalar() *Scalar {
	return edwards25519.NewScalar()
}

// RandomScalar returns a uniformly random scalar: 64 bytes read from
// crypto/rand reduced modulo l (SPEC §9.1).
func RandomScalar() *Scalar {
	var b [64]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ristretto255: crypto/rand failed: " + err.Error())
	}
	s, err := edwards25519.NewScalar().SetUniformBytes(b[:])
	if err != nil {
		panic(err) // unreachable: the input is 64 bytes
	}
	return s
}

// ScalarFromCanonicalBytes decodes a 32-byte little-endian scalar, rejecting
// any input that is not exactly 32 bytes or encodes an integer >= l
// (SPEC §9.1).
func ScalarFromCanonicalBytes(b []byte) (*Scalar, error) {
	if len(b) != ScalarSize {
		return nil, fmt.Errorf("%w: got %d bytes, want 32", ErrInvalidScalar, len(b))
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%w: not reduced modulo the group order", ErrInvalidScalar)
	}
	return s, nil
}

// ScalarFromUint64 returns the scalar n.
func ScalarFromUint64(n uint64) *Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:8], n)
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic(err) // unreachable: n < 2^64 < l
	}
	return s
}

// Domain-separation prefixes of the hash functions of SPEC §9.5.
const (
	hashToScalarDomain  = "concord/ristretto255/hash-to-scalar/v1"
	hashToElementDomain = "concord/ristretto255/hash-to-element/v1"
)

// lengthPrefixedHash returns SHA-512(LP(domain) || LP(label) || LP(parts[0])
// || ... ), where LP(x) is the 8-byte big-endian length of x followed by x
// (SPEC §9.5).
func lengthPrefixedHash(domain, label string, parts [][]byte) []byte {
	h := sha512.New()
	var n [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	write([]byte(domain))
	write([]byte(label))
	for _, p := range parts {
		write(p)
	}
	return h.Sum(nil)
}

// HashToScalar hashes label and parts to a scalar, as specified in SPEC §9.5:
// SetUniformBytes(SHA-512(LP("concord/ristretto255/hash-to-scalar/v1") ||
// LP(label) || LP(parts[0]) || ... || LP(parts[n-1]))), where LP(x) is x
// preceded by its length as an 8-byte big-endian integer. The encoding is
// injective: distinct (label, parts) lists give distinct hash inputs.
func HashToScalar(label string, parts ...[]byte) *Scalar {
	s, err := edwards25519.NewScalar().SetUniformBytes(lengthPrefixedHash(hashToScalarDomain, label, parts))
	if err != nil {
		panic(err) // unreachable: SHA-512 output is 64 bytes
	}
	return s
}

// HashToElement hashes label and parts to a group element with no known
// discrete logarithm, as specified in SPEC §9.5: the element derivation
// function of RFC 9496, Section 4.3.4, applied to
// SHA-512(LP("concord/ristretto255/hash-to-element/v1") || LP(label) ||
// LP(parts[0]) || ... || LP(parts[n-1])).
func HashToElement(label string, parts ...[]byte) *Element {
	e, err := (&Element{}).SetUniformBytes(lengthPrefixedHash(hashToElementDomain, label, parts))
	if err != nil {
		panic(err) // unreachable: SHA-512 output is 64 bytes
	}
	return e
}
