package plebiscite

import (
	"testing"
)

// bench holds a one-of-three plebiscite with 5 trustees and 1,000
// voters, and one ballot per voter.
var bench struct {
	p *plebiscite
}

// reportCPU reports the process CPU time per operation from now until the
// returned function runs, as "cpu-ns/op": on a loaded machine it is closer
// to the cost of an operation than the wall time, and for the parallel
// VerifyRecord it is the total over all cores. Use as
// defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuNanos()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func benchPlebiscite(b *testing.B) *plebiscite {
	if bench.p == nil {
		bench.p = newPlebiscite(b, 1000)
	}
	return bench.p
}

func BenchmarkCast(b *testing.B) {
	p := sharedPlebiscite(b)
	v := p.voters[0]
	defer reportCPU(b)()
	for b.Loop() {
		if _, _, err := v.Cast(p.e, []int{1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBallot(b *testing.B) {
	p := sharedPlebiscite(b)
	raw := p.record.Leaves[20]
	defer reportCPU(b)()
	for b.Loop() {
		bl, err := ParseBallot(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.e.VerifyBallot(bl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTally1000 sums 1,000 ballots (with the counting rules).
func BenchmarkTally1000(b *testing.B) {
	p := benchPlebiscite(b)
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := Tally(p.e, p.leaves); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRecord1000 verifies a record of 1,000 voters (1,011 leaves)
// with batched proofs on all cores; ns/op divided by 1,011 is the cost per
// ballot.
func BenchmarkVerifyRecord1000(b *testing.B) {
	p := benchPlebiscite(b)
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := VerifyRecord(p.record); err != nil {
			b.Fatal(err)
		}
	}
}
