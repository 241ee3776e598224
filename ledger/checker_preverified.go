package ledger

import (
	"bytes"
	"crypto/ed25519"
)

// SignerKey returns the key under which Check verifies the signature of e
// as the next entry of the log (SPEC §4.2): party.key for a registration,
// otherwise the registered key of e's author. ok is false if the author is
// not registered (Check then refuses the entry by SPEC §4.2).
func (c *Checker) SignerKey(e *Entry) (key ed25519.PublicKey, ok bool) {
	if e.Kind == KindParty {
		if e.Party == nil {
			return nil, false
		}
		return e.Party.Key, true
	}
	p, ok := c.parties[e.Author]
	if !ok {
		return nil, false
	}
	return p.key, true
}

// CheckVerified is Check for a caller that has already verified the
// signature, for instance on several cores at once (SPEC §17.4). The caller
// asserts that:
//
//   - s was returned by Decode (so it is valid and canonical) and h is the
//     entry hash of its leaf, LeafHash(leaf);
//   - s.Sig verifies under key over the signing message of s.Entry
//     (SPEC §3.3).
//
// If key is the key Check would use (see SignerKey), the signature check of
// SPEC §4.2 is skipped; otherwise CheckVerified verifies the signature
// itself under the right key, so a caller that guessed the key wrong gets
// the same verdict as from Check. Every other rule is checked as by Check,
// in the same order, and the Checker is not changed.
func (c *Checker) CheckVerified(s *Signed, h Hash, key ed25519.PublicKey) error {
	want, ok := c.SignerKey(&s.Entry)
	if !ok || !bytes.Equal(want, key) {
		return c.Check(s)
	}
	e := &s.Entry
	if err := c.checkRefs(e, h); err != nil {
		return err
	}
	for _, r := range e.Refs {
		if d := c.records[r].Signed.Entry.Effective; e.Effective.Before(d) {
			return refuse("4.4", "effective date %v is before %v, the effective date of referenced entry %s", e.Effective, d, r)
		}
	}
	return c.checkBody(e)
}

// LeafSigningMessage returns the signing message of SPEC §3.3 for the
// entry in leaf, which must be a canonical signed entry as accepted by
// Decode: the canonical entry encoding is then the bytes between the
// envelope's `{"entry":` and `,"sig":"<88 base64 characters>"}`, so no
// re-encoding is needed. It returns nil if leaf is too short to be one.
func LeafSigningMessage(leaf []byte) []byte {
	const prefix, suffix = len(`{"entry":`), len(`,"sig":"`) + 88 + len(`"}`)
	if len(leaf) < prefix+suffix {
		return nil
	}
	return signingMessage(leaf[prefix : len(leaf)-suffix])
}
