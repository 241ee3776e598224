// Package ed25519test holds what the tests of the cofactored Ed25519 rule
// of SPEC §14.4 share: a reference verifier written out with
// filippo.io/edwards25519, and signatures with torsion components.
package ed25519test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"slices"

	"filippo.io/edwards25519"
)

// Order8 is the encoding of a point of order 8 (the first entry of
// libsodium's small-order blocklist).
const Order8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"

// Verify is SPEC §14.4's rule written out, independently of the batch:
// A and R canonical encodings of points (re-encoding gives them back), S
// below l, and [8]([S]B - R - [k]A) the identity, k = SHA-512(R ‖ A ‖ msg).
func Verify(pub, sig, msg []byte) bool {
	if len(pub) != 32 || len(sig) != 64 {
		return false
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil || !bytes.Equal(a.Bytes(), pub) {
		return false
	}
	r, err := new(edwards25519.Point).SetBytes(sig[:32])
	if err != nil || !bytes.Equal(r.Bytes(), sig[:32]) {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	h := sha512.Sum512(slices.Concat(sig[:32], pub, msg))
	k, _ := edwards25519.NewScalar().SetUniformBytes(h[:])
	p := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(k, new(edwards25519.Point).Negate(a), s)
	p.Subtract(p, r).MultByCofactor(p)
	return p.Equal(edwards25519.NewIdentityPoint()) == 1
}

// PlusOrder8 returns the encoding of the point enc encodes plus the point
// of Order8. It panics if enc is not a point.
func PlusOrder8(enc []byte) []byte {
	t, _ := hex.DecodeString(Order8)
	T, err := new(edwards25519.Point).SetBytes(t)
	if err != nil {
		panic(err)
	}
	P, err := new(edwards25519.Point).SetBytes(enc)
	if err != nil {
		panic(err)
	}
	return P.Add(P, T).Bytes()
}

// TorsionSignature signs msg with the key of seed as RFC 8032 does, but
// with R = [r]B + T for T of order 8: only the key's holder can make it; it
// passes the cofactored equation and fails the cofactorless one.
func TorsionSignature(seed, msg []byte) []byte {
	h := sha512.Sum512(seed)
	a, _ := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	A := new(edwards25519.Point).ScalarBaseMult(a)
	var rb [64]byte
	rand.Read(rb[:])
	r, _ := edwards25519.NewScalar().SetUniformBytes(rb[:])
	R := PlusOrder8(new(edwards25519.Point).ScalarBaseMult(r).Bytes())
	kh := sha512.Sum512(slices.Concat(R, A.Bytes(), msg))
	k, _ := edwards25519.NewScalar().SetUniformBytes(kh[:])
	return append(R, edwards25519.NewScalar().MultiplyAdd(k, a, r).Bytes()...)
}

// AddOrder adds the group order l to the little-endian 32-byte scalar s.
func AddOrder(s []byte) {
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	var c uint16
	for i := range 32 {
		c += uint16(s[i]) + uint16(l[i])
		s[i] = byte(c)
		c >>= 8
	}
}
