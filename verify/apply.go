package verify

import (
	"crypto/ed25519"
	"runtime"

	"concord/ledger"
)

// Apply checks leaves as entries first, first+1, … of a log whose first
// entries c holds, and applies each one that passes to c: the verdicts and
// the resulting state are those of c.Check and c.Apply called one by one,
// but signatures are verified on workers goroutines (0: GOMAXPROCS), by
// steps a–d of SPEC §17.4, the candidate key of an author registered
// before first being the one c holds. It stops at the first failure and
// returns the records applied before it and an *Error naming the entry.
// It is for a node catching up with a stored log (SPEC §17.2).
func Apply(c *ledger.Checker, first int64, leaves [][]byte, workers int) ([]ledger.Record, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	items := make([]item, len(leaves))
	msgs := make([][]byte, len(leaves))
	parallel(len(leaves), workers, func(i int) { items[i] = decodeLeaf(leaves[i]) })
	local := map[ledger.PartyID]ed25519.PublicKey{} // registrations in leaves
	for i := range items {
		it := &items[i]
		if it.s == nil {
			continue
		}
		e := &it.s.Entry
		switch k, ok := c.SignerKey(e); {
		case e.Kind == ledger.KindParty:
			it.key = e.Party.Key
			if _, dup := local[e.Party.ID]; !dup {
				local[e.Party.ID] = e.Party.Key
			}
		case ok:
			it.key = k
		default:
			it.key = local[e.Author]
		}
		msgs[i] = ledger.LeafSigningMessage(leaves[i])
	}
	parallel(len(leaves), workers, func(i int) {
		it := &items[i]
		if it.s != nil && (len(it.key) != ed25519.PublicKeySize || !ed25519.Verify(it.key, msgs[i], it.s.Sig)) {
			it.key = nil
		}
	})
	recs := make([]ledger.Record, 0, len(leaves))
	for i := range items {
		it := &items[i]
		idx := first + int64(i)
		if it.err != nil {
			return recs, entryError(idx, it.err)
		}
		if err := c.CheckVerified(it.s, it.hash, it.key); err != nil {
			return recs, entryError(idx, err)
		}
		rec := ledger.Record{Index: idx, Hash: it.hash, Signed: it.s}
		c.Apply(rec)
		recs = append(recs, rec)
	}
	return recs, nil
}
