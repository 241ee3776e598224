package tlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

type witnessFixture struct {
	ctx      context.Context
	skey     string // log signer key
	v        note.Verifier
	l        *Log
	w        *Witness
	wskey    string
	wv       note.Verifier
	statePth string
	seq      int // makes leaves unique
}

func newWitnessFixture(t *testing.T) *witnessFixture {
	t.Helper()
	f := &witnessFixture{ctx: context.Background()}
	var vkey string
	var err error
	f.skey, vkey, err = GenerateLogKey(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	f.v = must(NewLogVerifier(vkey))
	f.l = must(Open(f.ctx, newMemStore(), testOrigin, must(NewLogSigner(f.skey))))
	var wvkey string
	f.wskey, wvkey, err = GenerateWitnessKey("witness.example/w1")
	if err != nil {
		t.Fatal(err)
	}
	f.wv = must(NewWitnessVerifier(wvkey))
	f.statePth = filepath.Join(t.TempDir(), "witness.json")
	f.w, err = OpenWitness(f.wskey, f.statePth)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// grow appends n leaves with the given prefix to l and returns its checkpoint
// and the consistency proof from the witness's last size.
func (f *witnessFixture) grow(t *testing.T, l *Log, prefix string, n int) ([]byte, []Hash) {
	t.Helper()
	for range n {
		f.seq++
		if _, err := l.Append(f.ctx, fmt.Appendf(nil, "%s%d", prefix, f.seq)); err != nil {
			t.Fatal(err)
		}
	}
	cp := must(l.Checkpoint(f.ctx))
	size := must(l.Size(f.ctx))
	old, _, _ := f.w.Latest(testOrigin)
	return cp, must(l.ProveConsistency(f.ctx, min(old, size), size))
}

func TestWitnessCosignsGrowingLog(t *testing.T) {
	f := newWitnessFixture(t)
	for _, n := range []int{0, 5, 1, 17, 0, 40} {
		cp, proof := f.grow(t, f.l, "main ", n)
		line, err := f.w.Cosign(cp, proof, f.v)
		if err != nil {
			t.Fatalf("Cosign after %d more leaves: %v", n, err)
		}
		size := must(f.l.Size(f.ctx))
		if err := f.l.AddCosignature(f.ctx, size, line, f.wv); err != nil {
			t.Fatal(err)
		}
		c, err := VerifyCheckpoint(must(f.l.Checkpoint(f.ctx)), testOrigin, f.v, f.wv)
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != size || !slices.Equal(c.Witnesses, []string{"witness.example/w1"}) {
			t.Errorf("cosigned checkpoint: size %d witnesses %q; want %d [witness.example/w1]", c.Size, c.Witnesses, size)
		}
	}
	// The state survives a restart.
	w2, err := OpenWitness(f.wskey, f.statePth)
	if err != nil {
		t.Fatal(err)
	}
	size, root, ok := w2.Latest(testOrigin)
	if want := must(f.l.Root(f.ctx, 63)); !ok || size != 63 || root != want {
		t.Errorf("Latest after reopening = %d %v %v; want 63 %v", size, root, ok, want)
	}
}

func TestWitnessRefuses(t *testing.T) {
	f := newWitnessFixture(t)
	cp10, _ := f.grow(t, f.l, "main ", 10)
	if _, err := f.w.Cosign(cp10, nil, f.v); err != nil {
		t.Fatal(err)
	}
	cp20, proof := f.grow(t, f.l, "main ", 10)

	// A tampered proof is refused as a fork: it does not show the new tree
	// to extend the cosigned one.
	bad := slices.Clone(proof)
	bad[0][0] ^= 1
	if _, err := f.w.Cosign(cp20, bad, f.v); !errors.Is(err, ErrFork) {
		t.Errorf("Cosign with a tampered proof = %v; want ErrFork", err)
	}
	if _, err := f.w.Cosign(tamperLastSig(cp20), proof, f.v); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("Cosign of a checkpoint with a bad signature = %v; want ErrBadCheckpoint", err)
	}
	if _, err := f.w.Cosign(cp20, proof, f.v); err != nil {
		t.Fatal(err)
	}
	if _, err := f.w.Cosign(cp20, nil, f.v); err != nil {
		t.Errorf("Cosign of the same checkpoint again: %v", err)
	}

	// Rollback: the log shows an older tree.
	if _, err := f.w.Cosign(cp10, nil, f.v); !errors.Is(err, ErrRollback) {
		t.Errorf("Cosign of an older checkpoint = %v; want ErrRollback", err)
	}

	// Fork: a second store under the same key with other leaves.
	forked := must(Open(f.ctx, newMemStore(), testOrigin, must(NewLogSigner(f.skey))))
	fork20, _ := f.grow(t, forked, "fork ", 20)
	_, err := f.w.Cosign(fork20, nil, f.v)
	if !errors.Is(err, ErrFork) {
		t.Fatalf("Cosign of a forked checkpoint of the same size = %v; want ErrFork", err)
	}
	for _, r := range []Hash{must(f.l.Root(f.ctx, 20)), must(forked.Root(f.ctx, 20))} {
		if !strings.Contains(err.Error(), r.String()) {
			t.Errorf("fork error %q does not name root %v", err, r)
		}
	}
	fork35, _ := f.grow(t, forked, "fork more ", 15)
	forkProof := must(forked.ProveConsistency(f.ctx, 20, 35))
	if _, err := f.w.Cosign(fork35, forkProof, f.v); !errors.Is(err, ErrFork) {
		t.Errorf("Cosign of a forked larger checkpoint = %v; want ErrFork", err)
	}

	// Another key claiming the same origin.
	otherSkey, otherVkey, _ := GenerateLogKey(testOrigin)
	impostor := must(Open(f.ctx, newMemStore(), testOrigin, must(NewLogSigner(otherSkey))))
	imp, _ := f.grow(t, impostor, "impostor ", 30)
	if _, err := f.w.Cosign(imp, nil, must(NewLogVerifier(otherVkey))); !errors.Is(err, ErrUnknownLog) {
		t.Errorf("Cosign under another log key = %v; want ErrUnknownLog", err)
	}

	// None of the refusals changed the state, on disk either.
	w2 := must(OpenWitness(f.wskey, f.statePth))
	if size, root, _ := w2.Latest(testOrigin); size != 20 || root != must(f.l.Root(f.ctx, 20)) {
		t.Errorf("state after refusals: size %d root %v; want 20 %v", size, root, must(f.l.Root(f.ctx, 20)))
	}
	if _, err := w2.Cosign(fork20, nil, f.v); !errors.Is(err, ErrFork) {
		t.Errorf("reopened witness: Cosign(fork) = %v; want ErrFork", err)
	}
}

func TestWitnessState(t *testing.T) {
	f := newWitnessFixture(t)
	for name, content := range map[string]string{
		"not json":      "{",
		"wrong version": `{"version":2,"logs":{}}`,
		"unknown field": `{"version":1,"logs":{},"x":1}`,
		"bad root":      `{"version":1,"logs":{"o":{"log_key":"o+00000000","size":1,"root":"AAAA","checkpoint":""}}}`,
		"trailing":      `{"version":1,"logs":{}} {}`,
	} {
		p := filepath.Join(t.TempDir(), "w.json")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenWitness(f.wskey, p); err == nil {
			t.Errorf("OpenWitness(%s state) succeeded", name)
		}
	}
	if _, err := OpenWitness("not a key", f.statePth); err == nil {
		t.Errorf("OpenWitness(bad key) succeeded")
	}
	// A state file that cannot be written means no cosignature.
	w := must(OpenWitness(f.wskey, filepath.Join(t.TempDir(), "missing-dir", "w.json")))
	cp, _ := f.grow(t, f.l, "main ", 3)
	if line, err := w.Cosign(cp, nil, f.v); err == nil {
		t.Errorf("Cosign with an unwritable state file returned %q", line)
	}
	if _, _, ok := w.Latest(testOrigin); ok {
		t.Errorf("Latest after a failed save reports a cosigned checkpoint")
	}
}
