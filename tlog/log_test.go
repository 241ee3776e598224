package tlog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// refMTH is RFC 6962 §2.1's MTH written from the RFC, independently of
// golang.org/x/mod/sumdb/tlog and of TreeBuilder.
func refMTH(leaves [][]byte) Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := refMTH(leaves[:k]), refMTH(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func testLeaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "leaf %d", i)
	}
	return out
}

const testOrigin = "concord.example/ledger/test"

func newTestLog(t testing.TB, origin string) (*Log, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateLogKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewLogSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewLogVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), newMemStore(), origin, s)
	if err != nil {
		t.Fatal(err)
	}
	return l, v
}

func TestEmptyRoot(t *testing.T) {
	if want := Hash(sha256.Sum256(nil)); EmptyRoot != want {
		t.Errorf("EmptyRoot = %v; want SHA-256(\"\") = %v", EmptyRoot, want)
	}
}

func TestRootOf(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	leaves := testLeaves(140)
	var b TreeBuilder
	for n := 0; n <= len(leaves); n++ {
		want := refMTH(leaves[:n])
		if got := RootOf(leaves[:n]); got != want {
			t.Fatalf("RootOf(%d leaves) = %v; want %v", n, got, want)
		}
		if got := b.Root(); got != want || b.Size() != int64(n) {
			t.Fatalf("TreeBuilder after %d leaves: root %v size %d; want %v", n, got, b.Size(), want)
		}
		if got, err := l.Root(ctx, int64(n)); err != nil || got != want {
			t.Fatalf("Log.Root(%d) = %v, %v; want %v", n, got, err, want)
		}
		if n < len(leaves) {
			b.Add(leaves[n])
			if _, err := l.Append(ctx, leaves[n]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestAppendBatchIndexes(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	leaves := testLeaves(300)
	next := int64(0)
	for _, k := range []int{1, 2, 3, 7, 64, 100, 1, 122} {
		first, err := l.AppendBatch(ctx, leaves[next:next+int64(k)])
		if err != nil || first != next {
			t.Fatalf("AppendBatch(%d leaves) = %d, %v; want %d", k, first, err, next)
		}
		next += int64(k)
	}
	if got, want := must(l.Root(ctx, next)), refMTH(leaves[:next]); got != want {
		t.Errorf("root after batches = %v; want %v", got, want)
	}
	got, err := l.ReadLeaves(ctx, 5, 9)
	if err != nil || len(got) != 4 || string(got[0]) != "leaf 5" || string(got[3]) != "leaf 8" {
		t.Errorf("ReadLeaves(5, 9) = %q, %v", got, err)
	}
	if i, err := l.LeafIndex(ctx, LeafHash(leaves[77])); err != nil || i != 77 {
		t.Errorf("LeafIndex(leaf 77) = %d, %v; want 77", i, err)
	}
	if _, err := l.ReadLeaves(ctx, 0, next+1); err == nil {
		t.Errorf("ReadLeaves beyond the end succeeded")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestProofs(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	const n = 45
	leaves := testLeaves(n)
	if _, err := l.AppendBatch(ctx, leaves); err != nil {
		t.Fatal(err)
	}
	roots := make([]Hash, n+1)
	for s := range roots {
		roots[s] = refMTH(leaves[:s])
	}
	for size := int64(1); size <= n; size++ {
		for i := range size {
			p, err := l.ProveInclusion(ctx, i, size)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", i, size, err)
			}
			if err := VerifyInclusion(p, size, roots[size], i, LeafHash(leaves[i])); err != nil {
				t.Fatalf("VerifyInclusion(%d, %d): %v", i, size, err)
			}
			if err := VerifyInclusion(p, size, roots[size], i, LeafHash([]byte("other"))); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("VerifyInclusion of a wrong leaf (%d, %d) = %v; want ErrInvalidProof", i, size, err)
			}
		}
	}
	for newSize := int64(0); newSize <= n; newSize++ {
		for old := int64(0); old <= newSize; old++ {
			p, err := l.ProveConsistency(ctx, old, newSize)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", old, newSize, err)
			}
			if err := VerifyConsistency(p, newSize, roots[newSize], old, roots[old]); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d): %v", old, newSize, err)
			}
			if old > 0 && old < newSize {
				if err := VerifyConsistency(p, newSize, roots[newSize], old, roots[old-1]); !errors.Is(err, ErrInvalidProof) {
					t.Fatalf("VerifyConsistency with a wrong old root (%d, %d) = %v; want ErrInvalidProof", old, newSize, err)
				}
			}
		}
	}
}

func TestTamperedProofs(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	leaves := testLeaves(37)
	if _, err := l.AppendBatch(ctx, leaves); err != nil {
		t.Fatal(err)
	}
	root := refMTH(leaves)
	lh := LeafHash(leaves[10])
	p := must(l.ProveInclusion(ctx, 10, 37))
	for i := range p {
		q := append([]Hash(nil), p...)
		q[i][0] ^= 1
		if err := VerifyInclusion(q, 37, root, 10, lh); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("inclusion proof with element %d flipped: %v; want ErrInvalidProof", i, err)
		}
	}
	for name, q := range map[string][]Hash{"truncated": p[:len(p)-1], "extended": append(append([]Hash(nil), p...), Hash{}), "empty": nil} {
		if err := VerifyInclusion(q, 37, root, 10, lh); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s inclusion proof: %v; want ErrInvalidProof", name, err)
		}
	}
	// The tree size is bound to the root by the checkpoint, not by the
	// proof: the same path can prove leaf 10 in trees of size 36 and 38
	// with other roots. A wrong index must fail.
	for _, c := range []struct{ index, size int64 }{{11, 37}, {9, 37}, {-1, 37}, {37, 37}, {10, 0}} {
		if err := VerifyInclusion(p, c.size, root, c.index, lh); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("VerifyInclusion(index %d, size %d) = %v; want ErrInvalidProof", c.index, c.size, err)
		}
	}
	old := refMTH(leaves[:13])
	cp := must(l.ProveConsistency(ctx, 13, 37))
	for i := range cp {
		q := append([]Hash(nil), cp...)
		q[i][31] ^= 0x80
		if err := VerifyConsistency(q, 37, root, 13, old); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("consistency proof with element %d flipped: %v; want ErrInvalidProof", i, err)
		}
	}
	for _, c := range []struct {
		old, new int64
		proof    []Hash
		oldRoot  Hash
	}{
		{0, 37, nil, Hash{}},              // empty tree must have root SHA-256("")
		{0, 37, cp, EmptyRoot},            // proof from 0 must be empty
		{37, 37, nil, old},                // equal sizes, different roots
		{37, 37, cp, root},                // equal sizes, non-empty proof
		{38, 37, nil, root},               // old larger than new
		{13, 37, cp[:1], old},             // truncated
		{12, 37, cp, refMTH(leaves[:12])}, // proof for another size
	} {
		if err := VerifyConsistency(c.proof, c.new, root, c.old, c.oldRoot); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("VerifyConsistency(old %d, new %d, %d hashes) = %v; want ErrInvalidProof", c.old, c.new, len(c.proof), err)
		}
	}
}

func TestAppendErrors(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	if _, err := l.AppendBatch(ctx, testLeaves(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, []byte("leaf 1")); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Append(duplicate) = %v; want ErrDuplicate", err)
	}
	if _, err := l.AppendBatch(ctx, [][]byte{[]byte("new"), []byte("new")}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("AppendBatch(duplicate within batch) = %v; want ErrDuplicate", err)
	}
	for _, leaf := range [][]byte{nil, make([]byte, MaxLeafSize+1)} {
		if _, err := l.Append(ctx, leaf); err == nil {
			t.Errorf("Append(%d-byte leaf) succeeded", len(leaf))
		}
	}
	if _, err := l.AppendBatch(ctx, nil); err == nil {
		t.Errorf("AppendBatch(nil) succeeded")
	}
	if n := must(l.Size(ctx)); n != 3 {
		t.Errorf("size after refused appends = %d; want 3", n)
	}
	ro, err := Open(ctx, l.store, testOrigin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Append(ctx, []byte("x")); err == nil {
		t.Errorf("Append on a read-only log succeeded")
	}
	if _, err := ro.Checkpoint(ctx); err == nil {
		t.Errorf("Checkpoint on a read-only log succeeded")
	}
}

// racingStore appends a leaf of another writer before each of the first
// `races` appends, so that the append conflicts.
type racingStore struct {
	*memStore
	races int
	n     int
}

func (r *racingStore) Append(ctx context.Context, first int64, leaves [][]byte, hashes []StoredHash) error {
	if r.races > 0 {
		r.races--
		other := newTestLogOn(r.memStore)
		r.n++
		if _, err := other.Append(ctx, fmt.Appendf(nil, "other writer %d", r.n)); err != nil {
			return err
		}
	}
	return r.memStore.Append(ctx, first, leaves, hashes)
}

func newTestLogOn(s Store) *Log {
	skey, _, _ := GenerateLogKey(testOrigin)
	l, err := Open(context.Background(), s, testOrigin, must(NewLogSigner(skey)))
	if err != nil {
		panic(err)
	}
	return l
}

func TestAppendConflictRetry(t *testing.T) {
	ctx := context.Background()
	rs := &racingStore{memStore: newMemStore(), races: 3}
	l := newTestLogOn(rs)
	i, err := l.Append(ctx, []byte("mine"))
	if err != nil || i != 3 {
		t.Fatalf("Append after 3 conflicts = %d, %v; want 3", i, err)
	}
	leaves, _ := l.ReadLeaves(ctx, 0, 4)
	if got, want := must(l.Root(ctx, 4)), refMTH(leaves); got != want {
		t.Errorf("root after conflicts = %v; want %v", got, want)
	}
	rs.races = maxAttempts
	if _, err := l.Append(ctx, []byte("mine again")); !errors.Is(err, ErrConflict) {
		t.Errorf("Append after %d conflicts = %v; want ErrConflict", maxAttempts, err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	idx := make([][]int64, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				j, err := l.Append(ctx, fmt.Appendf(nil, "w%d-%d", w, i))
				if err != nil {
					t.Error(err)
					return
				}
				idx[w] = append(idx[w], j)
			}
		}()
	}
	wg.Wait()
	seen := make([]bool, workers*each)
	for _, is := range idx {
		for _, i := range is {
			if i < 0 || i >= int64(len(seen)) || seen[i] {
				t.Fatalf("index %d duplicated or out of range", i)
			}
			seen[i] = true
		}
	}
	leaves := must(l.ReadLeaves(ctx, 0, workers*each))
	if got, want := must(l.Root(ctx, workers*each)), refMTH(leaves); got != want {
		t.Errorf("root = %v; want %v", got, want)
	}
}

func TestOpenChecks(t *testing.T) {
	ctx := context.Background()
	skey, _, _ := GenerateLogKey("concord.example/ledger/other")
	s := must(NewLogSigner(skey))
	if _, err := Open(ctx, newMemStore(), testOrigin, s); err == nil {
		t.Errorf("Open with a key named for another origin succeeded")
	}
	ms := newMemStore()
	if _, err := Open(ctx, ms, "concord.example/ledger/other", s); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, ms, testOrigin, nil); !errors.Is(err, ErrWrongOrigin) {
		t.Errorf("Open of a store bound to another origin = %v; want ErrWrongOrigin", err)
	}
	for _, o := range []string{"", "a b", "a+b", string(make([]byte, 256))} {
		if _, err := Open(ctx, newMemStore(), o, nil); err == nil {
			t.Errorf("Open(origin %q) succeeded", o)
		}
	}
}

func TestOpenDetectsCorruptTree(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLog(t, testOrigin)
	if _, err := l.AppendBatch(ctx, testLeaves(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	ms := l.store.(*memStore)
	for i, h := range ms.hashes {
		h[0] ^= 1
		ms.hashes[i] = h
	}
	if _, err := Open(ctx, ms, testOrigin, nil); err == nil {
		t.Errorf("Open of a store whose hashes disagree with its checkpoint succeeded")
	}
	ms.leaves = ms.leaves[:3] // restored from an older copy, but not its checkpoints
	if _, err := Open(ctx, ms, testOrigin, nil); err == nil || !strings.Contains(err.Error(), "older copy") {
		t.Errorf("Open of a store with fewer leaves than its checkpoint = %v; want an error", err)
	}
}

func BenchmarkAppendMem(b *testing.B) {
	ctx := context.Background()
	l, _ := newTestLog(b, testOrigin)
	leaf := make([]byte, 200)
	for i := 0; b.Loop(); i++ {
		copy(leaf, fmt.Sprint(i))
		if _, err := l.Append(ctx, leaf); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendAt(t *testing.T) {
	ctx := context.Background()
	rs := &racingStore{memStore: newMemStore()}
	l := newTestLogOn(rs)
	if err := l.AppendAt(ctx, 0, []byte("first")); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{0, 2, -1} {
		if err := l.AppendAt(ctx, at, []byte("x")); !errors.Is(err, ErrConflict) {
			t.Errorf("AppendAt(%d) on a log of size 1 = %v; want ErrConflict", at, err)
		}
	}
	// Another writer appends between the size check and the store's
	// append: the conditional append must refuse, not retry.
	rs.races = 1
	if err := l.AppendBatchAt(ctx, 1, [][]byte{[]byte("a"), []byte("b")}); !errors.Is(err, ErrConflict) {
		t.Errorf("AppendBatchAt after a concurrent append = %v; want ErrConflict", err)
	}
	if n := must(l.Size(ctx)); n != 2 {
		t.Errorf("size = %d; want 2 (first, other writer's)", n)
	}
	if err := l.AppendBatchAt(ctx, 2, [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatal(err)
	}
	leaves := must(l.ReadLeaves(ctx, 0, 4))
	if got, want := must(l.Root(ctx, 4)), refMTH(leaves); got != want || string(leaves[3]) != "b" {
		t.Errorf("after AppendBatchAt: root %v, leaves %q; want %v", got, leaves, want)
	}
}
