package tlog

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzNewLogVerifier checks that an accepted log verifier key names the
// verifier and key hash it gives (SPEC §5.6). note.Verifier does not
// expose the key itself, so only name and key hash are re-encoded.
func FuzzNewLogVerifier(f *testing.F) {
	_, vkey, err := GenerateLogKey("concord.example/fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vkey)
	f.Add(vkey + "\n")
	f.Add(vectorWitnessVkey)
	f.Add("a+00000000+AQ==")
	f.Fuzz(func(t *testing.T, vkey string) {
		v, err := NewLogVerifier(vkey)
		if err != nil {
			return
		}
		if prefix := fmt.Sprintf("%s+%08x+", v.Name(), v.KeyHash()); !strings.HasPrefix(vkey, prefix) {
			t.Errorf("NewLogVerifier(%q) = %s; the key does not start with it", vkey, prefix)
		}
	})
}

// FuzzNewLogSigner is FuzzNewLogVerifier for log signer keys.
func FuzzNewLogSigner(f *testing.F) {
	skey, _, err := GenerateLogKey("concord.example/fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(skey)
	f.Add(vectorWitnessSkey)
	f.Add("PRIVATE+KEY+a+00000000+AQ==")
	f.Fuzz(func(t *testing.T, skey string) {
		s, err := NewLogSigner(skey)
		if err != nil {
			return
		}
		if prefix := fmt.Sprintf("PRIVATE+KEY+%s+%08x+", s.Name(), s.KeyHash()); !strings.HasPrefix(skey, prefix) {
			t.Errorf("NewLogSigner(%q) = %s; the key does not start with it", skey, prefix)
		}
	})
}

// FuzzNewWitnessSigner checks that an accepted cosignature/v1 signer key
// re-encodes to itself (SPEC §5.6).
func FuzzNewWitnessSigner(f *testing.F) {
	f.Add(vectorWitnessSkey)
	f.Add(vectorWitnessSkey + "\n")
	f.Add(strings.Replace(vectorWitnessSkey, "+BA", "+AQ", 1))
	f.Add("PRIVATE+KEY+a+00000000+BA==")
	f.Fuzz(func(t *testing.T, skey string) {
		s, err := NewWitnessSigner(skey)
		if err != nil {
			return
		}
		cs := s.(*cosigSigner)
		want := strings.TrimSuffix(skey, "\n")
		raw, _ := base64.StdEncoding.DecodeString(want[strings.LastIndexByte(want, '+')+1:])
		if len(raw) == 0 || raw[0] != algCosigV1 {
			return // a 0x01 key is re-encoded as 0x04 with another key hash
		}
		got := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", cs.name, cs.hash,
			base64.StdEncoding.EncodeToString(append([]byte{algCosigV1}, cs.key.Seed()...)))
		if got != want {
			t.Errorf("NewWitnessSigner(%q) re-encodes to %q", skey, got)
		}
	})
}

// FuzzOpenWitness decodes a witness state file (SPEC §5.9): an accepted
// state, saved and opened again, is the same state. (The file need not be
// in the form save writes, so bytes are not compared.)
func FuzzOpenWitness(f *testing.F) {
	f.Add([]byte(`{"version":1,"logs":{}}`))
	f.Add([]byte(`{"version":1,"logs":{"concord.example/demo":{"log_key":"concord.example/demo+01234567","size":3,` +
		`"root":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `","checkpoint":"concord.example/demo\n3\nAA==\n"}}}`))
	f.Add([]byte(`{"version":2,"logs":null}`))
	f.Add([]byte(`{"version":1,"logs":{"x":{"size":-1}}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := OpenWitness(vectorWitnessSkey, path)
		if err != nil {
			return
		}
		if err := w.save(); err != nil {
			t.Fatal(err)
		}
		again, err := OpenWitness(vectorWitnessSkey, path)
		if err != nil {
			t.Fatalf("OpenWitness(saved state of %q) = %v", data, err)
		}
		if !reflect.DeepEqual(again.state, w.state) {
			t.Errorf("state of %q changes when saved and opened again: %+v, then %+v", data, w.state, again.state)
		}
	})
}
