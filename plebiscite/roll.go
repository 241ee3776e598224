package plebiscite

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"slices"

	"concord/ledger"
)

// MaxRoll is the largest electoral roll (SPEC §13.4).
const MaxRoll = 1 << 26

// CredentialSize is the size of a credential key: an Ed25519 public key.
const CredentialSize = ed25519.PublicKeySize

// Credential is a voter's credential public key (SPEC §14.1).
type Credential [CredentialSize]byte

// Roll is an electoral roll: distinct credential keys in ascending bytewise
// order (SPEC §13.4).
type Roll struct {
	keys []Credential
}

// NewRoll builds a roll from credential keys in any order; duplicates and
// keys of small order (WeakCredential) are an error.
func NewRoll(keys []Credential) (*Roll, error) {
	ks := slices.Clone(keys)
	slices.SortFunc(ks, func(a, b Credential) int { return bytes.Compare(a[:], b[:]) })
	for i := range ks {
		if WeakCredential(ks[i]) {
			return nil, fmt.Errorf("roll: credential %x is an Ed25519 key of small order, under which anyone can sign; issue a new credential", ks[i][:8])
		}
		if i > 0 && ks[i] == ks[i-1] {
			return nil, fmt.Errorf("roll: credential %x listed twice", ks[i][:8])
		}
	}
	if len(ks) == 0 || len(ks) > MaxRoll {
		return nil, fmt.Errorf("roll: %d credentials; want 1 to %d", len(ks), MaxRoll)
	}
	return &Roll{keys: ks}, nil
}

// ParseRoll decodes a roll file (SPEC §13.4): the concatenation of the
// 32-byte keys in strictly ascending bytewise order, nothing else.
func ParseRoll(b []byte) (*Roll, error) {
	if len(b) == 0 || len(b)%CredentialSize != 0 {
		return nil, fmt.Errorf("roll file has %d bytes; want a positive multiple of %d", len(b), CredentialSize)
	}
	n := len(b) / CredentialSize
	if n > MaxRoll {
		return nil, fmt.Errorf("roll file has %d credentials; want at most %d", n, MaxRoll)
	}
	r := &Roll{keys: make([]Credential, n)}
	for i := range r.keys {
		copy(r.keys[i][:], b[i*CredentialSize:])
		if i > 0 && bytes.Compare(r.keys[i-1][:], r.keys[i][:]) >= 0 {
			return nil, fmt.Errorf("roll file: credential %d is not after credential %d in ascending order", i, i-1)
		}
	}
	return r, nil
}

// Bytes returns the roll file (SPEC §13.4).
func (r *Roll) Bytes() []byte {
	b := make([]byte, 0, len(r.keys)*CredentialSize)
	for _, k := range r.keys {
		b = append(b, k[:]...)
	}
	return b
}

// Len returns the number of credentials on the roll.
func (r *Roll) Len() int { return len(r.keys) }

// Index returns the position of a credential on the roll, or -1.
func (r *Roll) Index(c Credential) int {
	i, ok := slices.BinarySearchFunc(r.keys, c, func(a, b Credential) int { return bytes.Compare(a[:], b[:]) })
	if !ok {
		return -1
	}
	return i
}

// Contains reports whether a credential is on the roll.
func (r *Roll) Contains(c Credential) bool { return r.Index(c) >= 0 }

// Ref returns the roll reference for a manifest (SPEC §13.4).
func (r *Roll) Ref(authority ledger.PartyID) RollRef {
	return RollRef{Authority: authority, Count: uint64(len(r.keys)), Root: r.Root()}
}

// Root returns the RFC 6962 Merkle tree hash of the roll, with leaves the
// keys: leaf hash SHA-256(0x00 || key), node hash SHA-256(0x01 || l || r)
// (SPEC §13.4).
func (r *Roll) Root() Hash {
	leaves := make([]Hash, len(r.keys))
	for i, k := range r.keys {
		leaves[i] = leafHash(k[:])
	}
	return merkleRoot(leaves)
}

// leafHash is the RFC 6962 leaf hash.
func leafHash(b []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(b)
	return Hash(h.Sum(nil))
}

// nodeHash is the RFC 6962 interior node hash.
func nodeHash(l, r Hash) Hash {
	var b [65]byte
	b[0] = 1
	copy(b[1:], l[:])
	copy(b[33:], r[:])
	return sha256.Sum256(b[:])
}

// merkleRoot is the RFC 6962 Merkle tree hash MTH of leaf hashes; the hash
// of an empty list is SHA-256 of the empty string. It works bottom-up, level
// by level, carrying an odd last node up unchanged, which gives the same
// tree as RFC 6962's largest-power-of-two split.
func merkleRoot(level []Hash) Hash {
	if len(level) == 0 {
		return sha256.Sum256(nil)
	}
	level = slices.Clone(level)
	for len(level) > 1 {
		n := 0
		for i := 0; i+1 < len(level); i += 2 {
			level[n] = nodeHash(level[i], level[i+1])
			n++
		}
		if len(level)%2 == 1 {
			level[n] = level[len(level)-1]
			n++
		}
		level = level[:n]
	}
	return level[0]
}

// InclusionProof returns the position of a credential on the roll and its
// RFC 6962 inclusion proof (the audit path of RFC 9162 §2.1.3.1) against the
// roll root, so that a voter can check eligibility without the roll file
// (SPEC §13.4).
func (r *Roll) InclusionProof(c Credential) (index uint64, proof []Hash, err error) {
	i := r.Index(c)
	if i < 0 {
		return 0, nil, fmt.Errorf("%w: credential %x", ErrNotOnRoll, c[:])
	}
	leaves := make([]Hash, len(r.keys))
	for j, k := range r.keys {
		leaves[j] = leafHash(k[:])
	}
	return uint64(i), auditPath(i, leaves), nil
}

// auditPath is PATH(m, D[n]) of RFC 9162 §2.1.3.1 over leaf hashes.
func auditPath(m int, leaves []Hash) []Hash {
	if len(leaves) <= 1 {
		return nil
	}
	k := 1
	for k<<1 < len(leaves) {
		k <<= 1
	}
	if m < k {
		return append(auditPath(m, leaves[:k]), merkleRoot(leaves[k:]))
	}
	return append(auditPath(m-k, leaves[k:]), merkleRoot(leaves[:k]))
}

// VerifyInclusion checks that a credential is at index on the roll named by
// ref, with the algorithm of RFC 9162 §2.1.3.2.
func (ref RollRef) VerifyInclusion(c Credential, index uint64, proof []Hash) error {
	if index >= ref.Count {
		return fmt.Errorf("%w: index %d outside a roll of %d", ErrNotOnRoll, index, ref.Count)
	}
	fn, sn := index, ref.Count-1
	h := leafHash(c[:])
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: inclusion proof too long", ErrNotOnRoll)
		}
		if fn&1 == 1 || fn == sn {
			h = nodeHash(p, h)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			h = nodeHash(h, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || h != ref.Root {
		return fmt.Errorf("%w: inclusion proof does not lead to the roll root", ErrNotOnRoll)
	}
	return nil
}
