package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// LeafHash returns the RFC 6962 leaf hash of a log leaf: SHA-256(0x00 ||
// leaf). Applied to the canonical bytes of a signed entry it gives the
// entry hash (SPEC §3.3), which is also the record hash of the entry in the
// transparency log.
func LeafHash(leaf []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(leaf)
	var out Hash
	h.Sum(out[:0])
	return out
}

// String returns h as 64 lowercase hexadecimal digits.
func (h Hash) String() string {
	return hex.EncodeToString(h[:])
}

// IsZero reports whether h is all zeros.
func (h Hash) IsZero() bool {
	return h == Hash{}
}

// ParseHash parses exactly 64 lowercase hexadecimal digits (SPEC §1.3).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("bad hash %q: has %d characters; want 64 lowercase hex digits", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return h, fmt.Errorf("bad hash %q: character %q at offset %d is not a lowercase hex digit", s, c, i)
		}
	}
	hex.Decode(h[:], []byte(s))
	return h, nil
}

// MarshalText returns h as 64 lowercase hexadecimal digits.
func (h Hash) MarshalText() ([]byte, error) {
	return []byte(h.String()), nil
}

// UnmarshalText parses 64 lowercase hexadecimal digits.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// MarshalJSON encodes h as a JSON string of 64 lowercase hex digits.
func (h Hash) MarshalJSON() ([]byte, error) {
	b := make([]byte, 66)
	b[0], b[65] = '"', '"'
	hex.Encode(b[1:65], h[:])
	return b, nil
}

// UnmarshalJSON decodes a JSON string of exactly 64 lowercase hex digits,
// with no escape sequences (SPEC §1.3).
func (h *Hash) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("bad hash %.80s: not a JSON string of 64 lowercase hex digits", b)
	}
	return h.UnmarshalText(b[1 : len(b)-1])
}
