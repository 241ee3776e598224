package node

import (
	"bytes"
	"context"
	"testing"
)

// setForTest sets *p to v for the rest of the test.
func setForTest[T any](t *testing.T, p *T, v T) {
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

// setLeafRange makes the poll read its ballot log n leaves at a time for
// the rest of the test.
func setLeafRange(t *testing.T, n int) { setForTest(t, &leafRange, n) }

// TestPollLeavesInRanges checks that the streaming iterator, reading the
// ballot log a few leaves at a time, yields every leaf in log order, twice,
// and stops when asked to.
func TestPollLeavesInRanges(t *testing.T) {
	f := newPollFixture(t, 11, true)
	ctx := context.Background()
	for v := range 11 {
		b, _ := f.ballot(v, v%2)
		if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
			t.Fatalf("Cast(voter %d) = %v", v, err)
		}
	}
	want, err := f.poll.Leaves(ctx, 0, 11)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 4, 11, 64} {
		setLeafRange(t, n)
		for _, size := range []int64{0, 5, 11} {
			it := f.poll.leaves(ctx, size)
			for pass := range 2 {
				var got [][]byte
				if err := it(func(l []byte) bool { got = append(got, l); return true }); err != nil {
					t.Fatalf("range %d, size %d, pass %d: iterator = %v", n, size, pass, err)
				}
				if int64(len(got)) != size {
					t.Fatalf("range %d, size %d, pass %d: %d leaves; want %d", n, size, pass, len(got), size)
				}
				for i, l := range got {
					if !bytes.Equal(l, want[i]) {
						t.Errorf("range %d, size %d, pass %d: leaf %d differs from Leaves()", n, size, pass, i)
					}
				}
			}
		}
		count := 0
		if err := f.poll.leaves(ctx, 11)(func([]byte) bool { count++; return count < 4 }); err != nil || count != 4 {
			t.Errorf("range %d: iterator stopped after 4 = %d leaves, %v; want 4, nil", n, count, err)
		}
	}
	// Beyond the log's end, reading fails.
	if err := f.poll.leaves(ctx, 12)(func([]byte) bool { return true }); err == nil {
		t.Errorf("iterator over 12 leaves of an 11-leaf log = nil; want an error")
	}
}

// TestPollTallyInRanges checks that the streaming tally reading the log a
// few leaves at a time counts as reading it at once.
func TestPollTallyInRanges(t *testing.T) {
	f := newPollFixture(t, 9, true)
	ctx := context.Background()
	for v := range 9 {
		b, _ := f.ballot(v, v%3)
		if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
			t.Fatalf("Cast(voter %d) = %v", v, err)
		}
	}
	b, _ := f.ballot(2, 0)
	if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
		t.Fatalf("Cast(re-vote) = %v", err)
	}
	whole, err := f.poll.Tally(ctx)
	if err != nil {
		t.Fatalf("Tally() = %v", err)
	}
	setLeafRange(t, 2)
	ranged, err := f.poll.Tally(ctx)
	if err != nil {
		t.Fatalf("Tally() reading 2 leaves at a time = %v", err)
	}
	if ranged.Ballots != 9 || ranged.Ballots != whole.Ballots || ranged.Counted != whole.Counted {
		t.Errorf("Tally() in ranges = %d ballots, counted root %v; want 9 and %v", ranged.Ballots, ranged.Counted, whole.Counted)
	}
	for i := range whole.Sums {
		if !bytes.Equal(ranged.Sums[i].Bytes(), whole.Sums[i].Bytes()) {
			t.Errorf("Tally() in ranges: sum %d differs", i)
		}
	}
}

// TestPlebisciteFlowInRanges runs the whole flow, with its result entry
// and verification, reading the ballot log 7 leaves at a time.
func TestPlebisciteFlowInRanges(t *testing.T) {
	setLeafRange(t, 7)
	TestPlebisciteFlow(t)
}
