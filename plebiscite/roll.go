package plebiscite

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
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
	// file is the roll file itself, the keys one after the other, not a
	// copy: at 3,000,000 credentials it is 96 MB, and every Election of
	// the same file shares it rather than holding its own.
	file []byte
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
	b := make([]byte, 0, len(ks)*CredentialSize)
	for _, k := range ks {
		b = append(b, k[:]...)
	}
	return &Roll{file: b}, nil
}

// ParseRoll decodes a roll file (SPEC §13.4): the concatenation of the
// 32-byte keys in strictly ascending bytewise order, nothing else.
//
// The roll keeps b rather than a copy of it, so that a roll of millions of
// credentials is held once: the caller must not modify b afterwards.
func ParseRoll(b []byte) (*Roll, error) {
	if len(b) == 0 || len(b)%CredentialSize != 0 {
		return nil, fmt.Errorf("roll file has %d bytes; want a positive multiple of %d", len(b), CredentialSize)
	}
	n := len(b) / CredentialSize
	if n > MaxRoll {
		return nil, fmt.Errorf("roll file has %d credentials; want at most %d", n, MaxRoll)
	}
	for i := 1; i < n; i++ {
		if bytes.Compare(b[(i-1)*CredentialSize:i*CredentialSize], b[i*CredentialSize:(i+1)*CredentialSize]) >= 0 {
			return nil, fmt.Errorf("roll file: credential %d is not after credential %d in ascending order", i, i-1)
		}
	}
	return &Roll{file: b[:len(b):len(b)]}, nil
}

// Bytes returns the roll file (SPEC §13.4). It is the roll's own memory,
// not a copy: it must not be modified.
func (r *Roll) Bytes() []byte { return r.file }

// Len returns the number of credentials on the roll.
func (r *Roll) Len() int { return len(r.file) / CredentialSize }

// key returns the i-th credential key of the roll file.
func (r *Roll) key(i int) []byte { return r.file[i*CredentialSize : (i+1)*CredentialSize] }

// Index returns the position of a credential on the roll, or -1. It is a
// binary search that compares the keys' first 8 bytes as one integer,
// which decides all but the last steps: the verifier calls it for every
// ballot (SPEC §16.6).
func (r *Roll) Index(c Credential) int {
	head := binary.BigEndian.Uint64(c[:8])
	lo, hi := 0, r.Len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		k := r.key(m)
		if h := binary.BigEndian.Uint64(k); h < head || h == head && bytes.Compare(k[8:], c[8:]) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < r.Len() && bytes.Equal(r.key(lo), c[:]) {
		return lo
	}
	return -1
}

// Contains reports whether a credential is on the roll.
func (r *Roll) Contains(c Credential) bool { return r.Index(c) >= 0 }

// Ref returns the roll reference for a manifest (SPEC §13.4).
func (r *Roll) Ref(authority ledger.PartyID) RollRef {
	return RollRef{Authority: authority, Count: uint64(r.Len()), Root: r.Root()}
}

// Root returns the RFC 6962 Merkle tree hash of the roll, with leaves the
// keys: leaf hash SHA-256(0x00 || key), node hash SHA-256(0x01 || l || r)
// (SPEC §13.4). It hashes the keys one at a time into a tree that keeps
// one hash per level, not the list of every leaf hash.
func (r *Roll) Root() Hash { return r.subtreeRoot(0, r.Len()) }

// subtreeRoot returns the RFC 6962 tree hash of keys lo … hi-1.
func (r *Roll) subtreeRoot(lo, hi int) Hash {
	var m merkleBuilder
	var b [1 + CredentialSize]byte // leaf hash input: 0x00 || key
	for i := lo; i < hi; i++ {
		copy(b[1:], r.key(i))
		m.add(sha256.Sum256(b[:]))
	}
	return m.root()
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
	return uint64(i), r.auditPath(i, 0, r.Len()), nil
}

// auditPath is PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1 over the roll's keys.
// The sibling subtrees it hashes are disjoint, so the whole path costs one
// pass over the keys, in memory of one hash per level.
func (r *Roll) auditPath(m, lo, hi int) []Hash {
	if hi-lo <= 1 {
		return nil
	}
	k := 1
	for k<<1 < hi-lo {
		k <<= 1
	}
	if m < k {
		return append(r.auditPath(m, lo, lo+k), r.subtreeRoot(lo+k, hi))
	}
	return append(r.auditPath(m-k, lo+k, hi), r.subtreeRoot(lo, lo+k))
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
