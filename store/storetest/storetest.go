// Package storetest holds the tests that every Concord store shares
// beyond the tlog.Store contract (SPEC §6.1): store/sqlite and
// store/postgres run them on their own stores.
package storetest

import (
	"context"
	"slices"
	"testing"
)

// CheckpointLister is a store that lists every stored checkpoint at once.
type CheckpointLister interface {
	PutCheckpoint(ctx context.Context, size int64, signedNote []byte) error
	Checkpoints(ctx context.Context) (sizes []int64, notes [][]byte, err error)
}

// Checkpoints checks, on an empty store s, that Checkpoints lists every
// stored checkpoint by increasing size, the first note stored for a size
// winning (SPEC §6.1).
func Checkpoints(t *testing.T, s CheckpointLister) {
	t.Helper()
	ctx := context.Background()
	sizes, notes, err := s.Checkpoints(ctx)
	if err != nil || len(sizes) != 0 || len(notes) != 0 {
		t.Errorf("Checkpoints() of a new store = %v, %q, %v; want none", sizes, notes, err)
	}
	for _, c := range []struct {
		size int64
		note string
	}{{5, "five"}, {1, "one"}, {1, "other"}, {12, "twelve"}, {3, "three"}} {
		if err := s.PutCheckpoint(ctx, c.size, []byte(c.note)); err != nil {
			t.Fatal(err)
		}
	}
	sizes, notes, err = s.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(notes))
	for i, n := range notes {
		got[i] = string(n)
	}
	if want := []int64{1, 3, 5, 12}; !slices.Equal(sizes, want) {
		t.Errorf("Checkpoints() sizes = %v; want %v", sizes, want)
	}
	if want := []string{"one", "three", "five", "twelve"}; !slices.Equal(got, want) {
		t.Errorf("Checkpoints() notes = %q; want %q", got, want)
	}
}
