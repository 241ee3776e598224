package node

import (
	"context"
	"errors"
	"fmt"

	"concord/ledger"
	"concord/tlog"
)

// BatchError is the refusal of one entry of a batch given to AppendBatch;
// nothing of the batch is appended.
type BatchError struct {
	Index int // position of the refused entry in the batch
	Err   error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("entry %d of the batch: %v", e.Index, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// AppendBatch appends leaves in one durable transaction, all or none
// (SPEC §17.2, batched appends): each is checked by the append rules as if
// the ones before it in the batch were already in the log, so a batch may
// hold an entry and entries that refer to it. A refusal is a *BatchError
// naming the entry; on any error the ledger is unchanged.
func (n *Node) AppendBatch(ctx context.Context, leaves [][]byte) ([]ledger.Record, error) {
	if len(leaves) == 0 {
		return nil, nil
	}
	if n.readOnly {
		return nil, fmt.Errorf("%w: give the log's private key file with --log-key or %s", ErrReadOnly, LogKeyEnv)
	}
	signed := make([]*ledger.Signed, len(leaves))
	for i, leaf := range leaves {
		if len(leaf) > ledger.MaxEntrySize {
			return nil, &BatchError{i, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(leaf), ledger.MaxEntrySize)}
		}
		s, err := ledger.Decode(leaf)
		if err != nil {
			return nil, &BatchError{i, err}
		}
		signed[i] = s
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for attempt := 1; ; attempt++ {
		var recs []ledger.Record
		err := tlog.WithLock(ctx, n.store, func(ctx context.Context) error {
			if err := n.catchUp(ctx); err != nil {
				return err
			}
			first := int64(len(n.records))
			recs = make([]ledger.Record, len(leaves))
			for i, s := range signed {
				if err := n.checker.Check(s); err != nil {
					n.rollback(first)
					return &BatchError{i, err}
				}
				recs[i] = ledger.Record{Index: first + int64(i), Hash: ledger.LeafHash(leaves[i]), Signed: s}
				n.checker.Apply(recs[i])
			}
			if err := n.log.AppendBatchAt(ctx, first, leaves); err != nil {
				n.rollback(first)
				return err
			}
			n.records = append(n.records, recs...)
			return nil
		})
		if errors.Is(err, tlog.ErrConflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return recs, nil
	}
}

// rollback rebuilds the checker from the first records, undoing entries
// applied tentatively after them. The records were checked when they were
// applied, so they are applied again without checking.
func (n *Node) rollback(first int64) {
	c := ledger.NewChecker()
	for _, r := range n.records[:first] {
		c.Apply(r)
	}
	n.checker = c
}
