package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	sumdb "golang.org/x/mod/sumdb/tlog"

	"concord/tlog"
)

const origin = "concord.example/ledger/test"

type fixture struct {
	ctx        context.Context
	skey, vkey string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	skey, vkey, err := tlog.GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: context.Background(), skey: skey, vkey: vkey}
}

// open opens the store at path and the log on it.
func (f *fixture) open(t testing.TB, path string) (*Store, *tlog.Log) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	signer, err := tlog.NewLogSigner(f.skey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(f.ctx, s, origin, signer)
	if err != nil {
		t.Fatal(err)
	}
	return s, l
}

func leaves(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "%s %d", prefix, i)
	}
	return out
}

// independentRoots computes the root of every prefix of leaves with
// golang.org/x/mod/sumdb/tlog alone, on hashes kept in memory.
func independentRoots(t testing.TB, ls [][]byte) []tlog.Hash {
	var hashes []sumdb.Hash
	r := sumdb.HashReaderFunc(func(idx []int64) ([]sumdb.Hash, error) {
		out := make([]sumdb.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	roots := []tlog.Hash{tlog.EmptyRoot}
	for i, l := range ls {
		hs, err := sumdb.StoredHashes(int64(i), l, r)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
		root, err := sumdb.TreeHash(int64(i+1), r)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, root)
	}
	return roots
}

func TestAppendReopen(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, l := f.open(t, path)
	ls := leaves("entry", 150)
	for i := range 10 {
		if j, err := l.Append(f.ctx, ls[i]); err != nil || j != int64(i) {
			t.Fatalf("Append(%q) = %d, %v; want %d", ls[i], j, err, i)
		}
	}
	for _, b := range [][2]int{{10, 11}, {11, 111}, {111, 150}} {
		if first, err := l.AppendBatch(f.ctx, ls[b[0]:b[1]]); err != nil || first != int64(b[0]) {
			t.Fatalf("AppendBatch(%d..%d) = %d, %v", b[0], b[1], first, err)
		}
	}
	cp, err := l.Checkpoint(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, err := OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if o, err := s2.Origin(f.ctx); err != nil || o != origin {
		t.Errorf("Origin() = %q, %v; want %q", o, err, origin)
	}
	l2, err := tlog.Open(f.ctx, s2, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := independentRoots(t, ls)
	for _, n := range []int64{0, 1, 2, 3, 64, 100, 149, 150} {
		if got, err := l2.Root(f.ctx, n); err != nil || got != roots[n] {
			t.Errorf("Root(%d) after reopening = %v, %v; want %v", n, got, err, roots[n])
		}
	}
	if got := tlog.RootOf(ls); got != roots[150] {
		t.Errorf("RootOf(150 leaves) = %v; want %v", got, roots[150])
	}
	got, err := l2.ReadLeaves(f.ctx, 0, 150)
	if err != nil || len(got) != 150 || string(got[149]) != "entry 149" {
		t.Errorf("ReadLeaves(0, 150): %d leaves, %v", len(got), err)
	}
	v, _ := tlog.NewLogVerifier(f.vkey)
	latest, err := l2.LatestCheckpoint(f.ctx)
	if err != nil || string(latest) != string(cp) {
		t.Errorf("LatestCheckpoint after reopening = %q, %v; want %q", latest, err, cp)
	}
	if c, err := tlog.VerifyCheckpoint(latest, origin, v); err != nil || c.Size != 150 || c.Root != roots[150] {
		t.Errorf("VerifyCheckpoint = %+v, %v; want size 150 root %v", c, err, roots[150])
	}
	if i, err := l2.LeafIndex(f.ctx, tlog.LeafHash(ls[42])); err != nil || i != 42 {
		t.Errorf("LeafIndex(leaf 42) = %d, %v", i, err)
	}
	if _, err := l2.LeafIndex(f.ctx, tlog.LeafHash([]byte("absent"))); !errors.Is(err, tlog.ErrNotFound) {
		t.Errorf("LeafIndex(absent) = %v; want ErrNotFound", err)
	}
}

func TestProofsOnFile(t *testing.T) {
	f := newFixture(t)
	_, l := f.open(t, filepath.Join(t.TempDir(), "ledger.db"))
	ls := leaves("p", 70)
	if _, err := l.AppendBatch(f.ctx, ls); err != nil {
		t.Fatal(err)
	}
	roots := independentRoots(t, ls)
	for size := int64(1); size <= 70; size += 3 {
		for i := int64(0); i < size; i += 2 {
			p, err := l.ProveInclusion(f.ctx, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyInclusion(p, size, roots[size], i, tlog.LeafHash(ls[i])); err != nil {
				t.Errorf("VerifyInclusion(%d in %d): %v", i, size, err)
			}
			if len(p) > 0 {
				p[len(p)-1][5] ^= 4
				if err := tlog.VerifyInclusion(p, size, roots[size], i, tlog.LeafHash(ls[i])); !errors.Is(err, tlog.ErrInvalidProof) {
					t.Errorf("VerifyInclusion(tampered, %d in %d) = %v; want ErrInvalidProof", i, size, err)
				}
			}
		}
		for old := int64(0); old <= size; old += 5 {
			p, err := l.ProveConsistency(f.ctx, old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyConsistency(p, size, roots[size], old, roots[old]); err != nil {
				t.Errorf("VerifyConsistency(%d to %d): %v", old, size, err)
			}
		}
	}
	if _, err := l.ProveInclusion(f.ctx, 3, 71); err == nil {
		t.Errorf("ProveInclusion beyond the log's size succeeded")
	}
}

func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := func(b byte) []tlog.StoredHash {
		return []tlog.StoredHash{{Index: int64(b), Hash: tlog.Hash{b}}}
	}
	if err := s.Append(ctx, 0, [][]byte{[]byte("a")}, h(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, 0, [][]byte{[]byte("b")}, h(1)); !errors.Is(err, tlog.ErrConflict) {
		t.Errorf("Append at an existing index = %v; want ErrConflict", err)
	}
	if err := s.Append(ctx, 2, [][]byte{[]byte("b")}, h(1)); !errors.Is(err, tlog.ErrConflict) {
		t.Errorf("Append leaving a gap = %v; want ErrConflict", err)
	}
	if err := s.Append(ctx, 1, [][]byte{[]byte("b"), []byte("a")}, h(1)); !errors.Is(err, tlog.ErrDuplicate) {
		t.Errorf("Append of a duplicate leaf = %v; want ErrDuplicate", err)
	}
	if n, _ := s.Size(ctx); n != 1 {
		t.Errorf("Size after refused appends = %d; want 1", n)
	}
	if _, err := s.ReadHashes(ctx, []int64{1}); !errors.Is(err, tlog.ErrNotFound) {
		t.Errorf("hash of a refused batch: ReadHashes = %v; want ErrNotFound", err)
	}
	if err := s.Append(ctx, 1, [][]byte{[]byte("b")}, h(0)); err == nil || !strings.Contains(err.Error(), "INSERT INTO hashes") {
		t.Errorf("Append overwriting a stored hash = %v; want an error naming the statement", err)
	}
	if _, err := s.ReadLeaves(ctx, 0, 2); !errors.Is(err, tlog.ErrNotFound) {
		t.Errorf("ReadLeaves past the end = %v; want ErrNotFound", err)
	}
	if _, _, err := s.Checkpoint(ctx); !errors.Is(err, tlog.ErrNotFound) {
		t.Errorf("Checkpoint of a new store = %v; want ErrNotFound", err)
	}
	if err := s.AddCosignature(ctx, 7, "w", []byte("— w x\n")); !errors.Is(err, tlog.ErrNotFound) {
		t.Errorf("AddCosignature without a checkpoint = %v; want ErrNotFound", err)
	}
	for _, c := range []struct {
		size int64
		note string
	}{{1, "one"}, {1, "other"}, {3, "three"}, {2, "two"}} {
		if err := s.PutCheckpoint(ctx, c.size, []byte(c.note)); err != nil {
			t.Fatal(err)
		}
	}
	if n, note, err := s.Checkpoint(ctx); n != 3 || string(note) != "three" || err != nil {
		t.Errorf("Checkpoint() = %d %q %v; want 3 three", n, note, err)
	}
	if note, err := s.CheckpointAt(ctx, 1); string(note) != "one" || err != nil {
		t.Errorf("CheckpointAt(1) = %q %v; want the first one stored", note, err)
	}
	for _, c := range [][2]string{{"w2", "old"}, {"w1", "x"}, {"w2", "new"}} {
		if err := s.AddCosignature(ctx, 3, c[0], []byte(c[1])); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Cosignatures(ctx, 3); err != nil || len(got) != 2 || string(got[0]) != "x" || string(got[1]) != "new" {
		t.Errorf("Cosignatures(3) = %q, %v; want [x new]", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	_, err := OpenExisting(missing)
	want := "no ledger at " + missing + "; create one with: concord init --ledger " + missing
	if err == nil || err.Error() != want {
		t.Errorf("OpenExisting(missing) = %v; want %q", err, want)
	}
	if _, err := Open(filepath.Join(dir, "a?b.db")); err == nil {
		t.Errorf("Open(path with '?') succeeded")
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(garbage); err == nil || !strings.Contains(err.Error(), garbage) {
		t.Errorf("Open(not a database) = %v; want an error naming the file", err)
	}
	if _, err := Open(filepath.Join(dir, "no-such-dir", "x.db")); err == nil {
		t.Errorf("Open(in a missing directory) succeeded")
	}
	path := filepath.Join(dir, "ledger.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.BindOrigin(ctx, origin); err != nil {
		t.Fatal(err)
	}
	if err := s.BindOrigin(ctx, "concord.example/ledger/other"); !errors.Is(err, tlog.ErrWrongOrigin) {
		t.Errorf("BindOrigin(other) = %v; want ErrWrongOrigin", err)
	}
	if _, err := s.db.Exec(`UPDATE meta SET value = '2' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchemaVersion) {
		t.Errorf("Open(schema version 2) = %v; want ErrSchemaVersion", err)
	}
}

func TestPragmas(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.want)
		}
	}
}

// TestConcurrentWriters appends from goroutines on one Log and from a second
// Store handle on the same file (as a second process would), and checks that
// the log has no gap and no duplicate.
func TestConcurrentWriters(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	_, l1 := f.open(t, path)
	_, l2 := f.open(t, path)
	const workers, each = 4, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int64]string{}
	for w := range workers {
		l := l1
		if w%2 == 1 {
			l = l2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				leaf := fmt.Sprintf("w%d-%d", w, i)
				j, err := l.Append(f.ctx, []byte(leaf))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := got[j]; dup {
					t.Errorf("index %d given to %q and %q", j, prev, leaf)
				}
				got[j] = leaf
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n, err := l1.Size(f.ctx)
	if err != nil || n != workers*each {
		t.Fatalf("Size = %d, %v; want %d", n, err, workers*each)
	}
	ls, err := l1.ReadLeaves(f.ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, leaf := range ls {
		if got[int64(i)] != string(leaf) {
			t.Errorf("leaf %d = %q; the append returned it for %q", i, leaf, got[int64(i)])
		}
	}
	if root, want := must(l2.Root(f.ctx, n)), tlog.RootOf(ls); root != want {
		t.Errorf("root = %v; want %v", root, want)
	}
	// The conditional append refuses once the other handle has appended.
	if err := l2.AppendAt(f.ctx, n, []byte("by l2")); err != nil {
		t.Fatal(err)
	}
	if err := l1.AppendAt(f.ctx, n, []byte("by l1")); !errors.Is(err, tlog.ErrConflict) {
		t.Errorf("AppendAt(%d) after another handle appended there = %v; want ErrConflict", n, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
