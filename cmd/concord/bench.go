package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/node"
	"concord/state"
	"concord/tlog"
	"concord/verify"
)

// BenchCommand implements "concord bench ledger": it measures durable
// appends, the offline verification of a large ledger and a status query
// on it, each beside the machine's Ed25519 verification rate measured in
// the same run (SPEC §17.6).
type BenchCommand struct{ out io.Writer }

// Run runs the benchmark.
func (c *BenchCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	entries := fs.Int("entries", 1_000_000, "verify a generated ledger of `N` entries")
	appends := fs.Int("appends", 500, "durable appends to measure, each its own commit")
	dir := fs.String("dir", "", "`DIR` for the temporary ledger (default: the system's temporary directory)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "ledger" {
		return usagef("bench", "expected 'concord bench ledger'")
	}
	if *entries < benchParties+4 || *appends < 1 {
		return usagef("bench", "--entries must be at least %d and --appends at least 1", benchParties+4)
	}
	ed := ed25519Rate()
	fmt.Fprintf(c.out, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(c.out, "Ed25519 verification, one core: %.0f/s (%.1f µs each); ratios below are per entry, in Ed25519 verifications\n\n", ed, 1e6/ed)

	leaves, last, err := benchLedger(*entries)
	if err != nil {
		return err
	}
	if err := c.benchAppends(ctx, *dir, leaves, *appends, ed); err != nil {
		return err
	}
	signer, verifier, err := benchLogKey()
	if err != nil {
		return err
	}
	cp, err := note.Sign(&note.Note{Text: string(tlog.FormatCheckpointText(signer.Name(), int64(len(leaves)), tlog.RootOf(leaves)))}, signer)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := verify.Ledger(leaves, [][]byte{cp}, verifier)
	if err != nil {
		return err
	}
	c.report(fmt.Sprintf("verify %d entries (offline, one core)", len(leaves)), len(leaves), time.Since(start), ed)
	start = time.Now()
	w := state.At(r.Records, last)
	c.report(fmt.Sprintf("status --at %s on %d entries", last, len(leaves)), len(leaves), time.Since(start), ed)
	fmt.Fprintf(c.out, "  (%d instruments, %d obligations)\n", len(w.Instruments), len(w.Obligations))
	return nil
}

func (c *BenchCommand) report(what string, n int, d time.Duration, ed float64) {
	rate := float64(n) / d.Seconds()
	fmt.Fprintf(c.out, "%s: %.2fs, %.0f entries/s, %.1f µs per entry = %.2f Ed25519 verifications\n",
		what, d.Seconds(), rate, 1e6/rate, ed/rate)
}

func (c *BenchCommand) benchAppends(ctx context.Context, dir string, leaves [][]byte, m int, ed float64) error {
	tmp, err := os.MkdirTemp(dir, "concord-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	n, err := node.Create(ctx, filepath.Join(tmp, "bench.db"), "concord.example/bench")
	if err != nil {
		return err
	}
	defer n.Close()
	m = min(m, len(leaves))
	start := time.Now()
	for _, l := range leaves[:m] {
		if _, err := n.Append(ctx, l); err != nil {
			return err
		}
	}
	c.report(fmt.Sprintf("durable appends (SQLite, one commit each, %d entries)", m), m, time.Since(start), ed)
	return nil
}

// ed25519Rate measures single-core Ed25519 verifications per second.
func ed25519Rate() float64 {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("concord bench: Ed25519 verification rate")
	sig := ed25519.Sign(priv, msg)
	n, start := 0, time.Now()
	for time.Since(start) < 300*time.Millisecond {
		for range 100 {
			if !ed25519.Verify(pub, msg, sig) {
				panic("ed25519 self-test failed")
			}
		}
		n += 100
	}
	return float64(n) / time.Since(start).Seconds()
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

// benchLedger generates a valid ledger of n entries: benchParties party
// registrations (the last an observer), then rounds of a two-party
// treaty with one obligation, both signatures and the observer's
// attestation. Rounds are signed on every core.
func benchLedger(n int) ([][]byte, calendar.Date, error) {
	keys := make([]*ledger.KeyFile, benchParties)
	leaves := make([][]byte, n)
	start, _ := calendar.ParseDate("1917-11-07")
	for i := range keys {
		id := ledger.PartyID("party-" + strconv.Itoa(i))
		role := ledger.RoleState
		if i == benchParties-1 {
			id, role = "observer", ledger.RoleObserver
		}
		k, err := ledger.GenerateKey(id)
		if err != nil {
			return nil, start, err
		}
		keys[i] = k
		l, err := benchLeaf(k, &ledger.Entry{Kind: ledger.KindParty, Effective: start,
			Party: &ledger.Party{ID: id, Name: string(id), Role: role, Key: k.PublicKey()}})
		if err != nil {
			return nil, start, err
		}
		leaves[i] = l
	}
	rounds := (n - benchParties + 3) / 4
	var wg sync.WaitGroup
	errs := make(chan error, runtime.NumCPU())
	workers := runtime.NumCPU()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := w; r < rounds; r += workers {
				if err := benchRound(keys, leaves, r, start); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, start, err
	}
	return leaves, start.AddDays((rounds - 1) / 1000), nil
}

// benchRound writes round r's four entries (or as many as fit) at
// leaves[benchParties+4r:].
func benchRound(keys []*ledger.KeyFile, leaves [][]byte, r int, start calendar.Date) error {
	d := start.AddDays(r / 1000)
	a, b, obs := keys[r%(benchParties-1)], keys[(r+1)%(benchParties-1)], keys[benchParties-1]
	two := calendar.Duration{Months: 2}
	base := benchParties + 4*r
	prop, err := benchLeaf(a, &ledger.Entry{Kind: ledger.KindProposal, Effective: d, Proposal: &ledger.Proposal{
		Instrument: ledger.ModusVivendi, Title: "Accord " + strconv.Itoa(r), Parties: []ledger.PartyID{a.ID, b.ID},
		Clauses: []ledger.Clause{{ID: "evacuate", Obligor: b.ID, Action: "evacuate the zone",
			Deadline: ledger.Deadline{Duration: &two}, Attesters: []ledger.PartyID{obs.ID}}}}})
	if err != nil {
		return err
	}
	leaves[base] = prop
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
		if base+1+i >= len(leaves) {
			break
		}
		if leaves[base+1+i], err = benchLeaf(x.k, x.e); err != nil {
			return err
		}
	}
	return nil
}

func benchLeaf(k *ledger.KeyFile, e *ledger.Entry) ([]byte, error) {
	e.V, e.Author = ledger.Version, k.ID
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		return nil, err
	}
	return ledger.Encode(s)
}
