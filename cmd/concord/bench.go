package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
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

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/internal/progress"
	"concord/ledger"
	"concord/node"
	"concord/state"
	"concord/tlog"
	"concord/verify"
)

// BenchCommand implements "concord bench ledger": it measures durable
// appends (one commit each and batched), the offline verification of a
// large ledger on every core and a status query on it, each beside the
// machine's Ed25519 verification rate measured in the same run, and the
// peak memory (SPEC §17.6).
type BenchCommand struct{ out io.Writer }

// Run runs the benchmark.
func (c *BenchCommand) Run(ctx context.Context, args []string) error {
	// The plebiscite and ingest benchmarks have flag sets of their own.
	if len(args) > 0 {
		switch args[0] {
		case "plebiscite":
			return benchPlebiscite(ctx, args[1:], c.out)
		case "ingest":
			return benchIngest(ctx, args[1:], c.out)
		}
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	entries := fs.Int("entries", 1_000_000, "verify a generated ledger of `N` entries")
	appends := fs.Int("appends", 500, "durable appends to measure, each its own commit")
	batch := fs.Int("batch", 100, "entries per transaction for the batched appends")
	pgURL := fs.String("postgres", "", "also measure appends on the empty PostgreSQL database at `URL`")
	dir := fs.String("dir", "", "`DIR` for the temporary ledger and entries (default: the system's temporary directory)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "ledger" {
		return usagef("bench", "expected 'concord bench ledger', 'concord bench plebiscite' or 'concord bench ingest'")
	}
	if *entries < benchParties+4 || *appends < 1 || *batch < 1 {
		return usagef("bench", "--entries must be at least %d, --appends and --batch at least 1", benchParties+4)
	}
	// A long measure is steadier; a small run gets a short one.
	edTime := time.Second
	if *entries < 100_000 {
		edTime = 200 * time.Millisecond
	}
	ed := ed25519Rate(1, edTime)
	edAll := ed25519Rate(runtime.GOMAXPROCS(0), edTime)
	fmt.Fprintf(c.out, "machine: %s/%s, %d CPUs, %s, load average %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAverage())
	fmt.Fprintf(c.out, "Ed25519 verification, one core: %.0f/s (%.1f µs each), %d cores: %.0f/s; ratios below are per entry, in one-core Ed25519 verifications\n\n",
		ed, 1e6/ed, runtime.GOMAXPROCS(0), edAll)

	tmp, err := os.MkdirTemp(*dir, "concord-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	g, err := newBenchGen()
	if err != nil {
		return err
	}
	small, err := g.leaves(0, benchParties+2*(*appends))
	if err != nil {
		return err
	}
	if err := c.benchAppends(ctx, "SQLite", filepath.Join(tmp, "bench.db"), node.Options{}, small, *appends, *batch, ed); err != nil {
		return err
	}
	if *pgURL != "" {
		if err := c.benchAppends(ctx, "PostgreSQL", *pgURL, node.Options{LogKey: filepath.Join(tmp, "pg.logkey")}, small, *appends, *batch, ed); err != nil {
			return err
		}
	}

	// Generate the ledger into a file, so that verification streams it
	// from there as concord verify streams a stored ledger.
	start := time.Now()
	file := filepath.Join(tmp, "leaves")
	root, last, err := g.writeFile(file, *entries)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "generated and signed %d entries in %.2fs\n", *entries, time.Since(start).Seconds())
	signer, verifier, err := benchLogKey()
	if err != nil {
		return err
	}
	cp, err := note.Sign(&note.Note{Text: string(tlog.FormatCheckpointText(signer.Name(), int64(*entries), root))}, signer)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	bar := progress.New("verify", int64(*entries))
	start = time.Now()
	r, err := verify.Stream(fileSource(f), [][]byte{cp}, verifier, verify.Options{Progress: bar.Set})
	bar.Done()
	if err != nil {
		return err
	}
	d := time.Since(start)
	c.report(fmt.Sprintf("verify %d entries (offline, streamed, %d cores)", *entries, runtime.GOMAXPROCS(0)), *entries, d, ed)
	// The machine's limit, measured again right after: on a loaded machine
	// it moves, and the mean of both measures is the fairer reference.
	edAfter := ed25519Rate(runtime.GOMAXPROCS(0), edTime)
	limit := (edAll + edAfter) / 2
	fmt.Fprintf(c.out, "  = %.0f%% of the %d-core Ed25519 limit (%.0f/s: %.0f/s before, %.0f/s after); the world as of %s included\n",
		100*float64(*entries)/d.Seconds()/limit, runtime.GOMAXPROCS(0), limit, edAll, edAfter, r.Last)
	start = time.Now()
	w := state.At(r.Records, last)
	c.report(fmt.Sprintf("status --at %s on %d entries", last, *entries), *entries, time.Since(start), ed)
	fmt.Fprintf(c.out, "  (%d instruments, %d obligations)\n", len(w.Instruments), len(w.Obligations))
	fmt.Fprintf(c.out, "peak memory (VmHWM): %s\n", peakMemory())
	return nil
}

func (c *BenchCommand) report(what string, n int, d time.Duration, ed float64) {
	rate := float64(n) / d.Seconds()
	fmt.Fprintf(c.out, "%s: %.2fs, %.0f entries/s, %.1f µs per entry = %.2f Ed25519 verifications\n",
		what, d.Seconds(), rate, 1e6/rate, ed/rate)
}

// benchAppends measures m appends through the append path into a fresh
// ledger, one commit each, then m more in batches of batch entries.
// leaves holds the registrations then at least 2m entries.
func (c *BenchCommand) benchAppends(ctx context.Context, backend, ledgerArg string, opt node.Options, leaves [][]byte, m, batch int, ed float64) error {
	n, err := node.CreateWith(ctx, ledgerArg, "concord.example/bench", opt)
	if err != nil {
		return err
	}
	defer n.Close()
	// The registrations first, in one batch; every entry after them is
	// valid in any grouping.
	if _, err := n.AppendBatch(ctx, leaves[:benchParties]); err != nil {
		return err
	}
	rest := leaves[benchParties:]
	m = min(m, len(rest)/2)
	start := time.Now()
	for _, l := range rest[:m] {
		if _, err := n.Append(ctx, l); err != nil {
			return err
		}
	}
	c.report(fmt.Sprintf("durable appends (%s, one commit each, %d entries)", backend, m), m, time.Since(start), ed)
	start = time.Now()
	for i := m; i < 2*m; i += batch {
		if _, err := n.AppendBatch(ctx, rest[i:min(i+batch, 2*m)]); err != nil {
			return err
		}
	}
	c.report(fmt.Sprintf("durable appends (%s, batches of %d, %d entries)", backend, batch, m), m, time.Since(start), ed)
	return nil
}

// ed25519Rate measures Ed25519 verifications per second on workers
// goroutines at once, for about d.
func ed25519Rate(workers int, d time.Duration) float64 {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("concord bench: Ed25519 verification rate")
	sig := ed25519.Sign(priv, msg)
	var total atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			n := 0
			for time.Since(start) < d {
				for range 100 {
					if !ed25519.Verify(pub, msg, sig) {
						panic("ed25519 self-test failed")
					}
				}
				n += 100
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds()
}

// loadAverage returns the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// peakMemory returns the process's peak resident set size (VmHWM of
// /proc/self/status), or else the memory obtained from the OS by the Go
// runtime.
func peakMemory() string {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
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

func benchLogKey() (note.Signer, note.Verifier, error) {
	skey, vkey, err := tlog.GenerateLogKey("concord.example/bench")
	if err != nil {
		return nil, nil, err
	}
	s, err := tlog.NewLogSigner(skey)
	if err != nil {
		return nil, nil, err
	}
	v, err := tlog.NewLogVerifier(vkey)
	return s, v, err
}

const benchParties = 100

// benchGen generates the benchmark's ledger (SPEC §17.6): benchParties
// party registrations (the last an observer), then rounds of a two-party
// modus vivendi with one obligation, both signatures and the observer's
// attestation. Entry i is the same whichever range it is made in.
type benchGen struct {
	keys    []*ledger.KeyFile
	parties [][]byte
	start   calendar.Date
}

func newBenchGen() (*benchGen, error) {
	g := &benchGen{keys: make([]*ledger.KeyFile, benchParties), parties: make([][]byte, benchParties)}
	g.start, _ = calendar.ParseDate("1917-11-07")
	for i := range g.keys {
		id := ledger.PartyID("party-" + strconv.Itoa(i))
		role := ledger.RoleState
		if i == benchParties-1 {
			id, role = "observer", ledger.RoleObserver
		}
		k, err := ledger.GenerateKey(id)
		if err != nil {
			return nil, err
		}
		g.keys[i] = k
		if g.parties[i], err = benchLeaf(k, &ledger.Entry{Kind: ledger.KindParty, Effective: g.start,
			Party: &ledger.Party{ID: id, Name: string(id), Role: role, Key: k.PublicKey()}}); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// last returns the latest effective date of a ledger of n entries.
func (g *benchGen) last(n int) calendar.Date {
	rounds := (n - benchParties + 3) / 4
	return g.start.AddDays(max(rounds-1, 0) / 1000)
}

// leaves returns entries lo … hi-1, their rounds signed on every core.
func (g *benchGen) leaves(lo, hi int) ([][]byte, error) {
	out := make([][]byte, 0, hi-lo)
	for i := lo; i < min(hi, benchParties); i++ {
		out = append(out, g.parties[i])
	}
	if hi <= benchParties {
		return out, nil
	}
	first := (max(lo, benchParties) - benchParties) / 4
	end := (hi - benchParties + 3) / 4
	rounds := make([][4][]byte, end-first)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := first + w; r < end && errs[w] == nil; r += workers {
				rounds[r-first], errs[w] = benchRound(g.keys, r, g.start)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := max(lo, benchParties); i < hi; i++ {
		j := i - benchParties
		out = append(out, rounds[j/4-first][j%4])
	}
	return out, nil
}

// writeFile writes entries 0 … n-1 to a new file, each as its length
// (uvarint) then its bytes, and returns the root of their tree and the
// latest effective date.
func (g *benchGen) writeFile(path string, n int) (tlog.Hash, calendar.Date, error) {
	f, err := os.Create(path)
	if err != nil {
		return tlog.Hash{}, calendar.Date{}, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var b tlog.TreeBuilder
	bar := progress.New("generate", int64(n))
	var lenBuf [binary.MaxVarintLen64]byte
	for lo := 0; lo < n; lo += verify.ChunkSize {
		leaves, err := g.leaves(lo, min(lo+verify.ChunkSize, n))
		if err != nil {
			return tlog.Hash{}, calendar.Date{}, err
		}
		for _, l := range leaves {
			w.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(l)))])
			w.Write(l)
			b.Add(l)
		}
		bar.Set(b.Size())
	}
	bar.Done()
	if err := w.Flush(); err != nil {
		return tlog.Hash{}, calendar.Date{}, err
	}
	return b.Root(), g.last(n), f.Close()
}

// fileSource reads the leaves written by benchGen.writeFile in chunks.
func fileSource(f *os.File) verify.Source {
	r := bufio.NewReaderSize(f, 1<<20)
	return func() ([][]byte, error) {
		var chunk [][]byte
		for len(chunk) < verify.ChunkSize {
			n, err := binary.ReadUvarint(r)
			if errors.Is(err, io.EOF) {
				if len(chunk) == 0 {
					return nil, io.EOF
				}
				break
			} else if err != nil {
				return nil, err
			}
			if n > ledger.MaxEntrySize+1 {
				return nil, fmt.Errorf("bench entries file: entry of %d bytes", n)
			}
			l := make([]byte, n)
			if _, err := io.ReadFull(r, l); err != nil {
				return nil, err
			}
			chunk = append(chunk, l)
		}
		return chunk, nil
	}
}

// benchRound makes round r's four entries.
func benchRound(keys []*ledger.KeyFile, r int, start calendar.Date) ([4][]byte, error) {
	var out [4][]byte
	d := start.AddDays(r / 1000)
	a, b, obs := keys[r%(benchParties-1)], keys[(r+1)%(benchParties-1)], keys[benchParties-1]
	two := calendar.Duration{Months: 2}
	prop, err := benchLeaf(a, &ledger.Entry{Kind: ledger.KindProposal, Effective: d, Proposal: &ledger.Proposal{
		Instrument: ledger.ModusVivendi, Title: "Accord " + strconv.Itoa(r), Parties: []ledger.PartyID{a.ID, b.ID},
		Clauses: []ledger.Clause{{ID: "evacuate", Obligor: b.ID, Action: "evacuate the zone",
			Deadline: ledger.Deadline{Duration: &two}, Attesters: []ledger.PartyID{obs.ID}}}}})
	if err != nil {
		return out, err
	}
	out[0] = prop
	h := ledger.LeafHash(prop)
	rest := []struct {
		k *ledger.KeyFile
		e *ledger.Entry
	}{
		{a, &ledger.Entry{Kind: ledger.KindSignature, Effective: d, Refs: []ledger.Hash{h}, Signature: &ledger.Decision{Proposal: h}}},
		{b, &ledger.Entry{Kind: ledger.KindSignature, Effective: d, Refs: []ledger.Hash{h}, Signature: &ledger.Decision{Proposal: h}}},
		{obs, &ledger.Entry{Kind: ledger.KindAttestation, Effective: d, Refs: []ledger.Hash{h},
			Attestation: &ledger.Attestation{Instrument: h, Clause: "evacuate", Outcome: ledger.Fulfilled}}},
	}
	for i, x := range rest {
		if out[1+i], err = benchLeaf(x.k, x.e); err != nil {
			return out, err
		}
	}
	return out, nil
}

func benchLeaf(k *ledger.KeyFile, e *ledger.Entry) ([]byte, error) {
	e.V, e.Author = ledger.Version, k.ID
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		return nil, err
	}
	return ledger.Encode(s)
}
