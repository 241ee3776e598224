package threshold

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"concord/ristretto255"
)

var (
	_ encoding.BinaryMarshaler   = (*Trustee)(nil)
	_ encoding.BinaryUnmarshaler = (*Trustee)(nil)
)

// MarshalBinary returns the trustee's key file of SPEC §12.12. It holds the
// trustee's secrets: keep it private.
func (t *Trustee) MarshalBinary() ([]byte, error) {
	b := []byte(labelKeyFile)
	b = append(b, t.params.encode()...)
	b = append(b, byte(t.index))
	b = append(b, t.enc.Bytes()...)
	for _, a := range t.coeffs {
		b = append(b, a.Bytes()...)
	}
	dealers := make([]int, 0, len(t.received))
	for i := range t.received {
		dealers = append(dealers, i)
	}
	slices.Sort(dealers)
	b = append(b, byte(len(dealers)))
	for _, i := range dealers {
		b = append(b, byte(i))
		b = append(b, t.received[i].Bytes()...)
	}
	if t.share == nil {
		return append(b, 0), nil
	}
	b = append(b, 1, byte(len(t.qualified)))
	for _, i := range t.qualified {
		b = append(b, byte(i))
	}
	return append(b, t.share.Bytes()...), nil
}

// keyReader consumes a key file strictly.
type keyReader struct {
	b   []byte
	err error
}

func (r *keyReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = errors.New("threshold: key file truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *keyReader) u8() int {
	if b := r.bytes(1); b != nil {
		return int(b[0])
	}
	return 0
}

func (r *keyReader) scalar() *ristretto255.Scalar {
	b := r.bytes(scalarSize)
	if b == nil {
		return nil
	}
	s, err := ristretto255.ScalarFromCanonicalBytes(b)
	if err != nil {
		r.err = fmt.Errorf("threshold: key file: %w", err)
	}
	return s
}

// increasing reads count strictly increasing indices in 1 … n.
func (r *keyReader) increasing(count, n int, what string) []int {
	var out []int
	for range count {
		i := r.u8()
		if r.err != nil {
			return nil
		}
		if i < 1 || i > n || (len(out) > 0 && i <= out[len(out)-1]) {
			r.err = fmt.Errorf("threshold: key file: %s %d out of order or range", what, i)
			return nil
		}
		out = append(out, i)
	}
	return out
}

// UnmarshalBinary decodes a key file strictly (SPEC §12.12).
func (t *Trustee) UnmarshalBinary(data []byte) error {
	r := &keyReader{b: data}
	if string(r.bytes(len(labelKeyFile))) != labelKeyFile {
		return errors.New("threshold: not a trustee key file (wrong label)")
	}
	var p Params
	p.N, p.K = r.u8(), r.u8()
	if lb := r.bytes(2); lb != nil {
		p.Context = slices.Clone(r.bytes(int(binary.BigEndian.Uint16(lb))))
	}
	if r.err != nil {
		return r.err
	}
	if err := p.check(); err != nil {
		return fmt.Errorf("threshold: key file: %w", err)
	}
	nt := &Trustee{params: p, index: r.u8(), received: make(map[int]*ristretto255.Scalar)}
	if r.err == nil && (nt.index < 1 || nt.index > p.N) {
		return fmt.Errorf("threshold: key file: trustee index %d; want 1 to %d", nt.index, p.N)
	}
	nt.enc = r.scalar()
	if r.err == nil && nt.enc.Equal(ristretto255.NewScalar()) == 1 {
		return errors.New("threshold: key file: zero encryption secret")
	}
	for range p.K {
		nt.coeffs = append(nt.coeffs, r.scalar())
	}
	prev := 0
	for range r.u8() {
		i := r.u8()
		if r.err == nil && (i <= prev || i > p.N) {
			return fmt.Errorf("threshold: key file: dealer %d out of order or range", i)
		}
		nt.received[i], prev = r.scalar(), i
	}
	if r.err == nil && nt.received[nt.index] == nil {
		return fmt.Errorf("threshold: key file: trustee %d's own share is missing", nt.index)
	}
	switch flag := r.u8(); {
	case r.err != nil:
	case flag == 1:
		nt.qualified = r.increasing(r.u8(), p.N, "qualified dealer")
		if r.err == nil && len(nt.qualified) < p.K {
			r.err = fmt.Errorf("threshold: key file: %d qualified dealers; want at least %d", len(nt.qualified), p.K)
		}
		nt.share = r.scalar()
	case flag != 0:
		r.err = fmt.Errorf("threshold: key file: finished flag %d; want 0 or 1", flag)
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("threshold: key file: %d trailing bytes", len(r.b))
	}
	*t = *nt
	return nil
}
