package plebiscite

import (
	"fmt"

	"concord/elgamal"
)

// Leaf is one leaf of the plebiscite log (SPEC §14.8): a cast ballot or a
// spoiled (audited) one. Exactly one field is set.
type Leaf struct {
	Ballot *Ballot
	Spoil  *Spoil
}

// ParseLeaf decodes a log leaf by its first byte (SPEC §14.8).
func ParseLeaf(b []byte) (Leaf, error) {
	if len(b) == 0 {
		return Leaf{}, malformed("empty leaf")
	}
	switch b[0] {
	case leafBallot:
		bl, err := ParseBallot(b)
		return Leaf{Ballot: bl}, err
	case leafSpoil:
		s, err := ParseSpoil(b)
		return Leaf{Spoil: s}, err
	}
	return Leaf{}, malformed("leaf type %d; want %d (ballot) or %d (spoil)", b[0], leafBallot, leafSpoil)
}

// Bytes returns the leaf's encoding.
func (l Leaf) Bytes() []byte {
	if l.Spoil != nil {
		return l.Spoil.Bytes()
	}
	return l.Ballot.Bytes()
}

// Counted applies the counting rules of SPEC §15.1 to leaves in log order
// and returns the log indices of the counted ballots, ascending: a spoiled
// ballot is never counted, and of the remaining ballots of a credential only
// the last one in log order counts (re-voting).
func Counted(leaves []Leaf) []int {
	return counted(leaves, trackingCodes(leaves))
}

// ballot returns the leaf's ballot: the cast one or the spoiled one.
func (l Leaf) ballot() *Ballot {
	if l.Spoil != nil {
		return l.Spoil.Ballot
	}
	return l.Ballot
}

// trackingCodes returns the tracking code of each leaf's ballot.
func trackingCodes(leaves []Leaf) []TrackingCode {
	codes := make([]TrackingCode, len(leaves))
	for i, l := range leaves {
		codes[i] = l.ballot().TrackingCode()
	}
	return codes
}

// counted is Counted with the leaves' tracking codes already computed.
func counted(leaves []Leaf, codes []TrackingCode) []int {
	spoiled := map[TrackingCode]bool{}
	for i, l := range leaves {
		if l.Spoil != nil {
			spoiled[codes[i]] = true
		}
	}
	last := map[Credential]int{}
	for i, l := range leaves {
		if l.Ballot != nil && !spoiled[codes[i]] {
			last[l.Ballot.Credential] = i
		}
	}
	out := make([]int, 0, len(last))
	for i, l := range leaves {
		if l.Ballot != nil && !spoiled[codes[i]] && last[l.Ballot.Credential] == i {
			out = append(out, i)
		}
	}
	return out
}

// Aggregate is the homomorphic tally of the counted ballots (SPEC §15.2).
type Aggregate struct {
	Manifest Hash
	Ballots  int                   // number of counted ballots
	Counted  Hash                  // Merkle root of their tracking codes, in log order
	Sums     []*elgamal.Ciphertext // per option, the sum of its ciphertexts
}

// Tally applies the counting rules (SPEC §15.1) to the leaves, in log
// order, and sums the counted ballots per option (SPEC §15.2). It does not
// verify the ballots: verify each one first, or use VerifyRecord.
func Tally(e *Election, leaves []Leaf) (*Aggregate, error) {
	for i, l := range leaves {
		b := l.ballot()
		if b.Manifest != e.Hash || len(b.Options) != len(e.Manifest.Options) {
			return nil, fmt.Errorf("leaf %d: %w", i, ErrWrongManifest)
		}
	}
	codes := trackingCodes(leaves)
	return tally(e, leaves, counted(leaves, codes), codes), nil
}

// tally sums the ballots at the given indices (SPEC §15.2).
func tally(e *Election, leaves []Leaf, idx []int, codes []TrackingCode) *Aggregate {
	a := &Aggregate{Manifest: e.Hash, Ballots: len(idx), Sums: make([]*elgamal.Ciphertext, len(e.Manifest.Options))}
	for j := range a.Sums {
		a.Sums[j] = elgamal.NewCiphertext()
	}
	hashes := make([]Hash, len(idx))
	for k, i := range idx {
		b := leaves[i].Ballot
		for j, o := range b.Options {
			a.Sums[j].Add(a.Sums[j], o.Ct)
		}
		hashes[k] = leafHash(codes[i][:])
	}
	a.Counted = merkleRoot(hashes)
	return a
}
