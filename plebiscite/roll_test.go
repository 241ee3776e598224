package plebiscite

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// tlogRoot computes the RFC 6962 tree hash with golang.org/x/mod/sumdb/tlog,
// an independent implementation.
func tlogRoot(t *testing.T, leaves [][]byte) Hash {
	t.Helper()
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(int64(i), l, reader)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	h, err := tlog.TreeHash(int64(len(leaves)), reader)
	if err != nil {
		t.Fatal(err)
	}
	return Hash(h)
}

func testCredentials(n int) []Credential {
	out := make([]Credential, n)
	for i := range out {
		out[i] = Credential(sha256.Sum256([]byte{byte(i), byte(i >> 8), 'k'}))
	}
	return out
}

func TestRollRootMatchesTlog(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 100} {
		r, err := NewRoll(testCredentials(n))
		if err != nil {
			t.Fatal(err)
		}
		leaves := make([][]byte, n)
		for i, k := range r.keys {
			leaves[i] = k[:]
		}
		if got, want := r.Root(), tlogRoot(t, leaves); got != want {
			t.Errorf("Roll(%d).Root() = %v; want %v (tlog.TreeHash)", n, got, want)
		}
	}
}

func TestRollRoundTrip(t *testing.T) {
	creds := testCredentials(50)
	r, err := NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ParseRoll(r.Bytes())
	if err != nil {
		t.Fatalf("ParseRoll(Bytes()) = %v", err)
	}
	if r2.Root() != r.Root() || r2.Len() != 50 {
		t.Errorf("ParseRoll(Bytes()) changed the roll")
	}
	for i, c := range creds {
		if !r.Contains(c) {
			t.Errorf("Contains(credential %d) = false; want true", i)
		}
	}
	if r.Contains(Credential{1, 2, 3}) {
		t.Errorf("Contains(unknown) = true; want false")
	}
	if _, err := NewRoll(append(creds, creds[3])); err == nil {
		t.Errorf("NewRoll with a duplicate succeeded; want an error")
	}
}

func TestParseRollRejects(t *testing.T) {
	r, _ := NewRoll(testCredentials(3))
	good := r.Bytes()
	swapped := bytes.Clone(good)
	copy(swapped[:32], good[32:64])
	copy(swapped[32:64], good[:32])
	dup := append(bytes.Clone(good[:64]), good[32:64]...)
	for name, b := range map[string][]byte{
		"empty":     nil,
		"short":     good[:95],
		"trailing":  append(bytes.Clone(good), 0),
		"unsorted":  swapped,
		"duplicate": dup,
	} {
		if _, err := ParseRoll(b); err == nil {
			t.Errorf("ParseRoll(%s) succeeded; want an error", name)
		}
	}
}

func FuzzParseRoll(f *testing.F) {
	r, _ := NewRoll(testCredentials(3))
	f.Add(r.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRoll(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Errorf("ParseRoll(%x).Bytes() = %x; want the input", b, r.Bytes())
		}
	})
}

func TestRollInclusion(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 13} {
		creds := testCredentials(n)
		r, _ := NewRoll(creds)
		ref := r.Ref("league-commission")
		for _, c := range creds {
			idx, proof, err := r.InclusionProof(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := ref.VerifyInclusion(c, idx, proof); err != nil {
				t.Errorf("roll of %d: VerifyInclusion(credential at %d) = %v", n, idx, err)
			}
			// The independent verifier of golang.org/x/mod/sumdb/tlog agrees.
			tp := make(tlog.RecordProof, len(proof))
			for i, h := range proof {
				tp[i] = tlog.Hash(h)
			}
			if err := tlog.CheckRecord(tp, int64(n), tlog.Hash(ref.Root), int64(idx), tlog.RecordHash(c[:])); err != nil {
				t.Errorf("roll of %d: tlog.CheckRecord(credential at %d) = %v", n, idx, err)
			}
			if n > 1 {
				if err := ref.VerifyInclusion(c, (idx+1)%uint64(n), proof); err == nil {
					t.Errorf("roll of %d: VerifyInclusion at the wrong index succeeded", n)
				}
				if err := ref.VerifyInclusion(c, idx, proof[:len(proof)-1]); err == nil {
					t.Errorf("roll of %d: VerifyInclusion with a truncated proof succeeded", n)
				}
			}
		}
		if _, _, err := r.InclusionProof(Credential{7}); err == nil {
			t.Errorf("InclusionProof(unknown credential) succeeded")
		}
	}
}
