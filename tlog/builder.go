package tlog

import "crypto/sha256"

// TreeBuilder computes the root hash of a stream of leaves in O(n) time and
// O(log n) memory (SPEC §5.10). The zero value is an empty tree.
type TreeBuilder struct {
	n     int64
	stack []Hash // roots of the complete subtrees, largest first
	buf   []byte // 0x00 ‖ leaf, reused
}

// Add appends a leaf.
func (b *TreeBuilder) Add(leaf []byte) {
	b.buf = append(append(b.buf[:0], 0x00), leaf...)
	b.AddHash(sha256.Sum256(b.buf))
}

// AddHash appends a leaf given by its leaf hash LH(leaf).
func (b *TreeBuilder) AddHash(leafHash Hash) {
	b.stack = append(b.stack, leafHash)
	// Adding leaf n completes one subtree per trailing 1 bit of n.
	for m := b.n; m&1 == 1; m >>= 1 {
		k := len(b.stack)
		b.stack[k-2] = nodeHash(&b.stack[k-2], &b.stack[k-1])
		b.stack = b.stack[:k-1]
	}
	b.n++
}

// Size returns the number of leaves added.
func (b *TreeBuilder) Size() int64 { return b.n }

// Root returns the root hash MTH of the leaves added so far (SPEC §5.2).
func (b *TreeBuilder) Root() Hash {
	if len(b.stack) == 0 {
		return EmptyRoot
	}
	h := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		h = nodeHash(&b.stack[i], &h)
	}
	return h
}

// nodeHash is NH(l, r) = SHA-256(0x01 ‖ l ‖ r), as tlog.NodeHash, without
// allocating.
func nodeHash(l, r *Hash) Hash {
	var m [1 + 2*32]byte
	m[0] = 0x01
	copy(m[1:], l[:])
	copy(m[33:], r[:])
	return sha256.Sum256(m[:])
}

// RootOf returns the root hash of the tree of leaves (SPEC §5.10).
func RootOf(leaves [][]byte) Hash {
	var b TreeBuilder
	for _, l := range leaves {
		b.Add(l)
	}
	return b.Root()
}
