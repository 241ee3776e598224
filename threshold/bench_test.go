package threshold

import (
	"testing"

	"concord/elgamal"
)

// BenchmarkDKG runs a whole key generation for n=5, k=3: every trustee's
// round 1, round 2 and Finish (each of which re-judges the board).
func BenchmarkDKG(b *testing.B) {
	p := Params{N: 5, K: 3, Context: testContext}
	for b.Loop() {
		ts, board := deal(b, p)
		complain(b, ts, board)
		finish(b, p, ts, board)
	}
}

// BenchmarkJudge measures the public qualification check for n=5, k=3.
func BenchmarkJudge(b *testing.B) {
	p := Params{N: 5, K: 3, Context: testContext}
	ts, board := deal(b, p)
	complain(b, ts, board)
	for b.Loop() {
		if _, err := Judge(p, board); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSetup(b *testing.B) (Params, []*Trustee, *Keys, []*elgamal.Ciphertext) {
	p := Params{N: 5, K: 3, Context: testContext}
	ts, board := deal(b, p)
	complain(b, ts, board)
	keys := finish(b, p, ts, board)
	return p, ts, keys, []*elgamal.Ciphertext{encrypt(1, keys.Joint)}
}

// BenchmarkDecryptShare creates one decryption share for one ciphertext.
func BenchmarkDecryptShare(b *testing.B) {
	_, ts, _, cts := benchSetup(b)
	for b.Loop() {
		if _, err := ts[0].DecryptShare(cts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDecryptionShare verifies one share for one ciphertext.
func BenchmarkVerifyDecryptionShare(b *testing.B) {
	p, ts, keys, cts := benchSetup(b)
	d := mustShare(b, ts[0], cts)
	for b.Loop() {
		if err := d.Verify(p, keys.Verification[0], cts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCombine verifies k=3 shares and combines them for one ciphertext.
func BenchmarkCombine(b *testing.B) {
	p, ts, keys, cts := benchSetup(b)
	var shares []*DecryptionShare
	for _, tr := range ts[:3] {
		shares = append(shares, mustShare(b, tr, cts))
	}
	for b.Loop() {
		if _, err := Combine(p, keys.Verification, cts[0], shares); err != nil {
			b.Fatal(err)
		}
	}
}
