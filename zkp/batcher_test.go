package zkp

import (
	"errors"
	"slices"
	"testing"

	"concord/elgamal"
)

// TestChallengeEncoded checks that the challenge hashed from encodings (as
// Batch does) equals the one hashed from the elements, for parsed proofs
// and for proofs made in this process.
func TestChallengeEncoded(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 2)
	rp, err := ProveRange(testCtx, pk, ct, 2, r, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseRangeProof(rp.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := rangeStatement(testCtx, pk, ct, 1, 3)
	want := s.challenge(rp.p.a, rp.p.b)
	for _, p := range []*orProof{rp.p, parsed.p} {
		if got := s.challengeEncoded(pk.Bytes(), ct.Bytes(), p.commitmentBytes()); got.Equal(want) != 1 {
			t.Errorf("challengeEncoded(raw=%v) = %x; want %x", p.raw != nil, got.Bytes(), want.Bytes())
		}
	}
}

// TestBatchMixed verifies bit and range proofs in one batch, with the
// ciphertext encodings given, and checks that bisection names exactly the
// items that fail one by one.
func TestBatchMixed(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	type item struct {
		isRange bool
		bit     BitStatement
		rng     RangeStatement
	}
	var items []item
	for _, bs := range bitBatch(pk, 6) {
		p, _ := ParseBitProof(bs.Proof.Bytes())
		bs.Proof = p
		items = append(items, item{bit: bs})
		ct, r := elgamal.Encrypt(pk, 3)
		rp, err := ProveRange(testCtx, pk, ct, 3, r, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{isRange: true, rng: RangeStatement{Ctx: testCtx, Ciphertext: ct, Min: 0, Max: 4, Proof: rp}})
	}
	run := func(items []item) error {
		b := NewBatch(pk)
		for _, it := range items {
			if it.isRange {
				b.AddRange(it.rng.Ctx, it.rng.Ciphertext, it.rng.Ciphertext.Bytes(), it.rng.Min, it.rng.Max, it.rng.Proof)
			} else {
				b.AddBit(it.bit.Ctx, it.bit.Ciphertext, it.bit.Ciphertext.Bytes(), it.bit.Proof)
			}
		}
		return b.VerifyVarTime()
	}
	if err := run(items); err != nil {
		t.Fatalf("Batch.VerifyVarTime(%d valid proofs) = %v; want nil", len(items), err)
	}
	items[2].bit.Ctx = []byte("other")
	items[3].rng.Max = 3 // wrong number of branches
	items[7].rng.Min, items[7].rng.Max = 1, 5
	items[8].bit.Ciphertext = items[0].bit.Ciphertext
	want := []int{2, 3, 7, 8}
	var be *BatchError
	if err := run(items); !errors.As(err, &be) || !slices.Equal(be.Bad, want) {
		t.Fatalf("Batch.VerifyVarTime(corrupted) = %v; want a BatchError naming %v", err, want)
	}
	for i, it := range items {
		var single error
		if it.isRange {
			single = it.rng.Proof.Verify(it.rng.Ctx, pk, it.rng.Ciphertext, it.rng.Min, it.rng.Max)
		} else {
			single = it.bit.Proof.Verify(it.bit.Ctx, pk, it.bit.Ciphertext)
		}
		if batch := run(items[i : i+1]); (single == nil) != (batch == nil) {
			t.Errorf("item %d: single verification %v, batch %v; want the same verdict", i, single, batch)
		}
	}
}

// BenchmarkBatchOneOfThree256 verifies 256 one-of-three ballots' proofs
// (768 bit proofs and 256 range proofs) in one Batch, with the
// encodings given as a ballot parser has them; divide by 256 for the cost
// per ballot.
func BenchmarkBatchOneOfThree256(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ballots := make([]*oneOfThreeBallot, 256)
	encs := make([][3][]byte, len(ballots))
	for i := range ballots {
		ballots[i] = castOneOfThree(pk, i%3)
		for j := range 3 {
			encs[i][j] = ballots[i].cts[j].Bytes()
			ballots[i].bits[j], _ = ParseBitProof(ballots[i].bits[j].Bytes())
		}
	}
	for b.Loop() {
		bt := NewBatch(pk)
		for i, bl := range ballots {
			for j := range 3 {
				bt.AddBit(testCtx, bl.cts[j], encs[i][j], bl.bits[j])
			}
			bt.AddRange(testCtx, elgamal.Sum(bl.cts[:]...), nil, 1, 1, bl.sum)
		}
		if err := bt.VerifyVarTime(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBatchRangeOfSum checks ballots as the plebiscite batches them: bit
// proofs, then a range proof on their sum, folded into the parts'
// coefficients, and unfolded when bisection separates a sum from its parts.
func TestBatchRangeOfSum(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	ballots := make([]*oneOfThreeBallot, 5)
	for i := range ballots {
		ballots[i] = castOneOfThree(pk, i%3)
	}
	run := func(badParts bool) ([]int, error) {
		b := NewBatch(pk)
		var ranges []int
		for _, bl := range ballots {
			var parts []int
			for j := range 3 {
				parts = append(parts, b.AddBit(testCtx, bl.cts[j], nil, bl.bits[j]))
			}
			if badParts {
				parts[0] = 99
			}
			ranges = append(ranges, b.AddRangeOfSum(testCtx, parts, 1, 1, bl.sum))
		}
		return ranges, b.VerifyVarTime()
	}
	if _, err := run(false); err != nil {
		t.Fatalf("Batch(5 ballots) = %v; want nil", err)
	}
	if _, err := run(true); err == nil {
		t.Errorf("Batch(range of a sum of unknown items) = nil; want an error")
	}
	ballots[2].sum, ballots[3].sum = ballots[3].sum, ballots[2].sum
	ballots[4].bits[1] = ballots[4].bits[0]
	ranges, err := run(false)
	want := []int{ranges[2], ranges[3], 4*4 + 1}
	var be *BatchError
	if !errors.As(err, &be) || !slices.Equal(be.Bad, want) {
		t.Fatalf("Batch(swapped range proofs, copied bit proof) = %v; want a BatchError naming %v", err, want)
	}
}
