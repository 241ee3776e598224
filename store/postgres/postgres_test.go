package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	xtlog "golang.org/x/mod/sumdb/tlog"

	"concord/internal/pgtest"
	"concord/store/postgres"
	"concord/tlog"
)

const origin = "concord.test/postgres"

func openLog(t *testing.T, ctx context.Context, url, skey string) (*postgres.Store, *tlog.Log) {
	t.Helper()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	signer, err := tlog.NewLogSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, st, origin, signer)
	if err != nil {
		t.Fatal(err)
	}
	return st, l
}

func TestAppendReopenProofs(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	skey, vkey, err := tlog.GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	_, l := openLog(t, ctx, url, skey)
	var leaves [][]byte
	for i := range 40 {
		leaf := fmt.Appendf(nil, "leaf %d", i)
		leaves = append(leaves, leaf)
		if i%10 == 9 {
			if _, err := l.AppendBatch(ctx, leaves[len(leaves)-10:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := l.Append(ctx, leaves[3]); !errors.Is(err, tlog.ErrDuplicate) {
		t.Fatalf("Append(duplicate) = %v; want ErrDuplicate", err)
	}
	note, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A second store on the same database (a second server) sees the same log.
	_, l2 := openLog(t, ctx, url, skey)
	verifier, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tlog.VerifyCheckpoint(note, origin, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if want := tlog.RootOf(leaves); cp.Size != 40 || cp.Root != want {
		t.Fatalf("checkpoint = size %d root %v; want 40 %v", cp.Size, cp.Root, want)
	}
	for _, idx := range []int64{0, 7, 39} {
		proof, err := l2.ProveInclusion(ctx, idx, 40)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.VerifyInclusion(proof, 40, cp.Root, idx, tlog.LeafHash(leaves[idx])); err != nil {
			t.Errorf("inclusion of %d: %v", idx, err)
		}
	}
	proof, err := l2.ProveConsistency(ctx, 13, 40)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.VerifyConsistency(proof, 40, cp.Root, 13, tlog.RootOf(leaves[:13])); err != nil {
		t.Errorf("consistency 13→40: %v", err)
	}
	got, err := l2.ReadLeaves(ctx, 0, 40)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if string(got[i]) != string(leaves[i]) {
			t.Fatalf("leaf %d = %q; want %q", i, got[i], leaves[i])
		}
	}
}

// TestConcurrentServers appends through several stores on one database at
// once, as several concord serve processes would, and checks that the log
// has no fork, no gap and no duplicate.
func TestConcurrentServers(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	skey, _, err := tlog.GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	const servers, perServer = 4, 50
	logs := make([]*tlog.Log, servers)
	for i := range logs {
		_, logs[i] = openLog(t, ctx, url, skey)
	}
	var wg sync.WaitGroup
	errs := make(chan error, servers*perServer)
	for s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perServer {
				if _, err := logs[s].Append(ctx, fmt.Appendf(nil, "server %d entry %d", s, j)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("append: %v", err)
	}
	size, err := logs[0].Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if size != servers*perServer {
		t.Fatalf("size = %d; want %d", size, servers*perServer)
	}
	leaves, err := logs[1].ReadLeaves(ctx, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, l := range leaves {
		if seen[string(l)] {
			t.Errorf("duplicate leaf %q", l)
		}
		seen[string(l)] = true
	}
	// The stored tree agrees with the tree recomputed from the leaves.
	root, err := logs[2].Root(ctx, size)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([]xtlog.Hash, len(leaves))
	for i, l := range leaves {
		hashes[i] = xtlog.RecordHash(l)
	}
	if want := tlog.RootOf(leaves); root != want {
		t.Fatalf("stored root %v; recomputed %v", root, want)
	}
}
