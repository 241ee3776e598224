package plebiscite

import "testing"

// TestLeafCode checks that LeafCode gives, from the layout alone, the
// tracking code and kind that decoding the leaf gives, and refuses leaves
// it cannot read.
func TestLeafCode(t *testing.T) {
	p := sharedPlebiscite(t)
	spoils := 0
	for i, l := range p.leaves {
		b, spoil := l.Ballot, false
		if l.Spoil != nil {
			b, spoil = l.Spoil.Ballot, true
			spoils++
		}
		code, gotSpoil, err := LeafCode(l.Bytes())
		if err != nil || code != b.TrackingCode() || gotSpoil != spoil {
			t.Errorf("LeafCode(leaf %d) = %x, %v, %v; want %x, %v, nil", i, code, gotSpoil, err, b.TrackingCode(), spoil)
		}
	}
	if spoils == 0 {
		t.Fatal("the fixture has no spoil leaf")
	}
	for _, bad := range [][]byte{nil, {}, {9, 1, 2}, {leafSpoil, 0, 0}, {leafSpoil, 0xff, 0xff, 0xff, 0xff, 1}} {
		if _, _, err := LeafCode(bad); err == nil {
			t.Errorf("LeafCode(%x) = nil error; want an error", bad)
		}
	}
}
