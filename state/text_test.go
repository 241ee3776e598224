package state

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"concord/ledger"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// scenario is a small ledger of the source text's events (an essay of
// 1926 on Soviet foreign policy, /work/shared/seed), dated as in the essay
// where it gives dates and plausibly where it does not.
func scenario(tb testing.TB) *book {
	b := &book{tb: tb}
	b.party("germany", ledger.RoleState, "1917-11-01")
	b.party("romania", ledger.RoleState, "1917-11-01")
	b.party("russia", ledger.RoleState, "1917-11-01")
	b.party("ukraine", ledger.RoleState, "1918-01-22")
	b.party("united-states", ledger.RoleState, "1917-11-01")
	b.party("observer", ledger.RoleObserver, "1917-11-01")
	b.party("ussr", ledger.RoleUnion, "1922-12-30")

	// "requested of Germany an armistice of three months ... secured an
	// armistice of only one month."
	three := b.propose("russia", "1917-11-28", ledger.Proposal{Instrument: ledger.Armistice,
		Title: "Armistice of three months", Parties: ids("germany", "russia"), Duration: dur(tb, "P3M")})
	b.sign("russia", "1917-11-28", three)
	b.reject("germany", "1917-12-02", three)
	one := b.propose("germany", "1917-12-15", ledger.Proposal{Instrument: ledger.Armistice,
		Title: "Armistice of Brest-Litovsk", Parties: ids("germany", "russia"), Duration: dur(tb, "P1M"),
		Renewal: dur(tb, "P1M"), Notice: dur(tb, "P7D")})
	b.signAll("1917-12-15", one, "germany", "russia")
	b.denounce("germany", "1918-02-10", one)
	b.act("germany", "1918-02-18", ledger.Act{Act: ledger.Offensive, Against: "russia", Text: "new offensive"})

	// The line of demarcation with the Ukraine, never in the Rostov sector.
	line := b.propose("russia", "1918-04-20", ledger.Proposal{Instrument: ledger.Demarcation,
		Title: "Line of demarcation", Parties: ids("russia", "ukraine"), Sectors: []ledger.Sector{
			{ID: "kursk", Name: "Kursk sector", Status: ledger.SectorAgreed,
				Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[35.0,51.5],[36.0,51.0]]}`)},
			{ID: "rostov", Name: "Rostov sector", Status: ledger.SectorDisputed}}})
	b.signAll("1918-05-05", line, "russia", "ukraine")

	// Bessarabia: the treaty of March 1918, its breach, the annexation.
	b.territory("russia", "1917-11-01", ledger.Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "russia",
		Population: &ledger.Population{Count: 3000000, AsOf: day(tb, "1918-01-01")}})
	tr := treaty(b, ledger.Deadline{Duration: dur(tb, "P2M")})
	annex := b.act("romania", "1918-04-09", ledger.Act{Act: ledger.Annexation, Territory: "bessarabia",
		Against: "russia", Text: "the Rumanians proclaimed themselves the masters of Bessarabia"})
	b.attest("russia", "1918-05-10", tr, "evacuate", ledger.Violated)
	b.recognise("united-states", "1920-08-10", annex, false)
	b.recognise("russia", "1918-04-10", annex, false)

	// The union and its right of free exit.
	u := b.propose("russia", "1922-12-29", ledger.Proposal{Instrument: ledger.UnionConstitution,
		Title: "Constitution of the Union", Parties: ids("russia", "ukraine", "ussr"),
		Constitution: &ledger.Constitution{Union: "ussr", Members: ids("russia", "ukraine"),
			Accession: ledger.RuleConsentOfAll, Exit: ledger.RuleUnilateral}})
	b.signAll("1922-12-30", u, "russia", "ukraine", "ussr")

	// Vienna, 1924: a plebiscite demanded and rejected.
	p := b.propose("russia", "1924-03-27", ledger.Proposal{Instrument: ledger.PlebisciteAgreement,
		Title: "Plebiscite in Bessarabia", Parties: ids("romania", "russia"), Territory: "bessarabia"})
	b.sign("russia", "1924-03-27", p)
	b.reject("romania", "1924-04-02", p)
	return b
}

// TestWriteTextGolden compares the report at key dates with
// testdata/*.golden. Run with -update to rewrite them after a deliberate
// change, and review the diff.
func TestWriteTextGolden(t *testing.T) {
	b := scenario(t)
	for _, at := range []string{"1918-01-20", "1918-05-10", "1925-01-01"} {
		var buf bytes.Buffer
		if err := At(b.recs, day(t, at)).WriteText(&buf); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		path := filepath.Join("testdata", "world-"+at+".golden")
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got := buf.String(); got != string(want) {
			t.Errorf("WriteText at %s:\n%s\nwant:\n%s", at, got, want)
		}
	}
}

// TestWriteTextAligned checks that every table's columns line up: in each
// table, a column starts where the header has two spaces then a non-space,
// and every row has a space just before it.
func TestWriteTextAligned(t *testing.T) {
	var buf bytes.Buffer
	if err := At(scenario(t).recs, day(t, "1918-05-10")).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, table := range strings.Split(buf.String(), "\n\n")[1:] {
		lines := strings.Split(strings.TrimRight(table, "\n"), "\n")[1:]
		if len(lines) < 2 {
			continue
		}
		head := lines[0]
		for _, l := range lines[1:] {
			for i := 4; i < len(head); i++ {
				if head[i-2:i] == "  " && head[i] != ' ' && i < len(l) && l[i-1] != ' ' {
					t.Errorf("row %q is not aligned with header %q at column %d", l, head, i)
					break
				}
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("row %q has trailing spaces", l)
			}
		}
	}
}

// TestDeterministic checks that At gives the same World on the same input,
// that its output and the input do not alias, and that At does not modify
// its input.
func TestDeterministic(t *testing.T) {
	b := scenario(t)
	before := mustJSON(t, b.recs)
	at := day(t, "1925-01-01")
	w1, _ := json.Marshal(At(b.recs, at))
	w := At(b.recs, at)
	w2, _ := json.Marshal(w)
	if !bytes.Equal(w1, w2) {
		t.Errorf("At is not deterministic:\n%s\n%s", w1, w2)
	}
	for i := range w.Instruments {
		w.Instruments[i].Parties[0] = "mallory"
	}
	for i := range w.Demarcations {
		w.Demarcations[i].Sectors[0].Geometry[0] = 'X'
	}
	if after := mustJSON(t, b.recs); !bytes.Equal(before, after) {
		t.Errorf("At or its World modified the input records")
	}
	for _, s := range []string{`"obligations":[`, `"ignored":[]`, `"at":"1925-01-01"`} {
		if !bytes.Contains(w1, []byte(s)) {
			t.Errorf("JSON lacks %s:\n%s", s, w1)
		}
	}
}

// TestFoldOrder checks SPEC §7.1: an entry recorded late with an earlier
// effective date is applied at its effective date, and equal dates apply
// in log order.
func TestFoldOrder(t *testing.T) {
	b := &book{tb: t}
	h := b.propose("a", "1918-01-01", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
		Parties: ids("a", "b"), Duration: dur(t, "P1M")})
	b.sign("a", "1918-01-05", h)
	b.sign("b", "1918-01-03", h)                                         // recorded late, effective earlier
	b.territory("a", "1918-02-01", ledger.Territory{ID: "t", Name: "T"}) // then held by b, then by a
	b.territory("b", "1918-02-01", ledger.Territory{ID: "t", Holder: "b"})
	b.territory("a", "1918-02-01", ledger.Territory{ID: "t", Holder: "a"})
	w := At(b.recs, day(t, "1918-02-04"))
	in := w.instrument(t, h)
	if dateOrDash(in.EntryIntoForce) != "1918-01-05" || in.Signatures[0].Party != "b" {
		t.Errorf("eif %s, first signature by %s; want 1918-01-05 and b", dateOrDash(in.EntryIntoForce), in.Signatures[0].Party)
	}
	if tr := w.territory(t, "t"); tr.Holding == nil || tr.Holding.Holder != "a" || tr.Name != "T" {
		t.Errorf("territory %+v; want T held by a", tr)
	}
}

// TestFoldOrderSlow checks that the fold order by packed keys and the fold
// order by comparison agree.
func TestFoldOrderSlow(t *testing.T) {
	recs := synthetic(2000)
	for _, at := range []string{"1900-01-01", "1950-06-30", "2000-01-01"} {
		fast, slow := foldOrder(recs, day(t, at)), foldOrderSlow(recs, day(t, at))
		if !equal(fast, slow) {
			t.Errorf("foldOrder(%s) has %d records, foldOrderSlow %d, or a different order", at, len(fast), len(slow))
		}
	}
	recs[5].Signed.Entry.Effective.Year = -1 // not a valid date: the slow path
	if got := foldOrder(recs, day(t, "1900-01-01")); len(got) == 0 || got[0] != &recs[5] {
		t.Errorf("foldOrder with a year -1 record does not put it first")
	}
}

// TestTimeline checks SPEC §7.14.
func TestTimeline(t *testing.T) {
	b := &book{tb: t}
	b.party("b", ledger.RoleState, "1918-03-01")
	b.party("a", ledger.RoleState, "1918-01-01")
	b.party("c", ledger.RoleState, "1918-03-01")
	var got []string
	for _, d := range Timeline(b.recs) {
		got = append(got, d.String())
	}
	if want := []string{"1918-01-01", "1918-03-01"}; !equal(got, want) {
		t.Errorf("Timeline = %v; want %v", got, want)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal: %v", err)
	}
	return b
}
