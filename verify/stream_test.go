package verify

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"concord/ledger"
	"concord/tlog"
)

// reference is the one-by-one verifier: every leaf decoded and checked by
// ledger.Checker.Check in order, on one goroutine. Stream must give the
// same verdicts.
func reference(leaves, checkpoints [][]byte, v note.Verifier) error {
	c := ledger.NewChecker()
	for i, leaf := range leaves {
		idx := int64(i)
		if len(leaf) == 0 {
			return entryError(idx, ErrEmptyLeaf)
		}
		if len(leaf) > ledger.MaxEntrySize {
			return entryError(idx, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize))
		}
		s, err := ledger.Decode(leaf)
		if err != nil {
			return entryError(idx, err)
		}
		if err := c.Check(s); err != nil {
			return entryError(idx, err)
		}
		c.Apply(ledger.Record{Index: idx, Hash: ledger.LeafHash(leaf), Signed: s})
	}
	cps, sigErr := verifyCheckpoints(checkpoints, v)
	roots := map[int64]tlog.Hash{}
	for _, cp := range cps {
		if cp.Size <= int64(len(leaves)) {
			roots[cp.Size] = tlog.RootOf(leaves[:cp.Size])
		}
	}
	return compareCheckpoints(cps, sigErr, roots, int64(len(leaves)))
}

// chunked is a Source of chunks of n leaves.
func chunked(leaves [][]byte, n int) Source {
	return func() ([][]byte, error) {
		if len(leaves) == 0 {
			return nil, io.EOF
		}
		k := min(n, len(leaves))
		c := leaves[:k]
		leaves = leaves[k:]
		return c, nil
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// checkSame runs Stream with several worker counts and chunk sizes and
// compares each verdict with the reference's.
func checkSame(t *testing.T, name string, leaves, cps [][]byte, v note.Verifier) {
	t.Helper()
	want := errString(reference(leaves, cps, v))
	for _, workers := range []int{1, 3} {
		for _, chunk := range []int{1, 2, ChunkSize} {
			_, err := Stream(chunked(leaves, chunk), cps, v, Options{Workers: workers})
			if got := errString(err); got != want {
				t.Errorf("%s: Stream(workers %d, chunk %d) = %s; want %s", name, workers, chunk, got, want)
			}
		}
	}
}

func TestStreamSameVerdicts(t *testing.T) {
	signer, vkey := logKey(t, origin, 42)
	v := mustVerifier(t, vkey)
	leaves := smallLedger(t)
	cp := signCheckpoint(t, signer, leaves)
	checkSame(t, "valid", leaves, [][]byte{cp}, v)

	// Every vector of testdata.
	for name, vec := range generateVectors(t) {
		var ls, cs [][]byte
		for _, l := range vec.Leaves {
			b, err := base64.StdEncoding.DecodeString(l)
			if err != nil {
				t.Fatal(err)
			}
			ls = append(ls, b)
		}
		for _, c := range vec.Checkpoints {
			cs = append(cs, []byte(c))
		}
		checkSame(t, name, ls, cs, v)
	}

	// An entry signed by another party's key, under its author's name.
	rom := partyKey(t, "romania", 2)
	b := &builder{t: t, leaves: clone(leaves[:3])}
	e := &ledger.Entry{V: ledger.Version, Author: "germany", Kind: ledger.KindAct, Effective: day(t, "1918-01-01"),
		Act: &ledger.Act{Act: ledger.Proclamation, Text: "forged"}}
	s, err := ledger.Sign(e, rom.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := ledger.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "wrong key", append(clone(b.leaves), forged), nil, v)

	// A second registration of germany under a new key, then an entry
	// signed with the new key: refused at the registration (SPEC §4.5);
	// and, the registration removed, refused at the entry (SPEC §4.2).
	ger2 := partyKey(t, "germany", 9)
	b.add(ger2, &ledger.Entry{Kind: ledger.KindParty, Effective: day(t, "1918-01-01"),
		Party: &ledger.Party{ID: "germany", Name: "Germany again", Role: ledger.RoleState, Key: ger2.PublicKey()}})
	b.add(ger2, &ledger.Entry{Kind: ledger.KindAct, Effective: day(t, "1918-01-02"),
		Act: &ledger.Act{Act: ledger.Proclamation, Text: "new key"}})
	checkSame(t, "re-registration", b.leaves, nil, v)
	checkSame(t, "unregistered key", append(clone(b.leaves[:3]), b.leaves[4]), nil, v)

	// A party registered and used in the same chunk, and an entry by an
	// author registered later in the log.
	late := partyKey(t, "latecomer", 7)
	b = &builder{t: t}
	b.add(late, &ledger.Entry{Kind: ledger.KindAct, Effective: day(t, "1918-01-02"), Act: &ledger.Act{Act: ledger.Proclamation, Text: "too early"}})
	checkSame(t, "author registered later", b.leaves, nil, v)

	// Flipped bytes (every fifth) in the proposal and in a signature.
	for _, i := range []int{3, 5} {
		for j := 0; j < len(leaves[i]); j += 5 {
			ls := clone(leaves)
			ls[i] = append([]byte(nil), ls[i]...)
			ls[i][j] ^= 0x01
			checkSame(t, fmt.Sprintf("flip leaf %d byte %d", i, j), ls, [][]byte{cp}, v)
			if t.Failed() {
				return
			}
		}
	}
}

func TestStreamProgressAndSourceError(t *testing.T) {
	_, vkey := logKey(t, origin, 42)
	v := mustVerifier(t, vkey)
	leaves := smallLedger(t)
	var seen []int64
	r, err := Stream(chunked(leaves, 3), nil, v, Options{Workers: 2, Progress: func(n int64) { seen = append(seen, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[3 6 7]" || r.Entries != 7 {
		t.Errorf("Progress calls = %v, Entries = %d; want [3 6 7], 7", seen, r.Entries)
	}
	boom := errors.New("disk on fire")
	calls := 0
	src := func() ([][]byte, error) {
		if calls++; calls == 1 {
			return leaves[:2], nil
		}
		return nil, boom
	}
	if _, err := Stream(src, nil, v, Options{}); !errors.Is(err, boom) {
		t.Errorf("Stream(failing source) error = %v; want %v", err, boom)
	}
	// A final chunk delivered together with io.EOF is verified.
	src2 := func() ([][]byte, error) { return leaves, io.EOF }
	if r, err := Stream(src2, nil, v, Options{}); err != nil || r.Entries != 7 {
		t.Errorf("Stream(leaves with io.EOF) = %v, %v; want 7 entries", r, err)
	}
}

// bigLedger is smallLedger followed by n acts of the three parties.
func bigLedger(t testing.TB, n int) [][]byte {
	b := &builder{t: t, leaves: smallLedger(t)[:3]}
	keys := []*ledger.KeyFile{partyKey(t, "germany", 1), partyKey(t, "romania", 2), partyKey(t, "observer", 3)}
	for i := range n {
		b.add(keys[i%3], &ledger.Entry{Kind: ledger.KindAct, Effective: day(t, "1918-01-01"),
			Act: &ledger.Act{Act: ledger.Proclamation, Text: fmt.Sprintf("proclamation %d", i)}})
	}
	return b.leaves
}

func BenchmarkStream(b *testing.B) {
	signer, vkey := logKey(b, origin, 42)
	v := mustVerifier(b, vkey)
	leaves := bigLedger(b, 2000)
	cps := [][]byte{signCheckpoint(b, signer, leaves)}
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				if _, err := Stream(Slice(leaves), cps, v, Options{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(leaves)), "ns/entry")
		})
	}
}

// TestApplySameAsCheck applies a ledger in two parts through Apply, the
// second on a checker holding the first, and compares every verdict with
// the one-by-one checker.
func TestApplySameAsCheck(t *testing.T) {
	leaves := smallLedger(t)
	mutated := clone(leaves)
	mutated[5] = append([]byte(nil), mutated[5]...)
	mutated[5][40] ^= 1
	for _, ls := range [][][]byte{leaves, mutated, append(clone(leaves), leaves[2])} {
		want := errString(reference(ls, nil, nil))
		for split := 0; split <= len(ls); split++ {
			c := ledger.NewChecker()
			recs, err := Apply(c, 0, ls[:split], 2)
			if err == nil {
				var more []ledger.Record
				more, err = Apply(c, int64(split), ls[split:], 3)
				recs = append(recs, more...)
			}
			if got := errString(err); got != want {
				t.Errorf("Apply split at %d = %s; want %s", split, got, want)
			}
			if c.Len() != int64(len(recs)) {
				t.Errorf("Apply split at %d: checker has %d entries, %d records returned", split, c.Len(), len(recs))
			}
		}
	}
}
