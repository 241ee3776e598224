package server

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the tile height of C2SP tlog-tiles: 8 levels, 256 hashes.
const TileHeight = 8

// tlogCheckpoint implements GET /checkpoint of C2SP tlog-tiles (SPEC
// §18.5): the signed checkpoint of the log's current size, with its
// cosignatures, signed first if the log grew.
func (s *Server) tlogCheckpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := s.n.Checkpoint(r.Context())
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=5")
	_, err = w.Write(cp)
	return err
}

// ParseTile parses the part of a tlog-tiles URL after "/tile/" (SPEC
// §18.5): "<L>/<N>[.p/<W>]" for a hash tile or "entries/<N>[.p/<W>]" for
// an entry bundle, which comes back as a tile of level -1. The path must
// be in the canonical form that Tile.Path writes.
func ParseTile(path string) (tlog.Tile, error) {
	full := fmt.Sprintf("tile/%d/", TileHeight) + path
	entries := strings.HasPrefix(path, "entries/")
	if entries {
		full = fmt.Sprintf("tile/%d/data/", TileHeight) + path[len("entries/"):]
	}
	t, err := tlog.ParseTilePath(full)
	if err != nil || t.Path() != full || t.L > 63 || (t.L == -1) != entries {
		return tlog.Tile{}, badRequest("malformed tile path %q: want <L>/<N>[.p/<W>] or entries/<N>[.p/<W>] as in C2SP tlog-tiles", "/tile/"+path)
	}
	return t, nil
}

// TilePath returns the tlog-tiles URL path of t (without a leading
// slash): "tile/<L>/<N>[.p/<W>]", or "tile/entries/<N>[.p/<W>]" for
// level -1.
func TilePath(t tlog.Tile) string {
	p := t.Path() // tile/8/L/... or tile/8/data/...
	rest := p[len(fmt.Sprintf("tile/%d/", TileHeight)):]
	if t.L == -1 {
		return "tile/entries/" + rest[len("data/"):]
	}
	return "tile/" + rest
}

// tile implements GET /tile/<L>/<N>[.p/<W>] and GET
// /tile/entries/<N>[.p/<W>] (SPEC §18.5).
func (s *Server) tile(w http.ResponseWriter, r *http.Request) error {
	t, err := ParseTile(r.PathValue("path"))
	if err != nil {
		return err
	}
	size := s.n.Size()
	level := t.L
	if level < 0 {
		level = 0
	}
	// The tile's W subtrees of 256^level entries must all be complete.
	if t.N > size || t.N*256+int64(t.W) > size>>(TileHeight*level) {
		return notFound("tile %s is beyond the log's %d entries", TilePath(t), size)
	}
	var data []byte
	if t.L == -1 {
		data, err = s.bundle(r, t)
	} else {
		data, err = tlog.ReadTileData(t, s.n.HashReader(r.Context()))
	}
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, err = w.Write(data)
	return err
}

// bundle returns the entry bundle of tile t: each leaf as a big-endian
// uint16 length and its bytes.
func (s *Server) bundle(r *http.Request, t tlog.Tile) ([]byte, error) {
	start := t.N * 256
	leaves, err := s.n.Leaves(r.Context(), start, start+int64(t.W))
	if err != nil {
		return nil, err
	}
	var n int
	for _, l := range leaves {
		n += 2 + len(l)
	}
	out := make([]byte, 0, n)
	for i, l := range leaves {
		if len(l) > 0xffff {
			return nil, fmt.Errorf("entry %d is %d bytes, too long for a tlog-tiles entry bundle (at most 65535)", start+int64(i), len(l))
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(l)))
		out = append(out, l...)
	}
	return out, nil
}
