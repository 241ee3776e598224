package tlog

import (
	"encoding/hex"
	"testing"
)

// Certificate Transparency's RFC 6962 reference vectors (leaves, the root of
// every prefix and two audit paths), from the C++ log's merkle_tree_test and
// reused by Trillian's merkle/rfc6962 tests.
var (
	ctLeaves = []string{"", "00", "10", "2021", "3031", "40414243",
		"5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	ctRoots = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	ctInclusion = []struct {
		index, size int64
		proof       []string
	}{
		{0, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
		}},
		{5, 8, []string{
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		}},
	}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhexHash(t *testing.T, s string) Hash {
	var h Hash
	if copy(h[:], unhex(t, s)) != len(h) {
		t.Fatalf("%q is not a hash", s)
	}
	return h
}

func TestRFC6962Vectors(t *testing.T) {
	var leaves [][]byte
	for _, l := range ctLeaves {
		leaves = append(leaves, unhex(t, l))
	}
	for n, want := range ctRoots {
		if got := RootOf(leaves[:n]); got != unhexHash(t, want) {
			t.Errorf("RootOf(%d CT leaves) = %x; want %s", n, got, want)
		}
	}
	for _, c := range ctInclusion {
		var p []Hash
		for _, h := range c.proof {
			p = append(p, unhexHash(t, h))
		}
		if err := VerifyInclusion(p, c.size, unhexHash(t, ctRoots[c.size]), c.index, LeafHash(leaves[c.index])); err != nil {
			t.Errorf("VerifyInclusion(CT proof of %d in %d): %v", c.index, c.size, err)
		}
	}
}
