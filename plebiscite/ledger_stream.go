package plebiscite

import (
	"fmt"

	"concord/ledger"
)

// DefaultLeafRange is the number of leaves [LeafRanges] reads at a time by
// default: about 6 MB of one-of-three ballots.
const DefaultLeafRange = 4096

// LedgerStream is a plebiscite held in a ledger whose ballot log is read
// from an iterator, so that it is verified in bounded memory (SPEC §16.5,
// §16.6).
type LedgerStream struct {
	Records   []ledger.Record // the ledger's records, as admitted by its append rules
	Agreement Hash            // the plebiscite-agreement proposal
	Roll      []byte          // the roll file, kept by the Election verification returns: not to be modified

	// Leaves yields the ballot log's leaves: its first log_size ones if a
	// result entry names the agreement. Size and Root are their number and
	// RFC 6962 root as the caller computed them in an earlier pass (for
	// example while checking the log's checkpoints, or with [LogRoot]).
	// They are needed only if a result entry names the agreement: they are
	// then checked against it before any ballot is verified, and against
	// the leaves during the verifier's first pass.
	Leaves LeafIterator
	Size   int64
	Root   Hash

	// Workers, Chunk, Progress and Prior are those of [StreamRecord].
	Workers  int
	Chunk    int
	Progress func(done int)
	Prior    *Pass
}

// StreamRecordFromLedger is [RecordFromLedger] for a ballot log read from
// an iterator: it assembles the record of SPEC §16.1 from the ledger (SPEC
// §16.5) and, if a result entry names the agreement, checks that it closes
// the ballot log at s.Size leaves of root s.Root, giving the same errors as
// RecordFromLedger. Verifying the record fails with [ErrLeavesChanged] if
// the leaves its iterator yields are not those s.Size and s.Root describe.
func StreamRecordFromLedger(s *LedgerStream) (*StreamRecord, error) {
	rec, _, err := streamRecord(s)
	return rec, err
}

func streamRecord(s *LedgerStream) (*StreamRecord, *ledgerPoll, error) {
	l, err := ledgerPlebiscite(s.Records, s.Agreement)
	if err != nil {
		return nil, nil, err
	}
	rec := &StreamRecord{Manifest: l.manifest, Roll: s.Roll, Leaves: s.Leaves, Board: l.board,
		Workers: s.Workers, Chunk: s.Chunk, Progress: s.Progress, Prior: s.Prior}
	if l.result == nil {
		return rec, l, nil
	}
	if err := l.checkLog(s.Size, s.Root); err != nil {
		return nil, nil, err
	}
	root := s.Root
	rec.wantRoot, rec.wantSize = &root, s.Size
	rec.Result = l.result.Result
	return rec, l, nil
}

// VerifyLedgerStream is [VerifyLedger] for a ballot log read from an
// iterator (SPEC §16.5, §16.6): the leaves are read in the passes of
// [VerifyRecordStream], never all held at once. It gives the same report,
// or the same error, as VerifyLedger on the same ledger, roll and leaves
// when s.Size and s.Root are those of the leaves.
func VerifyLedgerStream(s *LedgerStream) (*Report, error) {
	rec, l, err := streamRecord(s)
	if err != nil {
		return nil, err
	}
	if err := l.checkDecision(s.Agreement); err != nil {
		return nil, err
	}
	return VerifyRecordStream(rec)
}

// LeafRanges returns an iterator over leaves 0 to size-1 of a log that
// reads them n at a time with read(start, end), which returns leaves start
// to end-1 (SPEC §16.6): memory holds one range, not the log. n ≤ 0 means
// [DefaultLeafRange]. Each pass reads the log again.
func LeafRanges(size int64, n int, read func(start, end int64) ([][]byte, error)) LeafIterator {
	if n <= 0 {
		n = DefaultLeafRange
	}
	return func(yield func([]byte) bool) error {
		for start := int64(0); start < size; {
			end := min(size, start+int64(n))
			leaves, err := read(start, end)
			if err != nil {
				return err
			}
			if int64(len(leaves)) != end-start {
				return fmt.Errorf("reading leaves %d to %d of the ballot log gave %d leaves; want %d", start, end-1, len(leaves), end-start)
			}
			for _, l := range leaves {
				if !yield(l) {
					return nil
				}
			}
			start = end
		}
		return nil
	}
}

// LogRoot returns the number of leaves an iterator yields and their RFC
// 6962 root (SPEC §17b.8), in one pass holding one hash per tree level.
func LogRoot(it LeafIterator) (int64, Hash, error) {
	var b merkleBuilder
	n := int64(0)
	err := it(func(l []byte) bool {
		b.add(leafHash(l))
		n++
		return true
	})
	if err != nil {
		return 0, Hash{}, err
	}
	return n, b.root(), nil
}
