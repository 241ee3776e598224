package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"concord/node"
)

// BatchOptions configures the group commit of ballots (SPEC §18.10).
type BatchOptions struct {
	// MaxBatch is the most ballots appended in one transaction (default
	// 256).
	MaxBatch int
	// MaxWait is how long the first ballot of a batch waits for others
	// to join it (default 2 ms; negative: no wait, a batch is whatever is
	// queued when the previous commit ends).
	MaxWait time.Duration
	// MaxQueue is how many ballots may wait for a batch; beyond it Cast
	// fails with ErrPushback (default 1024).
	MaxQueue int
	// Pipeline is how many batches may be cast at once (default 2): while
	// one commits, the next can be verified, if the poll allows it.
	Pipeline int
}

func (o BatchOptions) withDefaults() BatchOptions {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.MaxWait == 0 {
		o.MaxWait = 2 * time.Millisecond
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 1024
	}
	if o.Pipeline <= 0 {
		o.Pipeline = 2
	}
	return o
}

// castFunc appends leaves all or none, as node.Poll.CastBatch does: a
// refused leaf gives a *node.CastError naming its position.
type castFunc func(ctx context.Context, leaves [][]byte) ([]node.Receipt, error)

// errBatcherClosed is the answer to ballots queued when the server stops.
var errBatcherClosed = errors.New("the poll's ballot queue is closed: the server is stopping")

// batcher is the group commit of SPEC §18.10: ballots submitted
// concurrently are queued, taken in batches of up to MaxBatch, verified
// together and appended in one durable transaction; each submitter is
// answered once the transaction holding its ballot has committed, or with
// the reason its ballot alone was refused.
type batcher struct {
	cast  castFunc
	opt   BatchOptions
	queue chan *castReq

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.RWMutex // held for reading while sending to queue
	closed bool

	stats batchStats
}

// batchStats counts the batcher's work (for tests and the benchmark).
type batchStats struct {
	mu      sync.Mutex
	commits int64         // successful transactions
	ballots int64         // ballots committed
	refused int64         // ballots refused on their own
	largest int           // largest committed batch
	busy    time.Duration // time spent in cast, committed or not
}

func (s *batchStats) commit(n int) {
	s.mu.Lock()
	s.commits++
	s.ballots += int64(n)
	s.largest = max(s.largest, n)
	s.mu.Unlock()
}

func (s *batchStats) spent(d time.Duration) {
	s.mu.Lock()
	s.busy += d
	s.mu.Unlock()
}

func (s *batchStats) snapshot() (commits, ballots, refused int64, largest int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits, s.ballots, s.refused, s.largest
}

type castReq struct {
	ctx  context.Context
	leaf []byte
	res  chan castRes // buffered: the batcher never blocks on it
}

type castRes struct {
	r   node.Receipt
	err error
}

func newBatcher(cast castFunc, opt BatchOptions) *batcher {
	opt = opt.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	b := &batcher{cast: cast, opt: opt, queue: make(chan *castReq, opt.MaxQueue),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go b.run()
	return b
}

// submit queues leaf and waits for its fate. It fails at once with
// ErrPushback when the queue is full. If ctx ends first it returns
// ctx.Err(): the ballot may still be committed, unacknowledged.
func (b *batcher) submit(ctx context.Context, leaf []byte) (node.Receipt, error) {
	req := &castReq{ctx: ctx, leaf: leaf, res: make(chan castRes, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return node.Receipt{}, errBatcherClosed
	}
	select {
	case b.queue <- req:
		b.mu.RUnlock()
	default:
		b.mu.RUnlock()
		return node.Receipt{}, fmt.Errorf("%w (ballot queue full: %d waiting)", ErrPushback, b.opt.MaxQueue)
	}
	select {
	case r := <-req.res:
		return r.r, r.err
	case <-ctx.Done():
		return node.Receipt{}, ctx.Err()
	}
}

// close stops taking ballots (submit then fails with errBatcherClosed),
// casts those already queued and waits for the batcher to stop.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	<-b.done
}

// run takes batches from the queue until it is closed, and casts up to
// Pipeline of them at once. A batch starts forming only once a cast slot
// is free, so that ballots accumulate while every slot is busy.
func (b *batcher) run() {
	defer close(b.done)
	defer b.cancel()
	var timer *time.Timer
	var casting sync.WaitGroup
	defer casting.Wait()
	slots := make(chan struct{}, b.opt.Pipeline)
	for {
		slots <- struct{}{}
		first, ok := <-b.queue
		if !ok {
			return
		}
		batch := []*castReq{first}
		// Take what is queued; then wait up to MaxWait for more.
		open := b.drain(&batch)
		if open && len(batch) < b.opt.MaxBatch && b.opt.MaxWait > 0 {
			if timer == nil {
				timer = time.NewTimer(b.opt.MaxWait)
			} else {
				timer.Reset(b.opt.MaxWait)
			}
		wait:
			for len(batch) < b.opt.MaxBatch {
				select {
				case r, ok := <-b.queue:
					if !ok {
						open = false
						break wait
					}
					batch = append(batch, r)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
		casting.Go(func() {
			b.process(batch)
			<-slots
		})
	}
}

// drain appends to batch the queued requests, up to MaxBatch, without
// waiting. It returns false if the queue is closed.
func (b *batcher) drain(batch *[]*castReq) bool {
	for len(*batch) < b.opt.MaxBatch {
		select {
		case r, ok := <-b.queue:
			if !ok {
				return false
			}
			*batch = append(*batch, r)
		default:
			return true
		}
	}
	return true
}

// process appends a batch (SPEC §18.10 items 4-5). Requests whose client
// has gone are dropped first. A leaf refused on its own is answered with
// its reason and the others are retried without it: those before it, which
// verified, as one batch; those after it in two halves, so that k refused
// ballots cost O(k log n) re-verifications rather than O(k n).
func (b *batcher) process(batch []*castReq) {
	live := batch[:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.res <- castRes{err: r.ctx.Err()}
			continue
		}
		live = append(live, r)
	}
	work := [][]*castReq{live}
	for len(work) > 0 {
		sub := work[len(work)-1]
		work = work[:len(work)-1]
		if len(sub) == 0 {
			continue
		}
		leaves := make([][]byte, len(sub))
		for i, r := range sub {
			leaves[i] = r.leaf
		}
		t0 := time.Now()
		rs, err := b.cast(b.ctx, leaves)
		b.stats.spent(time.Since(t0))
		var ce *node.CastError
		switch {
		case err == nil && len(rs) == len(sub):
			b.stats.commit(len(sub))
			for i, r := range sub {
				r.res <- castRes{r: rs[i]}
			}
		case err == nil:
			for _, r := range sub {
				r.res <- castRes{err: fmt.Errorf("ballot batch of %d gave %d receipts", len(sub), len(rs))}
			}
		case errors.As(err, &ce) && ce.Position >= 0 && ce.Position < len(sub):
			b.stats.mu.Lock()
			b.stats.refused++
			b.stats.mu.Unlock()
			sub[ce.Position].res <- castRes{err: ce.Err}
			rest := sub[ce.Position+1:]
			h := len(rest) / 2
			// A stack: the leaves before the refused one go first.
			work = append(work, rest[h:], rest[:h], sub[:ce.Position])
		case errors.Is(err, node.ErrBallotRefused) && len(sub) > 1:
			// Refused without a position (a duplicate found by the
			// store): bisect to find it.
			h := len(sub) / 2
			work = append(work, sub[h:], sub[:h])
		default:
			// The poll refuses every ballot (not open, no roll) or the
			// storage failed: nothing of the batch was appended.
			for _, r := range sub {
				r.res <- castRes{err: err}
			}
		}
	}
}
