package zkp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
)

// sampleProofs returns one valid encoding of each proof type.
func sampleProofs() (schnorr, dleq, bit, rng []byte) {
	x := ristretto255.RandomScalar()
	X := ristretto255.NewElement().ScalarBaseMult(x)
	H := ristretto255.HashToElement("test H")
	Y := ristretto255.NewElement().ScalarMult(x, H)
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	rp, _ := ProveRange(testCtx, pk, ct, 1, r, 0, 2)
	return ProveSchnorr(testCtx, x, X).Bytes(),
		ProveDLEQ(testCtx, x, ristretto255.NewGeneratorElement(), H, X, Y).Bytes(),
		ProveBit(testCtx, pk, ct, 1, r).Bytes(),
		rp.Bytes()
}

var parsers = map[string]func([]byte) ([]byte, error){
	"Schnorr": func(b []byte) ([]byte, error) {
		p, err := ParseSchnorrProof(b)
		if err != nil {
			return nil, err
		}
		return p.Bytes(), nil
	},
	"DLEQ": func(b []byte) ([]byte, error) {
		p, err := ParseDLEQProof(b)
		if err != nil {
			return nil, err
		}
		return p.Bytes(), nil
	},
	"Bit": func(b []byte) ([]byte, error) {
		p, err := ParseBitProof(b)
		if err != nil {
			return nil, err
		}
		return p.Bytes(), nil
	},
	"Range": func(b []byte) ([]byte, error) {
		p, err := ParseRangeProof(b)
		if err != nil {
			return nil, err
		}
		return p.Bytes(), nil
	},
}

// Non-canonical scalar: l itself. Invalid element: a negative field element
// (RFC 9496, Appendix A.2).
const (
	hexL           = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"
	hexBadElement  = "0100000000000000000000000000000000000000000000000000000000000000"
	hexNonCanonEl  = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
	hexHighBitScal = "0000000000000000000000000000000000000000000000000000000000000080"
)

func TestParseRejects(t *testing.T) {
	schnorr, dleq, bit, rng := sampleProofs()
	samples := map[string][]byte{"Schnorr": schnorr, "DLEQ": dleq, "Bit": bit, "Range": rng}
	l, _ := hex.DecodeString(hexL)
	badEl, _ := hex.DecodeString(hexBadElement)
	nonCanonEl, _ := hex.DecodeString(hexNonCanonEl)
	highBit, _ := hex.DecodeString(hexHighBitScal)
	for name, valid := range samples {
		parse := parsers[name]
		if got, err := parse(valid); err != nil || !bytes.Equal(got, valid) {
			t.Fatalf("Parse%sProof(valid) = %x, %v; want the input back", name, got, err)
		}
		replace := func(at int, with []byte) []byte {
			b := append([]byte{}, valid...)
			copy(b[at:], with)
			return b
		}
		cases := map[string][]byte{
			"empty":                        {},
			"truncated by one byte":        valid[:len(valid)-1],
			"truncated by 32 bytes":        valid[:len(valid)-32],
			"one trailing byte":            append(append([]byte{}, valid...), 0),
			"32 trailing bytes":            append(append([]byte{}, valid...), make([]byte, 32)...),
			"non-canonical scalar (l)":     replace(len(valid)-32, l),
			"non-canonical scalar (2^255)": replace(len(valid)-32, highBit),
			"negative element":             replace(0, badEl),
			"non-canonical element (p)":    replace(0, nonCanonEl),
			"invalid element in 2nd place": replace(32, badEl),
		}
		if name == "Schnorr" {
			delete(cases, "invalid element in 2nd place") // bytes 32..63 are z
			cases["non-canonical scalar (l)"] = replace(32, l)
		}
		for what, b := range cases {
			if _, err := parse(b); !errors.Is(err, ErrMalformedProof) {
				t.Errorf("Parse%sProof(%s) error = %v; want ErrMalformedProof", name, what, err)
			}
		}
	}
	// A range proof with the length of a 2-branch proof parses, but does not
	// verify against a 3-value range.
	_, pk := elgamal.GenerateKey()
	ct, r := elgamal.Encrypt(pk, 1)
	p, err := ParseRangeProof(ProveBit(testCtx, pk, ct, 1, r).Bytes())
	if err != nil {
		t.Fatalf("ParseRangeProof(224 bytes) error: %v", err)
	}
	mustFail(t, "2-branch range proof against [0, 2]", p.Verify(testCtx, pk, ct, 0, 2))
}

func fuzzParser(f *testing.F, name string, seed []byte) {
	f.Add(seed)
	f.Add(seed[:len(seed)-1])
	f.Add(append(append([]byte{}, seed...), 0))
	parse := parsers[name]
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("Parse%sProof(%x).Bytes() = %x; want the input back", name, b, got)
		}
	})
}

func FuzzParseSchnorrProof(f *testing.F) {
	s, _, _, _ := sampleProofs()
	fuzzParser(f, "Schnorr", s)
}

func FuzzParseDLEQProof(f *testing.F) {
	_, d, _, _ := sampleProofs()
	fuzzParser(f, "DLEQ", d)
}

func FuzzParseBitProof(f *testing.F) {
	_, _, b, _ := sampleProofs()
	fuzzParser(f, "Bit", b)
}

func FuzzParseRangeProof(f *testing.F) {
	_, _, _, r := sampleProofs()
	fuzzParser(f, "Range", r)
}
