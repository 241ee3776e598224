package plebiscite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"concord/internal/ed25519test"
)

// oneByOne is a reference verifier for SPEC §16.2 steps 4 to 6 that checks
// every leaf alone, every proof with its single verification, and no
// batch. It returns, per bad leaf, the error it finds, and the replayed
// leaf if the leaves are otherwise good.
func oneByOne(e *Election, raw [][]byte) (map[int]error, int) {
	bad := map[int]error{}
	for i, l := range raw {
		if err, ok := oneByOneCache.m[string(l)]; ok {
			if err != nil {
				bad[i] = err
			}
			continue
		}
		if err := verifyLeafAlone(e, l); err != nil {
			bad[i] = err
		}
		oneByOneCache.m[string(l)] = bad[i]
	}
	if len(bad) > 0 {
		return bad, -1
	}
	seen := map[string]bool{}
	for i, l := range raw {
		k := fmt.Sprintf("%d %x", l[0], ballotBytes(l))
		if seen[k] {
			return nil, i
		}
		seen[k] = true
	}
	return nil, -1
}

// oneByOneCache holds the verdict of every leaf verifyLeafAlone has
// checked, for the shared plebiscite's election.
var oneByOneCache = struct{ m map[string]error }{map[string]error{}}

// verifyLeafAlone checks one leaf with single verification of each proof.
func verifyLeafAlone(e *Election, l []byte) error {
	lf, err := ParseLeaf(l)
	if err != nil {
		return err
	}
	b := lf.ballot()
	if err := e.checkHeader(b); err != nil {
		return err
	}
	raw := b.bytes()
	if !ed25519test.Verify(b.Credential[:], b.Sig[:], append([]byte(labelBallot), raw[:len(raw)-SignatureSize]...)) {
		return fmt.Errorf("%w: credential %x", ErrBadSignature, b.Credential[:])
	}
	for j, o := range b.Options {
		if err := o.Proof.Verify(bitContext(e.Hash, b.Credential, j), e.Key, o.Ct); err != nil {
			return &ProofError{Option: j, Err: err}
		}
	}
	if err := b.Range.Verify(rangeContext(e.Hash, b.Credential), e.Key, b.sum(), uint64(e.Manifest.Min), uint64(e.Manifest.Max)); err != nil {
		return fmt.Errorf("%w: %v", ErrRangeProof, err)
	}
	if lf.Spoil != nil {
		return VerifyAudit(e, lf.Spoil.Ballot, lf.Spoil.Opening)
	}
	return nil
}

// sentinels are the ballot errors of SPEC §14.9 that a *LeafError wraps.
var sentinels = []error{ErrMalformed, ErrWrongManifest, ErrOptionCount, ErrNotOnRoll, ErrBadSignature, ErrBitProof, ErrRangeProof, ErrAudit, ErrReplay}

func sentinel(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// leafVerdicts returns the bad leaves a verification error names, with
// their sentinel errors (and the option of a bit proof failure).
func leafVerdicts(err error) map[int]string {
	out := map[int]string{}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	for _, e := range errs {
		var le *LeafError
		if errors.As(e, &le) {
			out[le.Index] = verdict(le.Err)
		}
	}
	return out
}

func verdict(err error) string {
	var pe *ProofError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%v (option %d)", ErrBitProof, pe.Option)
	}
	return sentinel(err).Error()
}

// TestStreamVerdictsMatchOneByOne tampers with leaves of an honest record
// in every way SPEC §14.9 names, several at once and spread over chunks,
// and checks that the batched, streaming verifier names exactly the leaves
// and errors that one-by-one verification names, for several chunk sizes
// (so that batches are bisected at different places) and worker counts.
func TestStreamVerdictsMatchOneByOne(t *testing.T) {
	p := sharedPlebiscite(t)
	other, _, _ := newElection(t, p.voters, "bessarabia-other")
	outsider := NewVoter()
	per := 64 + 224
	mutations := []struct {
		name   string
		mutate func(t *testing.T, r *Record)
	}{
		{"altered ballot", func(t *testing.T, r *Record) {
			l := r.Leaves[40]
			a := slices.Clone(l[66 : 66+per])
			copy(l[66:], l[66+per:66+2*per])
			copy(l[66+per:], a)
		}},
		{"not on the roll", func(t *testing.T, r *Record) {
			b, _, _ := outsider.Cast(p.e, []int{1})
			r.Leaves[57] = b.Bytes()
		}},
		{"bit proof for another manifest", func(t *testing.T, r *Record) {
			b, _, _ := p.voters[70].Cast(other, []int{2})
			r.Leaves[81] = resign(t, p.voters[70], b.Bytes(), p.e.Hash)
		}},
		{"second bit proof swapped", func(t *testing.T, r *Record) {
			v := p.voters[90]
			b0, _, _ := v.Cast(p.e, []int{0})
			b1, _, _ := v.Cast(p.e, []int{0})
			mixed := b0.Bytes()
			copy(mixed[66+per+64:66+2*per], b1.Bytes()[66+per+64:66+2*per])
			r.Leaves[101] = resign(t, v, mixed, p.e.Hash)
		}},
		{"range proof fails", func(t *testing.T, r *Record) {
			v := p.voters[120]
			b0, _, _ := v.Cast(p.e, []int{0})
			b1, _, _ := v.Cast(p.e, []int{1})
			mixed := b0.Bytes()
			copy(mixed[66+per:66+2*per], b1.Bytes()[66+per:66+2*per])
			r.Leaves[131] = resign(t, v, mixed, p.e.Hash)
		}},
		{"false audit", func(t *testing.T, r *Record) {
			s, _ := ParseSpoil(r.Leaves[10])
			s.Opening.Values[1], s.Opening.Values[2] = 0, 1
			r.Leaves[10] = s.Bytes()
		}},
		{"malformed", func(t *testing.T, r *Record) { r.Leaves[150] = r.Leaves[150][:100] }},
		{"wrong manifest", func(t *testing.T, r *Record) {
			b, _, _ := p.voters[160].Cast(other, []int{2})
			r.Leaves[171] = b.Bytes()
		}},
	}
	check := func(t *testing.T, name string, r *Record, configs ...[2]int) {
		t.Helper()
		bad, replay := oneByOne(p.e, r.Leaves)
		want := map[int]string{}
		for i, err := range bad {
			want[i] = verdict(err)
		}
		if replay >= 0 {
			want[replay] = ErrReplay.Error()
		}
		for _, w := range configs {
			_, err := VerifyRecordStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(r.Leaves), Result: r.Result, Board: r.Board, Workers: w[0], Chunk: w[1]})
			if got := leafVerdicts(err); !mapsEqual(got, want) {
				t.Errorf("%s: VerifyRecordStream(workers %d, chunk %d) names %v; one by one: %v", name, w[0], w[1], got, want)
			}
		}
		if len(configs) > 1 {
			_, err := VerifyRecord(r)
			if got := leafVerdicts(err); !mapsEqual(got, want) {
				t.Errorf("%s: VerifyRecord names %v; one by one: %v", name, got, want)
			}
		}
	}
	all := p.record.clone()
	for _, m := range mutations {
		r := p.record.clone()
		m.mutate(t, r)
		check(t, m.name, r, [2]int{2, 64})
		m.mutate(t, all)
	}
	check(t, "all at once", all, [2]int{1, 1}, [2]int{2, 7}, [2]int{1, 300})
	replayed := p.record.clone()
	replayed.Leaves = append(replayed.Leaves, replayed.Leaves[3])
	check(t, "replay", replayed, [2]int{2, 7})
}

func mapsEqual(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestVerifyRecordStream checks the honest record through the iterator,
// and the errors of an iterator that fails or changes between passes.
func TestVerifyRecordStream(t *testing.T) {
	p := sharedPlebiscite(t)
	r := p.record
	want, err := VerifyRecord(r)
	if err != nil {
		t.Fatalf("VerifyRecord(honest) = %v", err)
	}
	progress := 0
	got, err := VerifyRecordStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(r.Leaves), Result: r.Result, Board: r.Board, Chunk: 16,
		Progress: func(n int) { progress = max(progress, n) }})
	if err != nil {
		t.Fatalf("VerifyRecordStream(honest) = %v", err)
	}
	if got.String() != want.String() {
		t.Errorf("VerifyRecordStream(honest) report:\n%s\nwant:\n%s", got, want)
	}
	if progress != len(r.Leaves) {
		t.Errorf("progress reached %d; want %d", progress, len(r.Leaves))
	}
	failing := func(yield func([]byte) bool) error { return errors.New("disk on fire") }
	if _, err := VerifyRecordStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: failing, Result: r.Result}); err == nil {
		t.Errorf("VerifyRecordStream(failing iterator) = nil; want an error")
	}
	calls := 0
	changing := func(yield func([]byte) bool) error {
		calls++
		leaves := r.Leaves
		if calls == 2 {
			leaves = leaves[1:]
		}
		return sliceLeaves(leaves)(yield)
	}
	if _, err := VerifyRecordStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: changing, Result: r.Result}); !errors.Is(err, ErrLeavesChanged) {
		t.Errorf("VerifyRecordStream(changing iterator) = %v; want ErrLeavesChanged", err)
	}
	// The second pass reads the ballots that do not count, to subtract
	// them: voter 0's superseded ballot at leaf 0 replaced by the one at
	// leaf 1 must not be subtracted in its place.
	swapped := slices.Clone(r.Leaves)
	swapped[0] = r.Leaves[1]
	calls = 0
	changing = func(yield func([]byte) bool) error {
		calls++
		if calls == 2 {
			return sliceLeaves(swapped)(yield)
		}
		return sliceLeaves(r.Leaves)(yield)
	}
	if _, err := VerifyRecordStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: changing, Result: r.Result}); !errors.Is(err, ErrLeavesChanged) {
		t.Errorf("VerifyRecordStream(superseded ballot replaced in the second pass) = %v; want ErrLeavesChanged", err)
	}
	if calls != 2 {
		t.Errorf("the record with superseded ballots was read %d times; want 2", calls)
	}
}

// TestMerkleBuilder compares the incremental root with merkleRoot.
func TestMerkleBuilder(t *testing.T) {
	var hs []Hash
	for n := range 70 {
		var m merkleBuilder
		for _, h := range hs {
			m.add(h)
		}
		if got, want := m.root(), merkleRoot(hs); got != want {
			t.Fatalf("merkleBuilder root of %d leaves = %v; want %v", n, got, want)
		}
		hs = append(hs, leafHash([]byte{byte(n)}))
	}
}

// indexLeaves indexes every leaf of it and returns the index and the log
// root.
func indexLeaves(e *Election, it LeafIterator) (*leafIndex, Hash, error) {
	x := newLeafIndex(e)
	var log merkleBuilder
	err := it(func(l []byte) bool {
		x.add(e, &log, l)
		return true
	})
	if err != nil {
		return nil, Hash{}, fmt.Errorf("reading the leaves: %w", err)
	}
	return x, log.root(), nil
}

// TestCountedFlags compares the index-based counting rules with Counted.
func TestCountedFlags(t *testing.T) {
	p := sharedPlebiscite(t)
	leaves := slices.Clone(p.leaves)
	// A cast ballot spoiled later in the log: the credential's previous
	// ballot counts again.
	// Voter 0's counted ballot (leaf 11) and voter 199's only one.
	for _, i := range []int{11, len(leaves) - 1} {
		leaves = append(leaves, Leaf{Spoil: &Spoil{Ballot: leaves[i].Ballot}})
	}
	raw := make([][]byte, len(leaves))
	for i, l := range leaves {
		if l.Spoil != nil && len(l.Spoil.Opening.Values) == 0 {
			bb := l.Spoil.Ballot.Bytes()
			raw[i] = append(binary.BigEndian.AppendUint32([]byte{leafSpoil}, uint32(len(bb))), bb...)
			continue
		}
		raw[i] = l.Bytes()
	}
	x, _, err := indexLeaves(p.e, sliceLeaves(raw))
	if err != nil {
		t.Fatal(err)
	}
	flags := x.countedFlags(p.e.Roll.Len())
	var got []int
	for i, f := range flags {
		if f {
			got = append(got, i)
		}
	}
	want := Counted(leaves)
	if !slices.Contains(want, 0) || slices.Contains(want, 11) {
		t.Fatalf("Counted = %v; want leaf 0 counted again and leaf 11 not", want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("countedFlags = %v; Counted gives %v", got, want)
	}
}
