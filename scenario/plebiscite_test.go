package scenario

import (
	"slices"
	"strings"
	"testing"

	"concord/ledger"
	"concord/plebiscite"
)

func TestContinuation(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadPlebiscite()
	if err != nil {
		t.Fatalf("LoadPlebiscite() = %v", err)
	}
	if !strings.HasPrefix(c.Hypothetical, "HYPOTHETICAL") || !strings.Contains(c.Source, "HYPOTHETICAL") {
		t.Errorf("the continuation must say it is hypothetical: %q, %q", c.Hypothetical, c.Source)
	}
	recs, hashes, err := c.Records(s)
	if err != nil {
		t.Fatalf("Records() = %v", err)
	}
	base, _ := s.Records()
	chk := ledger.NewChecker()
	all := append(base, recs...)
	att, err := c.SignAttestation(hashes)
	if err != nil {
		t.Fatalf("SignAttestation() = %v", err)
	}
	all = append(all, att)
	for i, sg := range all {
		if err := chk.Check(sg); err != nil {
			t.Fatalf("entry %d (%s by %s): %v", i, sg.Entry.Kind, sg.Entry.Author, err)
		}
		leaf, _ := ledger.Encode(sg)
		chk.Apply(ledger.Record{Index: int64(i), Hash: ledger.LeafHash(leaf), Signed: sg})
	}
	for _, sg := range append(recs, att) {
		if !strings.Contains(sg.Entry.Source, "HYPOTHETICAL") {
			t.Errorf("entry %s by %s: source %q does not say HYPOTHETICAL", sg.Entry.Kind, sg.Entry.Author, sg.Entry.Source)
		}
	}
	v := plebiscite.NewVoter()
	roll, _ := plebiscite.NewRoll([]plebiscite.Credential{v.Credential()})
	m, err := c.Draft(hashes, roll.Ref(c.Manifest.RollAuthority))
	if err != nil {
		t.Fatalf("Draft() = %v", err)
	}
	if m.Preconditions[0].Instrument != hashes["withdrawal-protocol"] {
		t.Errorf("precondition instrument %v; want the withdrawal protocol %v", m.Preconditions[0].Instrument, hashes["withdrawal-protocol"])
	}
	if _, err := c.Draft(hashes, roll.Ref("someone-else")); err == nil {
		t.Error("Draft with another roll authority succeeded")
	}
}

func TestVoterChoices(t *testing.T) {
	p := VoterPlan{Seed: 1926}
	a, b := p.Choices(1000, 2), p.Choices(1000, 2)
	if !slices.Equal(a, b) {
		t.Fatal("Choices is not deterministic")
	}
	ones := 0
	for _, x := range a {
		if x != 0 && x != 1 {
			t.Fatalf("choice %d out of range", x)
		}
		ones += x
	}
	if ones < 400 || ones > 600 {
		t.Errorf("Choices(1000, 2) chose option 1 %d times; want a split near half", ones)
	}
}
