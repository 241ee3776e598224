package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// httpTileReader is a golang.org/x/mod/sumdb/tlog.TileReader that fetches
// C2SP tlog-tiles over HTTP: it knows nothing of Concord.
type httpTileReader struct {
	t       testing.TB
	base    string
	fetched int
}

func (r *httpTileReader) Height() int { return 8 }

func (r *httpTileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		// sumdb paths are tile/H/L/N; tlog-tiles omits H.
		p := "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
		resp, err := http.Get(r.base + "/" + p)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			return nil, fmt.Errorf("GET %s: Content-Type %q", p, ct)
		}
		out[i] = b
		r.fetched++
	}
	return out, nil
}

func (r *httpTileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// fetchTree fetches /checkpoint, verifies its signature with sumdb/note
// and parses the C2SP checkpoint body.
func fetchTree(t testing.TB, base string, v note.Verifier) tlog.Tree {
	t.Helper()
	resp, b := get(t, base+"/checkpoint")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET /checkpoint = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	n, err := note.Open(b, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != testOrigin || lines[3] != "" {
		t.Fatalf("checkpoint body %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		t.Fatalf("checkpoint root %q", lines[2])
	}
	return tlog.Tree{N: size, Hash: tlog.Hash(root)}
}

// TestTiles reads the log over HTTP with golang.org/x/mod/sumdb/tlog's
// tile functions alone and checks inclusion and consistency proofs.
func TestTiles(t *testing.T) {
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{PerAddress: Rate{PerSecond: -1}})
	ctx := context.Background()
	total := 300 // a full level-0 tile, a partial one, a partial level-1 tile
	if testing.Short() {
		total = 260
	}
	leaves := make([][]byte, total)
	for i := range leaves {
		leaves[i] = partyLeaf(t, i)
	}
	const oldSize = 100
	for i, l := range leaves {
		if i == oldSize {
			if _, err := n.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := n.Append(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	// The old root, computed from the leaves alone.
	var stored []tlog.Hash
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, l := range leaves[:oldSize] {
		hs, err := tlog.StoredHashes(int64(i), l, mem)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	oldTree := tlog.Tree{N: oldSize}
	var err error
	if oldTree.Hash, err = tlog.TreeHash(oldSize, mem); err != nil {
		t.Fatal(err)
	}

	tree := fetchTree(t, ts.URL, n.Verifier())
	if tree.N != int64(total) {
		t.Fatalf("checkpoint size %d; want %d", tree.N, total)
	}
	tr := &httpTileReader{t: t, base: ts.URL}
	// TileHashReader checks every tile it reads against tree.Hash.
	hr := tlog.TileHashReader(tree, tr)
	for _, i := range []int64{0, 1, 99, 255, 256, int64(total) - 1} {
		p, err := tlog.ProveRecord(tree.N, i, hr)
		if err != nil {
			t.Fatalf("ProveRecord(%d, %d): %v", tree.N, i, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(leaves[i])); err != nil {
			t.Errorf("CheckRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(leaves[(i+1)%int64(total)])); err == nil {
			t.Errorf("CheckRecord(%d) accepts another entry", i)
		}
	}
	p, err := tlog.ProveTree(tree.N, oldSize, hr)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, tree.N, tree.Hash, oldTree.N, oldTree.Hash); err != nil {
		t.Errorf("CheckTree(%d → %d): %v", oldSize, tree.N, err)
	}
	if tr.fetched == 0 {
		t.Fatal("no tile fetched")
	}

	// Entry bundles hash to the level-0 tiles.
	for _, bt := range tlog.NewTiles(8, 0, tree.N) {
		if bt.L != 0 {
			continue
		}
		data, err := tr.ReadTiles([]tlog.Tile{bt})
		if err != nil {
			t.Fatal(err)
		}
		bt.L = -1
		bpath := "/tile/entries/" + strings.TrimPrefix(bt.Path(), "tile/8/data/")
		resp, bundle := get(t, ts.URL+bpath)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", bpath, resp.StatusCode)
		}
		for k := 0; k < bt.W; k++ {
			if len(bundle) < 2 {
				t.Fatalf("%s: bundle ends after %d entries; want %d", bpath, k, bt.W)
			}
			m := int(binary.BigEndian.Uint16(bundle))
			entry := bundle[2 : 2+m]
			bundle = bundle[2+m:]
			idx := bt.N*256 + int64(k)
			bt.L = 0
			h, err := tlog.HashFromTile(bt, data[0], tlog.StoredHashIndex(0, idx))
			bt.L = -1
			if err != nil {
				t.Fatal(err)
			}
			if tlog.RecordHash(entry) != h || !bytes.Equal(entry, leaves[idx]) {
				t.Errorf("%s: entry %d does not hash to its level-0 tile hash", bpath, idx)
			}
		}
		if len(bundle) != 0 {
			t.Errorf("%s: %d trailing bytes", bpath, len(bundle))
		}
	}
}

func TestParseTile(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want tlog.Tile
	}{
		{"0/000", tlog.Tile{H: 8, L: 0, N: 0, W: 256}},
		{"0/x001/x234/067.p/8", tlog.Tile{H: 8, L: 0, N: 1234067, W: 8}},
		{"2/001.p/255", tlog.Tile{H: 8, L: 2, N: 1, W: 255}},
		{"entries/000.p/1", tlog.Tile{H: 8, L: -1, N: 0, W: 1}},
		{"entries/x001/002", tlog.Tile{H: 8, L: -1, N: 1002, W: 256}},
	} {
		got, err := ParseTile(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTile(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if p := TilePath(got); p != "tile/"+tc.in {
			t.Errorf("TilePath(%+v) = %q; want %q", got, p, "tile/"+tc.in)
		}
	}
	for _, in := range []string{"", "0", "0/0", "0/0000", "00/000", "0/000.p/0", "0/000.p/256", "0/000.p/08", "64/000", "-1/000", "data/000", "entries/", "0/x000/001", "0/001/", "entries/000.p/300"} {
		if got, err := ParseTile(in); err == nil {
			t.Errorf("ParseTile(%q) = %+v; want an error", in, got)
		}
	}
}

func FuzzParseTile(f *testing.F) {
	for _, s := range []string{"0/000", "0/x001/x234/067.p/8", "entries/000.p/1", "63/x999/999", "0/000.p/256"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tile, err := ParseTile(s)
		if err != nil {
			return
		}
		if p := TilePath(tile); p != "tile/"+s {
			t.Fatalf("ParseTile(%q) = %+v; TilePath gives %q", s, tile, p)
		}
	})
}

func BenchmarkTile(b *testing.B) {
	n := newNode(b)
	ts, _ := newTestServer(b, n, Options{PerAddress: Rate{PerSecond: -1}})
	for i := range 256 {
		if _, err := n.Append(b.Context(), partyLeaf(b, i)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		resp, err := http.Get(ts.URL + "/tile/0/000")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}
