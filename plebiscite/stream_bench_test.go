package plebiscite

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkStreamMemory3M measures the memory of the streaming verifier's
// per-leaf and per-credential state (SPEC §16.6) at the headline scale
// without casting 3,000,000 ballots: a roll of 3,000,000 credentials and
// 3,000,000 generated leaves that name them but are cut short, so that
// both passes run over every leaf while decoding stops early. It reports
// the process's peak resident memory during verification (Linux) and the
// memory the Go heap holds from the system at the end. Run it alone: go test -run X -bench StreamMemory3M -benchtime 1x.
func BenchmarkStreamMemory3M(b *testing.B) {
	const n = 3_000_000
	p := sharedPlebiscite(b)
	// Credentials in ascending order by construction: a counter, then a
	// fixed tail.
	rollBytes := make([]byte, 32*n)
	for i := range n {
		binary.BigEndian.PutUint64(rollBytes[32*i:], uint64(i))
		rollBytes[32*i+31] = 1
	}
	roll, err := ParseRoll(rollBytes)
	if err != nil {
		b.Fatal(err)
	}
	m := *p.e.Manifest
	m.Roll = roll.Ref("league-commission")
	roll = nil
	mb, err := m.Encode()
	if err != nil {
		b.Fatal(err)
	}
	leaves := func(yield func([]byte) bool) error {
		for i := range n {
			l := make([]byte, 200)
			l[0] = leafBallot
			copy(l[33:65], rollBytes[32*i:32*i+32])
			binary.BigEndian.PutUint64(l[65:], uint64(i)) // distinct leaves
			if !yield(l) {
				break
			}
		}
		return nil
	}
	// Forget the setup's garbage and reset the peak (Linux: clear_refs 5).
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	for b.Loop() {
		_, err := VerifyRecordStream(&StreamRecord{Manifest: mb, Roll: rollBytes, Leaves: leaves})
		if !errors.Is(err, ErrMalformed) {
			b.Fatalf("VerifyRecordStream(3,000,000 short leaves) = %v; want ErrMalformed", err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "peak-rss-MiB")
}

// vmHWM returns the peak resident set size from /proc/self/status, or 0.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkVerifyBatch verifies a record of 1,000 voters with the
// streaming, batched verifier and, in the same run, the machine's limit
// (MeasureLimit: the same decodings, hashes, signature verifications and
// multi-scalar multiplication terms with the fastest primitives). It
// reports µs per leaf for both and their ratio; the goal is at most 1.5.
func BenchmarkVerifyBatch(b *testing.B) {
	p := benchPlebiscite(b)
	r := p.record
	rec := &StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(r.Leaves), Result: r.Result}
	// CPU time rather than wall time: the machine may be shared.
	var verify, limit int64
	for b.Loop() {
		start := cpuNanos()
		if _, err := VerifyRecordStream(rec); err != nil {
			b.Fatal(err)
		}
		verify += cpuNanos() - start
		start = cpuNanos()
		if _, err := MeasureLimit(rec); err != nil {
			b.Fatal(err)
		}
		limit += cpuNanos() - start
	}
	n := float64(b.N * len(r.Leaves))
	b.ReportMetric(float64(verify)/1e3/n, "verify-cpu-µs/leaf")
	b.ReportMetric(float64(limit)/1e3/n, "limit-cpu-µs/leaf")
	b.ReportMetric(float64(verify)/float64(limit), "ratio")
}
