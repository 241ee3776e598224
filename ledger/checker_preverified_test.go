package ledger

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

func TestSignerKey(t *testing.T) {
	w := newWorld(t)
	w.party("germany", RoleState)
	if k, ok := w.c.SignerKey(&w.sign(proposal("germany", "1918-03-03", PeaceTreaty, "germany")).Entry); !ok || !bytes.Equal(k, w.key("germany").PublicKey()) {
		t.Errorf("SignerKey(entry by germany) = %x, %v; want germany's key", k, ok)
	}
	if _, ok := w.c.SignerKey(&w.sign(proposal("romania", "1918-03-03", PeaceTreaty, "romania")).Entry); ok {
		t.Errorf("SignerKey(entry by unregistered romania) found a key")
	}
	e := entry(KindParty, "romania", "1917-11-07")
	e.Party = &Party{ID: "romania", Name: "R", Role: RoleState, Key: w.key("romania").PublicKey()}
	if k, ok := w.c.SignerKey(e); !ok || !bytes.Equal(k, e.Party.Key) {
		t.Errorf("SignerKey(registration) = %x, %v; want party.key", k, ok)
	}
}

// TestCheckVerifiedSameVerdicts gives CheckVerified the right key, a wrong
// key and no key, on valid and refused entries: the verdict is always
// Check's.
func TestCheckVerifiedSameVerdicts(t *testing.T) {
	w := newWorld(t)
	w.party("germany", RoleState)
	w.party("romania", RoleState)
	p := w.add(proposal("germany", "1918-03-03", PeaceTreaty, "germany", "romania"))

	good := w.sign(decision(KindSignature, "germany", "1918-03-05", p))
	forged := w.sign(decision(KindSignature, "romania", "1918-03-05", p))
	forged.Entry.Author = "germany" // signed by romania's key, under germany's name
	unknown := w.sign(decision(KindSignature, "germany", "1918-03-05", Hash{7}))
	early := w.sign(decision(KindSignature, "germany", "1918-03-01", p)) // before the proposal: §4.4
	cases := []*Signed{good, forged, unknown, early}
	keys := []ed25519.PublicKey{w.key("germany").PublicKey(), w.key("romania").PublicKey(), nil}
	for i, s := range cases {
		leaf, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		h := LeafHash(leaf)
		want := w.c.Check(s)
		for _, k := range keys {
			// The caller's promise: k verifies s. For the forged entry
			// romania's key does verify, but it is not the key Check uses.
			if k != nil && !ed25519.Verify(k, LeafSigningMessage(leaf), s.Sig) {
				continue
			}
			got := w.c.CheckVerified(s, h, k)
			if errString(got) != errString(want) {
				t.Errorf("case %d, key %x: CheckVerified = %v; want %v", i, k[:min(4, len(k))], got, want)
			}
		}
	}
	if w.c.Len() != 3 {
		t.Errorf("CheckVerified changed the checker: Len = %d; want 3", w.c.Len())
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestLeafSigningMessage(t *testing.T) {
	w := newWorld(t)
	s := w.sign(proposal("germany", "1918-03-03", PeaceTreaty, "germany"))
	leaf, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SigningMessage(&s.Entry)
	if err != nil {
		t.Fatal(err)
	}
	if got := LeafSigningMessage(leaf); !bytes.Equal(got, want) {
		t.Errorf("LeafSigningMessage(leaf) = %q; want %q", got, want)
	}
	if got := LeafSigningMessage([]byte(`{"entry":{}}`)); got != nil {
		t.Errorf("LeafSigningMessage(short) = %q; want nil", got)
	}
}

func BenchmarkCheckVerified(b *testing.B) {
	w := newWorld(b)
	w.party("germany", RoleState)
	s := w.sign(proposal("germany", "1918-03-03", PeaceTreaty, "germany"))
	leaf, _ := Encode(s)
	h, k := LeafHash(leaf), w.key("germany").PublicKey()
	for b.Loop() {
		if err := w.c.CheckVerified(s, h, k); err != nil {
			b.Fatal(err)
		}
	}
}
