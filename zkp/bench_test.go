package zkp

import (
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
)

func BenchmarkProveSchnorr(b *testing.B) {
	x := ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	for b.Loop() {
		ProveSchnorr(testCtx, x, X)
	}
}

func BenchmarkVerifySchnorr(b *testing.B) {
	x := ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	p := ProveSchnorr(testCtx, x, X)
	for b.Loop() {
		if err := p.Verify(testCtx, X); err != nil {
			b.Fatal(err)
		}
	}
}

func dleqInputs() (*Scalar, *Element, *Element, *Element, *Element) {
	x := ristretto255.RandomScalar()
	G, H := ristretto255.NewGeneratorElement(), ristretto255.HashToElement("bench H")
	return x, G, H, ristretto255.NewElement().ScalarMult(x, G), ristretto255.NewElement().ScalarMult(x, H)
}

func BenchmarkProveDLEQ(b *testing.B) {
	x, G, H, X, Y := dleqInputs()
	for b.Loop() {
		ProveDLEQ(testCtx, x, G, H, X, Y)
	}
}

func BenchmarkVerifyDLEQ(b *testing.B) {
	x, G, H, X, Y := dleqInputs()
	p := ProveDLEQ(testCtx, x, G, H, X, Y)
	for b.Loop() {
		if err := p.Verify(testCtx, G, H, X, Y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProveBit(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	for b.Loop() {
		ProveBit(testCtx, pk, ct, 1, r)
	}
}

func BenchmarkVerifyBit(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	p := ProveBit(testCtx, pk, ct, 1, r)
	for b.Loop() {
		if err := p.Verify(testCtx, pk, ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseBit measures decoding a bit proof (four elements).
func BenchmarkParseBit(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	enc := ProveBit(testCtx, pk, ct, 1, r).Bytes()
	for b.Loop() {
		if _, err := ParseBitProof(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRange(b *testing.B, min, max uint64, prove bool) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, max)
	p, err := ProveRange(testCtx, pk, ct, max, r, min, max)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if prove {
			ProveRange(testCtx, pk, ct, max, r, min, max)
		} else if err := p.Verify(testCtx, pk, ct, min, max); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProveRange1to1(b *testing.B)  { benchRange(b, 1, 1, true) }
func BenchmarkVerifyRange1to1(b *testing.B) { benchRange(b, 1, 1, false) }
func BenchmarkProveRange0to3(b *testing.B)  { benchRange(b, 0, 3, true) }
func BenchmarkVerifyRange0to3(b *testing.B) { benchRange(b, 0, 3, false) }

// oneOfThreeBallot is the cryptographic part of a one-of-three ballot:
// three encrypted 0/1 choices with bit proofs and a [1, 1] proof on their sum.
type oneOfThreeBallot struct {
	cts  [3]*elgamal.Ciphertext
	bits [3]*BitProof
	sum  *RangeProof
}

func castOneOfThree(pk *elgamal.PublicKey, choice int) *oneOfThreeBallot {
	var ballot oneOfThreeBallot
	rsum := ristretto255.NewScalar()
	for i := range 3 {
		m := uint64(0)
		if i == choice {
			m = 1
		}
		ct, r := elgamal.Encrypt(pk, m)
		ballot.cts[i] = ct
		ballot.bits[i] = ProveBit(testCtx, pk, ct, m, r)
		rsum.Add(rsum, r)
	}
	sum := elgamal.Sum(ballot.cts[:]...)
	ballot.sum, _ = ProveRange(testCtx, pk, sum, 1, rsum, 1, 1)
	return &ballot
}

func (bl *oneOfThreeBallot) verify(pk *elgamal.PublicKey) error {
	for i := range 3 {
		if err := bl.bits[i].Verify(testCtx, pk, bl.cts[i]); err != nil {
			return err
		}
	}
	return bl.sum.Verify(testCtx, pk, elgamal.Sum(bl.cts[:]...), 1, 1)
}

func TestOneOfThreeBallot(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	if err := castOneOfThree(pk, 2).verify(pk); err != nil {
		t.Fatalf("verify(one-of-three ballot) = %v; want nil", err)
	}
}

func BenchmarkCastOneOfThree(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	for b.Loop() {
		castOneOfThree(pk, 1)
	}
}

func BenchmarkVerifyOneOfThree(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ballot := castOneOfThree(pk, 1)
	for b.Loop() {
		if err := ballot.verify(pk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBitBatch64 verifies 64 bit proofs per iteration; divide by
// 64 for the cost per proof (compare with BenchmarkVerifyBit).
func BenchmarkVerifyBitBatch64(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	items := bitBatch(pk, 64)
	for b.Loop() {
		if err := VerifyBitBatchVarTime(pk, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyOneOfThreeBatch64 verifies 64 one-of-three ballots per
// iteration with the batch verifiers (192 bit proofs, 64 range proofs),
// including the homomorphic sums; divide by 64 for the cost per ballot.
func BenchmarkVerifyOneOfThreeBatch64(b *testing.B) {
	_, pk := elgamal.GenerateKey()
	ballots := make([]*oneOfThreeBallot, 64)
	for i := range ballots {
		ballots[i] = castOneOfThree(pk, i%3)
	}
	for b.Loop() {
		var bits []BitStatement
		var sums []RangeStatement
		for _, bl := range ballots {
			for i := range 3 {
				bits = append(bits, BitStatement{Ctx: testCtx, Ciphertext: bl.cts[i], Proof: bl.bits[i]})
			}
			sums = append(sums, RangeStatement{Ctx: testCtx, Ciphertext: elgamal.Sum(bl.cts[:]...), Min: 1, Max: 1, Proof: bl.sum})
		}
		if err := VerifyBitBatchVarTime(pk, bits); err != nil {
			b.Fatal(err)
		}
		if err := VerifyRangeBatchVarTime(pk, sums); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDLEQBatch64(b *testing.B) {
	items := make([]DLEQStatement, 64)
	for i := range items {
		x, G, H, X, Y := dleqInputs()
		items[i] = DLEQStatement{Ctx: testCtx, G: G, H: H, X: X, Y: Y, Proof: ProveDLEQ(testCtx, x, G, H, X, Y)}
	}
	for b.Loop() {
		if err := VerifyDLEQBatchVarTime(items); err != nil {
			b.Fatal(err)
		}
	}
}
