package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"concord/node"
)

var errBad = errors.New("bad ballot")

// fakeLog is a castFunc: an in-memory log that refuses, all or nothing,
// a batch holding a leaf starting with "bad" (naming the first) or a leaf
// already in it, and can be held to test that answers wait for commits.
type fakeLog struct {
	mu      sync.Mutex
	leaves  [][]byte
	batches []int
	calls   int
	hold    chan struct{} // if set, each call waits for a receive
}

func (f *fakeLog) cast(ctx context.Context, leaves [][]byte) ([]node.Receipt, error) {
	if f.hold != nil {
		<-f.hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	for i, l := range leaves {
		if bytes.HasPrefix(l, []byte("bad")) {
			return nil, &node.CastError{Position: i, Err: fmt.Errorf("%w: %w", node.ErrBallotRefused, errBad)}
		}
	}
	rs := make([]node.Receipt, len(leaves))
	for i, l := range leaves {
		rs[i] = node.Receipt{Index: int64(len(f.leaves)), TrackingCode: sha256.Sum256(l)}
		f.leaves = append(f.leaves, l)
	}
	f.batches = append(f.batches, len(leaves))
	return rs, nil
}

// TestBatcherGroupCommit submits ballots from many goroutines, a tenth of
// them bad: every good one is committed exactly once and answered with its
// own index, every bad one is answered with its refusal, and the commits
// are far fewer than the ballots.
func TestBatcherGroupCommit(t *testing.T) {
	const n = 2000
	f := &fakeLog{}
	b := newBatcher(f.cast, BatchOptions{MaxBatch: 64, MaxWait: time.Millisecond, MaxQueue: n})
	defer b.close()
	var wg sync.WaitGroup
	var good, bad atomic.Int64
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			leaf := fmt.Appendf(nil, "ballot %d", i)
			if i%10 == 3 {
				leaf = fmt.Appendf(nil, "bad %d", i)
			}
			r, err := b.submit(context.Background(), leaf)
			switch {
			case i%10 == 3 && !errors.Is(err, errBad):
				errs <- fmt.Errorf("submit(%q) = %v; want the refusal", leaf, err)
			case i%10 == 3:
				bad.Add(1)
			case err != nil:
				errs <- fmt.Errorf("submit(%q) = %v", leaf, err)
			default:
				f.mu.Lock()
				at := f.leaves[r.Index]
				f.mu.Unlock()
				if !bytes.Equal(at, leaf) || r.TrackingCode != sha256.Sum256(leaf) {
					errs <- fmt.Errorf("submit(%q) = index %d holding %q", leaf, r.Index, at)
				}
				good.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if good.Load() != n-n/10 || bad.Load() != n/10 || len(f.leaves) != n-n/10 {
		t.Fatalf("%d accepted, %d refused, %d in the log; want %d, %d, %d", good.Load(), bad.Load(), len(f.leaves), n-n/10, n/10, n-n/10)
	}
	seen := map[string]bool{}
	for _, l := range f.leaves {
		if seen[string(l)] {
			t.Fatalf("leaf %q appended twice", l)
		}
		seen[string(l)] = true
	}
	commits, ballots, refused, largest := b.stats.snapshot()
	if ballots != int64(len(f.leaves)) || refused != n/10 || commits >= n/4 || largest > 64 {
		t.Errorf("stats: %d commits, %d ballots, %d refused, largest batch %d; want fewer than %d commits of at most 64, %d ballots, %d refused",
			commits, ballots, refused, largest, n/4, len(f.leaves), n/10)
	}
	t.Logf("%d commits for %d ballots (largest %d), %d casts in all", commits, ballots, largest, f.calls)
}

// TestBatcherAnswersAfterCommit checks that no answer comes before the
// transaction holding the ballot commits.
func TestBatcherAnswersAfterCommit(t *testing.T) {
	f := &fakeLog{hold: make(chan struct{})}
	b := newBatcher(f.cast, BatchOptions{MaxWait: -1})
	defer b.close()
	done := make(chan error, 1)
	go func() {
		_, err := b.submit(context.Background(), []byte("ballot"))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("submit returned %v before the commit", err)
	case <-time.After(20 * time.Millisecond):
	}
	f.hold <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("submit() = %v after the commit", err)
	}
}

// TestBatcherPushback fills the queue while a commit is held: the next
// ballot gets ErrPushback at once; closing casts the queued ones, and
// refuses later ones.
func TestBatcherPushback(t *testing.T) {
	entered, hold := make(chan struct{}, 8), make(chan struct{})
	f := &fakeLog{}
	cast := func(ctx context.Context, leaves [][]byte) ([]node.Receipt, error) {
		entered <- struct{}{}
		<-hold
		return f.cast(ctx, leaves)
	}
	b := newBatcher(cast, BatchOptions{MaxBatch: 1, MaxQueue: 2, MaxWait: -1, Pipeline: 1})
	results := make(chan error, 3)
	submit := func(i int) {
		_, err := b.submit(context.Background(), fmt.Appendf(nil, "ballot %d", i))
		results <- err
	}
	go submit(0)
	<-entered // ballot 0 is being cast
	go submit(1)
	go submit(2)
	deadline := time.Now().Add(5 * time.Second)
	for len(b.queue) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := b.submit(context.Background(), []byte("one too many")); !errors.Is(err, ErrPushback) {
		t.Fatalf("submit(queue full) = %v; want ErrPushback", err)
	}
	close(hold)
	b.close()
	for range 3 {
		if err := <-results; err != nil {
			t.Errorf("submit() = %v; want the queued ballots cast", err)
		}
	}
	if len(f.leaves) != 3 {
		t.Errorf("%d ballots in the log; want 3", len(f.leaves))
	}
	if _, err := b.submit(context.Background(), []byte("late")); !errors.Is(err, errBatcherClosed) {
		t.Errorf("submit(after close) = %v; want errBatcherClosed", err)
	}
}

// TestBatcherWholeBatchError: an error of the whole batch (the poll not
// open) reaches every ballot of it; a cancelled client is dropped.
func TestBatcherWholeBatchError(t *testing.T) {
	b := newBatcher(func(ctx context.Context, leaves [][]byte) ([]node.Receipt, error) {
		return nil, node.ErrPollNotOpen
	}, BatchOptions{})
	defer b.close()
	if _, err := b.submit(context.Background(), []byte("x")); !errors.Is(err, node.ErrPollNotOpen) {
		t.Errorf("submit() = %v; want ErrPollNotOpen", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.submit(ctx, []byte("y")); !errors.Is(err, context.Canceled) {
		t.Errorf("submit(cancelled) = %v; want context.Canceled", err)
	}
}

// BenchmarkBatcher measures the batcher's own overhead per ballot, with
// 50 concurrent submitters and an instant log.
func BenchmarkBatcher(b *testing.B) {
	f := &fakeLog{}
	bt := newBatcher(f.cast, BatchOptions{MaxWait: -1})
	defer bt.close()
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		leaf := []byte("ballot")
		for pb.Next() {
			if _, err := bt.submit(context.Background(), leaf); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
