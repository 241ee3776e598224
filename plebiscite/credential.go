package plebiscite

import (
	"filippo.io/edwards25519"
)

// weakCredentials holds every 32-byte string that crypto/ed25519 accepts
// as a public key of small order (SPEC §14.1): the eight points of order
// dividing 8, with both values of the sign bit and, where y < 19, the
// non-canonical encoding y + p. Ed25519 verification without the cofactor,
// as crypto/ed25519 does it, accepts a signature of anyone under such a
// key for any message (for the identity: R = s*B), so a roll entry of
// this kind would be a credential anyone can vote with.
var weakCredentials = func() map[Credential]bool {
	// An encoding of a point of order 8 (from the small-order blocklist of
	// libsodium, crypto_core/ed25519/ref10/ed25519_ref10.c).
	t8, err := new(edwards25519.Point).SetBytes([]byte{
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
	})
	if err != nil {
		panic("plebiscite: internal error: order-8 point does not decode")
	}
	p := [32]byte{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
	out := map[Credential]bool{}
	add := func(c Credential) {
		if q, err := new(edwards25519.Point).SetBytes(c[:]); err == nil &&
			new(edwards25519.Point).MultByCofactor(q).Equal(edwards25519.NewIdentityPoint()) == 1 {
			out[c] = true
		}
	}
	q := edwards25519.NewIdentityPoint()
	for range 8 {
		c := Credential(q.Bytes())
		for _, sign := range []byte{0, 0x80} {
			c[31] = c[31]&0x7f | sign
			add(c)
			if c[31]&0x7f == 0 && c[0] < 19 && allZero(c[1:31]) {
				// y + p, still below 2^255.
				n := p
				n[0] += c[0]
				n[31] |= sign
				add(n)
			}
		}
		q.Add(q, t8)
	}
	return out
}()

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// WeakCredential reports whether c is an Ed25519 public key of small
// order, under which anyone can sign (SPEC §14.1). Such a key must not be
// on a roll; a ballot under it is refused.
func WeakCredential(c Credential) bool { return weakCredentials[c] }
