package plebiscite

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"concord/threshold"
)

func TestEndToEnd(t *testing.T) {
	p := sharedPlebiscite(t)
	rep, err := VerifyRecord(p.record)
	if err != nil {
		t.Fatalf("VerifyRecord(honest record) = %v", err)
	}
	if !slices.Equal(rep.Counts, p.want) {
		t.Errorf("VerifyRecord().Counts = %v; want %v", rep.Counts, p.want)
	}
	if rep.Winner == nil || *rep.Winner != 0 {
		t.Errorf("VerifyRecord().Winner = %s; want option 0", winnerString(rep.Winner))
	}
	if rep.Leaves != 211 || rep.Ballots != 210 || rep.Spoiled != 1 || rep.Counted != 200 || rep.Superseded != 10 {
		t.Errorf("VerifyRecord() leaves, ballots, spoiled, counted, superseded = %d, %d, %d, %d, %d; want 211, 210, 1, 200, 10",
			rep.Leaves, rep.Ballots, rep.Spoiled, rep.Counted, rep.Superseded)
	}
	if len(rep.Absent) != 1 || rep.Absent[0] != "ussr-b" || len(rep.Trustees) != 4 {
		t.Errorf("VerifyRecord() trustees %v, absent %v; want 4 present, ussr-b absent", rep.Trustees, rep.Absent)
	}
	if !rep.KeysFromBoard {
		t.Errorf("VerifyRecord() did not check the keys against the board")
	}
	text := rep.String()
	for _, want := range []string{"Union of Soviet Socialist Republics: 120", "absent: ussr-b", "winner: option 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("Report.String() = %q; want it to contain %q", text, want)
		}
	}
}

// reResult re-encodes the record's result after f changes it.
func reResult(t *testing.T, r *Record, f func(*Result)) {
	t.Helper()
	res, err := ParseResult(r.Result)
	if err != nil {
		t.Fatal(err)
	}
	f(res)
	if r.Result, err = res.Encode(); err != nil {
		t.Fatal(err)
	}
}

// dishonestResult tallies the given leaves of the record with the given
// counted indices and has trustees 1, 3 and 4 decrypt that aggregate.
func dishonestResult(t *testing.T, p *plebiscite, leaves []Leaf, idx []int) []byte {
	t.Helper()
	agg := tally(p.e, leaves, idx, trackingCodes(leaves))
	var shares []*threshold.DecryptionShare
	for _, j := range []int{0, 2, 3} {
		d, err := p.trustees[j].DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, d)
	}
	res, err := Decrypt(p.e, agg, shares)
	if err != nil {
		t.Fatal(err)
	}
	b, err := res.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resign replaces the manifest hash of a ballot leaf and signs it again with
// the voter's credential.
func resign(t *testing.T, v *Voter, leaf []byte, mh Hash) []byte {
	t.Helper()
	out := slices.Clone(leaf)
	copy(out[1:33], mh[:])
	body := out[:len(out)-SignatureSize]
	copy(out[len(body):], ed25519.Sign(v.priv, signedMessage(body)))
	return out
}

// TestVerifyRecordRejects tampers with an honest record, one way per case,
// and checks that VerifyRecord names the rule that fails (SPEC §16.3).
func TestVerifyRecordRejects(t *testing.T) {
	p := sharedPlebiscite(t)
	const first = 11 // leaf of voter 0's counted ballot (after 10 superseded ballots and one spoil)
	outsider := NewVoter()
	other, _, otherBoard := newElection(t, p.voters, "bessarabia-other")
	cases := []struct {
		name   string
		mutate func(t *testing.T, r *Record)
		want   error
		leaf   int // index the *LeafError must name, or -1
	}{
		{"altered ballot", func(t *testing.T, r *Record) {
			// Swap options 0 and 1 (ciphertexts and proofs): still well formed.
			l := r.Leaves[first]
			per := 64 + 224
			a := slices.Clone(l[66 : 66+per])
			copy(l[66:], l[66+per:66+2*per])
			copy(l[66+per:], a)
		}, ErrBadSignature, first},
		{"ballot without a valid credential", func(t *testing.T, r *Record) {
			b, _, err := outsider.Cast(p.e, []int{1})
			if err != nil {
				t.Fatal(err)
			}
			r.Leaves = append(r.Leaves, b.Bytes())
		}, ErrNotOnRoll, 211},
		{"ballot signed by another key", func(t *testing.T, r *Record) {
			b, _, _ := outsider.Cast(p.e, []int{1})
			raw := b.Bytes()
			cred := p.voters[5].Credential()
			copy(raw[33:65], cred[:])
			r.Leaves = append(r.Leaves, raw)
		}, ErrBadSignature, 211},
		{"revote counted twice", func(t *testing.T, r *Record) {
			idx := append([]int{0}, Counted(p.leaves)...) // voter 0's first ballot as well
			r.Result = dishonestResult(t, p, p.leaves, idx)
		}, ErrCountedSet, -1},
		{"spoiled ballot counted", func(t *testing.T, r *Record) {
			leaves := slices.Clone(p.leaves)
			leaves[10] = Leaf{Ballot: leaves[10].Spoil.Ballot}
			r.Result = dishonestResult(t, p, leaves, append([]int{10}, Counted(p.leaves)...))
		}, ErrCountedSet, -1},
		{"ballot removed", func(t *testing.T, r *Record) {
			r.Leaves = slices.Delete(r.Leaves, first, first+1)
		}, ErrCountedSet, -1},
		{"wrong decryption share", func(t *testing.T, r *Record) {
			reResult(t, r, func(res *Result) {
				d, _ := threshold.ParseDecryptionShare(res.Shares[1])
				d.D[0] = d.D[1]
				res.Shares[1] = d.Bytes()
			})
		}, ErrShare, -1},
		{"too few shares", func(t *testing.T, r *Record) {
			reResult(t, r, func(res *Result) { res.Shares = res.Shares[:2] })
		}, threshold.ErrTooFewShares, -1},
		{"altered result", func(t *testing.T, r *Record) {
			reResult(t, r, func(res *Result) { res.Counts[0]--; res.Counts[1]++ })
		}, ErrCounts, -1},
		{"altered winner", func(t *testing.T, r *Record) {
			reResult(t, r, func(res *Result) { res.Winner = nil })
		}, ErrWinner, -1},
		{"altered aggregate", func(t *testing.T, r *Record) {
			reResult(t, r, func(res *Result) { res.Aggregate[0], res.Aggregate[1] = res.Aggregate[1], res.Aggregate[0] })
		}, ErrAggregate, -1},
		{"proof bound to another manifest", func(t *testing.T, r *Record) {
			b, _, err := p.voters[7].Cast(other, []int{2})
			if err != nil {
				t.Fatal(err)
			}
			r.Leaves = append(r.Leaves, resign(t, p.voters[7], b.Bytes(), p.e.Hash))
		}, ErrBitProof, 211},
		{"range proof fails", func(t *testing.T, r *Record) {
			v := p.voters[8]
			b0, _, _ := v.Cast(p.e, []int{0})
			b1, _, _ := v.Cast(p.e, []int{1})
			mixed := b0.Bytes()
			copy(mixed[66+288:66+2*288], b1.Bytes()[66+288:66+2*288])
			r.Leaves = append(r.Leaves, resign(t, v, mixed, p.e.Hash))
		}, ErrRangeProof, 211},
		{"ballot for another manifest", func(t *testing.T, r *Record) {
			b, _, _ := p.voters[7].Cast(other, []int{2})
			r.Leaves = append(r.Leaves, b.Bytes())
		}, ErrWrongManifest, 211},
		{"false audit", func(t *testing.T, r *Record) {
			s, err := ParseSpoil(r.Leaves[10])
			if err != nil {
				t.Fatal(err)
			}
			s.Opening.Values[1], s.Opening.Values[2] = 0, 1
			r.Leaves[10] = s.Bytes()
		}, ErrAudit, 10},
		{"replayed ballot undoing a re-vote", func(t *testing.T, r *Record) {
			r.Leaves = append(r.Leaves, r.Leaves[0]) // voter 0's first, superseded ballot
		}, ErrReplay, 211},
		{"malformed leaf", func(t *testing.T, r *Record) {
			r.Leaves[3] = r.Leaves[3][:100]
		}, ErrMalformed, 3},
		{"keys not from the board", func(t *testing.T, r *Record) {
			r.Board = otherBoard
		}, ErrKeys, -1},
		{"roll changed", func(t *testing.T, r *Record) {
			r.Roll = r.Roll[32:]
		}, ErrRoll, -1},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			r := p.record.clone()
			c.mutate(t, r)
			_, err := VerifyRecord(r)
			if !errors.Is(err, c.want) {
				t.Fatalf("VerifyRecord(%s) = %v; want %v", c.name, err, c.want)
			}
			if c.leaf >= 0 {
				var le *LeafError
				if !errors.As(err, &le) || le.Index != c.leaf {
					t.Errorf("VerifyRecord(%s) = %v; want a *LeafError for leaf %d", c.name, err, c.leaf)
				}
			}
		})
	}
}

func TestResultJSON(t *testing.T) {
	p := sharedPlebiscite(t)
	var v map[string]any
	if err := json.Unmarshal(p.record.Result, &v); err != nil {
		t.Fatal(err)
	}
	if v["winner"] != 0.0 || v["ballots"] != 200.0 || len(v["shares"].([]any)) != 4 {
		t.Errorf("result = winner %v, ballots %v, %d shares; want 0, 200, 4", v["winner"], v["ballots"], len(v["shares"].([]any)))
	}
}

func TestEmptyPoll(t *testing.T) {
	voters := []*Voter{NewVoter(), NewVoter()}
	e, ts, board := newElection(t, voters, "empty-poll")
	agg, err := Tally(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	var shares []*threshold.DecryptionShare
	for _, tr := range ts[2:] {
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, d)
	}
	res, err := Decrypt(e, agg, shares)
	if err != nil {
		t.Fatalf("Decrypt(no ballots) = %v", err)
	}
	p := &plebiscite{e: e, board: board}
	rep, err := VerifyRecord(p.recordWith(res))
	if err != nil {
		t.Fatalf("VerifyRecord(no ballots) = %v", err)
	}
	if rep.Counted != 0 || rep.Winner != nil || !slices.Equal(rep.Counts, []uint64{0, 0, 0}) {
		t.Errorf("VerifyRecord(no ballots) = %d counted, counts %v, %s; want 0, [0 0 0], no decision", rep.Counted, rep.Counts, winnerString(rep.Winner))
	}
}

// TestMultipleSelection holds a small poll where a ballot selects 0 to 2
// options (range proofs over [0, 2]).
func TestMultipleSelection(t *testing.T) {
	voters := []*Voter{NewVoter(), NewVoter(), NewVoter(), NewVoter()}
	e, ts, board := newElection(t, voters, "approval", func(m *Manifest) { m.Min, m.Max = 0, 2 })
	p := &plebiscite{e: e, board: board}
	for i, c := range [][]int{{}, {0, 2}, {2}, {1, 2}} {
		b, _, err := voters[i].Cast(e, c)
		if err != nil {
			t.Fatalf("Cast(%v) = %v", c, err)
		}
		if err := e.VerifyBallot(b); err != nil {
			t.Fatalf("VerifyBallot(%v) = %v", c, err)
		}
		p.leaves = append(p.leaves, Leaf{Ballot: b})
	}
	if _, _, err := voters[0].Cast(e, []int{0, 1, 2}); !errors.Is(err, ErrChoice) {
		t.Errorf("Cast(three options, max 2) = %v; want ErrChoice", err)
	}
	agg, _ := Tally(e, p.leaves)
	var shares []*threshold.DecryptionShare
	for _, tr := range ts[:3] {
		d, _ := tr.DecryptShare(agg.Sums)
		shares = append(shares, d)
	}
	res, err := Decrypt(e, agg, shares)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyRecord(p.recordWith(res))
	if err != nil {
		t.Fatalf("VerifyRecord(approval poll) = %v", err)
	}
	if !slices.Equal(rep.Counts, []uint64{1, 1, 3}) || rep.Winner == nil || *rep.Winner != 2 {
		t.Errorf("VerifyRecord(approval poll) = counts %v, %s; want [1 1 3], option 2", rep.Counts, winnerString(rep.Winner))
	}
}

func TestCoalitions(t *testing.T) {
	r, err := sharedPlebiscite(t).e.Manifest.Coalitions()
	if err != nil {
		t.Fatal(err)
	}
	text := r.String()
	for _, want := range []string{
		"5 trustees, threshold 3",
		"soviet alone can decrypt: no",
		"neutral+soviet can decrypt",
		"romanian+soviet can block",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Coalitions().String() = %q; want it to contain %q", text, want)
		}
	}
}
