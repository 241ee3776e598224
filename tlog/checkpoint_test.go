package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func signBody(t testing.TB, skey, body string) []byte {
	t.Helper()
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Sign(&note.Note{Text: body}, s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVerifyCheckpoint(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := GenerateLogKey(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	v := must(NewLogVerifier(vkey))
	l, err := Open(ctx, newMemStore(), testOrigin, must(NewLogSigner(skey)))
	if err != nil {
		t.Fatal(err)
	}
	leaves := testLeaves(9)
	if _, err := l.AppendBatch(ctx, leaves); err != nil {
		t.Fatal(err)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := VerifyCheckpoint(cp, testOrigin, v)
	if err != nil {
		t.Fatalf("VerifyCheckpoint(own checkpoint): %v", err)
	}
	if c.Origin != testOrigin || c.Size != 9 || c.Root != refMTH(leaves) || len(c.Witnesses) != 0 {
		t.Errorf("VerifyCheckpoint = %+v; want origin %q size 9 root %v", c, testOrigin, refMTH(leaves))
	}
	if again, _ := l.Checkpoint(ctx); !bytes.Equal(again, cp) {
		t.Errorf("second Checkpoint at the same size differs:\n%s\n%s", again, cp)
	}
	if latest, _ := l.LatestCheckpoint(ctx); !bytes.Equal(latest, cp) {
		t.Errorf("LatestCheckpoint = %q; want %q", latest, cp)
	}

	body := string(FormatCheckpointText(testOrigin, 9, refMTH(leaves)))
	otherKey, _, _ := GenerateLogKey(testOrigin)
	other2Key, _, _ := GenerateLogKey("concord.example/ledger/other")
	forged := map[string][]byte{
		"other key, same name": signBody(t, otherKey, body),
		"other origin":         signBody(t, other2Key, string(FormatCheckpointText("concord.example/ledger/other", 9, refMTH(leaves)))),
		"edited size":          bytes.Replace(cp, []byte("\n9\n"), []byte("\n8\n"), 1),
		"edited root":          bytes.Replace(cp, []byte(refMTH(leaves).String()), []byte(refMTH(leaves[:8]).String()), 1),
		"leading zero":         signBody(t, skey, testOrigin+"\n09\n"+refMTH(leaves).String()+"\n"),
		"extension line":       signBody(t, skey, body+"extension\n"),
		"no signature":         []byte(body + "\n"),
		"no blank line":        []byte(body),
		"truncated signature":  cp[:len(cp)-10],
		"tampered signature":   tamperLastSig(cp),
	}
	for name, n := range forged {
		if _, err := VerifyCheckpoint(n, testOrigin, v); !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("VerifyCheckpoint(%s) = %v; want ErrBadCheckpoint", name, err)
		}
	}
	if _, err := VerifyCheckpoint(cp, "concord.example/ledger/other", v); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("VerifyCheckpoint(wrong expected origin) = %v; want ErrBadCheckpoint", err)
	}
}

// tamperLastSig flips a bit of the last signature of a signed note.
func tamperLastSig(n []byte) []byte {
	n = bytes.Clone(n)
	i := len(n) - 10 // inside the base64 of the last signature line
	if n[i] == 'A' {
		n[i] = 'B'
	} else {
		n[i] = 'A'
	}
	return n
}

func TestParseCheckpointText(t *testing.T) {
	root := refMTH(testLeaves(3)).String()
	zero := Hash{}.String()
	good := []string{
		"o\n0\n" + EmptyRoot.String() + "\n",
		testOrigin + "\n3\n" + root + "\n",
		"o\n9223372036854775807\n" + zero + "\n",
	}
	for _, s := range good {
		o, n, r, err := ParseCheckpointText([]byte(s))
		if err != nil {
			t.Errorf("ParseCheckpointText(%q): %v", s, err)
			continue
		}
		if got := FormatCheckpointText(o, n, r); string(got) != s {
			t.Errorf("FormatCheckpointText(ParseCheckpointText(%q)) = %q", s, got)
		}
	}
	bad := []string{
		"",
		"o\n3\n",
		"o\n3\n" + root,
		"\n3\n" + root + "\n",
		"o p\n3\n" + root + "\n",
		"o+p\n3\n" + root + "\n",
		"o\n-1\n" + root + "\n",
		"o\n+3\n" + root + "\n",
		"o\n03\n" + root + "\n",
		"o\n 3\n" + root + "\n",
		"o\n3 \n" + root + "\n",
		"o\n9223372036854775808\n" + zero + "\n",
		"o\n3\n" + root + "\nextra\n",
		"o\n3\n" + root + "\n\n",
		"o\r\n3\n" + root + "\n",
		"o\n3\n" + strings.TrimSuffix(root, "=") + "\n",
		"o\n3\n" + zero[:42] + "B=\n", // non-zero unused bits
		"o\n3\nAAAA\n",
		"o\n3\n" + EmptyRoot.String() + EmptyRoot.String() + "\n",
	}
	for _, s := range bad {
		if _, _, _, err := ParseCheckpointText([]byte(s)); !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("ParseCheckpointText(%q) = %v; want ErrBadCheckpoint", s, err)
		}
	}
}

// Vector generated with github.com/transparency-dev/formats v0.1.1,
// note.NewSignerForCosignatureV1 on 2026-12-01, from the seed 01 02 … 20
// (hex), signing the note text below with note.Sign.
const (
	vectorWitnessSkey = "PRIVATE+KEY+witness.example/w1+468d99bb+BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
	vectorWitnessVkey = "witness.example/w1+468d99bb+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"
	vectorCosigned    = "concord.example/ledger/test\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— witness.example/w1 Ro2ZuwAAAABrDkmsDOW1Rr/4Yng/0LbVhS7e1o3UzVSCJWWCzzIouz1WUcLvfWUEjOCIFTAcQhV4ZKM+HcquOYZUqykfO83nES0ZAw==\n"
)

func TestCosignatureVector(t *testing.T) {
	v, err := NewWitnessVerifier(vectorWitnessVkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(vectorCosigned), note.VerifierList(v))
	if err != nil {
		t.Fatalf("opening the transparency-dev cosignature: %v", err)
	}
	ts, err := CosignatureTime(n.Sigs[0])
	if err != nil || ts.Unix() != 0x6b0e49ac {
		t.Errorf("CosignatureTime = %v, %v; want %d", ts.Unix(), err, 0x6b0e49ac)
	}
	s, err := NewWitnessSigner(vectorWitnessSkey)
	if err != nil {
		t.Fatal(err)
	}
	s.(*cosigSigner).now = func() time.Time { return ts }
	got, err := note.Sign(&note.Note{Text: n.Text}, s)
	if err != nil || string(got) != vectorCosigned {
		t.Errorf("cosigning the vector note = %q, %v; want %q", got, err, vectorCosigned)
	}
	if s.KeyHash() != v.KeyHash() || s.Name() != v.Name() {
		t.Errorf("signer %s %08x, verifier %s %08x", s.Name(), s.KeyHash(), v.Name(), v.KeyHash())
	}
	// The same key in the 0x01 (plain Ed25519) encoding is accepted and
	// treated as cosignature/v1, as transparency-dev/formats does.
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	_, vkey01, err := note.GenerateKey(zeroReader{seed}, "witness.example/w1")
	if err != nil {
		t.Fatal(err)
	}
	v01, err := NewWitnessVerifier(vkey01)
	if err != nil || v01.KeyHash() != v.KeyHash() || !bytes.Equal(v01.(*cosigVerifier).key, pub) {
		t.Errorf("NewWitnessVerifier(%q) = %v; want the key hash %08x", vkey01, err, v.KeyHash())
	}
}

// zeroReader returns seed, for note.GenerateKey in tests.
type zeroReader struct{ seed []byte }

func (r zeroReader) Read(p []byte) (int, error) { return copy(p, r.seed), nil }

func TestWitnessKeys(t *testing.T) {
	skey, vkey, err := GenerateWitnessKey("witness.example/w2")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWitnessSigner(skey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := WitnessVerifierKey(skey); err != nil || got != vkey {
		t.Errorf("WitnessVerifierKey(skey) = %q, %v; want %q", got, err, vkey)
	}
	if got, err := WitnessVerifierKey(vectorWitnessSkey); err != nil || got != vectorWitnessVkey {
		t.Errorf("WitnessVerifierKey(vector) = %q, %v; want %q", got, err, vectorWitnessVkey)
	}
	v, err := NewWitnessVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Sign(&note.Note{Text: "o\n1\n" + EmptyRoot.String() + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(n, note.VerifierList(v)); err != nil {
		t.Errorf("opening own cosignature: %v", err)
	}
	if _, err := note.Sign(&note.Note{Text: "two\nlines\n"}, s); err == nil {
		t.Errorf("cosigning a two-line note succeeded")
	}
	badV := []string{
		strings.Replace(vkey, "+", "+0", 1)[:len(vkey)],                                            // wrong hash
		strings.ToUpper(vkey[:len("witness.example/w2+")+8]) + vkey[len("witness.example/w2+")+8:], // upper-case name and hash
		"witness.example/w2+00000000+" + vkey[len(vkey)-44:],                                       // key hash mismatch
		vkey[:len(vkey)-4] + "AA==",                                                                // wrong length
		"witness example+" + vkey[len("witness.example/w2+"):],                                     // space in name
		"witness.example/w2+468d99bb+Anm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk",                 // type 0x02
		"",
	}
	for _, k := range badV {
		if _, err := NewWitnessVerifier(k); err == nil {
			t.Errorf("NewWitnessVerifier(%q) succeeded", k)
		}
	}
	for _, k := range []string{strings.TrimPrefix(skey, "PRIVATE+KEY+"), strings.Replace(skey, "PRIVATE", "private", 1), vkey, skey[:len(skey)-2]} {
		if _, err := NewWitnessSigner(k); err == nil {
			t.Errorf("NewWitnessSigner(%q) succeeded", k)
		}
	}
	if _, _, err := GenerateWitnessKey("bad name"); err == nil {
		t.Errorf("GenerateWitnessKey(\"bad name\") succeeded")
	}
}

func FuzzParseCheckpointText(f *testing.F) {
	f.Add([]byte(testOrigin + "\n3\n" + refMTH(testLeaves(3)).String() + "\n"))
	f.Add([]byte("o\n0\n" + EmptyRoot.String() + "\n"))
	f.Add([]byte("o\n03\n" + EmptyRoot.String() + "\nx\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		o, n, r, err := ParseCheckpointText(text)
		if err != nil {
			return
		}
		if got := FormatCheckpointText(o, n, r); !bytes.Equal(got, text) {
			t.Errorf("FormatCheckpointText(ParseCheckpointText(%q)) = %q", text, got)
		}
	})
}

func FuzzVerifyCheckpoint(f *testing.F) {
	seed := sha256.Sum256([]byte("FuzzVerifyCheckpoint"))
	skey, vkey, err := note.GenerateKey(zeroReader{seed[:]}, testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	v := must(NewLogVerifier(vkey))
	w := must(NewWitnessVerifier(vectorWitnessVkey))
	f.Add(signBody(f, skey, testOrigin+"\n3\n"+refMTH(testLeaves(3)).String()+"\n"))
	f.Add(signBody(f, skey, testOrigin+"\n03\n"+refMTH(testLeaves(3)).String()+"\n"))
	f.Add([]byte(vectorCosigned))
	f.Fuzz(func(t *testing.T, signed []byte) {
		c, err := VerifyCheckpoint(signed, testOrigin, v, w)
		if err != nil {
			return
		}
		body, err := noteBody(signed)
		if err != nil {
			t.Fatalf("accepted note has no body: %v", err)
		}
		if got := FormatCheckpointText(c.Origin, c.Size, c.Root); !bytes.Equal(got, body) {
			t.Errorf("accepted checkpoint body %q re-encodes to %q", body, got)
		}
	})
}

func FuzzNewWitnessVerifier(f *testing.F) {
	f.Add(vectorWitnessVkey)
	f.Add("witness.example/w1+468d99bb+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk")
	f.Add("a+00000000+BA==")
	f.Fuzz(func(t *testing.T, vkey string) {
		v, err := NewWitnessVerifier(vkey)
		if err != nil {
			return
		}
		cv := v.(*cosigVerifier)
		want := strings.TrimSuffix(vkey, "\n")
		raw, _ := base64.StdEncoding.DecodeString(strings.SplitN(want, "+", 3)[2])
		if len(raw) == 0 || raw[0] != algCosigV1 {
			return // a 0x01 key is re-encoded as 0x04 with another key hash
		}
		if got := fmt.Sprintf("%s+%08x+%s", cv.name, cv.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosigV1}, cv.key...))); got != want {
			t.Errorf("NewWitnessVerifier(%q) re-encodes to %q", vkey, got)
		}
	})
}
