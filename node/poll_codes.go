package node

import (
	"context"
	"encoding/binary"
	"fmt"

	"concord/plebiscite"
)

// codeKeyBits is how many leading bits of a tracking code key the index;
// tests shorten it so that codes collide.
var codeKeyBits = 64

// codeIndex is where the ballot of each tracking code stands in the ballot
// log (SPEC §17b.5 step 4, §17b.6), in 25 bytes per code instead of the
// 78 of a map keyed by the whole code with 64-bit indices: at 3,000,000
// ballots, 76 MB instead of 235 (measured). A code's first 8 bytes key its
// entry; the code itself is not kept but read back from the entry's leaf
// when the key is found, which only a replay or a lookup does. Two codes
// with the same first 8 bytes (about one log of 3,000,000 ballots in four
// million has such a pair) are told apart that way: the first one indexed
// keeps the short key, the other goes to long. Neither map holds pointers,
// so the garbage collector does not scan them.
type codeIndex struct {
	short map[uint64]codeEntry
	long  map[plebiscite.TrackingCode]codeEntry
}

// codeEntry is the leaf that casts the ballot of a code and the leaf that
// spoils it, or -1.
type codeEntry struct {
	cast, spoil int32
}

var noEntry = codeEntry{cast: -1, spoil: -1}

// leaf returns a leaf that holds the entry's code.
func (e codeEntry) leaf() int32 {
	if e.cast >= 0 {
		return e.cast
	}
	return e.spoil
}

func newCodeIndex() codeIndex {
	return codeIndex{short: map[uint64]codeEntry{}, long: map[plebiscite.TrackingCode]codeEntry{}}
}

func codeKey(c plebiscite.TrackingCode) uint64 {
	return binary.BigEndian.Uint64(c[:8]) >> (64 - codeKeyBits)
}

// codeAt returns the tracking code of the ballot in leaf i of the ballot
// log.
type codeAt func(i int32) (plebiscite.TrackingCode, error)

// get returns the entry of code, or noEntry.
func (x *codeIndex) get(code plebiscite.TrackingCode, at codeAt) (codeEntry, error) {
	if e, ok := x.long[code]; ok {
		return e, nil
	}
	e, ok := x.short[codeKey(code)]
	if !ok {
		return noEntry, nil
	}
	owner, err := at(e.leaf())
	if err != nil || owner != code {
		return noEntry, err
	}
	return e, nil
}

// set records leaf i as the leaf that casts (or spoils) the ballot of
// code. Setting the same leaf again changes nothing.
func (x *codeIndex) set(code plebiscite.TrackingCode, spoil bool, i int32, at codeAt) error {
	put := func(e codeEntry) codeEntry {
		if spoil {
			e.spoil = i
		} else {
			e.cast = i
		}
		return e
	}
	if e, ok := x.long[code]; ok {
		x.long[code] = put(e)
		return nil
	}
	k := codeKey(code)
	e, ok := x.short[k]
	if ok {
		owner, err := at(e.leaf())
		if err != nil {
			return err
		}
		if owner != code {
			x.long[code] = put(noEntry)
			return nil
		}
	} else {
		e = noEntry
	}
	x.short[k] = put(e)
	return nil
}

// each calls f with every entry until f returns false.
func (x *codeIndex) each(f func(codeEntry) bool) {
	for _, e := range x.short {
		if !f(e) {
			return
		}
	}
	for _, e := range x.long {
		if !f(e) {
			return
		}
	}
}

// codeAt returns a reader of the tracking codes of the ballot log's leaves.
func (p *Poll) codeAt(ctx context.Context) codeAt {
	return func(i int32) (plebiscite.TrackingCode, error) {
		ls, err := p.store.ReadLeaves(ctx, int64(i), int64(i)+1)
		if err != nil {
			return plebiscite.TrackingCode{}, err
		}
		code, _, err := plebiscite.LeafCode(ls[0])
		if err != nil {
			return plebiscite.TrackingCode{}, fmt.Errorf("ballot log leaf %d: %w", i, err)
		}
		return code, nil
	}
}
