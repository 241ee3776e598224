package elgamal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"testing/cryptotest"

	"concord/ristretto255"
)

func TestEncryptDecrypt(t *testing.T) {
	sk, pk := GenerateKey()
	for _, m := range []uint64{0, 1, 2, 17, 1732, 1733, 2_999_999, 3_000_000} {
		ct, r := Encrypt(pk, m)
		got, err := Decrypt(sk, ct, DefaultDLogMax)
		if err != nil || got != m {
			t.Errorf("Decrypt(Encrypt(%d)) = %d, %v; want %d, nil", m, got, err, m)
		}
		if !VerifyEncryption(pk, ct, m, r) {
			t.Errorf("VerifyEncryption(pk, Encrypt(%d), %d, r) = false; want true", m, m)
		}
		if VerifyEncryption(pk, ct, m+1, r) {
			t.Errorf("VerifyEncryption(pk, Encrypt(%d), %d, r) = true; want false", m, m+1)
		}
		if VerifyEncryption(pk, ct, m, ristretto255.NewScalar().Add(r, ristretto255.ScalarFromUint64(1))) {
			t.Errorf("VerifyEncryption with wrong randomness = true; want false")
		}
	}
}

func TestDecryptOutOfRange(t *testing.T) {
	sk, pk := GenerateKey()
	ct, _ := Encrypt(pk, 11)
	if m, err := Decrypt(sk, ct, 10); !errors.Is(err, ErrDLogNotFound) {
		t.Errorf("Decrypt(Encrypt(11), max 10) = %d, %v; want ErrDLogNotFound", m, err)
	}
	other, _ := GenerateKey()
	if m, err := Decrypt(other, ct, 1000); !errors.Is(err, ErrDLogNotFound) {
		t.Errorf("Decrypt with the wrong key = %d, %v; want ErrDLogNotFound", m, err)
	}
	if m, err := Decrypt(sk, ct, 1<<63); err == nil {
		t.Errorf("Decrypt(max 2^63) = %d, nil; want an error (range too large)", m)
	}
	table := NewDLogTable(100)
	for _, m := range []uint64{0, 9, 10, 11, 99, 100} {
		got, err := table.VarTimeDLog(ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(m)))
		if err != nil || got != m {
			t.Errorf("VarTimeDLog(%d*G) = %d, %v; want %d, nil", m, got, err, m)
		}
	}
	for _, m := range []uint64{101, 109, 110, 111, 1 << 40} {
		if got, err := table.VarTimeDLog(ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(m))); err == nil {
			t.Errorf("VarTimeDLog(%d*G) with max 100 = %d, nil; want error", m, got)
		}
	}
}

func TestHomomorphicSum(t *testing.T) {
	sk, pk := GenerateKey()
	var cts []*Ciphertext
	rsum := ristretto255.NewScalar()
	var want uint64
	for i := range uint64(20) {
		ct, r := Encrypt(pk, i%3)
		cts = append(cts, ct)
		rsum.Add(rsum, r)
		want += i % 3
	}
	sum := Sum(cts...)
	if got, err := Decrypt(sk, sum, 100); err != nil || got != want {
		t.Errorf("Decrypt(Sum) = %d, %v; want %d", got, err, want)
	}
	if !VerifyEncryption(pk, sum, want, rsum) {
		t.Errorf("Sum is not the encryption of the sum with the summed randomness")
	}
	if got := new(Ciphertext).Add(cts[0], cts[1]); got.Equal(Sum(cts[0], cts[1])) != 1 {
		t.Errorf("new(Ciphertext).Add(x, y) != Sum(x, y)")
	}
}

// TestVector is a fixed vector of our own: deterministic randomness from
// testing/cryptotest, expected bytes recomputed from SPEC §10.2.
func TestVector(t *testing.T) {
	sk := ristretto255.HashToScalar("elgamal test key")
	pk := NewPublicKey(sk)
	r := ristretto255.HashToScalar("elgamal test randomness")
	ct := EncryptWith(pk, 1, r)
	const want = "2c51a610066f6832507b2ba1335fa17662304697329892e6a3a76b77393cda7e" +
		"1e15d7b3170d5ec1e9ef7587e11e08537547d288610c557c0238ec2785b41f6c"
	if got := hex.EncodeToString(ct.Bytes()); got != want {
		t.Errorf("EncryptWith(pk, 1, r) = %s; want %s", got, want)
	}
	cryptotest.SetGlobalRandom(t, 1)
	ct1, r1 := Encrypt(pk, 1)
	cryptotest.SetGlobalRandom(t, 1)
	ct2, r2 := Encrypt(pk, 1)
	if ct1.Equal(ct2) != 1 || r1.Equal(r2) != 1 {
		t.Errorf("Encrypt is not deterministic under cryptotest.SetGlobalRandom")
	}
}

func TestParse(t *testing.T) {
	_, pk := GenerateKey()
	ct, _ := Encrypt(pk, 5)
	enc := ct.Bytes()
	got, err := ParseCiphertext(enc)
	if err != nil || !bytes.Equal(got.Bytes(), enc) {
		t.Fatalf("ParseCiphertext(Bytes()) = %v, %v; want the same ciphertext", got, err)
	}
	negative := make([]byte, 32)
	negative[0] = 1 // RFC 9496, Appendix A.2: negative field element
	bad := [][]byte{
		nil,
		enc[:63],
		append(append([]byte{}, enc...), 0),
		append(append([]byte{}, negative...), enc[32:]...),
		append(append([]byte{}, enc[:32]...), negative...),
	}
	for _, b := range bad {
		if _, err := ParseCiphertext(b); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("ParseCiphertext(%x) error = %v; want ErrInvalidCiphertext", b, err)
		}
	}
	if p, err := ParsePublicKey(pk.Bytes()); err != nil || p.Y.Equal(pk.Y) != 1 {
		t.Errorf("ParsePublicKey(pk.Bytes()) = %v, %v; want pk", p, err)
	}
	for _, b := range [][]byte{make([]byte, 32), negative, pk.Bytes()[:31]} {
		if _, err := ParsePublicKey(b); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("ParsePublicKey(%x) error = %v; want ErrInvalidPublicKey", b, err)
		}
	}
}

func FuzzParseCiphertext(f *testing.F) {
	_, pk := GenerateKey()
	for m := range uint64(3) {
		ct, _ := Encrypt(pk, m)
		f.Add(ct.Bytes())
	}
	f.Add(make([]byte, 64))
	f.Add(make([]byte, 65))
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, err := ParseCiphertext(b)
		if err != nil {
			return
		}
		if got := ct.Bytes(); !bytes.Equal(got, b) {
			t.Fatalf("ParseCiphertext(%x).Bytes() = %x; want the input back", b, got)
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	_, pk := GenerateKey()
	for b.Loop() {
		Encrypt(pk, 1)
	}
}

func BenchmarkAdd(b *testing.B) {
	_, pk := GenerateKey()
	x, _ := Encrypt(pk, 1)
	y, _ := Encrypt(pk, 0)
	s := NewCiphertext()
	for b.Loop() {
		s.Add(x, y)
	}
}

func BenchmarkNewDLogTable3M(b *testing.B) {
	for b.Loop() {
		NewDLogTable(3_000_000)
	}
}

// BenchmarkDLog3M measures the worst case of a lookup: m = 3,000,000.
func BenchmarkDLog3M(b *testing.B) {
	table := NewDLogTable(3_000_000)
	M := ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(3_000_000))
	for b.Loop() {
		if _, err := table.VarTimeDLog(M); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParsePublicKey(f *testing.F) {
	_, pk := GenerateKey()
	f.Add(pk.Bytes())
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := ParsePublicKey(b)
		if err != nil {
			return
		}
		if got := pk.Bytes(); !bytes.Equal(got, b) {
			t.Fatalf("ParsePublicKey(%x).Bytes() = %x; want the input back", b, got)
		}
	})
}
