package plebiscite

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"

	"concord/ledger"
)

// ledgerOf returns the ledger records of a plebiscite fixture: the
// agreement, the trustee entries of the key generation and of the
// decryption, and a result entry closing the log at its leaves' size and
// root (SPEC §16.5).
func ledgerOf(t *testing.T, p *plebiscite, leaves [][]byte) (recs []ledger.Record, agreement Hash) {
	t.Helper()
	mb, err := p.e.Manifest.Encode()
	if err != nil {
		t.Fatal(err)
	}
	agreement = Hash{0xa9}
	add := func(h Hash, e ledger.Entry) {
		e.V = ledger.Version
		recs = append(recs, ledger.Record{Index: int64(len(recs)), Hash: h, Signed: &ledger.Signed{Entry: e}})
	}
	add(agreement, ledger.Entry{Kind: ledger.KindProposal, Author: "ussr-a",
		Proposal: &ledger.Proposal{Instrument: ledger.PlebisciteAgreement, Plebiscite: mb}})
	trustee := func(i int, step ledger.TrusteeStep, data []byte) {
		add(Hash{byte(len(recs))}, ledger.Entry{Kind: ledger.KindTrustee, Author: p.e.Manifest.Trustees[i-1].ID,
			Trustee: &ledger.Trustee{Plebiscite: p.e.DraftHash, Step: step, Data: data}})
	}
	for i, k := range p.board.Keys {
		trustee(i+1, ledger.StepKeys, k.Bytes())
	}
	for _, c := range p.board.Commitments {
		trustee(c.Dealer, ledger.StepCommitment, c.Bytes())
	}
	for _, s := range p.board.Shares {
		trustee(s.Dealer, ledger.StepShare, s.Bytes())
	}
	for _, c := range p.board.Complaints {
		trustee(c.Accuser, ledger.StepComplaint, c.Bytes())
	}
	for _, d := range p.shares {
		trustee(d.Trustee, ledger.StepDecryption, d.Bytes())
	}
	n, root, err := LogRoot(sliceLeaves(leaves))
	if err != nil {
		t.Fatal(err)
	}
	add(Hash{0xe5}, ledger.Entry{Kind: ledger.KindResult, Author: "ussr-a",
		Result: &ledger.Result{Agreement: agreement, LogSize: uint64(n), LogRoot: root, Result: p.record.Result}})
	return recs, agreement
}

// rangedLeaves returns an iterator over leaves reading them n at a time,
// counting the reads.
func rangedLeaves(leaves [][]byte, n int, reads *int) LeafIterator {
	return LeafRanges(int64(len(leaves)), n, func(start, end int64) ([][]byte, error) {
		*reads++
		return leaves[start:end], nil
	})
}

// TestVerifyLedgerStream checks that VerifyLedgerStream, reading the leaves
// in ranges, gives the same report or error as VerifyLedger on a valid
// plebiscite and on tampered ones.
func TestVerifyLedgerStream(t *testing.T) {
	p := sharedPlebiscite(t)
	leaves := p.record.clone().Leaves
	recs, agreement := ledgerOf(t, p, leaves)
	roll := p.e.Roll.Bytes()

	flipped := p.record.clone().Leaves
	flipped[40][100] ^= 1
	flippedRecs, _ := ledgerOf(t, p, flipped) // the result entry names the altered log
	badRoot := slices.Clone(recs)
	last := *badRoot[len(badRoot)-1].Signed
	res := *last.Entry.Result
	res.LogRoot[0] ^= 1
	last.Entry.Result = &res
	badRoot[len(badRoot)-1].Signed = &last
	noShare := slices.DeleteFunc(slices.Clone(recs), func(r ledger.Record) bool {
		e := r.Signed.Entry
		return e.Kind == ledger.KindTrustee && e.Trustee.Step == ledger.StepDecryption && e.Author == "romania-a"
	})
	noResult := recs[:len(recs)-1]

	tests := []struct {
		name   string
		recs   []ledger.Record
		leaves [][]byte
		want   error // nil: valid
	}{
		{"valid", recs, leaves, nil},
		{"removed ballot", recs, leaves[:len(leaves)-1], ErrLedger},
		{"altered result root", badRoot, leaves, ErrLedger},
		{"flipped bit", flippedRecs, flipped, errAnyLeaf},
		{"decryption share not recorded", noShare, leaves, ErrLedger},
		{"no result entry", noResult, leaves, ErrLedger},
		{"not a plebiscite agreement", recs[1:], leaves, ErrLedger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := VerifyLedger(tt.recs, agreement, roll, tt.leaves)
			reads := 0
			n, root, rerr := LogRoot(rangedLeaves(tt.leaves, 17, &reads))
			if rerr != nil {
				t.Fatal(rerr)
			}
			s := &LedgerStream{Records: tt.recs, Agreement: agreement, Roll: roll,
				Leaves: rangedLeaves(tt.leaves, 17, &reads), Size: n, Root: root, Workers: 2, Chunk: 16}
			srep, serr := VerifyLedgerStream(s)
			if tt.want == nil {
				if err != nil || serr != nil {
					t.Fatalf("VerifyLedger() = %v, VerifyLedgerStream() = %v; want nil, nil", err, serr)
				}
				if !reflect.DeepEqual(rep, srep) {
					t.Errorf("VerifyLedgerStream() = %+v; want VerifyLedger's %+v", srep, rep)
				}
				if want := 3 * ((len(tt.leaves) + 16) / 17); reads != want {
					t.Errorf("VerifyLedgerStream() read %d ranges of 17; want %d (three passes)", reads, want)
				}
				return
			}
			if !isErr(err, tt.want) {
				t.Fatalf("VerifyLedger() = %v; want %v", err, tt.want)
			}
			if serr == nil || serr.Error() != err.Error() {
				t.Errorf("VerifyLedgerStream() = %v; want VerifyLedger's %v", serr, err)
			}
			if !isErr(serr, tt.want) {
				t.Errorf("VerifyLedgerStream() = %v; want %v", serr, tt.want)
			}
		})
	}
}

// TestVerifyLedgerStreamWrongRoot checks that leaves not matching the size
// and root the caller gives are caught while they are read.
func TestVerifyLedgerStreamWrongRoot(t *testing.T) {
	p := sharedPlebiscite(t)
	leaves := p.record.clone().Leaves
	recs, agreement := ledgerOf(t, p, leaves)
	res := recs[len(recs)-1].Signed.Entry.Result
	other := slices.Clone(leaves)
	other[3], other[4] = other[4], other[3]
	s := &LedgerStream{Records: recs, Agreement: agreement, Roll: p.e.Roll.Bytes(),
		Leaves: sliceLeaves(other), Size: int64(res.LogSize), Root: res.LogRoot}
	if _, err := VerifyLedgerStream(s); !errors.Is(err, ErrLeavesChanged) {
		t.Errorf("VerifyLedgerStream(leaves other than the size and root given) = %v; want ErrLeavesChanged", err)
	}
}

func TestLeafRanges(t *testing.T) {
	leaves := [][]byte{{1}, {2}, {3}, {4}, {5}, {6}, {7}}
	for _, n := range []int{0, 1, 2, 3, 7, 100} {
		reads := 0
		var got [][]byte
		if err := rangedLeaves(leaves, n, &reads)(func(l []byte) bool { got = append(got, l); return true }); err != nil {
			t.Fatalf("LeafRanges(7, %d) = %v", n, err)
		}
		if !slices.EqualFunc(got, leaves, bytes.Equal) {
			t.Errorf("LeafRanges(7, %d) yields %v; want %v", n, got, leaves)
		}
		per := n
		if per <= 0 {
			per = DefaultLeafRange
		}
		if want := (7 + per - 1) / per; reads != want {
			t.Errorf("LeafRanges(7, %d) read %d ranges; want %d", n, reads, want)
		}
	}
	short := LeafRanges(3, 2, func(start, end int64) ([][]byte, error) { return [][]byte{{0}}, nil })
	if err := short(func([]byte) bool { return true }); err == nil {
		t.Errorf("LeafRanges(reader returning too few leaves) = nil; want an error")
	}
	boom := errors.New("disk on fire")
	failing := LeafRanges(3, 2, func(start, end int64) ([][]byte, error) { return nil, boom })
	if _, _, err := LogRoot(failing); !errors.Is(err, boom) {
		t.Errorf("LogRoot(failing reader) = %v; want %v", err, boom)
	}
}

// errAnyLeaf stands for any *LeafError: a flipped bit makes a malformed
// ballot or a bad signature depending on where it falls.
var errAnyLeaf = errors.New("any leaf error")

func isErr(err, want error) bool {
	if want == errAnyLeaf {
		var le *LeafError
		return errors.As(err, &le)
	}
	return errors.Is(err, want)
}
