package node

import (
	"context"
	"testing"
)

// BenchmarkOpen measures opening a ledger of 2,001 entries: the replay of
// SPEC §17.2, Opening, step 4, signatures verified on every core.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	n, path := create(b)
	base := key(b, "base", 99)
	mustAppend(b, n, partyLeaf(b, base, "1917-11-07"))
	for w := range 4 {
		next := writerLeaves(b, w)
		batch := make([][]byte, 0, 500)
		for i := range 500 {
			batch = append(batch, next(i))
		}
		// Entries that refer to earlier ones need those hashes first:
		// writerLeaves computes them as it goes, so one batch works.
		if _, err := n.AppendBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		m, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2001, "ns/entry")
}
