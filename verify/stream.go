package verify

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"concord/ledger"
	"concord/state"
	"concord/tlog"
)

// Source yields a ledger's leaves in log order, one chunk per call, and
// io.EOF (with no leaves) after the last chunk. Stream calls it from one
// goroutine and does not retain the chunks once their entries are decoded,
// so a Source reading from storage keeps memory bounded by a few chunks.
type Source func() ([][]byte, error)

// ChunkSize is the number of leaves Slice puts in one chunk, and a good
// size for the chunks of any Source.
const ChunkSize = 4096

// Slice returns a Source over leaves held in memory.
func Slice(leaves [][]byte) Source {
	return func() ([][]byte, error) {
		if len(leaves) == 0 {
			return nil, io.EOF
		}
		n := min(len(leaves), ChunkSize)
		chunk := leaves[:n]
		leaves = leaves[n:]
		return chunk, nil
	}
}

// Options tune Stream. The zero value is the default.
type Options struct {
	// Workers is the number of goroutines that decode leaves and verify
	// signatures; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// Progress, if set, is called from Stream's goroutine after each chunk
	// with the number of entries checked so far.
	Progress func(done int64)
}

// item is one leaf after the parallel stage.
type item struct {
	s    *ledger.Signed
	hash ledger.Hash
	key  ed25519.PublicKey // key the signature verified under; nil if it did not (or none)
	err  error             // size or decoding failure
}

type batch struct {
	base  int64
	items []item
	err   error // the Source failed
}

// Stream verifies a ledger whose leaves come from next, following the steps
// of SPEC §17.4 with the same verdicts as a one-by-one check:
//
//  1. each chunk of leaves is decoded and hashed on opt.Workers
//     goroutines; then, in log order, each entry is given the key the
//     append rules would verify it under as far as the registrations before
//     it tell (party.key for a registration, the author's first registered
//     key otherwise); then the signatures are verified on opt.Workers
//     goroutines;
//  2. in log order, a single checker applies the append rules
//     (ledger.Checker.CheckVerified), which checks the signature again
//     itself whenever the key guessed in step 1 is not the one it would use
//     or the signature did not verify, so a refusal names the same rule as
//     Check;
//  3. the RFC 6962 tree is built from the leaf hashes as they pass, keeping
//     the root of every size a checkpoint names;
//  4. checkpoints are verified and compared as by Ledger, and the world is
//     recomputed as of the latest effective date.
//
// Step 1 of the next chunk runs while step 2 checks the current one.
func Stream(next Source, checkpoints [][]byte, logVerifier note.Verifier, opt Options) (*Report, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cps, cpErr := verifyCheckpoints(checkpoints, logVerifier)
	roots := map[int64]tlog.Hash{}
	for _, c := range cps {
		roots[c.Size] = tlog.Hash{}
	}

	done := make(chan struct{})
	defer close(done)
	batches := make(chan batch, 2)
	go prepare(next, workers, batches, done)

	r := &Report{Kinds: map[ledger.Kind]int{}}
	c := ledger.NewChecker()
	var b tlog.TreeBuilder
	keep := func() {
		if _, ok := roots[b.Size()]; ok {
			roots[b.Size()] = b.Root()
		}
	}
	keep()
	for bt := range batches {
		if bt.err != nil {
			return nil, fmt.Errorf("reading entries from %d: %w", bt.base, bt.err)
		}
		for i := range bt.items {
			it := &bt.items[i]
			idx := bt.base + int64(i)
			if it.err != nil {
				return nil, entryError(idx, it.err)
			}
			if err := c.CheckVerified(it.s, it.hash, it.key); err != nil {
				return nil, entryError(idx, err)
			}
			rec := ledger.Record{Index: idx, Hash: it.hash, Signed: it.s}
			c.Apply(rec)
			r.Records = append(r.Records, rec)
			r.Kinds[it.s.Entry.Kind]++
			if r.Last.IsZero() || it.s.Entry.Effective.After(r.Last) {
				r.Last = it.s.Entry.Effective
			}
			b.AddHash(tlog.Hash(it.hash))
			keep()
		}
		if opt.Progress != nil {
			opt.Progress(b.Size())
		}
	}
	r.Entries = b.Size()
	r.Root = b.Root()
	if err := compareCheckpoints(cps, cpErr, roots, r.Entries); err != nil {
		return nil, err
	}
	r.Checkpoints = cps
	if r.Entries > 0 {
		r.World = state.At(r.Records, r.Last)
	}
	return r, nil
}

// prepare reads chunks from next and runs step 1 of Stream on them, sending
// them in order on out; it stops when next fails or ends or done closes.
func prepare(next Source, workers int, out chan<- batch, done <-chan struct{}) {
	defer close(out)
	keys := map[ledger.PartyID]ed25519.PublicKey{} // first registration of each party
	var base int64
	for {
		leaves, err := next()
		last := errors.Is(err, io.EOF)
		if last {
			if len(leaves) == 0 {
				return
			}
			err = nil
		}
		bt := batch{base: base, err: err}
		if err == nil {
			bt.items = make([]item, len(leaves))
			msgs := make([][]byte, len(leaves))
			parallel(len(leaves), workers, func(i int) { bt.items[i] = decodeLeaf(leaves[i]) })
			// In log order: the key each signature is verified under, as
			// far as the registrations before it tell.
			for i := range bt.items {
				it := &bt.items[i]
				if it.s == nil {
					continue
				}
				e := &it.s.Entry
				if e.Kind == ledger.KindParty {
					it.key = e.Party.Key
					if _, ok := keys[e.Party.ID]; !ok {
						keys[e.Party.ID] = e.Party.Key
					}
				} else {
					it.key = keys[e.Author]
				}
				msgs[i] = ledger.LeafSigningMessage(leaves[i])
			}
			parallel(len(leaves), workers, func(i int) {
				it := &bt.items[i]
				if it.s != nil && (len(it.key) != ed25519.PublicKeySize || !ed25519.Verify(it.key, msgs[i], it.s.Sig)) {
					it.key = nil
				}
			})
		}
		select {
		case out <- bt:
		case <-done:
			return
		}
		if err != nil || last {
			return
		}
		base += int64(len(leaves))
	}
}

// parallel calls f(0) … f(n-1) on workers goroutines, each taking a
// contiguous range, and returns when all are done.
func parallel(n, workers int, f func(i int)) {
	per := max(1, (n+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

// decodeLeaf checks the size of a leaf, decodes it and hashes it.
func decodeLeaf(leaf []byte) item {
	if len(leaf) == 0 {
		return item{err: ErrEmptyLeaf}
	}
	if len(leaf) > ledger.MaxEntrySize {
		return item{err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize)}
	}
	s, err := ledger.Decode(leaf)
	if err != nil {
		return item{err: err}
	}
	return item{s: s, hash: ledger.LeafHash(leaf)}
}

// verifyCheckpoints verifies every checkpoint's signature (SPEC §17.4,
// step 2). It returns the checkpoints, and the first failure, which is
// reported only after the entries: entry failures come first.
func verifyCheckpoints(checkpoints [][]byte, v note.Verifier) ([]Checkpoint, error) {
	cps := make([]Checkpoint, len(checkpoints))
	for i, raw := range checkpoints {
		c, err := tlog.VerifyCheckpoint(raw, v.Name(), v)
		if err != nil {
			return nil, checkpointError(i, fmt.Errorf("%w: %v", ErrCheckpoint, err))
		}
		cps[i] = Checkpoint{Origin: c.Origin, Size: c.Size, Root: c.Root}
	}
	return cps, nil
}

// compareCheckpoints implements SPEC §17.4, steps 3 and 4, given the roots
// of the leaves' prefixes at the checkpoints' sizes and the number of
// leaves: forks first, then roots in increasing size, then sizes larger
// than the ledger.
func compareCheckpoints(cps []Checkpoint, sigErr error, roots map[int64]tlog.Hash, size int64) error {
	if sigErr != nil {
		return sigErr
	}
	order := make([]int, len(cps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cps[a].Size, cps[b].Size) })
	for k := 1; k < len(order); k++ {
		a, b := cps[order[k-1]], cps[order[k]]
		if a.Size == b.Size && a.Root != b.Root {
			return &Error{Entry: -1, Checkpoint: order[k-1], Other: order[k],
				Err: fmt.Errorf("%w: size %d, roots %s and %s", ErrFork, a.Size, a.Root, b.Root)}
		}
	}
	for _, i := range order {
		cp := cps[i]
		if cp.Size > size {
			return checkpointError(i, fmt.Errorf("%w: size %d, the ledger has %d", ErrCheckpointSize, cp.Size, size))
		}
		if got := roots[cp.Size]; got != cp.Root {
			return checkpointError(i, fmt.Errorf("%w: size %d, checkpoint root %s, entries give %s", ErrCheckpointRoot, cp.Size, cp.Root, got))
		}
	}
	return nil
}
