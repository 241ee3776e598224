package tlog

import (
	"crypto/ed25519"
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// ed25519VerifyNs measures this machine's Ed25519 verification time, so that
// benchmarks can report their cost in verifications.
func ed25519VerifyNs() float64 {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("concord benchmark message of a typical size for a signed entry")
	sig := ed25519.Sign(priv, msg)
	const n = 2000
	start := time.Now()
	for range n {
		if !ed25519.Verify(pub, msg, sig) {
			panic("ed25519 verify failed")
		}
	}
	return float64(time.Since(start).Nanoseconds()) / n
}

func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("concord benchmark message of a typical size for a signed entry")
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}

// BenchmarkRootOf1M computes the root of 1,000,000 leaves of 64 bytes
// (SPEC §5.10) and reports the cost in Ed25519 verifications.
func BenchmarkRootOf1M(b *testing.B) {
	const n = 1_000_000
	leaves := make([][]byte, n)
	buf := make([]byte, 64*n)
	for i := range leaves {
		leaves[i] = buf[64*i : 64*i+64]
		binary.BigEndian.PutUint64(leaves[i], uint64(i))
	}
	verify := ed25519VerifyNs()
	b.ResetTimer()
	for b.Loop() {
		RootOf(leaves)
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/n, "ns/leaf")
	b.ReportMetric(perOp/verify, "ed25519-verifies/op")
	b.ReportMetric(verify, "ed25519-verify-ns")
}

func BenchmarkVerifyInclusion(b *testing.B) {
	l, _ := newTestLog(b, testOrigin)
	leaves := testLeaves(1 << 12)
	if _, err := l.AppendBatch(b.Context(), leaves); err != nil {
		b.Fatal(err)
	}
	root := must(l.Root(b.Context(), 1<<12))
	p := must(l.ProveInclusion(b.Context(), 1234, 1<<12))
	lh := LeafHash(leaves[1234])
	for b.Loop() {
		if err := VerifyInclusion(p, 1<<12, root, 1234, lh); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCheckpoint verifies a checkpoint with the log's signature
// and one witness cosignature: two Ed25519 verifications and parsing.
func BenchmarkVerifyCheckpoint(b *testing.B) {
	l, v := newTestLog(b, testOrigin)
	if _, err := l.AppendBatch(b.Context(), testLeaves(100)); err != nil {
		b.Fatal(err)
	}
	cp := must(l.Checkpoint(b.Context()))
	ws := must(NewWitnessSigner(vectorWitnessSkey))
	wv := must(NewWitnessVerifier(vectorWitnessVkey))
	body := must(noteBody(cp))
	signed := must(note.Sign(&note.Note{Text: string(body)}, ws))
	cp = append(cp, signed[len(body)+1:]...)
	verify := ed25519VerifyNs()
	b.ResetTimer()
	for b.Loop() {
		if c, err := VerifyCheckpoint(cp, testOrigin, v, wv); err != nil || len(c.Witnesses) != 1 {
			b.Fatal(c, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/verify, "ed25519-verifies/op")
}
