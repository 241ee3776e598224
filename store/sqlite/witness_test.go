package sqlite

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"concord/tlog"
)

// TestWitnessOnFiles runs the witness of SPEC §5.9 against logs in SQLite
// files: it cosigns a growing log, then catches a fork (a second database
// with other leaves under the same log key) and a rollback.
func TestWitnessOnFiles(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	_, l := f.open(t, filepath.Join(dir, "ledger.db"))
	v := must(tlog.NewLogVerifier(f.vkey))
	wskey, wvkey, err := tlog.GenerateWitnessKey("witness.example/observer")
	if err != nil {
		t.Fatal(err)
	}
	wv := must(tlog.NewWitnessVerifier(wvkey))
	w := must(tlog.OpenWitness(wskey, filepath.Join(dir, "witness.json")))

	var cps [][]byte
	next := 0
	for _, k := range []int{3, 1, 12, 30} {
		if _, err := l.AppendBatch(f.ctx, leaves("main", next+k)[next:]); err != nil {
			t.Fatal(err)
		}
		next += k
		cp := must(l.Checkpoint(f.ctx))
		old, _, _ := w.Latest(origin)
		proof := must(l.ProveConsistency(f.ctx, old, int64(next)))
		line, err := w.Cosign(cp, proof, v)
		if err != nil {
			t.Fatalf("Cosign at size %d: %v", next, err)
		}
		if err := l.AddCosignature(f.ctx, int64(next), line, wv); err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	c, err := tlog.VerifyCheckpoint(must(l.LatestCheckpoint(f.ctx)), origin, v, wv)
	if err != nil || c.Size != 46 || !slices.Equal(c.Witnesses, []string{"witness.example/observer"}) {
		t.Errorf("cosigned checkpoint = %+v, %v; want size 46 with the witness", c, err)
	}

	if _, err := w.Cosign(cps[1], nil, v); !errors.Is(err, tlog.ErrRollback) {
		t.Errorf("Cosign(older checkpoint) = %v; want ErrRollback", err)
	}

	_, forked := f.open(t, filepath.Join(dir, "forked.db"))
	if _, err := forked.AppendBatch(f.ctx, leaves("fork", 46)); err != nil {
		t.Fatal(err)
	}
	_, err = w.Cosign(must(forked.Checkpoint(f.ctx)), nil, v)
	if !errors.Is(err, tlog.ErrFork) {
		t.Fatalf("Cosign(forked checkpoint) = %v; want ErrFork", err)
	}
	for _, r := range []tlog.Hash{must(l.Root(f.ctx, 46)), must(forked.Root(f.ctx, 46))} {
		if !strings.Contains(err.Error(), r.String()) {
			t.Errorf("fork error %q does not print root %v", err, r)
		}
	}
	if _, err := forked.AppendBatch(f.ctx, leaves("fork more", 10)); err != nil {
		t.Fatal(err)
	}
	proof := must(forked.ProveConsistency(f.ctx, 46, 56))
	if _, err := w.Cosign(must(forked.Checkpoint(f.ctx)), proof, v); !errors.Is(err, tlog.ErrFork) {
		t.Errorf("Cosign(larger forked checkpoint) = %v; want ErrFork", err)
	}
}
