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
	agg      Aggregate
	rep      Report // only the fields of the pass (copyPassFields), Leaves and LogRoot among them
}

// newPass records a successful pass.
func newPass(e *Election, agg *Aggregate, rep *Report) *Pass {
	p := &Pass{manifest: e.Hash, agg: *agg}
	p.agg.Sums = cloneSums(agg.Sums)
	copyPassFields(&p.rep, rep)
	return p
}

// copyPassFields copies the report's fields that a pass over the leaves
// establishes: the log's size and root, and the counts.
func copyPassFields(dst, src *Report) {
	dst.LogRoot, dst.Leaves, dst.Ballots, dst.Spoiled = src.LogRoot, src.Leaves, src.Ballots, src.Spoiled
	dst.Superseded, dst.Counted, dst.CountedRoot = src.Superseded, src.Counted, src.CountedRoot
}

// Size and Root return the number of leaves the pass verified and their
// RFC 6962 root.
func (p *Pass) Size() int64 { return int64(p.rep.Leaves) }
func (p *Pass) Root() Hash  { return p.rep.LogRoot }

// reuse returns the pass's aggregate and fills rep's pass fields if p is a
// pass under e's manifest over leaves of the size and root that rec's
// ledger names; ok is false otherwise, and the leaves must be read. The
// root binds the leaves (SPEC §16.6, "Reuse"), so nothing is read.
func (p *Pass) reuse(e *Election, rec *StreamRecord, rep *Report) (*Aggregate, bool) {
	if p == nil || rec.wantRoot == nil || p.manifest != e.Hash || p.Size() != rec.wantSize || p.Root() != *rec.wantRoot {
		return nil, false
	}
	copyPassFields(rep, &p.rep)
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
