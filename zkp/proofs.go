package zkp

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"concord/ristretto255"
)

// Errors. Verification failures wrap ErrInvalidProof; decoding failures
// wrap ErrMalformedProof. Test for them with errors.Is.
var (
	ErrInvalidProof   = errors.New("zkp: proof does not verify")
	ErrMalformedProof = errors.New("zkp: malformed proof encoding")
)

// Domain labels of SPEC §11.2 (one per proof type).
const (
	labelSchnorr = "concord/zkp/schnorr/v1"
	labelDLEQ    = "concord/zkp/dleq/v1"
	labelBit     = "concord/zkp/bit/v1"
	labelRange   = "concord/zkp/range/v1"
)

// decoder reads a proof encoding strictly (SPEC §11.2): canonical elements
// and scalars only, and no trailing bytes.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) element(what string) *Element {
	return d.elementInto(ristretto255.NewElement(), what, -1)
}

// elementInto decodes the next element into e and returns it, or nil. The
// field's name is what, followed by _i when i >= 0; it is formatted only
// for an error, so decoding a valid proof allocates no name.
func (d *decoder) elementInto(e *Element, what string, i int) *Element {
	if d.err != nil {
		return nil
	}
	if len(d.b) < ristretto255.ElementSize {
		d.err = fmt.Errorf("%w: truncated before %s", ErrMalformedProof, fieldName(what, i))
		return nil
	}
	if _, err := e.SetCanonicalBytes(d.b[:ristretto255.ElementSize]); err != nil {
		d.err = fmt.Errorf("%w: %s: %w", ErrMalformedProof, fieldName(what, i), err)
		return nil
	}
	d.b = d.b[ristretto255.ElementSize:]
	return e
}

func (d *decoder) scalar(what string) *Scalar {
	return d.scalarInto(ristretto255.NewScalar(), what, -1)
}

// scalarInto is elementInto for a scalar.
func (d *decoder) scalarInto(s *Scalar, what string, i int) *Scalar {
	if d.err != nil {
		return nil
	}
	if len(d.b) < ristretto255.ScalarSize {
		d.err = fmt.Errorf("%w: truncated before %s", ErrMalformedProof, fieldName(what, i))
		return nil
	}
	if _, err := s.SetCanonicalBytes(d.b[:ristretto255.ScalarSize]); err != nil {
		d.err = fmt.Errorf("%w: %s: %w: not reduced modulo the group order", ErrMalformedProof, fieldName(what, i), ristretto255.ErrInvalidScalar)
		return nil
	}
	d.b = d.b[ristretto255.ScalarSize:]
	return s
}

// fieldName returns what, or what_i for i >= 0.
func fieldName(what string, i int) string {
	if i < 0 {
		return what
	}
	return fmt.Sprintf("%s_%d", what, i)
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrMalformedProof, len(d.b))
	}
	return d.err
}

func invalid(what string) error {
	return fmt.Errorf("%w: %s", ErrInvalidProof, what)
}

// selectScalar sets dst = a if cond == 1 and dst = b if cond == 0, in
// constant time.
func selectScalar(dst, a, b *Scalar, cond int) {
	out := b.Bytes()
	subtle.ConstantTimeCopy(cond, out, a.Bytes())
	if _, err := dst.SetCanonicalBytes(out); err != nil {
		panic(err) // unreachable: both inputs are canonical
	}
}

func neg(s *Scalar) *Scalar { return ristretto255.NewScalar().Negate(s) }

// SchnorrProof proves knowledge of x such that X = x*G for the generator G
// (SPEC §11.3). Encoding: R || z (64 bytes).
type SchnorrProof struct {
	R *Element
	Z *Scalar
}

// SchnorrProofSize is the length of an encoded [SchnorrProof].
const SchnorrProofSize = 64

func schnorrChallenge(ctx []byte, X, R *Element) *Scalar {
	t := NewTranscript(labelSchnorr)
	t.Append("ctx", ctx)
	t.AppendElement("G", ristretto255.NewGeneratorElement())
	t.AppendElement("X", X)
	t.AppendElement("R", R)
	return t.Challenge("c")
}

// ProveSchnorr proves knowledge of x with X = x*G, bound to ctx (SPEC §11.3).
// X must equal x*G, or the proof will not verify.
func ProveSchnorr(ctx []byte, x *Scalar, X *Element) *SchnorrProof {
	w := ristretto255.RandomScalar()
	R := ristretto255.NewElement().ScalarBaseMult(w)
	c := schnorrChallenge(ctx, X, R)
	z := ristretto255.NewScalar().MultiplyAdd(c, x, w)
	return &SchnorrProof{R: R, Z: z}
}

// Verify checks p against ctx and X (SPEC §11.3): z*G == R + c*X.
func (p *SchnorrProof) Verify(ctx []byte, X *Element) error {
	c := schnorrChallenge(ctx, X, p.R)
	// z*G - c*X == R
	lhs := ristretto255.NewElement().VarTimeDoubleScalarBaseMult(neg(c), X, p.Z)
	if lhs.Equal(p.R) != 1 {
		return invalid("schnorr: z*G != R + c*X")
	}
	return nil
}

// Bytes returns the 64-byte encoding R || z.
func (p *SchnorrProof) Bytes() []byte {
	return append(p.R.Bytes(), p.Z.Bytes()...)
}

// ParseSchnorrProof decodes a SchnorrProof strictly.
func ParseSchnorrProof(b []byte) (*SchnorrProof, error) {
	d := &decoder{b: b}
	p := &SchnorrProof{R: d.element("R"), Z: d.scalar("z")}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return p, nil
}

// DLEQProof is a Chaum-Pedersen proof that log_G(X) = log_H(Y) (SPEC §11.4).
// Encoding: R1 || R2 || z (96 bytes).
type DLEQProof struct {
	R1, R2 *Element
	Z      *Scalar
}

// DLEQProofSize is the length of an encoded [DLEQProof].
const DLEQProofSize = 96

func dleqChallenge(ctx []byte, G, H, X, Y, R1, R2 *Element) *Scalar {
	t := NewTranscript(labelDLEQ)
	t.Append("ctx", ctx)
	t.AppendElement("G", G)
	t.AppendElement("H", H)
	t.AppendElement("X", X)
	t.AppendElement("Y", Y)
	t.AppendElement("R1", R1)
	t.AppendElement("R2", R2)
	return t.Challenge("c")
}

// ProveDLEQ proves that X = x*G and Y = x*H for the same secret x, bound to
// ctx (SPEC §11.4). All four elements enter the challenge. X and Y must be
// x*G and x*H, or the proof will not verify.
func ProveDLEQ(ctx []byte, x *Scalar, G, H, X, Y *Element) *DLEQProof {
	w := ristretto255.RandomScalar()
	R1 := ristretto255.NewElement().ScalarMult(w, G)
	R2 := ristretto255.NewElement().ScalarMult(w, H)
	c := dleqChallenge(ctx, G, H, X, Y, R1, R2)
	z := ristretto255.NewScalar().MultiplyAdd(c, x, w)
	return &DLEQProof{R1: R1, R2: R2, Z: z}
}

// Verify checks p against ctx and the statement (G, H, X, Y) (SPEC §11.4):
// z*G == R1 + c*X and z*H == R2 + c*Y.
func (p *DLEQProof) Verify(ctx []byte, G, H, X, Y *Element) error {
	c := dleqChallenge(ctx, G, H, X, Y, p.R1, p.R2)
	nc := neg(c)
	e := ristretto255.NewElement()
	if e.VarTimeMultiScalarMult([]*Scalar{p.Z, nc}, []*Element{G, X}).Equal(p.R1) != 1 {
		return invalid("dleq: z*G != R1 + c*X")
	}
	if e.VarTimeMultiScalarMult([]*Scalar{p.Z, nc}, []*Element{H, Y}).Equal(p.R2) != 1 {
		return invalid("dleq: z*H != R2 + c*Y")
	}
	return nil
}

// Bytes returns the 96-byte encoding R1 || R2 || z.
func (p *DLEQProof) Bytes() []byte {
	b := p.R1.AppendBytes(make([]byte, 0, DLEQProofSize))
	b = p.R2.AppendBytes(b)
	return append(b, p.Z.Bytes()...)
}

// ParseDLEQProof decodes a DLEQProof strictly.
func ParseDLEQProof(b []byte) (*DLEQProof, error) {
	d := &decoder{b: b}
	p := &DLEQProof{R1: d.element("R1"), R2: d.element("R2"), Z: d.scalar("z")}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return p, nil
}
