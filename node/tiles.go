package node

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"
)

// HashReader returns a reader of the log's stored tree hashes (the storage
// indexes of golang.org/x/mod/sumdb/tlog, SPEC §5.2), for serving the log
// in the C2SP tlog-tiles layout with tlog.ReadTileData (SPEC §18.5).
func (n *Node) HashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return n.store.ReadHashes(ctx, indexes)
	})
}
