package node

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/tlog"
)

func date(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func key(t testing.TB, id ledger.PartyID, seed byte) *ledger.KeyFile {
	t.Helper()
	k, err := ledger.NewKeyFromSeed(id, bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func leaf(t testing.TB, k *ledger.KeyFile, e *ledger.Entry) []byte {
	t.Helper()
	e.V, e.Author = ledger.Version, k.ID
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ledger.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func partyLeaf(t testing.TB, k *ledger.KeyFile, eff string) []byte {
	return leaf(t, k, &ledger.Entry{Kind: ledger.KindParty, Effective: date(t, eff),
		Party: &ledger.Party{ID: k.ID, Name: string(k.ID), Role: ledger.RoleState, Key: k.PublicKey()}})
}

func proposalLeaf(t testing.TB, k *ledger.KeyFile, parties ...ledger.PartyID) []byte {
	return leaf(t, k, &ledger.Entry{Kind: ledger.KindProposal, Effective: date(t, "1918-03-03"),
		Proposal: &ledger.Proposal{Instrument: ledger.PeaceTreaty, Title: "Treaty", Parties: parties}})
}

func signatureLeaf(t testing.TB, k *ledger.KeyFile, proposal ledger.Hash) []byte {
	return leaf(t, k, &ledger.Entry{Kind: ledger.KindSignature, Effective: date(t, "1918-03-03"),
		Refs: []ledger.Hash{proposal}, Signature: &ledger.Decision{Proposal: proposal}})
}

func create(t testing.TB) (*Node, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	n, err := Create(context.Background(), path, "concord.example/test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, path
}

func mustAppend(t testing.TB, n *Node, l []byte) ledger.Record {
	t.Helper()
	r, err := n.Append(context.Background(), l)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return r
}

func storedLeaves(t *testing.T, n *Node) [][]byte {
	t.Helper()
	size, err := n.store.Size(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := n.store.ReadLeaves(context.Background(), 0, size)
	if err != nil {
		t.Fatal(err)
	}
	return leaves
}

func TestAppendRefusedLeavesStoreUnchanged(t *testing.T) {
	ctx := context.Background()
	n, _ := create(t)
	ger, rom := key(t, "germany", 1), key(t, "romania", 2)
	mustAppend(t, n, partyLeaf(t, ger, "1917-11-07"))
	good := partyLeaf(t, rom, "1917-11-07")

	forged := bytes.Replace(good, []byte(`"author":"romania"`), []byte(`"author":"germany"`), 1)
	unknown := signatureLeaf(t, rom, ledger.Hash{1})
	spaced := bytes.Replace(good, []byte(`"entry":{`), []byte(`"entry": {`), 1)
	big := bytes.Repeat([]byte("a"), ledger.MaxEntrySize+1)
	bad := []struct {
		name string
		leaf []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"trailing newline", append(bytes.Clone(good), '\n')},
		{"extra whitespace", spaced},
		{"forged signature", forged},
		{"unknown reference", unknown},
		{"duplicate", partyLeaf(t, ger, "1917-11-07")},
		{"oversized", big},
	}
	before := storedLeaves(t, n)
	for _, tc := range bad {
		if r, err := n.Append(ctx, tc.leaf); err == nil {
			t.Errorf("Append(%s) = entry %d; want an error", tc.name, r.Index)
		}
		if got := n.Size(); got != 1 {
			t.Errorf("after Append(%s): Size() = %d; want 1", tc.name, got)
		}
		if after := storedLeaves(t, n); len(after) != len(before) {
			t.Errorf("after Append(%s): store has %d leaves; want %d", tc.name, len(after), len(before))
		}
	}
	if _, err := n.Append(ctx, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Append(oversized) error = %v; want ErrTooLarge", err)
	}
	var re *ledger.RuleError
	if _, err := n.Append(ctx, forged); !errors.As(err, &re) || re.Rule != "4.2" {
		t.Errorf("Append(forged) error = %v; want a *ledger.RuleError for §4.2", err)
	}
	// The genuine entry still goes in after all the refusals.
	if r := mustAppend(t, n, good); r.Index != 1 {
		t.Errorf("Append(good).Index = %d; want 1", r.Index)
	}
}

func TestReopenKeepsState(t *testing.T) {
	ctx := context.Background()
	n, path := create(t)
	ger, rom := key(t, "germany", 1), key(t, "romania", 2)
	mustAppend(t, n, partyLeaf(t, ger, "1917-11-07"))
	mustAppend(t, n, partyLeaf(t, rom, "1917-11-07"))
	prop := mustAppend(t, n, proposalLeaf(t, ger, "germany", "romania"))
	cp1, err := n.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()

	m, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer m.Close()
	if got := m.Size(); got != 3 {
		t.Fatalf("reopened Size() = %d; want 3", got)
	}
	if r, ok := m.Lookup(prop.Hash); !ok || r.Index != 2 {
		t.Fatalf("reopened Lookup(proposal) = %v, %v; want index 2", r, ok)
	}
	// The rules' state was replayed: a signature of the proposal is
	// accepted, and a second one by the same party refused.
	mustAppend(t, m, signatureLeaf(t, rom, prop.Hash))
	if _, err := m.Append(ctx, signatureLeaf(t, rom, prop.Hash)); err == nil {
		t.Error("second identical signature accepted after reopen")
	}
	cp2, err := m.LatestCheckpoint(ctx)
	if err != nil || !bytes.Equal(cp1, cp2) {
		t.Errorf("LatestCheckpoint() = %q, %v; want %q", cp2, err, cp1)
	}
	w, err := m.Status(ctx, date(t, "1918-03-04"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Parties) != 2 || len(w.Instruments) != 1 {
		t.Errorf("Status: %d parties, %d instruments; want 2, 1", len(w.Parties), len(w.Instruments))
	}
}

func TestCheckpointAndProofs(t *testing.T) {
	ctx := context.Background()
	n, _ := create(t)
	var recs []ledger.Record
	for i, id := range []ledger.PartyID{"a", "b", "c", "d", "e"} {
		recs = append(recs, mustAppend(t, n, partyLeaf(t, key(t, id, byte(i+1)), "1917-11-07")))
	}
	cpNote, err := n.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tlog.VerifyCheckpoint(cpNote, n.Origin(), n.Verifier())
	if err != nil {
		t.Fatalf("VerifyCheckpoint: %v", err)
	}
	if cp.Size != 5 {
		t.Fatalf("checkpoint size = %d; want 5", cp.Size)
	}
	for _, r := range recs {
		p, err := n.ProveInclusion(ctx, r.Index, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.VerifyInclusion(p, cp.Size, cp.Root, r.Index, tlog.Hash(r.Hash)); err != nil {
			t.Errorf("VerifyInclusion(entry %d): %v", r.Index, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "missing.db")); !errors.Is(err, ErrNoLedger) {
		t.Errorf("Open(missing) error = %v; want ErrNoLedger", err)
	}
	// Nothing listens on port 1: the error must not reveal the password.
	_, err := Open(ctx, "postgres://user:secret@127.0.0.1:1/concord?connect_timeout=2")
	if err == nil {
		t.Errorf("Open(postgres:// with no server) succeeded; want an error")
	} else if bytes.Contains([]byte(err.Error()), []byte("secret")) {
		t.Errorf("Open(postgres://) error %q reveals the password", err)
	}
	_, path := create(t)
	if _, err := Create(ctx, path, "concord.example/test"); !errors.Is(err, ErrExists) {
		t.Errorf("Create(existing) error = %v; want ErrExists", err)
	}
}

func BenchmarkAppend(b *testing.B) {
	n, _ := create(b)
	leaves := make([][]byte, b.N)
	for i := range leaves {
		k, err := ledger.NewKeyFromSeed(ledger.PartyID("p"+strconv.Itoa(i)), bytes.Repeat([]byte{byte(i), byte(i >> 8), byte(i >> 16)}, 11)[:32])
		if err != nil {
			b.Fatal(err)
		}
		leaves[i] = partyLeaf(b, k, "1917-11-07")
	}
	b.ResetTimer()
	for i := range b.N {
		mustAppend(b, n, leaves[i])
	}
}

// TestConcurrentAppends appends from several goroutines: every entry gets
// a distinct index and the store and the rules agree afterwards.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	n, path := create(t)
	const k = 8
	leaves := make([][]byte, k)
	for i := range leaves {
		leaves[i] = partyLeaf(t, key(t, ledger.PartyID("p"+strconv.Itoa(i)), byte(i+1)), "1917-11-07")
	}
	errs := make(chan error, k)
	for _, l := range leaves {
		go func() {
			_, err := n.Append(ctx, l)
			errs <- err
		}()
	}
	for range k {
		if err := <-errs; err != nil {
			t.Errorf("Append: %v", err)
		}
	}
	recs, _ := n.Records(ctx)
	for i, r := range recs {
		if r.Index != int64(i) {
			t.Errorf("record %d has index %d", i, r.Index)
		}
	}
	n.Close()
	m, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Size(); got != k {
		t.Errorf("reopened Size() = %d; want %d", got, k)
	}
}
