package node

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"concord/internal/pgtest"
	"concord/plebiscite"
	"concord/tlog"
)

// TestPollPostgres runs a poll on a PostgreSQL ledger: the ballot log lives
// in its own schema of the ledger's database (SPEC §17b.3).
func TestPollPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "log.key")
	n, err := CreateWith(ctx, url, "concord.example/pg", Options{LogKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	opt := PollOptions{URL: url, LogKey: keyFile}
	f := newPollFixtureOn(t, n, url, opt, 3, true, nil)
	b, _ := f.ballot(0, 1)
	r, err := f.poll.Cast(ctx, b.Bytes())
	if err != nil {
		t.Fatalf("Cast() = %v", err)
	}
	if _, err := tlog.VerifyCheckpoint(r.Checkpoint, f.poll.Origin(), f.poll.Verifier()); err != nil {
		t.Errorf("VerifyCheckpoint(receipt) = %v", err)
	}
	// A second poll handle (another server) sees the ballot and the roll.
	p2, err := n.PollWith(ctx, f.m.ID, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if _, err := p2.Cast(ctx, b.Bytes()); !errors.Is(err, plebiscite.ErrReplay) {
		t.Errorf("second handle Cast(same ballot) = %v; want ErrReplay", err)
	}
	b2, _ := f.ballot(1, 0)
	if r2, err := p2.Cast(ctx, b2.Bytes()); err != nil || r2.Index != 1 {
		t.Errorf("second handle Cast() = %+v, %v; want index 1", r2, err)
	}
	if in, err := f.poll.Lookup(ctx, b2.TrackingCode()); err != nil || in.Index != 1 {
		t.Errorf("first handle Lookup(ballot of the second) = %+v, %v; want index 1", in, err)
	}
	if _, err := n.Poll(ctx, f.m.ID); err == nil {
		t.Errorf("Poll(PostgreSQL ledger without URL) succeeded; want an error")
	}
}
