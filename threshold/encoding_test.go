package threshold

import (
	"bytes"
	"encoding/hex"
	"testing"

	"concord/elgamal"
)

// sample runs a small honest key generation with one cheater (dealer 2 sends
// garbage to trustee 3) and returns one encoding of every message kind.
type samples struct {
	commitment, share, complaint, decryption, keyFile, keyFileFinished []byte
}

func makeSamples(t testing.TB) samples {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	var s samples
	kf, err := ts[0].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	s.keyFile = kf
	for _, e := range b.Shares {
		if e.Dealer == 2 && e.Recipient == 3 {
			e.Sealed[5] ^= 0x40
		}
	}
	complain(t, ts, b)
	if len(b.Complaints) != 1 {
		t.Fatalf("%d complaints; want 1", len(b.Complaints))
	}
	keys := finish(t, p, ts, b)
	d := mustShare(t, ts[0], []*elgamal.Ciphertext{encrypt(1, keys.Joint), encrypt(0, keys.Joint)})
	s.commitment = b.Commitments[0].Bytes()
	s.share = b.Shares[0].Bytes()
	s.complaint = b.Complaints[0].Bytes()
	s.decryption = d.Bytes()
	if s.keyFileFinished, err = ts[2].MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncodingSizes(t *testing.T) {
	s := makeSamples(t)
	for _, tt := range []struct {
		name string
		b    []byte
		want int
	}{
		{"commitment (k=2)", s.commitment, 2 + 64 + schnorrSize},
		{"encrypted share", s.share, 82},
		{"complaint", s.complaint, 34 + dleqSize},
		{"decryption share (c=2)", s.decryption, 3 + 2*(32+dleqSize)},
	} {
		if len(tt.b) != tt.want {
			t.Errorf("len(%s) = %d; want %d", tt.name, len(tt.b), tt.want)
		}
	}
}

// nonCanonical is not the encoding of any ristretto255 element (it is ≥ p).
var nonCanonical = bytes.Repeat([]byte{0xff}, 32)

func splice(b []byte, off int, repl []byte) []byte {
	out := bytes.Clone(b)
	copy(out[off:], repl)
	return out
}

func TestDecodersReject(t *testing.T) {
	s := makeSamples(t)
	parsers := map[string]func([]byte) error{
		"commitment": func(b []byte) error { _, err := ParseCommitment(b); return err },
		"share":      func(b []byte) error { _, err := ParseEncryptedShare(b); return err },
		"complaint":  func(b []byte) error { _, err := ParseComplaint(b); return err },
		"decryption": func(b []byte) error { _, err := ParseDecryptionShare(b); return err },
		"keyfile":    func(b []byte) error { return new(Trustee).UnmarshalBinary(b) },
	}
	tests := []struct {
		parser, name string
		b            []byte
	}{
		{"commitment", "empty", nil},
		{"commitment", "trailing byte", append(bytes.Clone(s.commitment), 0)},
		{"commitment", "truncated", s.commitment[:len(s.commitment)-1]},
		{"commitment", "dealer 0", splice(s.commitment, 0, []byte{0})},
		{"commitment", "k 0", splice(s.commitment, 1, []byte{0})},
		{"commitment", "k 3 with 2 coefficients", splice(s.commitment, 1, []byte{3})},
		{"commitment", "non-canonical coefficient", splice(s.commitment, 34, nonCanonical)},
		{"share", "trailing byte", append(bytes.Clone(s.share), 0)},
		{"share", "truncated", s.share[:81]},
		{"share", "dealer 0", splice(s.share, 0, []byte{0})},
		{"share", "to itself", splice(s.share, 0, []byte{s.share[1]})},
		{"share", "non-canonical R", splice(s.share, 2, nonCanonical)},
		{"complaint", "trailing byte", append(bytes.Clone(s.complaint), 0)},
		{"complaint", "truncated", s.complaint[:len(s.complaint)-1]},
		{"complaint", "accuser 0", splice(s.complaint, 0, []byte{0})},
		{"complaint", "against itself", splice(s.complaint, 1, []byte{s.complaint[0]})},
		{"complaint", "non-canonical Z", splice(s.complaint, 2, nonCanonical)},
		{"complaint", "non-canonical proof", splice(s.complaint, 34, nonCanonical)},
		{"decryption", "empty", nil},
		{"decryption", "trailing byte", append(bytes.Clone(s.decryption), 0)},
		{"decryption", "truncated", s.decryption[:len(s.decryption)-1]},
		{"decryption", "trustee 0", splice(s.decryption, 0, []byte{0})},
		{"decryption", "count 0", splice(s.decryption, 1, []byte{0, 0})},
		{"decryption", "count 3 for 2", splice(s.decryption, 1, []byte{0, 3})},
		{"decryption", "non-canonical D", splice(s.decryption, 3, nonCanonical)},
		{"keyfile", "empty", nil},
		{"keyfile", "wrong label", splice(s.keyFile, 0, []byte("C"))},
		{"keyfile", "trailing byte", append(bytes.Clone(s.keyFile), 0)},
		{"keyfile", "truncated", s.keyFile[:len(s.keyFile)-1]},
		{"keyfile", "finished truncated", s.keyFileFinished[:len(s.keyFileFinished)-1]},
		{"keyfile", "flag 2", append(bytes.Clone(s.keyFile[:len(s.keyFile)-1]), 2)},
		{"keyfile", "n 0", splice(s.keyFile, len(labelKeyFile), []byte{0})},
		{"keyfile", "index 4 of 3", splice(s.keyFile, len(labelKeyFile)+4+len(testContext), []byte{4})},
		{"keyfile", "non-canonical secret", splice(s.keyFile, len(labelKeyFile)+5+len(testContext), nonCanonical)},
		{"keyfile", "zero secret", splice(s.keyFile, len(labelKeyFile)+5+len(testContext), make([]byte, 32))},
	}
	for _, tt := range tests {
		err := parsers[tt.parser](tt.b)
		if err == nil {
			t.Errorf("parse %s (%s) %s = nil error; want rejection", tt.parser, tt.name, hex.EncodeToString(tt.b))
			continue
		}
		t.Logf("%s, %s: %v", tt.parser, tt.name, err)
	}
	for name, b := range map[string][]byte{"commitment": s.commitment, "share": s.share, "complaint": s.complaint, "decryption": s.decryption, "keyfile": s.keyFile} {
		if err := parsers[name](b); err != nil {
			t.Errorf("parse valid %s: %v", name, err)
		}
	}
	if err := new(Trustee).UnmarshalBinary(s.keyFileFinished); err != nil {
		t.Errorf("parse valid finished key file: %v", err)
	}
}

func TestKeyFileRoundTrip(t *testing.T) {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	complain(t, ts, b)
	keys := finish(t, p, ts, b)
	cts := []*elgamal.Ciphertext{encrypt(5, keys.Joint)}
	var restored []*DecryptionShare
	for _, tr := range ts[:2] {
		kf, err := tr.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Trustee
		if err := back.UnmarshalBinary(kf); err != nil {
			t.Fatalf("UnmarshalBinary(key file of %d): %v", tr.Index(), err)
		}
		again, _ := back.MarshalBinary()
		if !bytes.Equal(again, kf) {
			t.Errorf("key file of trustee %d does not round-trip", tr.Index())
		}
		if !back.Finished() || back.VerificationKey().Equal(keys.Verification[tr.Index()-1]) != 1 {
			t.Errorf("restored trustee %d lost its share", tr.Index())
		}
		restored = append(restored, mustShare(t, &back, cts))
	}
	m, err := Combine(p, keys.Verification, cts[0], restored)
	if err != nil || m.Equal(plain(5)) != 1 {
		t.Errorf("Combine with restored trustees: %v", err)
	}
}

func FuzzCommitment(f *testing.F) {
	s := makeSamples(f)
	f.Add(s.commitment)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommitment(b)
		if err == nil && !bytes.Equal(c.Bytes(), b) {
			t.Errorf("ParseCommitment(%x).Bytes() = %x", b, c.Bytes())
		}
	})
}

func FuzzEncryptedShare(f *testing.F) {
	s := makeSamples(f)
	f.Add(s.share)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEncryptedShare(b)
		if err == nil && !bytes.Equal(e.Bytes(), b) {
			t.Errorf("ParseEncryptedShare(%x).Bytes() = %x", b, e.Bytes())
		}
	})
}

func FuzzComplaint(f *testing.F) {
	s := makeSamples(f)
	f.Add(s.complaint)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseComplaint(b)
		if err == nil && !bytes.Equal(c.Bytes(), b) {
			t.Errorf("ParseComplaint(%x).Bytes() = %x", b, c.Bytes())
		}
	})
}

func FuzzDecryptionShare(f *testing.F) {
	s := makeSamples(f)
	f.Add(s.decryption)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDecryptionShare(b)
		if err == nil && !bytes.Equal(d.Bytes(), b) {
			t.Errorf("ParseDecryptionShare(%x).Bytes() = %x", b, d.Bytes())
		}
	})
}

func FuzzKeyFile(f *testing.F) {
	s := makeSamples(f)
	f.Add(s.keyFile)
	f.Add(s.keyFileFinished)
	f.Fuzz(func(t *testing.T, b []byte) {
		var tr Trustee
		if tr.UnmarshalBinary(b) != nil {
			return
		}
		got, err := tr.MarshalBinary()
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("UnmarshalBinary(%x) then MarshalBinary = %x, %v", b, got, err)
		}
	})
}
