package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"concord/calendar"
	"concord/internal/progress"
	"concord/ledger"
	"concord/plebiscite"
	"concord/ristretto255"
	"concord/threshold"
)

// benchPlebiscite implements "concord bench plebiscite": it generates a
// one-of-three plebiscite of N voters (five trustees, threshold three),
// casts one ballot per voter into a leaf file, and measures casting,
// verification one by one and batched (streamed from the file on every
// core), and the tally, each beside the machine's limit measured in the
// same run (docs/PERFORMANCE.md). Times are CPU times unless marked wall:
// the machine may be shared.
func benchPlebiscite(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench plebiscite", flag.ContinueOnError)
	voters := fs.Int("voters", 10_000, "cast and verify one ballot for each of `N` voters")
	sample := fs.Int("sample", 300, "verify `K` ballots one by one")
	dir := fs.String("dir", "", "`DIR` for the temporary leaf file (default: the system's temporary directory)")
	if _, err := parseFlags(fs, out, args); err != nil {
		return err
	}
	if *voters < 1 || *voters > plebiscite.MaxRoll || *sample < 1 {
		return usagef("bench", "--voters must be 1 to %d and --sample at least 1", plebiscite.MaxRoll)
	}
	workers := runtime.GOMAXPROCS(0)
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s, load average %s (times are CPU time unless marked wall)\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAvg())

	b, err := newPlebBench(*voters)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(*dir, "concord-bench-plebiscite-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "leaves")

	// Casting: one ballot alone, beside the same group operations done
	// with the primitives directly; then all ballots on every core.
	m := 200
	c0 := cpuTime()
	for i := range m {
		if _, _, err := b.voter(i).Cast(b.e, []int{i % 3}); err != nil {
			return err
		}
	}
	cast := (cpuTime() - c0) / time.Duration(m)
	castLim := castLimit(b.e, m)
	fmt.Fprintf(out, "cast a one-of-three ballot: %s  (limit %s, ratio %.2f)\n", us(cast), us(castLim), ratio(cast, castLim))
	w0, c0 := time.Now(), cpuTime()
	if err := b.castAll(ctx, file, workers); err != nil {
		return err
	}
	fmt.Fprintf(out, "cast %d ballots on %d cores: %.1fs wall, %s each (with deriving the voter's key)\n",
		*voters, workers, time.Since(w0).Seconds(), us((cpuTime()-c0)/time.Duration(*voters)))

	rec := &plebiscite.StreamRecord{Manifest: b.manifest, Roll: b.e.Roll.Bytes(), Leaves: fileLeaves(file)}
	lim0 := cpuTime()
	lim, err := plebiscite.MeasureLimit(rec)
	if err != nil {
		return err
	}
	limCPU := cpuTime() - lim0
	perLim := limCPU / time.Duration(*voters)

	// One by one, on a sample.
	k := min(*sample, *voters)
	var sampleLeaves [][]byte
	if err := rec.Leaves(func(l []byte) bool { sampleLeaves = append(sampleLeaves, l); return len(sampleLeaves) < k }); err != nil {
		return err
	}
	c0 = cpuTime()
	for _, l := range sampleLeaves {
		bl, err := plebiscite.ParseBallot(l)
		if err == nil {
			err = b.e.VerifyBallot(bl)
		}
		if err != nil {
			return err
		}
	}
	one := (cpuTime() - c0) / time.Duration(k)
	fmt.Fprintf(out, "verify one by one (%d ballots, one core): %s each  (limit %s, ratio %.2f)\n", k, us(one), us(perLim), ratio(one, perLim))

	// The trustees' check and homomorphic sum, then the decryption.
	bar := progress.New("verify poll", int64(*voters))
	rec.Progress = func(n int) { bar.Set(int64(n)) }
	w0, c0 = time.Now(), cpuTime()
	_, agg, err := plebiscite.VerifyPollStream(rec)
	bar.Done()
	if err != nil {
		return err
	}
	poll, pollWall := cpuTime()-c0, time.Since(w0)
	fmt.Fprintf(out, "verify the poll and sum it (trustees' check, batched, %d cores): %.1fs wall, %s per ballot  (limit %s, ratio %.2f)\n",
		workers, pollWall.Seconds(), us(poll/time.Duration(*voters)), us(perLim), ratio(poll, limCPU))
	// The decryption takes milliseconds: repeat it for the CPU clock.
	const reps = 20
	c0 = cpuTime()
	var res *plebiscite.Result
	for range reps {
		if res, err = b.decrypt(agg); err != nil {
			return err
		}
	}
	dec := (cpuTime() - c0) / reps
	decLim := decryptLimit(len(b.trustees)-1, len(agg.Sums), reps)
	fmt.Fprintf(out, "decrypt the tally (%d trustees present, %d options): %s  (limit %s, ratio %.2f); counts %v\n",
		len(b.trustees)-1, len(agg.Sums), us(dec), us(decLim), ratio(dec, decLim), res.Counts)
	if rec.Result, err = res.Encode(); err != nil {
		return err
	}

	// The verifier's run: the whole record, batched and streamed.
	bar = progress.New("verify", int64(*voters))
	rec.Progress = func(n int) { bar.Set(int64(n)) }
	w0, c0 = time.Now(), cpuTime()
	rep, err := plebiscite.VerifyRecordStream(rec)
	bar.Done()
	if err != nil {
		return err
	}
	ver, verWall := cpuTime()-c0, time.Since(w0)
	// The limit again, right after: on a shared machine it moves, and the
	// mean of both measures is the fairer reference.
	lim1 := cpuTime()
	if _, err := plebiscite.MeasureLimit(rec); err != nil {
		return err
	}
	limAfter := cpuTime() - lim1
	fmt.Fprintf(out, "verify the record (batched, streamed, %d cores): %.1fs wall, %s per ballot  (limit %s: %s before, %s after; ratio %.2f)\n",
		workers, verWall.Seconds(), us(ver/time.Duration(*voters)), us((limCPU+limAfter)/time.Duration(2**voters)),
		us(perLim), us(limAfter/time.Duration(*voters)), ratio(2*ver, limCPU+limAfter))
	fmt.Fprintf(out, "  limit = %.1fs wall for %d element decodings, %d encodings, %d Ed25519 verifications, %d multi-scalar multiplication terms, %.0f MB hashed\n",
		lim.Elapsed.Seconds(), lim.Decodes, lim.Encodes, lim.Signatures, lim.Terms, float64(lim.Hashed)/1e6)
	per3M := float64(ver) / float64(*voters) * 3e6 / float64(workers)
	fmt.Fprintf(out, "  at this rate, 3,000,000 ballots on %d cores: %.0fs (%.1f min) of verification\n", workers, per3M/1e9, per3M/60e9)
	fmt.Fprintf(out, "result: %d counted, winner %v\n", rep.Counted, winnerName(rep))
	fmt.Fprintf(out, "peak memory (VmHWM): %s\n", peakRSS())
	return nil
}

// plebBench is a plebiscite of n voters whose keys derive from a random
// run key, so that only the credentials are held in memory.
type plebBench struct {
	runKey   [32]byte
	e        *plebiscite.Election
	manifest []byte
	trustees []*threshold.Trustee
}

func (b *plebBench) voter(i int) *plebiscite.Voter {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64(b.runKey[:], uint64(i)))
	v, err := plebiscite.VoterFromSeed(seed[:])
	if err != nil {
		panic(err) // unreachable: the seed is 32 bytes
	}
	return v
}

// newPlebBench derives the voters' credentials, runs the key generation
// among five trustees and completes the manifest.
func newPlebBench(n int) (*plebBench, error) {
	b := &plebBench{}
	rand.Read(b.runKey[:])
	creds := make([]plebiscite.Credential, n)
	parallel(n, func(i int) { creds[i] = b.voter(i).Credential() })
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		return nil, err
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: "bench", Territory: "bessarabia",
		Question: "Which state shall Bessarabia belong to?",
		Options:  []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Min:      1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("league-commission"),
		Opens:     calendar.Date{Year: 1926, Month: 10, Day: 1},
		Closes:    calendar.Date{Year: 1926, Month: 10, Day: 3},
		Threshold: 3, Observers: []ledger.PartyID{"united-states"},
	}
	for _, id := range []ledger.PartyID{"ussr-a", "ussr-b", "romania-a", "romania-b", "sweden"} {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: id, Camp: strings.TrimSuffix(strings.TrimSuffix(string(id), "-a"), "-b")})
	}
	draft, err := m.Hash()
	if err != nil {
		return nil, err
	}
	p := threshold.Params{N: len(m.Trustees), K: m.Threshold, Context: draft[:]}
	board := &threshold.Board{}
	for i := range p.N {
		t, err := threshold.NewTrustee(p, i+1)
		if err != nil {
			return nil, err
		}
		b.trustees = append(b.trustees, t)
		board.Keys = append(board.Keys, t.PublicKey())
	}
	for _, t := range b.trustees {
		c, shares, err := t.Round1(board.Keys)
		if err != nil {
			return nil, err
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
	}
	for _, t := range b.trustees {
		if _, err := t.Receive(board); err != nil {
			return nil, err
		}
	}
	for _, t := range b.trustees {
		if err := t.Finish(board); err != nil {
			return nil, err
		}
	}
	q, err := threshold.Qualified(p, board)
	if err != nil {
		return nil, err
	}
	keys, err := threshold.PublicKeys(p, board.Commitments, q)
	if err != nil {
		return nil, err
	}
	m.Key = keys.Joint.Bytes()
	for j := range m.Trustees {
		m.Trustees[j].Key = keys.Verification[j].Bytes()
	}
	if b.e, err = plebiscite.NewElection(m, roll); err != nil {
		return nil, err
	}
	b.manifest, err = m.Encode()
	return b, err
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

// castAll casts one ballot per voter on every core and writes the leaves
// to file, each preceded by its length as a uvarint.
func (b *plebBench) castAll(ctx context.Context, file string, workers int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := b.e.Roll.Len()
	bar := progress.New("cast", int64(n))
	leaves := make(chan []byte, 256)
	var failed atomic.Value
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil && failed.Load() == nil; i = int(next.Add(1) - 1) {
				bl, _, err := b.voter(i).Cast(b.e, []int{benchChoice(i)})
				if err != nil {
					failed.Store(err)
					return
				}
				leaves <- bl.Bytes()
			}
		})
	}
	go func() { wg.Wait(); close(leaves) }()
	done := 0
	for l := range leaves {
		w.Write(binary.AppendUvarint(nil, uint64(len(l))))
		w.Write(l)
		done++
		bar.Set(int64(done))
	}
	bar.Done()
	if err, ok := failed.Load().(error); ok {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// benchChoice is voter i's option: 0 for three voters in five, 1 and 2
// for one each.
func benchChoice(i int) int {
	return max(0, i%5-2)
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

// decrypt has all trustees but the second compute their decryption shares
// of the aggregate, and combines them.
func (b *plebBench) decrypt(agg *plebiscite.Aggregate) (*plebiscite.Result, error) {
	var shares []*threshold.DecryptionShare
	for j, t := range b.trustees {
		if j == 1 {
			continue // absent
		}
		d, err := t.DecryptShare(agg.Sums)
		if err != nil {
			return nil, err
		}
		shares = append(shares, d)
	}
	return plebiscite.Decrypt(b.e, agg, shares)
}

// castLimit returns the CPU time per ballot of the group operations Cast
// performs, done directly with the library's primitives: per option, two
// fixed-base and one variable-base scalar multiplication (encryption) and,
// per branch of the bit proof, one fixed-base multiplication and two
// two-term multi-scalar multiplications; the same per branch of the range
// proof; one encoding per element of each challenge's transcript; one
// Ed25519 signature.
func castLimit(e *plebiscite.Election, m int) time.Duration {
	opts := len(e.Manifest.Options)
	k := e.Manifest.Max - e.Manifest.Min + 1
	base, vars, msm, encodes := 4*opts+k, opts, 4*opts+2*k, 8*opts+4+2*k
	s := ristretto255.RandomScalar()
	Y := e.Key.Y
	P := ristretto255.NewElement()
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	msg := make([]byte, 1200)
	c0 := cpuTime()
	for range m {
		for range base {
			P.ScalarBaseMult(s)
		}
		for range vars {
			P.ScalarMult(s, Y)
		}
		for range msm {
			P.MultiScalarMult([]*ristretto255.Scalar{s, s}, []*ristretto255.Element{Y, P})
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
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
					return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("%.0f MiB obtained from the OS (VmHWM unavailable)", float64(ms.Sys)/(1<<20))
}
