package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"concord/store/storetest"
)

func TestCheckpoints(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Checkpoints(t, s)
	s.Close()
	if _, _, err := s.Checkpoints(context.Background()); err == nil {
		t.Errorf("Checkpoints() on a closed store = nil error; want an error")
	}
}

func BenchmarkCheckpoints(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range 1000 {
		if err := s.PutCheckpoint(ctx, int64(i+1), fmt.Appendf(nil, "note %d", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Checkpoints(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
