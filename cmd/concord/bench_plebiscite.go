package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"concord/internal/progress"
	"concord/node"
	"concord/plebiscite"
	"concord/ristretto255"
	"concord/server"
)

// benchPlebiscite implements "concord bench plebiscite", the headline run
// of docs/PERFORMANCE.md: it sets up a one-of-three plebiscite of N voters
// in a ledger (SQLite in a temporary directory, or an empty PostgreSQL
// database), encrypts one ballot per voter on every core into a leaf file,
// serves the ledger on 127.0.0.1 and casts every ballot over HTTP from
// concurrent clients (each verified and durable before its 201), has the
// trustees tally and decrypt, enters the result, and verifies the record
// from the ledger and the ballot log, streamed. Each figure is printed
// beside the machine's limit measured in the same run. Times are CPU
// times unless marked wall: the machine may be shared.
func benchPlebiscite(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench plebiscite", flag.ContinueOnError)
	voters := fs.Int("voters", 10_000, "cast, tally and verify one ballot for each of `N` voters")
	sample := fs.Int("sample", 300, "verify `K` ballots one by one")
	clients := fs.Int("clients", 50, "concurrent HTTP `CLIENTS`")
	ledgerArg := fs.String("ledger", "", "an empty PostgreSQL database `URL` to hold the ledger (default: a SQLite file in a temporary directory)")
	dir := fs.String("dir", "", "`DIR` for the temporary files (default: the system's temporary directory)")
	keep := fs.Bool("keep", false, "keep the temporary directory (the SQLite ledger with its ballot log, and the leaf file) for a later concord verify")
	if _, err := parseFlags(fs, out, args); err != nil {
		return err
	}
	if *voters < 1 || *voters > plebiscite.MaxRoll || *sample < 1 || *clients < 1 {
		return usagef("bench", "--voters must be 1 to %d, --sample and --clients at least 1", plebiscite.MaxRoll)
	}
	if *ledgerArg != "" && !node.IsURL(*ledgerArg) {
		return usagef("bench", "--ledger must be a postgres:// URL of an empty database")
	}
	workers := runtime.GOMAXPROCS(0)
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s, load average %s (times are CPU time unless marked wall)\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAvg())
	fmt.Fprintf(out, "memory limit of the Go runtime: %s\n", setBenchMemoryLimit())
	tmp, err := os.MkdirTemp(*dir, "concord-bench-plebiscite-")
	if err != nil {
		return err
	}
	if *keep {
		defer fmt.Fprintf(out, "kept %s; verify the record again with: concord verify %s\n", tmp, filepath.Join(tmp, "ledger.db"))
	} else {
		defer os.RemoveAll(tmp)
	}
	file := filepath.Join(tmp, "leaves")

	// The ledger and the plebiscite, through the append path.
	w0 := time.Now()
	n, pollOpt, storage, err := benchLedger(ctx, *ledgerArg, tmp)
	if err != nil {
		return err
	}
	defer n.Close()
	pl, err := newIngestPlebiscite(ctx, n, pollOpt, *voters)
	if err != nil {
		return err
	}
	e := pl.elec
	fmt.Fprintf(out, "ledger on %s: %d entries (parties, key generation of %d trustees, agreement), roll of %d voters, set up in %.1fs wall\n",
		storage, n.Size(), len(pl.trustees), *voters, time.Since(w0).Seconds())

	// Casting: one ballot alone, beside the same group operations done
	// with the primitives directly; then all ballots on every core.
	m := 200
	c0 := cpuTime()
	for i := range m {
		if _, _, err := pl.voter(i).Cast(e, []int{i % 3}); err != nil {
			return err
		}
	}
	cast := (cpuTime() - c0) / time.Duration(m)
	castLim := castLimit(e, m)
	fmt.Fprintf(out, "encrypt a one-of-three ballot: %s  (limit %s, ratio %.2f)\n", us(cast), us(castLim), ratio(cast, castLim))
	w0, c0 = time.Now(), cpuTime()
	if err := castAll(ctx, e, pl.voter, file, workers); err != nil {
		return err
	}
	fmt.Fprintf(out, "encrypt %d ballots on %d cores into a file: %.1fs wall, %s each (with deriving the voter's key)\n",
		*voters, workers, time.Since(w0).Seconds(), us((cpuTime()-c0)/time.Duration(*voters)))

	// The limits: batched verification alone, on every core, of a sample
	// of the ballots (the ingest's limit), and the inherent work of the
	// record's verification (MeasureLimit, over every ballot).
	var head [][]byte
	if err := fileLeaves(file)(func(l []byte) bool { head = append(head, l); return len(head) < 20_000 }); err != nil {
		return err
	}
	w0 = time.Now()
	if err := verifyLeavesBatched(e, head, workers); err != nil {
		return err
	}
	ingestLimit := float64(len(head)) / time.Since(w0).Seconds()
	k := min(*sample, *voters)
	c0 = cpuTime()
	for _, l := range head[:k] {
		bl, err := plebiscite.ParseBallot(l)
		if err == nil {
			err = e.VerifyBallot(bl)
		}
		if err != nil {
			return err
		}
	}
	one := (cpuTime() - c0) / time.Duration(k)
	head = nil
	manifest, err := e.Manifest.Encode()
	if err != nil {
		return err
	}
	rec := &plebiscite.StreamRecord{Manifest: manifest, Roll: e.Roll.Bytes(), Leaves: fileLeaves(file)}
	lim0 := cpuTime()
	lim, err := plebiscite.MeasureLimit(rec)
	if err != nil {
		return err
	}
	limCPU := cpuTime() - lim0
	perLim := limCPU / time.Duration(*voters)
	fmt.Fprintf(out, "verify one by one (%d ballots, one core): %s each  (limit %s, ratio %.2f)\n", k, us(one), us(perLim), ratio(one, perLim))
	// From here on the bench holds no roll: the server's, the tally's and
	// the verifier's polls each read it from the ledger's storage, as
	// separate processes would (96 MB at 3,000,000 voters).
	pl.forgetRoll()
	rec.Roll = nil

	// The server, and the clients.
	var peaks phasePeaks
	peaks.start()
	url, polls, stop, err := serveBallots(n, pollOpt, server.BatchOptions{MaxBatch: 256, MaxWait: 2 * time.Millisecond}, pl.m.ID)
	if err != nil {
		return err
	}
	defer stop()
	rate, pushbacks, err := castOverHTTP(ctx, url, fileLeaves(file), *voters, *clients)
	if err != nil {
		return err
	}
	st := polls.Stats(pl.m.ID)
	fmt.Fprintf(out, "ingest over HTTP into %s (%d clients, each ballot verified and durable before its 201): %.0f ballots/s sustained  (limit %.0f/s, ratio %.2f)\n",
		storage, *clients, rate, ingestLimit, ingestLimit/rate)
	fmt.Fprintf(out, "  limit = batched verification alone of %d ballots on %d cores; %d transactions, mean %.1f ballots; %d answers 503 retried\n",
		min(20_000, *voters), workers, st.Commits, float64(st.Ballots)/float64(max(st.Commits, 1)), pushbacks)
	stop()
	ingestPeak := peaks.end()

	// The tally: the trustees' check and homomorphic sum, their
	// decryption shares, the result entry.
	peaks.start()
	w0, c0 = time.Now(), cpuTime()
	agg, res, took, err := pl.closeTimed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tally (check and sum every ballot, %d decryption shares, result entry): %.1fs wall, %s per ballot; counts %v\n",
		pl.m.Threshold, time.Since(w0).Seconds(), us((cpuTime()-c0)/time.Duration(*voters)), res.Counts)
	fmt.Fprintf(out, "  of which the node's check and sum %.1fs wall, and the result entry's check before it is appended (the tally's pass over the leaves reused, SPEC §16.6) %.1fs wall\n",
		took[0].Seconds(), took[1].Seconds())
	tallyPeak := peaks.end()
	const reps = 20
	c0 = cpuTime()
	for range reps {
		if _, err := pl.decrypt(agg); err != nil {
			return err
		}
	}
	dec := (cpuTime() - c0) / reps
	decLim := decryptLimit(pl.m.Threshold, len(pl.m.Options), reps)
	fmt.Fprintf(out, "  of which the decryption (%d trustees, %d options): %s  (limit %s, ratio %.2f)\n",
		pl.m.Threshold, len(pl.m.Options), us(dec), us(decLim), ratio(dec, decLim))

	// The verifier's run: the whole record from the ledger and the ballot
	// log, batched and streamed.
	peaks.start()
	w0, c0 = time.Now(), cpuTime()
	vrep, err := pl.verify(ctx)
	if err != nil {
		return err
	}
	ver, verWall := cpuTime()-c0, time.Since(w0)
	verifyPeak := peaks.end()
	if rec.Roll, err = pl.roll(ctx); err != nil {
		return err
	}
	lim1 := cpuTime()
	if _, err := plebiscite.MeasureLimit(rec); err != nil {
		return err
	}
	limAfter := cpuTime() - lim1
	fmt.Fprintf(out, "verify the record from the ledger and the ballot log (batched, streamed, %d cores): %.1fs wall, %s per ballot  (limit %s: %s before, %s after; ratio %.2f)\n",
		workers, verWall.Seconds(), us(ver/time.Duration(*voters)), us((limCPU+limAfter)/time.Duration(2**voters)),
		us(perLim), us(limAfter/time.Duration(*voters)), ratio(2*ver, limCPU+limAfter))
	fmt.Fprintf(out, "  limit = %d element decodings, %d encodings, %d Ed25519 signatures (2 point decodings and 2 terms each), %d multi-scalar multiplication terms, %.0f MB hashed\n",
		lim.Decodes, lim.Encodes, lim.Signatures, lim.Terms, float64(lim.Hashed)/1e6)
	if *voters < 3_000_000 {
		per3M := verWall.Seconds() / float64(*voters) * 3e6
		fmt.Fprintf(out, "  at this rate, 3,000,000 ballots: %.0fs (%.1f min) of verification (wall)\n", per3M, per3M/60)
	}
	fmt.Fprintf(out, "result: %d counted, winner %v\n", vrep.Counted, winnerName(vrep))
	if verifyPeak != "" {
		fmt.Fprintf(out, "peak memory (VmHWM) of each phase: ingest (server, node and %d clients) %s, tally %s, verification %s\n", *clients, ingestPeak, tallyPeak, verifyPeak)
	}
	fmt.Fprintf(out, "peak memory (VmHWM, the whole run in one process): %s\n", peaks.total())
	return nil
}

// benchMemoryLimit is the soft limit of the Go runtime's memory that the
// bench sets unless GOMEMLIMIT does (docs/PERFORMANCE.md, "Memory"). The
// garbage collector otherwise lets the heap grow to twice what is live
// before it collects: 700 MB for the verifier's 350 at 3,000,000 ballots.
// Under the limit it collects sooner; since the large arrays hold no
// pointers, a collection costs little however large they are.
const benchMemoryLimit = 768 << 20

// setBenchMemoryLimit sets benchMemoryLimit unless GOMEMLIMIT is set (the
// runtime has applied it), and describes the limit in force.
func setBenchMemoryLimit() string {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(benchMemoryLimit)
	}
	switch limit := debug.SetMemoryLimit(-1); {
	case limit == math.MaxInt64:
		return "none (GOMEMLIMIT=off)"
	case os.Getenv("GOMEMLIMIT") == "":
		return fmt.Sprintf("%d MiB (GOMEMLIMIT=off for none)", limit>>20)
	default:
		return fmt.Sprintf("%.0f MiB (GOMEMLIMIT)", float64(limit)/(1<<20))
	}
}

// parallel calls f(0) … f(n-1) on every core.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// castAll encrypts one ballot per voter of e on every core, voter i
// choosing ingestChoice(i), and writes the leaves to file, each preceded
// by its length as a uvarint.
func castAll(ctx context.Context, e *plebiscite.Election, voter func(int) *plebiscite.Voter, file string, workers int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := e.Roll.Len()
	bar := progress.New("encrypt", int64(n))
	leaves := make(chan []byte, 256)
	var failed atomic.Value
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil && failed.Load() == nil; i = int(next.Add(1) - 1) {
				bl, _, err := voter(i).Cast(e, []int{ingestChoice(i)})
				if err != nil {
					failed.Store(err)
					return
				}
				leaves <- bl.Bytes()
			}
		})
	}
	go func() { wg.Wait(); close(leaves) }()
	var werr error
	for l := range leaves {
		if werr == nil {
			_, werr = w.Write(binary.AppendUvarint(nil, uint64(len(l))))
		}
		if werr == nil {
			_, werr = w.Write(l)
		}
		bar.Add(1)
	}
	bar.Done()
	if err, ok := failed.Load().(error); ok {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// fileLeaves reads the leaf file that castAll writes.
func fileLeaves(file string) plebiscite.LeafIterator {
	return func(yield func([]byte) bool) error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r := bufio.NewReaderSize(f, 1<<20)
		for {
			n, err := binary.ReadUvarint(r)
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			l := make([]byte, n)
			if _, err := io.ReadFull(r, l); err != nil {
				return err
			}
			if !yield(l) {
				return nil
			}
		}
	}
}

// castLimit returns the CPU time per ballot of the group operations Cast
// performs, done directly with the library's primitives: per option, two
// fixed-base multiplications and one variable-base scalar multiplication
// (encryption) and, per branch of the bit proof, two multiplications of G
// and one of the key with its precomputed table (SPEC §11.5, the prover's
// implementation note); the same per branch of the range proof; one
// encoding per element of each challenge's transcript; one Ed25519
// signature.
func castLimit(e *plebiscite.Election, m int) time.Duration {
	opts := len(e.Manifest.Options)
	k := e.Manifest.Max - e.Manifest.Min + 1
	base, table, vars, encodes := 6*opts+2*k, 2*opts+k, opts, 8*opts+4+2*k
	s := ristretto255.RandomScalar()
	Y := e.Key.Y
	P := ristretto255.NewElement()
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	msg := make([]byte, 1200)
	c0 := cpuTime()
	tbl := ristretto255.NewFixedBaseTable(Y)
	for range m {
		for range base {
			P.ScalarBaseMult(s)
		}
		for range table {
			P.FixedBaseMult(tbl, s)
		}
		for range vars {
			P.ScalarMult(s, Y)
		}
		for range encodes {
			P.Bytes()
		}
		ed25519.Sign(priv, msg)
	}
	return (cpuTime() - c0) / time.Duration(m)
}

// decryptLimit returns the CPU time of the group operations of a tally's
// decryption by t trustees of opts ciphertexts: per share a scalar
// multiplication and a DLEQ proof (two more), and its verification (two
// two-term multi-scalar multiplications); then the Lagrange combination
// (one multiplication per share). The discrete logarithms are left out.
func decryptLimit(t, opts, reps int) time.Duration {
	s := ristretto255.RandomScalar()
	P := ristretto255.NewGeneratorElement()
	c0 := cpuTime()
	for range reps * t * opts {
		P.ScalarMult(s, P)
		P.ScalarMult(s, P)
		P.ScalarMult(s, P)
		P.VarTimeMultiScalarMult([]*ristretto255.Scalar{s, s}, []*ristretto255.Element{P, P})
		P.VarTimeMultiScalarMult([]*ristretto255.Scalar{s, s}, []*ristretto255.Element{P, P})
		P.ScalarMult(s, P)
	}
	return (cpuTime() - c0) / time.Duration(reps)
}

func winnerName(r *plebiscite.Report) string {
	if r.Winner == nil {
		return "none (no decision)"
	}
	return r.Options[*r.Winner]
}

func us(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f µs", float64(d)/1e3)
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// cpuTime returns the CPU time (user and system) the process has used,
// from /proc/self/stat, or the wall time since the start where that is
// unavailable.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err == nil {
		// Fields after the parenthesised command name; utime and stime
		// are the 14th and 15th fields, in clock ticks of 1/100 s.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 13 {
				u, err1 := strconv.ParseInt(f[11], 10, 64)
				s, err2 := strconv.ParseInt(f[12], 10, 64)
				if err1 == nil && err2 == nil {
					return time.Duration(u+s) * 10 * time.Millisecond
				}
			}
		}
	}
	return time.Since(processStart)
}

var processStart = time.Now()

// loadAvg returns the first three fields of /proc/loadavg, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// peakRSS returns the process's peak resident memory from
// /proc/self/status, or the memory the Go runtime obtained.
func peakRSS() string {
	if kb := vmHWM(); kb > 0 {
		return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("%.0f MiB obtained from the OS (VmHWM unavailable)", float64(ms.Sys)/(1<<20))
}

// vmHWM returns the process's peak resident set size in kB (Linux), or 0.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
				return kb
			}
		}
	}
	return 0
}

// phasePeaks measures the peak resident memory of each phase of a run in
// one process: before a phase, the garbage of the previous one is
// returned to the system and the kernel's high-water mark is reset
// (writing 5 to /proc/self/clear_refs, Linux 4.0 and later); after it,
// the mark is the phase's peak. The whole run's peak is the largest mark.
type phasePeaks struct {
	whole int64
	ok    bool
}

// start begins a phase.
func (p *phasePeaks) start() {
	p.whole = max(p.whole, vmHWM())
	runtime.GC()
	debug.FreeOSMemory()
	p.ok = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// end returns the peak of the phase begun by start, or "" where the
// high-water mark cannot be reset.
func (p *phasePeaks) end() string {
	kb := vmHWM()
	p.whole = max(p.whole, kb)
	if !p.ok || kb == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
}

// total returns the peak of the whole run.
func (p *phasePeaks) total() string {
	if kb := max(p.whole, vmHWM()); kb > 0 {
		return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
	}
	return peakRSS()
}
