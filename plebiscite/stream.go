package plebiscite

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"

	"concord/threshold"
)

// LeafIterator yields the leaves of a plebiscite log in log order (SPEC
// §16.6): it calls yield with each leaf until yield returns false, and
// returns an error if it cannot read them. The verifier calls it once, and
// a second time only if some valid ballots do not count, to subtract them;
// it checks that the second pass sees the same leaves. A yielded slice
// must not change after yield returns.
type LeafIterator func(yield func(leaf []byte) bool) error

// StreamRecord is a [Record] whose leaves are read from an iterator, so
// that a record of millions of ballots is verified in bounded memory
// (SPEC §16.6).
type StreamRecord struct {
	Manifest []byte
	Roll     []byte // kept by the Election verification returns (ParseRoll): not to be modified
	Leaves   LeafIterator
	Result   []byte           // may be nil for VerifyPollStream
	Board    *threshold.Board // optional

	// Workers is the number of goroutines verifying chunks (default
	// GOMAXPROCS); Chunk the number of leaves per batch (default: by the
	// number of leaves, at most 1024). Progress, if set, is called with
	// the number of leaves verified so far, from any goroutine.
	Workers  int
	Chunk    int
	Progress func(done int)

	// Prior, if set, is a pass over these leaves by an earlier
	// verification in this process: if the manifest is the same and the
	// ledger names leaves of the pass's size and root, they are not read
	// again and the pass's aggregate is used (SPEC §16.6, "Reuse"). Passed
	// is set by a verification that succeeds: its pass, or Prior reused.
	Prior  *Pass
	Passed *Pass

	// wantRoot, if set, is the root the leaves must have, and wantSize
	// their number (the ballot log as the ledger's result entry closes
	// it): the verifier checks them after its pass over the leaves.
	wantRoot *Hash
	wantSize int64
}

// ErrLeavesChanged means the leaf iterator yielded different leaves in the
// verifier's two passes, or not the leaves whose size and root the ledger
// names.
var ErrLeavesChanged = errors.New("leaves changed between the verifier's two passes")

// VerifyRecordStream verifies a plebiscite record whose leaves are read from
// an iterator, by the algorithm of SPEC §16.2 organised as in §16.6, and
// returns the same report or error as [VerifyRecord] on the same record.
func VerifyRecordStream(rec *StreamRecord) (*Report, error) {
	e, agg, rep, err := verifyPollStream(rec)
	if err != nil {
		return nil, err
	}
	if err := e.checkResult(rec.Result, agg, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// VerifyPollStream is [VerifyPoll] for a record whose leaves are read from
// an iterator.
func VerifyPollStream(rec *StreamRecord) (*Election, *Aggregate, error) {
	e, agg, _, err := verifyPollStream(rec)
	return e, agg, err
}

// sliceLeaves returns an iterator over leaves held in memory.
func sliceLeaves(leaves [][]byte) LeafIterator {
	return func(yield func([]byte) bool) error {
		for _, l := range leaves {
			if !yield(l) {
				break
			}
		}
		return nil
	}
}

// leafIndex is what the first pass keeps per leaf (SPEC §16.6): 37 bytes,
// against about 1,100 for a parsed one-of-three ballot.
type leafIndex struct {
	codes []TrackingCode // tracking code of the leaf's ballot (zero if it does not decode)
	kinds []byte         // first byte of the leaf
	roll  []int32        // roll index of a ballot leaf's credential, or -1
	spoil map[int]Hash   // leaf hash of each spoil leaf: its code covers only the ballot
}

// merkleBuilder computes an RFC 6962 root from leaf hashes given one at a
// time, keeping one hash per level (the roots of the complete subtrees).
type merkleBuilder struct {
	stack []Hash
	sizes []uint64
}

func (m *merkleBuilder) add(h Hash) {
	size := uint64(1)
	for len(m.sizes) > 0 && m.sizes[len(m.sizes)-1] == size {
		n := len(m.stack) - 1
		h = nodeHash(m.stack[n], h)
		m.stack, m.sizes = m.stack[:n], m.sizes[:n]
		size *= 2
	}
	m.stack = append(m.stack, h)
	m.sizes = append(m.sizes, size)
}

// root returns MTH of the leaves added: the complete subtrees joined from
// the right, which is RFC 6962's split at the largest power of two.
func (m *merkleBuilder) root() Hash {
	if len(m.stack) == 0 {
		return sha256.Sum256(nil)
	}
	h := m.stack[len(m.stack)-1]
	for i := len(m.stack) - 2; i >= 0; i-- {
		h = nodeHash(m.stack[i], h)
	}
	return h
}

// ballotBytes returns the ballot encoding inside a leaf without decoding
// it: the whole leaf for a ballot leaf, the embedded ballot for a spoil
// leaf, or nil if the leaf is too short to tell.
func ballotBytes(leaf []byte) []byte {
	if len(leaf) == 0 {
		return nil
	}
	switch leaf[0] {
	case leafBallot:
		return leaf
	case leafSpoil:
		if len(leaf) < 5 {
			return nil
		}
		if n := int(binary.BigEndian.Uint32(leaf[1:5])); n <= len(leaf)-5 {
			return leaf[5 : 5+n]
		}
	}
	return nil
}

// newLeafIndex returns an empty index with room for about as many leaves
// as the roll has credentials, so that its arrays do not grow by copying
// (SPEC §16.6, memory).
func newLeafIndex(e *Election) *leafIndex {
	hint := e.Roll.Len() + 1024
	return &leafIndex{codes: make([]TrackingCode, 0, hint), kinds: make([]byte, 0, hint), roll: make([]int32, 0, hint), spoil: map[int]Hash{}}
}

// add indexes the next leaf (SPEC §16.6): its kind, tracking code and roll
// index, and its leaf hash, which it adds to the log's tree.
func (x *leafIndex) add(e *Election, log *merkleBuilder, l []byte) {
	h := leafHash(l)
	log.add(h)
	if len(l) > 0 && l[0] == leafSpoil {
		x.spoil[len(x.codes)] = h
	}
	var code TrackingCode
	var kind byte
	ri := int32(-1)
	if b := ballotBytes(l); b != nil {
		code = sha256.Sum256(b)
		kind = l[0]
		if kind == leafBallot && len(b) >= 65 {
			ri = int32(e.Roll.Index(Credential(b[33:65])))
		}
	}
	x.codes = append(x.codes, code)
	x.kinds = append(x.kinds, kind)
	x.roll = append(x.roll, ri)
}

// countedFlags applies the counting rules of SPEC §15.1 to the index, as
// [Counted] does to decoded leaves: spoiled ballots never count, and of a
// credential's other ballots only the last one in log order.
func (x *leafIndex) countedFlags(rollSize int) []bool {
	spoiled := map[TrackingCode]bool{}
	for i, k := range x.kinds {
		if k == leafSpoil {
			spoiled[x.codes[i]] = true
		}
	}
	last := make([]int32, rollSize)
	for i := range last {
		last[i] = -1
	}
	for i, k := range x.kinds {
		if k == leafBallot && x.roll[i] >= 0 && !spoiled[x.codes[i]] {
			last[x.roll[i]] = int32(i)
		}
	}
	flags := make([]bool, len(x.kinds))
	for _, i := range last {
		if i >= 0 {
			flags[i] = true
		}
	}
	return flags
}

// firstReplay returns the first leaf, in log order, that repeats an
// earlier leaf of the same kind with the same tracking code (SPEC §15.1
// rule 0), and that earlier leaf; or -1, -1. It sorts leaf numbers rather
// than building a map of all codes.
func (x *leafIndex) firstReplay() (int, int) {
	order := make([]int32, len(x.codes))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := bytes.Compare(x.codes[a][:], x.codes[b][:]); c != 0 {
			return c
		}
		if c := cmp.Compare(x.kinds[a], x.kinds[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	dup, orig := -1, -1
	for k := 1; k < len(order); k++ {
		a, b := order[k-1], order[k]
		if x.kinds[a] == 0 || x.codes[a] != x.codes[b] || x.kinds[a] != x.kinds[b] {
			continue
		}
		if k >= 2 && x.codes[order[k-2]] == x.codes[a] && x.kinds[order[k-2]] == x.kinds[a] {
			continue // only the second occurrence of a run
		}
		if dup < 0 || int(b) < dup {
			dup, orig = int(b), int(a)
		}
	}
	return dup, orig
}

// ballotHeaderSize is the length of a ballot's fields before its first
// option (SPEC §14.2): version, manifest hash, credential, option count.
const ballotHeaderSize = 1 + 32 + CredentialSize + 1

// LeafCredential returns the credential of a ballot leaf from its layout
// (SPEC §14.2, §14.8), like LeafCode without decoding anything, and false
// for a spoil leaf or a leaf too short to hold one.
func LeafCredential(leaf []byte) (Credential, bool) {
	if len(leaf) < ballotHeaderSize || leaf[0] != leafBallot {
		return Credential{}, false
	}
	return Credential(leaf[33:65]), true
}

// LeafCode returns the tracking code of the ballot in a leaf and whether
// the leaf is a spoil leaf, from the leaf's layout alone (SPEC §14.5,
// §17b.5): it decodes no group element and checks no proof, so it is for
// indexing leaves already verified on their way into a log, not for
// verifying them.
func LeafCode(leaf []byte) (code TrackingCode, spoil bool, err error) {
	b := ballotBytes(leaf)
	if b == nil {
		return TrackingCode{}, false, malformed("leaf too short or of unknown type")
	}
	return sha256.Sum256(b), leaf[0] == leafSpoil, nil
}
