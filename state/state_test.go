package state

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"concord/ledger"
)

// TestInstrumentStatus checks SPEC §7.3 and §7.4: status, entry into force,
// end and renewals at given dates.
func TestInstrumentStatus(t *testing.T) {
	type check struct {
		at, status, eif, end string
		renewals             int
	}
	tests := []struct {
		name   string
		build  func(b *book) ledger.Hash
		checks []check
	}{
		{
			name: "armistice P1M expires the day after its last day",
			build: func(b *book) ledger.Hash {
				h := b.propose("russia", "1917-12-02", ledger.Proposal{Instrument: ledger.Armistice, Title: "Armistice",
					Parties: ids("germany", "russia"), Duration: dur(b.tb, "P1M")})
				b.sign("russia", "1917-12-02", h)
				b.sign("germany", "1917-12-15", h)
				return h
			},
			checks: []check{
				{"1917-12-10", "proposed", "-", "-", 0},
				{"1917-12-15", "in-force", "1917-12-15", "1918-01-15", 0},
				{"1918-01-14", "in-force", "1917-12-15", "1918-01-15", 0},
				{"1918-01-15", "expired", "1917-12-15", "1918-01-15", 0},
			},
		},
		{
			name: "entry into force later than the last signature",
			build: func(b *book) ledger.Hash {
				eif := day(b.tb, "1917-12-17")
				h := b.propose("russia", "1917-12-02", ledger.Proposal{Instrument: ledger.Armistice, Title: "Armistice",
					Parties: ids("germany", "russia"), Duration: dur(b.tb, "P1M"), EntryIntoForce: &eif})
				b.signAll("1917-12-15", h, "germany", "russia")
				return h
			},
			checks: []check{
				{"1917-12-16", "signed", "1917-12-17", "1918-01-17", 0},
				{"1917-12-17", "in-force", "1917-12-17", "1918-01-17", 0},
				{"1918-01-17", "expired", "1917-12-17", "1918-01-17", 0},
			},
		},
		{
			name: "tacit renewal by P1M from a month end does not drift",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1920-01-31", ledger.Proposal{Instrument: ledger.ModusVivendi, Title: "MV",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P1M"), Renewal: dur(b.tb, "P1M")})
				b.signAll("1920-01-31", h, "a", "b")
				return h
			},
			checks: []check{
				{"1920-02-28", "in-force", "1920-01-31", "1920-02-29", 0},
				{"1920-02-29", "in-force", "1920-01-31", "1920-03-31", 1},
				{"1920-03-15", "in-force", "1920-01-31", "1920-03-31", 1},
				{"1920-05-01", "in-force", "1920-01-31", "1920-05-31", 3},
				{"1990-01-01", "in-force", "1920-01-31", "1990-01-31", 839},
			},
		},
		{
			name: "denunciation with notice",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1926-01-01", ledger.Proposal{Instrument: ledger.NonAggression, Title: "NA",
					Parties: ids("a", "b"), Notice: dur(b.tb, "P6M")})
				b.signAll("1926-01-01", h, "a", "b")
				b.denounce("b", "1930-03-10", h)
				return h
			},
			checks: []check{
				{"1930-03-09", "in-force", "1926-01-01", "-", 0},
				{"1930-06-01", "in-force", "1926-01-01", "1930-09-10", 0},
				{"1930-09-09", "in-force", "1926-01-01", "1930-09-10", 0},
				{"1930-09-10", "denounced", "1926-01-01", "1930-09-10", 0},
			},
		},
		{
			name: "denunciation without notice is immediate",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1926-01-01", ledger.Proposal{Instrument: ledger.NonAggression, Title: "NA",
					Parties: ids("a", "b")})
				b.signAll("1926-01-01", h, "a", "b")
				b.denounce("a", "1927-02-03", h)
				return h
			},
			checks: []check{
				{"1927-02-02", "in-force", "1926-01-01", "-", 0},
				{"1927-02-03", "denounced", "1926-01-01", "1927-02-03", 0},
			},
		},
		{
			name: "denunciation stops tacit renewal",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1920-01-01", ledger.Proposal{Instrument: ledger.ModusVivendi, Title: "MV",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P1Y"), Renewal: dur(b.tb, "P1Y"), Notice: dur(b.tb, "P3M")})
				b.signAll("1920-01-01", h, "a", "b")
				b.denounce("a", "1922-06-01", h)
				return h
			},
			checks: []check{
				{"1922-05-31", "in-force", "1920-01-01", "1923-01-01", 2}, // denunciation not yet made
				{"1922-08-31", "in-force", "1920-01-01", "1922-09-01", 2},
				{"1922-09-01", "denounced", "1920-01-01", "1922-09-01", 2},
				{"1950-01-01", "denounced", "1920-01-01", "1922-09-01", 2},
			},
		},
		{
			name: "a term that ends after the notice of denunciation is not renewed",
			build: func(b *book) ledger.Hash {
				// The armistice of Brest-Litovsk: terms end 1918-01-17, 1918-02-17;
				// notice given 1918-02-16, effective 1918-02-23.
				eif := day(b.tb, "1917-12-17")
				h := b.propose("a", "1917-12-15", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P1M"), Renewal: dur(b.tb, "P1M"),
					Notice: dur(b.tb, "P7D"), EntryIntoForce: &eif})
				b.signAll("1917-12-15", h, "a", "b")
				b.denounce("b", "1918-02-16", h)
				return h
			},
			checks: []check{
				{"1918-02-15", "in-force", "1917-12-17", "1918-02-17", 1},
				{"1918-02-16", "in-force", "1917-12-17", "1918-02-23", 1},
				{"1918-02-20", "in-force", "1917-12-17", "1918-02-23", 1},
				{"1918-03-10", "denounced", "1917-12-17", "1918-02-23", 1},
			},
		},
		{
			name: "a term that ends on the day of the denunciation was renewed",
			build: func(b *book) ledger.Hash {
				eif := day(b.tb, "1917-12-17")
				h := b.propose("a", "1917-12-15", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P1M"), Renewal: dur(b.tb, "P1M"),
					Notice: dur(b.tb, "P7D"), EntryIntoForce: &eif})
				b.signAll("1917-12-15", h, "a", "b")
				b.denounce("b", "1918-02-17", h)
				return h
			},
			checks: []check{
				{"1918-03-10", "denounced", "1917-12-17", "1918-02-24", 2},
			},
		},
		{
			name: "denunciation ends a fixed term early",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1918-01-01", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P3M"), Notice: dur(b.tb, "P7D")})
				b.signAll("1918-01-01", h, "a", "b")
				b.denounce("b", "1918-02-10", h)
				return h
			},
			checks: []check{
				{"1918-02-09", "in-force", "1918-01-01", "1918-04-01", 0},
				{"1918-02-16", "in-force", "1918-01-01", "1918-02-17", 0},
				{"1918-02-17", "denounced", "1918-01-01", "1918-02-17", 0},
			},
		},
		{
			name: "term runs out before the notice does",
			build: func(b *book) ledger.Hash {
				h := b.propose("a", "1918-01-01", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
					Parties: ids("a", "b"), Duration: dur(b.tb, "P1M"), Notice: dur(b.tb, "P3M")})
				b.signAll("1918-01-01", h, "a", "b")
				b.denounce("a", "1918-01-10", h)
				return h
			},
			checks: []check{
				{"1918-01-31", "in-force", "1918-01-01", "1918-02-01", 0},
				{"1918-02-01", "expired", "1918-01-01", "1918-02-01", 0},
			},
		},
		{
			name: "rejection is final",
			build: func(b *book) ledger.Hash {
				h := b.propose("russia", "1924-03-27", ledger.Proposal{Instrument: ledger.PlebisciteAgreement,
					Title: "Plebiscite in Bessarabia", Parties: ids("romania", "russia")})
				b.sign("russia", "1924-03-27", h)
				b.reject("romania", "1924-04-02", h)
				b.sign("romania", "1924-04-03", h) // skipped
				return h
			},
			checks: []check{
				{"1924-03-30", "proposed", "-", "-", 0},
				{"1924-04-02", "rejected", "-", "-", 0},
				{"1924-05-01", "rejected", "-", "-", 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &book{tb: t}
			h := tt.build(b)
			for _, c := range tt.checks {
				in := At(b.recs, day(t, c.at)).instrument(t, h)
				if string(in.Status) != c.status || dateOrDash(in.EntryIntoForce) != c.eif ||
					dateOrDash(in.End) != c.end || in.Renewals != c.renewals {
					t.Errorf("At(%s): status %s, eif %s, end %s, renewals %d; want %s, %s, %s, %d", c.at,
						in.Status, dateOrDash(in.EntryIntoForce), dateOrDash(in.End), in.Renewals,
						c.status, c.eif, c.end, c.renewals)
				}
			}
		})
	}
}

// TestSkipped checks SPEC §7.11: entries that do not apply are listed and
// change nothing.
func TestSkipped(t *testing.T) {
	b := &book{tb: t}
	h := b.propose("a", "1918-01-01", ledger.Proposal{Instrument: ledger.Armistice, Title: "A",
		Parties: ids("a", "b"), Duration: dur(t, "P1M")})
	b.sign("c", "1918-01-01", h) // not a party
	b.sign("a", "1918-01-01", h)
	b.sign("a", "1918-01-02", h)   // second signature
	b.reject("a", "1918-01-02", h) // a has signed
	b.sign("b", "1918-01-03", h)
	b.reject("b", "1918-01-04", h)   // after every party signed
	b.denounce("a", "1918-03-01", h) // expired on 1918-02-03
	b.sign("a", "1918-01-01", fakeHash(99))
	w := At(b.recs, day(t, "1918-06-01"))
	wantSkipped := []int64{1, 8, 3, 4, 6, 7} // fold order: index 8 is dated 1918-01-01
	var got []int64
	for _, ig := range w.Ignored {
		got = append(got, ig.Index)
		if ig.Reason == "" || ig.Entry != b.recs[ig.Index].Hash {
			t.Errorf("Ignored %+v: want a reason and the entry hash", ig)
		}
	}
	if !equal(got, wantSkipped) {
		t.Errorf("Ignored indices = %v; want %v", got, wantSkipped)
	}
	in := w.instrument(t, h)
	if in.Status != StatusExpired || dateOrDash(in.End) != "1918-02-03" || in.Denunciation != nil || in.Rejection != nil {
		t.Errorf("instrument = %s ending %s (denunciation %v, rejection %v); want expired ending 1918-02-03",
			in.Status, dateOrDash(in.End), in.Denunciation, in.Rejection)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// treaty is the March 1918 treaty of the source text: Rumania to evacuate
// Bessarabia within two months, attested by Russia and an observer.
func treaty(b *book, deadline ledger.Deadline) ledger.Hash {
	h := b.propose("russia", "1918-03-05", ledger.Proposal{Instrument: ledger.PeaceTreaty,
		Title: "Averescu-Rakovsky treaty", Parties: ids("romania", "russia"),
		Clauses: []ledger.Clause{{ID: "evacuate", Obligor: "romania", Action: "evacuate Bessarabia",
			Deadline: deadline, Attesters: ids("observer", "russia")}}})
	b.sign("russia", "1918-03-05", h)
	b.sign("romania", "1918-03-09", h)
	return h
}

// TestObligationState checks SPEC §7.5.
func TestObligationState(t *testing.T) {
	type check struct {
		at, state string
		late      bool
	}
	tests := []struct {
		name     string
		absolute string // absolute deadline; else P2M
		deadline string
		build    func(b *book, h ledger.Hash)
		checks   []check
	}{
		{"pending then overdue then violated", "", "1918-05-09",
			func(b *book, h ledger.Hash) { b.attest("russia", "1918-05-20", h, "evacuate", ledger.Violated) },
			[]check{{"1918-03-09", "pending", false}, {"1918-05-09", "pending", false},
				{"1918-05-10", "overdue", false}, {"1918-05-20", "violated", false}}},
		{"fulfilled in time", "", "1918-05-09",
			func(b *book, h ledger.Hash) { b.attest("observer", "1918-04-01", h, "evacuate", ledger.Fulfilled) },
			[]check{{"1918-03-31", "pending", false}, {"1918-04-01", "fulfilled", false}, {"1918-06-01", "fulfilled", false}}},
		{"fulfilled late", "", "1918-05-09",
			func(b *book, h ledger.Hash) { b.attest("observer", "1918-05-15", h, "evacuate", ledger.Fulfilled) },
			[]check{{"1918-05-14", "overdue", false}, {"1918-05-15", "fulfilled", true}}},
		{"violation before the deadline is final", "", "1918-05-09",
			func(b *book, h ledger.Hash) { b.attest("russia", "1918-04-01", h, "evacuate", ledger.Violated) },
			[]check{{"1918-04-01", "violated", false}, {"1918-05-01", "violated", false}}},
		{"disputed", "", "1918-05-09",
			func(b *book, h ledger.Hash) {
				b.attest("russia", "1918-05-20", h, "evacuate", ledger.Violated)
				b.attest("observer", "1918-05-21", h, "evacuate", ledger.Fulfilled)
			},
			[]check{{"1918-05-20", "violated", false}, {"1918-05-21", "disputed", false}}},
		{"an attester's latest attestation counts", "", "1918-05-09",
			func(b *book, h ledger.Hash) {
				b.attest("observer", "1918-04-20", h, "evacuate", ledger.Violated)
				b.attest("observer", "1918-04-25", h, "evacuate", ledger.Fulfilled)
			},
			[]check{{"1918-04-20", "violated", false}, {"1918-04-25", "fulfilled", false}}},
		{"waived by the beneficiary", "", "1918-05-09",
			func(b *book, h ledger.Hash) {
				b.attest("russia", "1918-04-01", h, "evacuate", ledger.Violated)
				b.attest("russia", "1918-06-01", h, "evacuate", ledger.Waived)
			},
			[]check{{"1918-05-01", "violated", false}, {"1918-06-01", "waived", false}}},
		{"waived by a neutral attester", "", "1918-05-09",
			func(b *book, h ledger.Hash) { b.attest("observer", "1918-05-12", h, "evacuate", ledger.Waived) },
			[]check{{"1918-05-11", "overdue", false}, {"1918-05-12", "waived", false}}},
		{"no waiver by the obligor nor attestation by a non-attester", "", "1918-05-09",
			func(b *book, h ledger.Hash) {
				b.attest("romania", "1918-04-01", h, "evacuate", ledger.Waived)
				b.attest("romania", "1918-04-02", h, "evacuate", ledger.Fulfilled)
				b.attest("russia", "1918-04-02", h, "no-such-clause", ledger.Violated)
			},
			[]check{{"1918-05-09", "pending", false}, {"1918-05-10", "overdue", false}}},
		{"absolute deadline", "1918-04-01", "1918-04-01", func(*book, ledger.Hash) {},
			[]check{{"1918-04-01", "pending", false}, {"1918-04-02", "overdue", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &book{tb: t}
			dl := ledger.Deadline{Duration: dur(t, "P2M")}
			if tt.absolute != "" {
				d := day(t, tt.absolute)
				dl = ledger.Deadline{Date: &d}
			}
			h := treaty(b, dl)
			tt.build(b, h)
			for _, c := range tt.checks {
				o := At(b.recs, day(t, c.at)).obligation(t, h, "evacuate")
				if string(o.State) != c.state || o.Late != c.late || o.Deadline.String() != tt.deadline {
					t.Errorf("At(%s): state %s late %v deadline %s; want %s late %v deadline %s",
						c.at, o.State, o.Late, o.Deadline, c.state, c.late, tt.deadline)
				}
			}
		})
	}
}

// TestObligationsOnlyInForce checks that clauses of an instrument not yet
// in force yield no obligation and that attestations before entry into
// force are skipped.
func TestObligationsOnlyInForce(t *testing.T) {
	b := &book{tb: t}
	h := treaty(b, ledger.Deadline{Duration: dur(t, "P2M")})
	b.attest("russia", "1918-03-06", h, "evacuate", ledger.Violated)
	if w := At(b.recs, day(t, "1918-03-08")); len(w.Obligations) != 0 {
		t.Errorf("At(1918-03-08): %d obligations; want 0 before entry into force", len(w.Obligations))
	}
	w := At(b.recs, day(t, "1918-03-09"))
	if o := w.obligation(t, h, "evacuate"); o.State != Pending || len(o.Attestations) != 0 {
		t.Errorf("At(1918-03-09): %s with %d attestations; want pending with 0", o.State, len(o.Attestations))
	}
	if len(w.Ignored) != 1 || w.Ignored[0].Index != 3 {
		t.Errorf("Ignored = %+v; want the early attestation (index 3)", w.Ignored)
	}
}

// TestDemarcation checks SPEC §7.6.
func TestDemarcation(t *testing.T) {
	b := &book{tb: t}
	line := json.RawMessage(`{"type":"LineString","coordinates":[[36.2,51.7],[36.1,50.0]]}`)
	h := b.propose("russia", "1918-04-20", ledger.Proposal{Instrument: ledger.Demarcation,
		Title: "Line of demarcation", Parties: ids("russia", "ukraine"),
		Sectors: []ledger.Sector{
			{ID: "kursk", Name: "Kursk sector", Status: ledger.SectorAgreed, Geometry: line},
			{ID: "rostov", Name: "Rostov sector", Status: ledger.SectorDisputed},
		}})
	b.signAll("1918-05-05", h, "russia", "ukraine")
	if w := At(b.recs, day(t, "1918-05-04")); len(w.Demarcations) != 0 {
		t.Errorf("At(1918-05-04): %d demarcations; want 0 before signature", len(w.Demarcations))
	}
	w := At(b.recs, day(t, "1918-05-05"))
	if len(w.Demarcations) != 1 {
		t.Fatalf("At(1918-05-05): %d demarcations; want 1", len(w.Demarcations))
	}
	d := w.Demarcations[0]
	var got []string
	for _, s := range d.Sectors {
		got = append(got, s.ID+":"+string(s.Status))
	}
	if want := []string{"kursk:agreed", "rostov:disputed"}; d.Instrument != h || !equal(got, want) {
		t.Errorf("sectors = %v; want %v", got, want)
	}
	if !bytes.Equal(d.Sectors[0].Geometry, line) || d.Sectors[1].Geometry != nil {
		t.Errorf("geometries = %s, %s; want the line and none", d.Sectors[0].Geometry, d.Sectors[1].Geometry)
	}
}

// TestTerritory checks SPEC §7.7 and §7.8: annexation changes the holder,
// and the recognitions of the annexation act, latest per party.
func TestTerritory(t *testing.T) {
	b := &book{tb: t}
	b.territory("russia", "1918-01-01", ledger.Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "russia",
		Population: &ledger.Population{Count: 3000000, AsOf: day(t, "1918-01-01")}})
	annex := b.act("romania", "1918-04-09", ledger.Act{Act: ledger.Annexation, Territory: "bessarabia", Against: "russia",
		Text: "union of Bessarabia with Rumania"})
	b.recognise("united-states", "1920-08-10", annex, false)
	b.recognise("britain", "1920-10-28", annex, false)
	b.recognise("britain", "1922-05-14", annex, true)
	b.recognise("russia", "1924-04-02", fakeHash(77), false) // unknown subject

	w := At(b.recs, day(t, "1918-04-08"))
	if tr := w.territory(t, "bessarabia"); tr.Holding == nil || tr.Holding.Holder != "russia" || tr.Holding.Basis != BasisTerritory {
		t.Errorf("At(1918-04-08): holding %+v; want russia by territory", tr.Holding)
	}
	w = At(b.recs, day(t, "1921-01-01"))
	tr := w.territory(t, "bessarabia")
	if h := tr.Holding; h == nil || h.Holder != "romania" || h.Entry != annex || h.Since.String() != "1918-04-09" || h.Basis != BasisAnnexation {
		t.Errorf("At(1921-01-01): holding %+v; want romania by annexation %s since 1918-04-09", tr.Holding, short(annex))
	}
	if len(tr.History) != 2 {
		t.Errorf("history has %d holdings; want 2", len(tr.History))
	}
	if yes, no := recognisers(tr.Recognitions); yes != "-" || no != "britain, united-states" {
		t.Errorf("At(1921-01-01): recognised by %s, refused by %s; want -, britain, united-states", yes, no)
	}
	w = At(b.recs, day(t, "1925-01-01"))
	if yes, no := recognisers(w.territory(t, "bessarabia").Recognitions); yes != "britain" || no != "united-states" {
		t.Errorf("At(1925-01-01): recognised by %s, refused by %s; want britain, united-states", yes, no)
	}
	if len(w.Acts) != 1 || len(w.Acts[0].Recognitions) != 2 {
		t.Errorf("acts = %+v; want the annexation with 2 recognitions", w.Acts)
	}
	if len(w.Ignored) != 1 {
		t.Errorf("Ignored = %+v; want the recognition of an unknown subject", w.Ignored)
	}
}

// TestSecession checks that a secession act makes its author the holder.
func TestSecession(t *testing.T) {
	b := &book{tb: t}
	b.territory("russia", "1917-01-01", ledger.Territory{ID: "ukraine-t", Name: "Ukraine", Holder: "russia"})
	b.act("ukraine", "1918-01-22", ledger.Act{Act: ledger.Secession, Territory: "ukraine-t", Against: "russia", Text: "independence"})
	b.act("russia", "1918-02-01", ledger.Act{Act: ledger.Proclamation, Territory: "ukraine-t", Text: "protest"})
	tr := At(b.recs, day(t, "1918-03-01")).territory(t, "ukraine-t")
	if tr.Holding == nil || tr.Holding.Holder != "ukraine" || tr.Holding.Basis != BasisSecession {
		t.Errorf("holding %+v; want ukraine by secession", tr.Holding)
	}
}

// TestUnion checks SPEC §7.9: founders, an accession with the consent of
// all, a refused accession, and a unilateral exit.
func TestUnion(t *testing.T) {
	b := &book{tb: t}
	b.party("ussr", ledger.RoleUnion, "1922-12-30")
	founders := []string{"byelorussia", "russia", "ukraine"}
	h := b.propose("russia", "1922-12-29", ledger.Proposal{Instrument: ledger.UnionConstitution, Title: "Constitution",
		Parties: ids(append(founders, "ussr")...),
		Constitution: &ledger.Constitution{Union: "ussr", Members: ids(founders...),
			Accession: ledger.RuleConsentOfAll, Exit: ledger.RuleUnilateral}})
	b.signAll("1922-12-30", h, append(founders, "ussr")...)
	var refs []ledger.Hash
	for _, f := range founders {
		refs = append(refs, b.consent(f, "1924-10-01", "ussr", "turkmenia", ledger.KindAccession))
	}
	b.member(ledger.KindAccession, "turkmenia", "1924-10-27", "ussr", refs...)
	c := b.consent("russia", "1924-10-01", "ussr", "uzbekistan", ledger.KindAccession)
	b.member(ledger.KindAccession, "uzbekistan", "1924-10-27", "ussr", c) // one consent of four needed: skipped
	b.member(ledger.KindExit, "turkmenia", "1925-01-01", "ussr")
	b.member(ledger.KindAccession, "turkmenia", "1926-01-01", "ussr", refs...) // consents already relied on: skipped
	b.member(ledger.KindAccession, "ussr", "1926-01-01", "ussr")               // the union itself: skipped
	b.member(ledger.KindExit, "ukraine", "1991-08-24", "ussr")
	b.member(ledger.KindExit, "ukraine", "1991-08-25", "ussr") // not a member: skipped
	b.member(ledger.KindAccession, "finland", "1921-01-01", "ussr")

	members := func(at string) (string, string) {
		w := At(b.recs, day(t, at))
		if len(w.Unions) != 1 {
			t.Fatalf("At(%s): %d unions; want 1", at, len(w.Unions))
		}
		var m, f []string
		for _, x := range w.Unions[0].Members {
			m = append(m, string(x.Party))
		}
		for _, x := range w.Unions[0].Former {
			f = append(f, string(x.Party)+"@"+dateOrDash(x.Until))
		}
		return strings.Join(m, ","), strings.Join(f, ",")
	}
	for _, c := range []struct{ at, members, former string }{
		{"1922-12-30", "byelorussia,russia,ukraine", ""},
		{"1924-10-27", "byelorussia,russia,turkmenia,ukraine", ""},
		{"1926-01-01", "byelorussia,russia,ukraine", "turkmenia@1925-01-01"},
		{"1991-08-24", "byelorussia,russia", "turkmenia@1925-01-01,ukraine@1991-08-24"},
	} {
		if m, f := members(c.at); m != c.members || f != c.former {
			t.Errorf("At(%s): members %q, former %q; want %q, %q", c.at, m, f, c.members, c.former)
		}
	}
	if w := At(b.recs, day(t, "1922-12-29")); len(w.Unions) != 0 {
		t.Errorf("At(1922-12-29): %d unions; want 0 before the constitution is in force", len(w.Unions))
	}
	w := At(b.recs, day(t, "1992-01-01"))
	if got := len(w.Ignored); got != 5 {
		t.Errorf("Ignored = %+v; want 5 (finland, uzbekistan, turkmenia again, ussr, second exit)", w.Ignored)
	}
}

// TestMajorityRule checks the consent-of-majority rule of SPEC §7.9.
func TestMajorityRule(t *testing.T) {
	for _, tt := range []struct {
		consents int
		want     bool
	}{{1, false}, {2, true}, {3, true}} {
		b := &book{tb: t}
		founders := []string{"a", "b", "c"}
		h := b.propose("a", "1930-01-01", ledger.Proposal{Instrument: ledger.UnionConstitution, Title: "U",
			Parties: ids(founders...), Constitution: &ledger.Constitution{Union: "u", Members: ids(founders...),
				Accession: ledger.RuleUnilateral, Exit: ledger.RuleConsentOfMajority}})
		b.signAll("1930-01-01", h, founders...)
		var refs []ledger.Hash
		for _, f := range []string{"b", "c", "c"}[:tt.consents] {
			refs = append(refs, b.consent(f, "1930-02-01", "u", "a", ledger.KindExit))
		}
		b.member(ledger.KindExit, "a", "1930-03-01", "u", refs...)
		w := At(b.recs, day(t, "1930-04-01"))
		if left := len(w.Unions[0].Former) == 1; left != tt.want {
			t.Errorf("exit with %d consent entries of 2 other members: left = %v; want %v", tt.consents, left, tt.want)
		}
	}
}
