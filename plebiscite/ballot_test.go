package plebiscite

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"

	"concord/ristretto255"
)

func TestShortCode(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2 Appendix B.1; base32 of its first 10
	// bytes computed with Python's base64.b32encode.
	code := TrackingCode(sha256.Sum256([]byte("abc")))
	if got, want := ShortCode(code), "XJ4B-NP4P-AHH6-UQKB"; got != want {
		t.Errorf("ShortCode(SHA-256(%q)) = %q; want %q", "abc", got, want)
	}
}

func TestBallotRoundTrip(t *testing.T) {
	p := sharedPlebiscite(t)
	b := p.leaves[0].Ballot
	raw := b.Bytes()
	want := 1 + 32 + 32 + 1 + 3*(64+224) + 2 + 96 + 64
	if len(raw) != want {
		t.Errorf("len(Bytes()) = %d; want %d (3 options, exactly one)", len(raw), want)
	}
	b2, err := ParseBallot(raw)
	if err != nil {
		t.Fatalf("ParseBallot(Bytes()) = %v", err)
	}
	if b2.TrackingCode() != b.TrackingCode() || b2.TrackingCode() != sha256.Sum256(raw) {
		t.Errorf("TrackingCode() after round trip = %v; want %x", b2.TrackingCode(), sha256.Sum256(raw))
	}
	// A ballot built from its fields encodes the same bytes.
	fresh := &Ballot{Manifest: b2.Manifest, Credential: b2.Credential, Options: b2.Options, Range: b2.Range, Sig: b2.Sig}
	if !bytes.Equal(fresh.Bytes(), raw) {
		t.Errorf("encoding a ballot from its fields differs from its parsed bytes")
	}
}

func TestParseBallotRejects(t *testing.T) {
	p := sharedPlebiscite(t)
	raw := p.leaves[0].Ballot.Bytes()
	bad := map[string][]byte{
		"empty":           nil,
		"trailing byte":   append(slices.Clone(raw), 0),
		"truncated":       raw[:len(raw)-1],
		"version 2":       append([]byte{2}, raw[1:]...),
		"zero options":    slices.Concat(raw[:65], []byte{0}, raw[66:]),
		"range too long":  slices.Concat(raw[:66+3*288], []byte{0x01, 0x00}, raw[66+3*288+2:]),
		"bad ciphertext":  slices.Concat(raw[:66], bytes.Repeat([]byte{0xff}, 32), raw[98:]),
		"bad proof point": slices.Concat(raw[:66+64], bytes.Repeat([]byte{0xff}, 32), raw[66+96:]),
	}
	for name, in := range bad {
		if _, err := ParseBallot(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseBallot(%s) = %v; want ErrMalformed", name, err)
		}
	}
}

func TestVerifyBallot(t *testing.T) {
	p := sharedPlebiscite(t)
	v := p.voters[3]
	b, s, err := v.Cast(p.e, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.VerifyBallot(b); err != nil {
		t.Fatalf("VerifyBallot(honest) = %v", err)
	}
	if got := s.Audit().Opening.Choices(); !slices.Equal(got, []int{2}) {
		t.Errorf("Audit().Opening.Choices() = %v; want [2]", got)
	}
	// A proof of one option moved to another option fails for that option.
	raw := b.Bytes()
	moved := slices.Clone(raw)
	copy(moved[66+64:66+288], raw[66+288+64:66+2*288])
	mb, err := ParseBallot(resign(t, v, moved, p.e.Hash))
	if err != nil {
		t.Fatal(err)
	}
	var pe *ProofError
	if err := p.e.VerifyBallot(mb); !errors.As(err, &pe) || pe.Option != 0 || !errors.Is(err, ErrBitProof) {
		t.Errorf("VerifyBallot(proof of option 1 on option 0) = %v; want a *ProofError for option 0", err)
	}
	// Options 0 and 2 from a ballot for option 0, option 1 from a ballot for
	// option 1: every bit proof holds (they are bound to the credential and
	// the option index), but the sum is 2 and the range proof fails.
	b0, _, _ := v.Cast(p.e, []int{0})
	b1, _, _ := v.Cast(p.e, []int{1})
	mixed := b0.Bytes()
	copy(mixed[66+288:66+2*288], b1.Bytes()[66+288:66+2*288])
	rb, err := ParseBallot(resign(t, v, mixed, p.e.Hash))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.VerifyBallot(rb); !errors.Is(err, ErrRangeProof) {
		t.Errorf("VerifyBallot(two options selected) = %v; want ErrRangeProof", err)
	}
	two := slices.Concat(raw[:65], []byte{2}, raw[66:66+2*288], raw[66+3*288:])
	tb, err := ParseBallot(two)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.VerifyBallot(tb); !errors.Is(err, ErrOptionCount) {
		t.Errorf("VerifyBallot(two options) = %v; want ErrOptionCount", err)
	}
	other := *p.e
	other.Hash = Hash{1}
	if err := other.VerifyBallot(b); !errors.Is(err, ErrWrongManifest) {
		t.Errorf("VerifyBallot(other manifest) = %v; want ErrWrongManifest", err)
	}
	forged := slices.Clone(raw)
	forged[len(forged)-1] ^= 1
	fb, _ := ParseBallot(forged)
	if err := p.e.VerifyBallot(fb); !errors.Is(err, ErrBadSignature) {
		t.Errorf("VerifyBallot(altered signature) = %v; want ErrBadSignature", err)
	}
	noRoll := *p.e
	noRoll.Roll = nil
	if err := noRoll.VerifyBallot(b); !errors.Is(err, ErrNotOnRoll) {
		t.Errorf("VerifyBallot without a roll = %v; want ErrNotOnRoll", err)
	}
}

func TestCastRejectsChoices(t *testing.T) {
	p := sharedPlebiscite(t)
	for _, c := range [][]int{nil, {0, 1}, {3}, {-1}, {1, 1}} {
		if _, _, err := p.voters[0].Cast(p.e, c); !errors.Is(err, ErrChoice) {
			t.Errorf("Cast(%v) = %v; want ErrChoice", c, err)
		}
	}
}

func TestVerifyAudit(t *testing.T) {
	p := sharedPlebiscite(t)
	b, s, err := p.voters[4].Cast(p.e, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	op := s.Audit().Opening
	if err := VerifyAudit(p.e, b, op); err != nil {
		t.Fatalf("VerifyAudit(true opening) = %v", err)
	}
	lie := Opening{Values: []uint8{1, 0, 0}, Randomness: op.Randomness}
	if err := VerifyAudit(p.e, b, lie); !errors.Is(err, ErrAudit) {
		t.Errorf("VerifyAudit(other choice) = %v; want ErrAudit", err)
	}
	wrongR := Opening{Values: op.Values, Randomness: slices.Clone(op.Randomness)}
	wrongR.Randomness[1] = ristretto255.RandomScalar()
	if err := VerifyAudit(p.e, b, wrongR); !errors.Is(err, ErrAudit) {
		t.Errorf("VerifyAudit(other randomness) = %v; want ErrAudit", err)
	}
	sp := s.Audit()
	back, err := ParseSpoil(sp.Bytes())
	if err != nil {
		t.Fatalf("ParseSpoil(Bytes()) = %v", err)
	}
	if !bytes.Equal(back.Bytes(), sp.Bytes()) {
		t.Errorf("spoil leaf does not round-trip")
	}
}

func TestCountedRules(t *testing.T) {
	p := sharedPlebiscite(t)
	// The spoiled ballot posted again as a cast ballot is still not counted,
	// and voter 11's own later ballot remains its vote.
	leaves := slices.Clone(p.leaves)
	leaves = append(leaves, Leaf{Ballot: p.leaves[10].Spoil.Ballot})
	got := Counted(leaves)
	if !slices.Equal(got, Counted(p.leaves)) {
		t.Errorf("Counted(with a spoiled ballot cast) differs from Counted(without)")
	}
	// A later re-vote replaces the earlier one.
	b, _, _ := p.voters[0].Cast(p.e, []int{1})
	leaves = append(slices.Clone(p.leaves), Leaf{Ballot: b})
	got = Counted(leaves)
	if slices.Contains(got, 11) || !slices.Contains(got, len(leaves)-1) || len(got) != 200 {
		t.Errorf("Counted(after a re-vote of voter 0) = %d ballots, contains old %v, new %v; want 200, false, true",
			len(got), slices.Contains(got, 11), slices.Contains(got, len(leaves)-1))
	}
}

func TestWinner(t *testing.T) {
	tests := []struct {
		counts  []uint64
		ballots uint64
		want    int // -1: no decision
	}{
		{[]uint64{120, 40, 40}, 200, 0},
		{[]uint64{100, 60, 40}, 200, -1}, // exactly half is not a majority
		{[]uint64{10, 101, 89}, 200, 1},
		{[]uint64{0, 0, 0}, 0, -1},
		{[]uint64{60, 60}, 100, -1},
		{[]uint64{60, 60}, 110, -1}, // tie above half (multiple selection)
	}
	for _, tt := range tests {
		got := Winner(tt.counts, tt.ballots)
		if (got == nil) != (tt.want < 0) || got != nil && *got != tt.want {
			t.Errorf("Winner(%v, %d) = %s; want %d", tt.counts, tt.ballots, winnerString(got), tt.want)
		}
	}
}

func FuzzParseLeaf(f *testing.F) {
	p := sharedPlebiscite(f)
	f.Add(p.record.Leaves[0])
	f.Add(p.record.Leaves[10])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLeaf(b)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Bytes(), b) {
			t.Errorf("ParseLeaf(%x).Bytes() = %x; want the input", b, l.Bytes())
		}
		// Encoding from the decoded fields, not the kept bytes, agrees too.
		bl := l.ballot()
		fresh := &Ballot{Manifest: bl.Manifest, Credential: bl.Credential, Options: bl.Options, Range: bl.Range, Sig: bl.Sig}
		if !bytes.Equal(fresh.Bytes(), bl.Bytes()) {
			t.Errorf("re-encoding the decoded ballot of %x differs", b)
		}
	})
}

func FuzzParseResult(f *testing.F) {
	p := sharedPlebiscite(f)
	f.Add(p.record.Result)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResult(b)
		if err != nil {
			return
		}
		again, err := r.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("ParseResult(%q).Encode() = %q, %v; want the input", b, again, err)
		}
	})
}

func FuzzParseBallot(f *testing.F) {
	p := sharedPlebiscite(f)
	f.Add(p.record.Leaves[0])
	f.Add(p.record.Leaves[0][:66])
	f.Fuzz(func(t *testing.T, b []byte) {
		bl, err := ParseBallot(b)
		if err != nil {
			return
		}
		fresh := &Ballot{Manifest: bl.Manifest, Credential: bl.Credential, Options: bl.Options, Range: bl.Range, Sig: bl.Sig}
		if !bytes.Equal(fresh.Bytes(), b) {
			t.Errorf("ParseBallot(%x) re-encodes to %x; want the input", b, fresh.Bytes())
		}
	})
}

func FuzzParseSpoil(f *testing.F) {
	p := sharedPlebiscite(f)
	f.Add(p.record.Leaves[10])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSpoil(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Errorf("ParseSpoil(%x).Bytes() = %x; want the input", b, s.Bytes())
		}
	})
}
