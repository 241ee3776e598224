package zkp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
)

// record is one Append record of a transcript, for rebuilding transcripts
// in tests independently of the provers.
type record struct {
	label string
	value []byte
}

// challengeSkipping computes the challenge of a transcript made of recs,
// leaving out recs[skip] (no record is left out if skip < 0).
func challengeSkipping(label string, recs []record, skip int) *Scalar {
	t := NewTranscript(label)
	for i, r := range recs {
		if i != skip {
			t.Append(r.label, r.value)
		}
	}
	return t.Challenge("c")
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// TestTranscriptBindsSchnorr proves honestly but with a challenge that
// omits one record of SPEC §11.3; Verify must reject every such proof, and
// accept the one that omits nothing (the control).
func TestTranscriptBindsSchnorr(t *testing.T) {
	x := ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	G := ristretto255.NewGeneratorElement()
	for skip := -1; skip < 4; skip++ {
		w := ristretto255.RandomScalar()
		R := ristretto255.NewElement().ScalarBaseMult(w)
		recs := []record{{"ctx", testCtx}, {"G", G.Bytes()}, {"X", X.Bytes()}, {"R", R.Bytes()}}
		c := challengeSkipping(labelSchnorr, recs, skip)
		p := &SchnorrProof{R: R, Z: ristretto255.NewScalar().MultiplyAdd(c, x, w)}
		checkBinding(t, "Schnorr", recs, skip, p.Verify(testCtx, X))
	}
}

func checkBinding(t *testing.T, what string, recs []record, skip int, err error) {
	t.Helper()
	if skip < 0 {
		if err != nil {
			t.Errorf("%s: proof with the full transcript: Verify = %v; want nil", what, err)
		}
		return
	}
	if !errors.Is(err, ErrInvalidProof) {
		t.Errorf("%s: proof whose challenge omits %q: Verify = %v; want ErrInvalidProof", what, recs[skip].label, err)
	}
}

func TestTranscriptBindsDLEQ(t *testing.T) {
	x := ristretto255.RandomScalar()
	G, H := randomElement(), randomElement()
	X := ristretto255.NewElement().ScalarMult(x, G)
	Y := ristretto255.NewElement().ScalarMult(x, H)
	for skip := -1; skip < 7; skip++ {
		w := ristretto255.RandomScalar()
		R1 := ristretto255.NewElement().ScalarMult(w, G)
		R2 := ristretto255.NewElement().ScalarMult(w, H)
		recs := []record{{"ctx", testCtx}, {"G", G.Bytes()}, {"H", H.Bytes()}, {"X", X.Bytes()}, {"Y", Y.Bytes()}, {"R1", R1.Bytes()}, {"R2", R2.Bytes()}}
		c := challengeSkipping(labelDLEQ, recs, skip)
		p := &DLEQProof{R1: R1, R2: R2, Z: ristretto255.NewScalar().MultiplyAdd(c, x, w)}
		checkBinding(t, "DLEQ", recs, skip, p.Verify(testCtx, G, H, X, Y))
	}
}

// TestDLEQBaseChosenAfterChallenge replays the attack on a proof whose
// challenge does not hash the base H (one of circl's bugs): the forger
// picks H after the challenge and "proves" log_G X = log_H Y for a false
// statement. The forgery satisfies the equations under the weak transcript
// and must be rejected by Verify.
func TestDLEQBaseChosenAfterChallenge(t *testing.T) {
	G := ristretto255.NewGeneratorElement()
	x, y, w, rho := ristretto255.RandomScalar(), ristretto255.RandomScalar(), ristretto255.RandomScalar(), ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	Y := ristretto255.NewElement().ScalarBaseMult(y)
	R1 := ristretto255.NewElement().ScalarBaseMult(w)
	R2 := ristretto255.NewElement().ScalarBaseMult(rho)
	weak := []record{{"ctx", testCtx}, {"G", G.Bytes()}, {"X", X.Bytes()}, {"Y", Y.Bytes()}, {"R1", R1.Bytes()}, {"R2", R2.Bytes()}}
	c := challengeSkipping(labelDLEQ, weak, -1)
	z := ristretto255.NewScalar().MultiplyAdd(c, x, w)
	// H = z^-1 * (rho + c*y) * G, so that z*H = R2 + c*Y.
	h := ristretto255.NewScalar().MultiplyAdd(c, y, rho)
	h.Multiply(h, ristretto255.NewScalar().Invert(z))
	H := ristretto255.NewElement().ScalarBaseMult(h)
	lhs := ristretto255.NewElement().ScalarMult(z, H)
	rhs := ristretto255.NewElement().Add(R2, ristretto255.NewElement().ScalarMult(c, Y))
	if lhs.Equal(rhs) != 1 {
		t.Fatalf("test bug: the forgery does not satisfy z*H = R2 + c*Y")
	}
	p := &DLEQProof{R1: R1, R2: R2, Z: z}
	mustFail(t, "DLEQ forgery with H chosen after the challenge", p.Verify(testCtx, G, H, X, Y))
}

func orRecords(s *orStatement, a, b []*Element) []record {
	recs := []record{{"ctx", s.ctx}, {"G", ristretto255.NewGeneratorElement().Bytes()}, {"pk", s.pk.Y.Bytes()}, {"A", s.ct.A.Bytes()}, {"B", s.ct.B.Bytes()}}
	if s.isRange {
		recs = append(recs, record{"min", u64(s.min)}, record{"max", u64(s.max)})
	}
	for i := range a {
		recs = append(recs, record{fmt.Sprintf("a (branch %d)", i), a[i].Bytes()}, record{fmt.Sprintf("b (branch %d)", i), b[i].Bytes()})
	}
	return recs
}

// relabel strips the branch annotation used in failure messages.
func relabel(recs []record) []record {
	out := make([]record, len(recs))
	for i, r := range recs {
		out[i] = r
		if len(r.label) > 1 && (r.label[0] == 'a' || r.label[0] == 'b') && r.label[1] == ' ' {
			out[i].label = r.label[:1]
		}
	}
	return out
}

func TestTranscriptBindsOrProofs(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	for _, rg := range [][2]uint64{{0, 1}, {1, 1}, {0, 2}} {
		m := rg[1]
		ct, r := elgamal.Encrypt(pk, m)
		isRange := rg != [2]uint64{0, 1}
		s := &orStatement{label: labelRange, ctx: testCtx, pk: pk, ct: ct, min: rg[0], max: rg[1], isRange: isRange}
		if !isRange {
			s = bitStatement(testCtx, pk, ct)
		}
		nRecs := 5 + 2*s.k()
		if isRange {
			nRecs += 2
		}
		for skip := -1; skip < nRecs; skip++ {
			var recs []record
			p := s.proveWith(m, r, func(a, b []*Element) *Scalar {
				recs = orRecords(s, a, b)
				return challengeSkipping(s.label, relabel(recs), skip)
			})
			checkBinding(t, fmt.Sprintf("%s [%d, %d]", s.label, rg[0], rg[1]), recs, skip, s.verify(p))
		}
	}
}

// TestDomainSeparation checks that a bit proof, which has the same shape as
// a range proof for [0, 1], is not accepted as one (different domain label
// and transcript), and vice versa.
func TestDomainSeparation(t *testing.T) {
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	bit := ProveBit(testCtx, pk, ct, 1, r)
	asRange, err := ParseRangeProof(bit.Bytes())
	if err != nil {
		t.Fatalf("ParseRangeProof(bit proof bytes) error: %v", err)
	}
	mustFail(t, "bit proof as a range proof for [0, 1]", asRange.Verify(testCtx, pk, ct, 0, 1))
	rp, err := ProveRange(testCtx, pk, ct, 1, r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	asBit, err := ParseBitProof(rp.Bytes())
	if err != nil {
		t.Fatalf("ParseBitProof(range proof bytes) error: %v", err)
	}
	mustFail(t, "range proof for [0, 1] as a bit proof", asBit.Verify(testCtx, pk, ct))
	// A DLEQ proof for (G, Y, A, B - G) is the [1, 1] range proof's statement,
	// but its bytes must not verify as that range proof.
	Bm1 := ristretto255.NewElement().Subtract(ct.B, ristretto255.NewGeneratorElement())
	dleq := ProveDLEQ(testCtx, r, ristretto255.NewGeneratorElement(), pk.Y, ct.A, Bm1)
	asRange, err = ParseRangeProof(dleq.Bytes())
	if err != nil {
		t.Fatalf("ParseRangeProof(DLEQ proof bytes) error: %v", err)
	}
	mustFail(t, "DLEQ proof as a range proof for [1, 1]", asRange.Verify(testCtx, pk, ct, 1, 1))
}
