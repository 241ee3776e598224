package sqlite

import (
	"crypto/ed25519"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"
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
		ed25519.Verify(pub, msg, sig)
	}
	return float64(time.Since(start).Nanoseconds()) / n
}

// benchmarkAppend appends batches of batch 300-byte leaves, each batch in
// one durable transaction (SPEC §6.2), and reports leaves per second.
func benchmarkAppend(b *testing.B, batch int) {
	f := newFixture(b)
	_, l := f.open(b, filepath.Join(b.TempDir(), "ledger.db"))
	verify := ed25519VerifyNs()
	seq := uint64(0)
	ls := make([][]byte, batch)
	b.ResetTimer()
	for b.Loop() {
		for i := range ls {
			ls[i] = make([]byte, 300)
			seq++
			binary.BigEndian.PutUint64(ls[i], seq)
		}
		if _, err := l.AppendBatch(f.ctx, ls); err != nil {
			b.Fatal(err)
		}
	}
	perLeaf := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(1e9/perLeaf, "leaves/s")
	b.ReportMetric(perLeaf/verify, "ed25519-verifies/leaf")
	b.ReportMetric(verify, "ed25519-verify-ns")
}

func BenchmarkAppendDurable1(b *testing.B)    { benchmarkAppend(b, 1) }
func BenchmarkAppendDurable100(b *testing.B)  { benchmarkAppend(b, 100) }
func BenchmarkAppendDurable1000(b *testing.B) { benchmarkAppend(b, 1000) }

func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("concord benchmark message of a typical size for a signed entry")
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}
