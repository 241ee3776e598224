package plebiscite

import "concord/elgamal"

// Pass is the outcome of a successful pass of the verifier over a ballot
// log's leaves (SPEC §16.6, "Reuse"): under one manifest, the number of
// leaves, their root, and what the pass established from them (the
// aggregate of the counted ballots and the report's counts). A process
// that has verified the leaves once, such as a node that tallies and then
// checks the result entry it is about to append, can hand it back as
// [StreamRecord.Prior] instead of verifying the same leaves again. Its
// fields are unexported: only a verification that succeeded makes one.
type Pass struct {
	manifest Hash
	size     int64
	root     Hash
	agg      Aggregate
	rep      Report // only the fields of the pass: Leaves to CountedRoot
}

// newPass records a successful pass.
func newPass(e *Election, agg *Aggregate, rep *Report) *Pass {
	p := &Pass{manifest: e.Hash, size: int64(rep.Leaves), root: rep.LogRoot, agg: *agg}
	p.agg.Sums = cloneSums(agg.Sums)
	p.rep = Report{LogRoot: rep.LogRoot, Leaves: rep.Leaves, Ballots: rep.Ballots, Spoiled: rep.Spoiled,
		Superseded: rep.Superseded, Counted: rep.Counted, CountedRoot: rep.CountedRoot}
	return p
}

// Size and Root return the number of leaves the pass verified and their
// RFC 6962 root.
func (p *Pass) Size() int64 { return p.size }
func (p *Pass) Root() Hash  { return p.root }

// reuse returns the pass's aggregate and fills rep's pass fields if p is a
// pass under e's manifest over leaves of the size and root that rec's
// ledger names; ok is false otherwise, and the leaves must be read. The
// root binds the leaves (SPEC §16.6, "Reuse"), so nothing is read.
func (p *Pass) reuse(e *Election, rec *StreamRecord, rep *Report) (*Aggregate, bool) {
	if p == nil || rec.wantRoot == nil || p.manifest != e.Hash || p.size != rec.wantSize || p.root != *rec.wantRoot {
		return nil, false
	}
	rep.LogRoot, rep.Leaves, rep.Ballots, rep.Spoiled = p.rep.LogRoot, p.rep.Leaves, p.rep.Ballots, p.rep.Spoiled
	rep.Superseded, rep.Counted, rep.CountedRoot = p.rep.Superseded, p.rep.Counted, p.rep.CountedRoot
	agg := p.agg
	agg.Sums = cloneSums(p.agg.Sums)
	return &agg, true
}

func cloneSums(s []*elgamal.Ciphertext) []*elgamal.Ciphertext {
	c := newSums(len(s))
	for j := range s {
		c[j].Add(c[j], s[j])
	}
	return c
}
