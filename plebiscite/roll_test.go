package plebiscite

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
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
		for i := range leaves {
			leaves[i] = r.key(i)
		}
		if got, want := r.Root(), tlogRoot(t, leaves); got != want {
			t.Errorf("Roll(%d).Root() = %v; want %v (tlog.TreeHash)", n, got, want)
		}
	}
}

// refAuditPath is PATH(m, D[n]) of RFC 9162 §2.1.3.1 over leaf hashes held
// in memory, written out as the RFC defines it.
func refAuditPath(m int, leaves []Hash) []Hash {
	if len(leaves) <= 1 {
		return nil
	}
	k := 1
	for k<<1 < len(leaves) {
		k <<= 1
	}
	if m < k {
		return append(refAuditPath(m, leaves[:k]), merkleRoot(leaves[k:]))
	}
	return append(refAuditPath(m-k, leaves[k:]), merkleRoot(leaves[:k]))
}

// TestRollRootStreamed checks the root and the inclusion proofs, which the
// roll computes one key at a time, against merkleRoot and the audit path
// over the list of all leaf hashes.
func TestRollRootStreamed(t *testing.T) {
	sizes := []int{1000, 1023, 1024, 1025, 4097}
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	all := manyCredentials(4097)
	for _, n := range sizes {
		r, err := NewRoll(all[:n])
		if err != nil {
			t.Fatal(err)
		}
		leaves := make([]Hash, n)
		for i := range leaves {
			leaves[i] = leafHash(r.key(i))
		}
		if got, want := r.Root(), merkleRoot(leaves); got != want {
			t.Errorf("Roll(%d).Root() = %v; want %v (merkleRoot)", n, got, want)
		}
		for _, i := range []int{0, n / 3, n / 2, n - 1} {
			idx, proof, err := r.InclusionProof(Credential(r.key(i)))
			if err != nil || idx != uint64(i) {
				t.Fatalf("Roll(%d).InclusionProof(key %d) = %d, %v; want %d", n, i, idx, err, i)
			}
			if want := refAuditPath(i, leaves); !slices.Equal(proof, want) {
				t.Errorf("Roll(%d).InclusionProof(key %d) = %v; want %v", n, i, proof, want)
			}
		}
	}
}

// TestRollIndex checks Index against a linear search, with keys that share
// their first 8 bytes (the integer Index compares first) and keys between
// and around the roll's.
func TestRollIndex(t *testing.T) {
	var keys []Credential
	for i := range 40 {
		var c Credential
		c[0] = byte(i / 8 * 16) // five groups of eight keys sharing 8 bytes
		c[31] = byte(i%8*2 + 1)
		keys = append(keys, c)
	}
	r, err := NewRoll(keys)
	if err != nil {
		t.Fatal(err)
	}
	probe := slices.Clone(keys)
	for _, k := range keys {
		for _, d := range []int{-1, 1} {
			c := k
			c[31] = byte(int(c[31]) + d)
			probe = append(probe, c)
			c = k
			c[7] = byte(int(c[7]) + d)
			probe = append(probe, c)
		}
	}
	probe = append(probe, Credential{}, Credential{0xff, 0xff})
	for _, c := range probe {
		want := slices.Index(keys, c) // keys are sorted: their index is the position
		if got := r.Index(c); got != want {
			t.Errorf("Index(%x) = %d; want %d", c, got, want)
		}
	}
}

// TestParseRollKeeps checks that ParseRoll keeps the bytes it is given
// rather than a copy of them (its documented contract), and that Bytes
// returns them.
func TestParseRollKeeps(t *testing.T) {
	r0, _ := NewRoll(testCredentials(4))
	b := bytes.Clone(r0.Bytes())
	r, err := ParseRoll(b)
	if err != nil {
		t.Fatal(err)
	}
	if &r.Bytes()[0] != &b[0] {
		t.Errorf("ParseRoll copied the roll file; want it kept")
	}
	if r.Root() != r0.Root() {
		t.Errorf("ParseRoll(Bytes()).Root() = %v; want %v", r.Root(), r0.Root())
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

// BenchmarkRollIndex measures the roll lookup the verifier makes per
// ballot (SPEC §16.6), on a roll of a million credentials.
func BenchmarkRollIndex(b *testing.B) {
	creds := manyCredentials(1 << 20)
	r, err := NewRoll(creds)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if r.Index(creds[i&(1<<20-1)]) < 0 {
			b.Fatal("credential not found")
		}
		i += 7919
	}
}

// BenchmarkRollRoot measures the roll root over a million credentials.
func BenchmarkRollRoot(b *testing.B) {
	r, err := NewRoll(manyCredentials(1 << 20))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r.Root()
	}
}

// manyCredentials returns n distinct credentials (testCredentials repeats
// after 65,536).
func manyCredentials(n int) []Credential {
	out := make([]Credential, n)
	for i := range out {
		out[i] = Credential(sha256.Sum256(binary.BigEndian.AppendUint32([]byte("k"), uint32(i))))
	}
	return out
}
