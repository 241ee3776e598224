package zkp

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
)

// Adversarial tests of the proofs and of batch verification: each builds
// an invalid proof the way an attacker would and checks that one-by-one
// and batch verification both refuse it, and that the bisection names
// exactly the bad proofs.

// shiftZ returns a copy of the bit proof with d added to response z_br.
func shiftZ(p *BitProof, br int, d *Scalar) *BitProof {
	q := &orProof{a: p.p.a, b: p.p.b, c: p.p.c, z: slices.Clone(p.p.z)}
	q.z[br] = ristretto255.NewScalar().Add(q.z[br], d)
	out, err := ParseBitProof((&BitProof{p: q}).Bytes())
	if err != nil {
		panic(err)
	}
	return out
}

// TestBatchCompensatingProofs: two invalid proofs whose errors cancel in
// any combination that reuses a weight (z_0 + d in one, z_0 - d in the
// other; or z_0 + d and z_1 - d in the same proof) must fail the batch,
// and the bisection must name exactly them.
func TestBatchCompensatingProofs(t *testing.T) {
	_, pk := fixedKey()
	d := ristretto255.RandomScalar()
	nd := ristretto255.NewScalar().Negate(d)
	for _, tc := range []struct {
		name    string
		tamper  func(items []BitStatement)
		wantBad []int
	}{
		{"z_0 + d in proof 2, z_0 - d in proof 5", func(items []BitStatement) {
			items[2].Proof = shiftZ(items[2].Proof, 0, d)
			items[5].Proof = shiftZ(items[5].Proof, 0, nd)
		}, []int{2, 5}},
		{"z_0 + d and z_1 - d in proof 3", func(items []BitStatement) {
			items[3].Proof = shiftZ(shiftZ(items[3].Proof, 0, d), 1, nd)
		}, []int{3}},
		{"proofs 1 and 6 swapped", func(items []BitStatement) {
			items[1].Proof, items[6].Proof = items[6].Proof, items[1].Proof
		}, []int{1, 6}},
		{"ciphertexts 0 and 7 swapped", func(items []BitStatement) {
			items[0].Ciphertext, items[7].Ciphertext = items[7].Ciphertext, items[0].Ciphertext
		}, []int{0, 7}},
		{"contexts 4 and 5 swapped (option moved)", func(items []BitStatement) {
			items[4].Ctx, items[5].Ctx = items[5].Ctx, items[4].Ctx
		}, []int{4, 5}},
	} {
		items := bitBatch(pk, 8)
		tc.tamper(items)
		for _, i := range tc.wantBad {
			if err := items[i].Proof.Verify(items[i].Ctx, pk, items[i].Ciphertext); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("%s: BitProof.Verify(item %d) = %v; want ErrInvalidProof", tc.name, i, err)
			}
		}
		var be *BatchError
		if err := VerifyBitBatchVarTime(pk, items); !errors.As(err, &be) || !slices.Equal(be.Bad, tc.wantBad) {
			t.Errorf("%s: VerifyBitBatchVarTime = %v; want a BatchError naming %v", tc.name, err, tc.wantBad)
		}
	}
}

// TestForgedBitProofOfTwo: a prover who encrypts 2 and simulates both
// branches of the 0/1 proof (the only way without breaking the group) is
// caught one by one and in a batch, also when it hides among valid proofs.
func TestForgedBitProofOfTwo(t *testing.T) {
	_, pk := fixedKey()
	ct, r := elgamal.Encrypt(pk, 2)
	s := bitStatement(testCtx, pk, ct)
	// proveWith with m = 2: no branch is real, both are simulated.
	forged := &BitProof{p: s.proveWith(2, r, s.challenge)}
	if err := forged.Verify(testCtx, pk, ct); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("BitProof.Verify(encryption of 2) = %v; want ErrInvalidProof", err)
	}
	// As a range proof over [0, 2] the honest proof verifies: the control.
	rp, err := ProveRange(testCtx, pk, ct, 2, r, 0, 2)
	if err != nil || rp.Verify(testCtx, pk, ct, 0, 2) != nil {
		t.Fatalf("ProveRange(2 in [0, 2]) does not verify: %v", err)
	}
	// But not as a range proof over [0, 1], nor over [1, 3] (k matches).
	if err := rp.Verify(testCtx, pk, ct, 0, 1); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("RangeProof[0,2].Verify(range [0, 1]) = %v; want ErrInvalidProof", err)
	}
	if err := rp.Verify(testCtx, pk, ct, 1, 3); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("RangeProof[0,2].Verify(range [1, 3]) = %v; want ErrInvalidProof", err)
	}
	items := bitBatch(pk, 9)
	items[4] = BitStatement{Ctx: testCtx, Ciphertext: ct, Proof: forged}
	var be *BatchError
	if err := VerifyBitBatchVarTime(pk, items); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{4}) {
		t.Errorf("VerifyBitBatchVarTime(forged proof at 4) = %v; want a BatchError naming [4]", err)
	}
}

// TestBatchAgreesOnEdgeCases: ciphertexts made of the identity element
// (the encryptions of 0 and 1 with randomness 0) and range proofs of a
// single value get the same verdict one by one and in a batch.
func TestBatchAgreesOnEdgeCases(t *testing.T) {
	_, pk := fixedKey()
	zero := ristretto255.NewScalar()
	var items []BitStatement
	for m := range uint64(2) {
		ct := elgamal.EncryptWith(pk, m, zero)
		ctx := fmt.Appendf(nil, "identity %d", m)
		items = append(items, BitStatement{Ctx: ctx, Ciphertext: ct, Proof: ProveBit(ctx, pk, ct, m, zero)})
	}
	// The identity ciphertext with a proof for another ciphertext.
	id := elgamal.NewCiphertext()
	items = append(items, BitStatement{Ctx: items[1].Ctx, Ciphertext: id, Proof: items[1].Proof})
	want := []int{2}
	var bad []int
	for i, it := range items {
		if it.Proof.Verify(it.Ctx, pk, it.Ciphertext) != nil {
			bad = append(bad, i)
		}
	}
	if !slices.Equal(bad, want) {
		t.Fatalf("BitProof.Verify fails for %v; want %v", bad, want)
	}
	var be *BatchError
	if err := VerifyBitBatchVarTime(pk, items); !errors.As(err, &be) || !slices.Equal(be.Bad, want) {
		t.Errorf("VerifyBitBatchVarTime(identity ciphertexts) = %v; want a BatchError naming %v", err, want)
	}

	// Range [5, 5]: one branch, no encoded challenge share.
	ct, r := elgamal.Encrypt(pk, 5)
	rp, err := ProveRange(testCtx, pk, ct, 5, r, 5, 5)
	if err != nil {
		t.Fatal(err)
	}
	ct6, r6 := elgamal.Encrypt(pk, 6)
	rp6, err := ProveRange(testCtx, pk, ct6, 6, r6, 6, 6)
	if err != nil {
		t.Fatal(err)
	}
	ritems := []RangeStatement{
		{Ctx: testCtx, Ciphertext: ct, Min: 5, Max: 5, Proof: rp},
		{Ctx: testCtx, Ciphertext: ct6, Min: 5, Max: 5, Proof: rp6}, // 6 is not 5
		{Ctx: testCtx, Ciphertext: ct, Min: 5, Max: 6, Proof: rp},   // wrong number of branches
		{Ctx: testCtx, Ciphertext: ct6, Min: 6, Max: 6, Proof: rp6},
	}
	for i, it := range ritems {
		err := it.Proof.Verify(it.Ctx, pk, it.Ciphertext, it.Min, it.Max)
		if (err == nil) != (i == 0 || i == 3) {
			t.Errorf("RangeProof.Verify(item %d) = %v", i, err)
		}
	}
	if err := VerifyRangeBatchVarTime(pk, []RangeStatement{ritems[0], ritems[1], ritems[3]}); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{1}) {
		t.Errorf("VerifyRangeBatchVarTime(6 proved as 5 at 1) = %v; want a BatchError naming [1]", err)
	}
	if err := VerifyRangeBatchVarTime(pk, ritems); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{2}) {
		t.Errorf("VerifyRangeBatchVarTime(wrong branch count at 2) = %v; want a BatchError naming [2]", err)
	}
}

// TestBatchRangeOfSumBadParts: a range proof on the sum of parts that are
// not (all) earlier items of the batch fails alone; a sum whose part is
// listed twice is the sum with that part doubled, as the fold assumes.
func TestBatchRangeOfSumBadParts(t *testing.T) {
	_, pk := fixedKey()
	b := NewBatch(pk)
	items := bitBatch(pk, 2) // values 0 and 1
	p0 := b.AddBit(items[0].Ctx, items[0].Ciphertext, nil, items[0].Proof)
	p1 := b.AddBit(items[1].Ctx, items[1].Ciphertext, nil, items[1].Proof)
	// A proof that the sum is in [0, 0]: it is 1, so no honest proof
	// exists; reuse a [0, 0] proof of another ciphertext.
	zct, zr := elgamal.Encrypt(pk, 0)
	rp, err := ProveRange(testCtx, pk, zct, 0, zr, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	bad := b.AddRangeOfSum(testCtx, []int{p0, p1}, 0, 0, rp)
	outOfRange := b.AddRangeOfSum(testCtx, []int{p0, 99}, 0, 1, rp)
	self := b.AddRangeOfSum(testCtx, []int{p0, b.Len()}, 0, 1, rp)
	var be *BatchError
	if err := b.VerifyVarTime(); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{bad, outOfRange, self}) {
		t.Errorf("Batch.VerifyVarTime = %v; want a BatchError naming %v", err, []int{bad, outOfRange, self})
	}

	// A part listed twice: the sum encrypts 2, and an honest [2, 2] proof
	// of it verifies, folded into the part's coefficients twice.
	b = NewBatch(pk)
	b.AddBit(items[0].Ctx, items[0].Ciphertext, nil, items[0].Proof)
	ct1, r1 := elgamal.Encrypt(pk, 1)
	q := b.AddBit(testCtx, ct1, nil, ProveBit(testCtx, pk, ct1, 1, r1))
	rp2, err := ProveRange(testCtx, pk, elgamal.Sum(ct1, ct1), 2, ristretto255.NewScalar().Add(r1, r1), 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	b.AddRangeOfSum(testCtx, []int{q, q}, 2, 2, rp2)
	if err := b.VerifyVarTime(); err != nil {
		t.Errorf("Batch.VerifyVarTime(range proof on a part counted twice) = %v; want nil", err)
	}
}

// TestDLEQBatchCompensating: two invalid DLEQ proofs (z + d, z - d) fail
// the batch and are named.
func TestDLEQBatchCompensating(t *testing.T) {
	G := ristretto255.NewGeneratorElement()
	var items []DLEQStatement
	for i := range 6 {
		x := ristretto255.RandomScalar()
		H := randomElement()
		X := ristretto255.NewElement().ScalarMult(x, G)
		Y := ristretto255.NewElement().ScalarMult(x, H)
		ctx := fmt.Appendf(nil, "share %d", i)
		items = append(items, DLEQStatement{Ctx: ctx, G: G, H: H, X: X, Y: Y, Proof: ProveDLEQ(ctx, x, G, H, X, Y)})
	}
	d := ristretto255.RandomScalar()
	p1, p4 := *items[1].Proof, *items[4].Proof
	p1.Z = ristretto255.NewScalar().Add(p1.Z, d)
	p4.Z = ristretto255.NewScalar().Subtract(p4.Z, d)
	items[1].Proof, items[4].Proof = &p1, &p4
	var be *BatchError
	if err := VerifyDLEQBatchVarTime(items); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{1, 4}) {
		t.Errorf("VerifyDLEQBatchVarTime(z+d at 1, z-d at 4) = %v; want a BatchError naming [1 4]", err)
	}
}
