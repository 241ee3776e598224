package verify

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"concord/ledger"
)

// TestImports checks that the verifier depends on no storage, no node and
// no network code (SPEC §17.4): it must run on bytes alone.
func TestImports(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages; want the whole dependency list", len(deps))
	}
	for _, d := range deps {
		switch {
		case d == "concord/node", strings.HasPrefix(d, "concord/store"), d == "net/http", d == "database/sql",
			strings.HasPrefix(d, "modernc.org/sqlite"), strings.HasPrefix(d, "github.com/jackc/"):
			t.Errorf("package verify depends on %s; it must import no storage, node or network code", d)
		}
	}
}

func TestEmptyLedger(t *testing.T) {
	signer, vkey := logKey(t, origin, 42)
	v := mustVerifier(t, vkey)
	r, err := Ledger(nil, [][]byte{signCheckpoint(t, signer, nil)}, v)
	if err != nil {
		t.Fatalf("Ledger(empty) error = %v", err)
	}
	if r.Entries != 0 || r.World != nil || len(r.Checkpoints) != 1 {
		t.Errorf("Ledger(empty) = %d entries, world %v, %d checkpoints; want 0, nil, 1", r.Entries, r.World, len(r.Checkpoints))
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "verified 0 entries") {
		t.Errorf("WriteText = %q, %v", buf.String(), err)
	}
}

func TestReport(t *testing.T) {
	signer, vkey := logKey(t, origin, 42)
	leaves := smallLedger(t)
	r, err := Ledger(leaves, [][]byte{signCheckpoint(t, signer, leaves)}, mustVerifier(t, vkey))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kinds[ledger.KindParty] != 3 || r.Kinds[ledger.KindSignature] != 2 {
		t.Errorf("Kinds = %v; want 3 party, 2 signature", r.Kinds)
	}
	if got := r.Last.String(); got != "1918-07-10" {
		t.Errorf("Last = %s; want 1918-07-10", got)
	}
	if len(r.World.Obligations) != 1 || r.World.Obligations[0].State != "violated" {
		t.Errorf("World.Obligations = %+v; want one violated", r.World.Obligations)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verified 7 entries (1 attestation, 3 party, 1 proposal, 2 signature)", "largest: size 7", "1 violated"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("WriteText output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestLeafErrors(t *testing.T) {
	_, vkey := logKey(t, origin, 42)
	v := mustVerifier(t, vkey)
	leaves := smallLedger(t)
	for _, tc := range []struct {
		name  string
		leaf  []byte
		want  error
		index int64
	}{
		{"empty", nil, ErrEmptyLeaf, 7},
		{"oversized", bytes.Repeat([]byte("a"), ledger.MaxEntrySize+1), ErrTooLarge, 7},
	} {
		_, err := Ledger(append(clone(leaves), tc.leaf), nil, v)
		var ve *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ve) || ve.Entry != tc.index {
			t.Errorf("Ledger(%s leaf) error = %v; want %v at entry %d", tc.name, err, tc.want, tc.index)
		}
	}
	// A duplicate of entry 0 is refused by the rules at index 7.
	_, err := Ledger(append(clone(leaves), leaves[0]), nil, v)
	var re *ledger.RuleError
	if !errors.As(err, &re) || re.Rule != "4.3" {
		t.Errorf("Ledger(duplicate) error = %v; want a refusal by SPEC §4.3", err)
	}
}

// FuzzLedger appends an arbitrary leaf to a valid ledger: the verifier
// must never panic, and must either refuse it with an *Error naming entry
// 7 or accept a leaf that decodes and re-encodes to the same bytes.
func FuzzLedger(f *testing.F) {
	leaves := smallLedger(f)
	for _, l := range leaves {
		f.Add(l)
	}
	f.Add([]byte(`{"entry":{}}`))
	f.Add([]byte{})
	_, vkey := logKey(f, origin, 42)
	v := mustVerifier(f, vkey)
	f.Fuzz(func(t *testing.T, leaf []byte) {
		r, err := Ledger(append(clone(leaves), leaf), nil, v)
		if err != nil {
			var ve *Error
			if !errors.As(err, &ve) || ve.Entry != 7 {
				t.Fatalf("Ledger(+%q) error = %v; want an *Error at entry 7", leaf, err)
			}
			return
		}
		s, err := ledger.Decode(leaf)
		if err != nil {
			t.Fatalf("accepted leaf %q does not decode: %v", leaf, err)
		}
		enc, err := ledger.Encode(s)
		if err != nil || !bytes.Equal(enc, leaf) {
			t.Fatalf("accepted leaf %q re-encodes to %q, %v", leaf, enc, err)
		}
		if r.Entries != 8 {
			t.Fatalf("Entries = %d; want 8", r.Entries)
		}
	})
}

func BenchmarkLedger(b *testing.B) {
	signer, vkey := logKey(b, origin, 42)
	leaves := smallLedger(b)
	cps := [][]byte{signCheckpoint(b, signer, leaves)}
	v := mustVerifier(b, vkey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Ledger(leaves, cps, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(leaves)), "ns/entry")
}
