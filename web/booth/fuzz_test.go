package booth

import (
	"bytes"
	"testing"

	"concord/plebiscite"
)

// FuzzParseManifest checks that a manifest the device accepts (in any JSON
// form, SPEC §19.5.2) is a valid canonical manifest once re-encoded, with
// the hash the device computed.
func FuzzParseManifest(f *testing.F) {
	_, b := testElection(f, 1, 1, mustVoter(f))
	f.Add(b)
	f.Add(append([]byte(" "), b...))
	f.Add(append(bytes.Clone(b), "{}"...))
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseManifest(b)
		if err != nil {
			return
		}
		canon, err := e.Manifest.Encode()
		if err != nil {
			t.Fatalf("ParseManifest(%q) accepted a manifest that does not encode: %v", b, err)
		}
		m, err := plebiscite.ParseManifest(canon)
		if err != nil {
			t.Fatalf("ParseManifest(%q) re-encodes to %q, which plebiscite.ParseManifest refuses: %v", b, canon, err)
		}
		if h, err := m.Hash(); err != nil || h != e.Hash {
			t.Errorf("ParseManifest(%q) hash %x; the canonical form hashes to %x, %v", b, e.Hash, h, err)
		}
	})
}
