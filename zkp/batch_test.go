package zkp

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
)

func bitBatch(pk *elgamal.PublicKey, n int) []BitStatement {
	items := make([]BitStatement, n)
	for i := range items {
		m := uint64(i % 2)
		ct, r := elgamal.Encrypt(pk, m)
		ctx := fmt.Appendf(nil, "ballot %d", i)
		items[i] = BitStatement{Ctx: ctx, Ciphertext: ct, Proof: ProveBit(ctx, pk, ct, m, r)}
	}
	return items
}

func TestVerifyBitBatchVarTime(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	items := bitBatch(pk, 12)
	if err := VerifyBitBatchVarTime(pk, items); err != nil {
		t.Fatalf("VerifyBitBatchVarTime(12 valid proofs) = %v; want nil", err)
	}
	if err := VerifyBitBatchVarTime(pk, nil); err != nil {
		t.Errorf("VerifyBitBatchVarTime(empty) = %v; want nil", err)
	}
	// Corrupt some items in different ways.
	ct2, r2 := elgamal.Encrypt(pk, 2)
	items[2].Ctx = []byte("another ballot")                                                                    // wrong context
	items[5].Ciphertext = items[6].Ciphertext                                                                  // proof for another ciphertext
	items[9] = BitStatement{Ctx: items[9].Ctx, Ciphertext: ct2, Proof: ProveBit(items[9].Ctx, pk, ct2, 1, r2)} // encrypts 2
	// A proof whose individual equations fail but whose errors could cancel
	// in an unweighted sum: swap the responses of two branches.
	p := items[11].Proof.p
	items[11].Proof = &BitProof{p: &orProof{a: p.a, b: p.b, c: p.c, z: []*Scalar{p.z[1], p.z[0]}}}
	want := []int{2, 5, 9, 11}
	err := VerifyBitBatchVarTime(pk, items)
	var be *BatchError
	if !errors.As(err, &be) || !errors.Is(err, ErrInvalidProof) || !slices.Equal(be.Bad, want) {
		t.Fatalf("VerifyBitBatchVarTime(corrupted) = %v; want a BatchError naming %v", err, want)
	}
	// Agreement with single verification, item by item.
	for i, it := range items {
		single := it.Proof.Verify(it.Ctx, pk, it.Ciphertext) == nil
		batch := VerifyBitBatchVarTime(pk, items[i:i+1]) == nil
		if single != batch {
			t.Errorf("item %d: single verification %v, batch verification %v; want equal", i, single, batch)
		}
		if single == slices.Contains(want, i) {
			t.Errorf("item %d: single verification = %v; want %v", i, single, !slices.Contains(want, i))
		}
	}
	// A different public key fails the whole batch.
	_, pk2 := elgamal.GenerateKey()
	if err := VerifyBitBatchVarTime(pk2, items[:2]); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("VerifyBitBatchVarTime(other pk) = %v; want ErrInvalidProof", err)
	}
}

func TestVerifyRangeBatchVarTime(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	var items []RangeStatement
	for i := range 6 {
		min, max := uint64(i%2), uint64(i%2+i%3)
		ct, r := elgamal.Encrypt(pk, max)
		p, err := ProveRange(testCtx, pk, ct, max, r, min, max)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, RangeStatement{Ctx: testCtx, Ciphertext: ct, Min: min, Max: max, Proof: p})
	}
	if err := VerifyRangeBatchVarTime(pk, items); err != nil {
		t.Fatalf("VerifyRangeBatchVarTime(valid) = %v; want nil", err)
	}
	items[1].Max++                                              // wrong number of branches
	items[4].Min, items[4].Max = items[4].Min+1, items[4].Max+1 // shifted range
	var be *BatchError
	if err := VerifyRangeBatchVarTime(pk, items); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{1}) {
		t.Fatalf("VerifyRangeBatchVarTime(bad branch count) = %v; want BatchError{[1]}", err)
	}
	items[1].Max--
	if err := VerifyRangeBatchVarTime(pk, items); !errors.As(err, &be) || !slices.Equal(be.Bad, []int{4}) {
		t.Fatalf("VerifyRangeBatchVarTime(shifted range) = %v; want BatchError{[4]}", err)
	}
}

func TestRandomWeights(t *testing.T) {
	w := randomWeights(8)
	for i, s := range w {
		b := s.Bytes()
		if !slices.Equal(b[16:], make([]byte, 16)) {
			t.Errorf("weight %d = %x; want < 2^128", i, b)
		}
		if s.Equal(ristretto255.NewScalar()) == 1 {
			t.Errorf("weight %d is zero", i)
		}
	}
}

func TestVerifyDLEQBatchVarTime(t *testing.T) {
	G := ristretto255.NewGeneratorElement()
	var items []DLEQStatement
	for i := range 7 {
		x := ristretto255.RandomScalar()
		H := randomElement()
		X := ristretto255.NewElement().ScalarMult(x, G)
		Y := ristretto255.NewElement().ScalarMult(x, H)
		ctx := fmt.Appendf(nil, "share %d", i)
		items = append(items, DLEQStatement{Ctx: ctx, G: G, H: H, X: X, Y: Y, Proof: ProveDLEQ(ctx, x, G, H, X, Y)})
	}
	if err := VerifyDLEQBatchVarTime(items); err != nil {
		t.Fatalf("VerifyDLEQBatchVarTime(valid) = %v; want nil", err)
	}
	items[1].Y = otherElement(items[1].Y)
	items[4].Ctx = []byte("other")
	items[6].H = items[5].H
	want := []int{1, 4, 6}
	var be *BatchError
	if err := VerifyDLEQBatchVarTime(items); !errors.As(err, &be) || !slices.Equal(be.Bad, want) {
		t.Fatalf("VerifyDLEQBatchVarTime(corrupted) = %v; want BatchError naming %v", err, want)
	}
	for i, it := range items {
		single := it.Proof.Verify(it.Ctx, it.G, it.H, it.X, it.Y) == nil
		if batch := VerifyDLEQBatchVarTime(items[i:i+1]) == nil; single != batch {
			t.Errorf("item %d: single verification %v, batch verification %v; want equal", i, single, batch)
		}
	}
}
