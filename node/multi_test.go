package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"concord/internal/pgtest"
	"concord/ledger"
	"concord/tlog"
	"concord/verify"
)

// writerLeaves returns a function that makes writer w's entries one at a
// time: its party registration, then rounds of a territory it holds, a
// proclamation, a two-party proposal with the shared "base" party, its
// signature, and a recognition of the proclamation. Entries that refer to
// earlier ones are made after those are acknowledged, so each is valid
// whatever other writers append meanwhile.
func writerLeaves(t testing.TB, w int) func(i int) []byte {
	k := key(t, ledger.PartyID(fmt.Sprintf("writer-%d", w)), byte(100+w))
	var act, prop ledger.Hash
	d := date(t, "1918-03-03")
	return func(i int) []byte {
		if i == 0 {
			return partyLeaf(t, k, "1917-11-07")
		}
		var l []byte
		switch i % 5 {
		case 1:
			l = leaf(t, k, &ledger.Entry{Kind: ledger.KindTerritory, Effective: d,
				Territory: &ledger.Territory{ID: fmt.Sprintf("t-%d-%d", w, i), Name: "Zone", Holder: k.ID}})
		case 2:
			l = leaf(t, k, &ledger.Entry{Kind: ledger.KindAct, Effective: d,
				Act: &ledger.Act{Act: ledger.Proclamation, Text: fmt.Sprintf("proclamation %d of writer %d", i, w)}})
			act = ledger.LeafHash(l)
		case 3:
			l = leaf(t, k, &ledger.Entry{Kind: ledger.KindProposal, Effective: d,
				Proposal: &ledger.Proposal{Instrument: ledger.ModusVivendi, Title: fmt.Sprintf("Accord %d-%d", w, i),
					Parties: []ledger.PartyID{"base", k.ID}}})
			prop = ledger.LeafHash(l)
		case 4:
			l = signatureLeaf(t, k, prop)
		case 0:
			l = leaf(t, k, &ledger.Entry{Kind: ledger.KindRecognition, Effective: d, Refs: []ledger.Hash{act},
				Recognition: &ledger.Recognition{Subject: act, Recognise: true}})
		}
		return l
	}
}

// appendThroughAll appends perWriter entries through each of the nodes at
// once, one goroutine per node, and checks that the ledger read back
// through a fresh node has every acknowledged entry exactly once at its
// acknowledged index, no gap, and verifies offline.
func appendThroughAll(t *testing.T, nodes []*Node, reopen func() *Node, perWriter int) {
	ctx := context.Background()
	base := key(t, "base", 99)
	mustAppend(t, nodes[0], partyLeaf(t, base, "1917-11-07"))
	acked := make([][]ledger.Record, len(nodes))
	var wg sync.WaitGroup
	for w, n := range nodes {
		wg.Go(func() {
			next := writerLeaves(t, w)
			for i := range perWriter {
				r, err := n.Append(ctx, next(i))
				if err != nil {
					t.Errorf("writer %d, entry %d: Append: %v", w, i, err)
					return
				}
				acked[w] = append(acked[w], r)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	m := reopen()
	defer m.Close()
	want := int64(1 + len(nodes)*perWriter)
	if got := m.Size(); got != want {
		t.Fatalf("reopened ledger has %d entries; want %d", got, want)
	}
	leaves, err := m.Leaves(ctx, 0, want)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[ledger.Hash]int64{}
	for i, l := range leaves {
		h := ledger.LeafHash(l)
		if j, dup := seen[h]; dup {
			t.Errorf("entries %d and %d are the same leaf", j, i)
		}
		seen[h] = int64(i)
	}
	for w, recs := range acked {
		for _, r := range recs {
			if i, ok := seen[r.Hash]; !ok || i != r.Index {
				t.Errorf("writer %d: entry acknowledged at %d is at %d (present %v)", w, r.Index, i, ok)
			}
		}
	}
	cp, err := m.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.Ledger(leaves, [][]byte{cp}, m.Verifier()); err != nil {
		t.Errorf("verify.Ledger: %v", err)
	}
}

// TestSeveralNodesPostgres appends through four nodes on one PostgreSQL
// database at once (SPEC §17.8): no fork, no gap, no duplicate.
func TestSeveralNodesPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	keyFile := filepath.Join(t.TempDir(), "log.key")
	n, err := CreateWith(ctx, url, "concord.example/multi", Options{LogKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []*Node{n}
	for range 3 {
		m, err := OpenWith(ctx, url, Options{LogKey: keyFile})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, m)
	}
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	perWriter := 50
	if testing.Short() {
		perWriter = 10
	}
	appendThroughAll(t, nodes, func() *Node {
		m, err := OpenWith(ctx, url, Options{LogKey: keyFile})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}, perWriter)
}

// TestSeveralNodesSQLite appends through two nodes on one SQLite file at
// once: without a writer lock, conflicts are caught and retried.
func TestSeveralNodesSQLite(t *testing.T) {
	ctx := context.Background()
	_, path := create(t)
	var nodes []*Node
	for range 2 {
		m, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		nodes = append(nodes, m)
	}
	appendThroughAll(t, nodes, func() *Node {
		m, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}, 25)
}

func TestPostgresCreateOpen(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "log.key")
	if _, err := OpenWith(ctx, url, Options{LogKey: keyFile}); !errors.Is(err, ErrNoLedger) {
		t.Errorf("OpenWith(empty database) error = %v; want ErrNoLedger", err)
	}
	if _, err := CreateWith(ctx, url, "concord.example/pg", Options{}); err == nil {
		t.Errorf("CreateWith(no key file) succeeded; want an error")
	}
	n, err := CreateWith(ctx, url, "concord.example/pg", Options{LogKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	if _, err := CreateWith(ctx, url, "concord.example/pg", Options{LogKey: filepath.Join(dir, "other.key")}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateWith(second time) error = %v; want ErrExists", err)
	}
	// A key of another ledger is refused.
	other := filepath.Join(dir, "other2.key")
	m, err := CreateWith(ctx, pgtest.NewDatabase(t), "concord.example/pg", Options{LogKey: other})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := OpenWith(ctx, url, Options{LogKey: other}); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("OpenWith(another ledger's key) error = %v; want ErrKeyMismatch", err)
	}
	// Without a key: read-only.
	t.Setenv(LogKeyEnv, "")
	ro, err := OpenWith(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Append(ctx, partyLeaf(t, key(t, "x", 1), "1917-11-07")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only Append error = %v; want ErrReadOnly", err)
	}
	if cp, err := ro.LatestCheckpoint(ctx); err != nil {
		t.Errorf("read-only LatestCheckpoint: %v", err)
	} else if _, err := tlog.VerifyCheckpoint(cp, ro.Origin(), ro.Verifier()); err != nil {
		t.Errorf("stored checkpoint: %v", err)
	}
}

func TestAppendBatch(t *testing.T) {
	ctx := context.Background()
	n, path := create(t)
	ger, rom := key(t, "germany", 1), key(t, "romania", 2)
	prop := proposalLeaf(t, ger, "germany", "romania")
	batch := [][]byte{partyLeaf(t, ger, "1917-11-07"), partyLeaf(t, rom, "1917-11-07"), prop,
		signatureLeaf(t, ger, ledger.LeafHash(prop))}
	// A refused entry: nothing of the batch is stored, and the rules'
	// state is as before.
	bad := append(append([][]byte(nil), batch...), signatureLeaf(t, rom, ledger.Hash{1}))
	var be *BatchError
	if _, err := n.AppendBatch(ctx, bad); !errors.As(err, &be) || be.Index != 4 {
		t.Fatalf("AppendBatch(refused last entry) error = %v; want a *BatchError at 4", err)
	}
	if got := len(storedLeaves(t, n)); got != 0 || n.Size() != 0 {
		t.Fatalf("after a refused batch: %d stored, Size %d; want 0, 0", got, n.Size())
	}
	recs, err := n.AppendBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[3].Index != 3 {
		t.Fatalf("AppendBatch = %d records, last at %v; want 4, last at 3", len(recs), recs)
	}
	// The same batch again: refused at its first entry (SPEC §4.3).
	if _, err := n.AppendBatch(ctx, batch); !errors.As(err, &be) || be.Index != 0 {
		t.Errorf("AppendBatch(again) error = %v; want a *BatchError at 0", err)
	}
	mustAppend(t, n, signatureLeaf(t, rom, ledger.LeafHash(prop)))
	n.Close()
	m, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Size() != 5 {
		t.Errorf("reopened Size() = %d; want 5", m.Size())
	}
}

// TestSizeAndLookupSeeOtherNodes: a node shows entries appended through
// another node on the same store once SyncInterval has passed.
func TestSizeAndLookupSeeOtherNodes(t *testing.T) {
	ctx := context.Background()
	a, path := create(t)
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := mustAppend(t, a, partyLeaf(t, key(t, "germany", 1), "1917-11-07"))
	time.Sleep(SyncInterval + 10*time.Millisecond)
	if got := b.Size(); got != 1 {
		t.Errorf("other node's Size() = %d; want 1", got)
	}
	r2 := mustAppend(t, a, partyLeaf(t, key(t, "romania", 2), "1917-11-07"))
	time.Sleep(SyncInterval + 10*time.Millisecond)
	if got, ok := b.Lookup(r2.Hash); !ok || got.Index != 1 {
		t.Errorf("other node's Lookup(entry 1) = %v, %v; want index 1", got, ok)
	}
	if got, ok := b.Lookup(r.Hash); !ok || got.Index != 0 {
		t.Errorf("other node's Lookup(entry 0) = %v, %v; want index 0", got, ok)
	}
}
