package state

import (
	"bytes"
	"encoding/json"
	"testing"

	"concord/calendar"
	"concord/ledger"
)

// fuzzBook turns data into a ledger: each 4 bytes are one entry (kind,
// author, days after 1918-01-01, and a selector for what it refers to),
// referring to earlier entries of the same book. Records need not satisfy
// the append rules: the engine must skip what does not apply, not panic.
func fuzzBook(tb testing.TB, data []byte) *book {
	b := &book{tb: tb}
	parties := []string{"a", "b", "c"}
	base := calendar.Date{Year: 1918, Month: 1, Day: 1}
	var proposals, acts []ledger.Hash
	pick := func(hs []ledger.Hash, sel byte) ledger.Hash {
		if len(hs) == 0 {
			return fakeHash(1 << 40)
		}
		return hs[int(sel)%len(hs)]
	}
	for ; len(data) >= 4; data = data[4:] {
		kind, author, days, sel := data[0], parties[int(data[1])%3], int(data[2]), data[3]
		eff := base.AddDays(days).String()
		switch kind % 12 {
		case 0:
			p := ledger.Proposal{Instrument: []ledger.InstrumentKind{ledger.Armistice, ledger.Demarcation, ledger.UnionConstitution}[sel%3],
				Title: "p", Parties: ids("a", "b"), Duration: []*calendar.Duration{nil, {Days: 10}, {Months: 1}}[sel%3],
				Clauses: []ledger.Clause{{ID: "c", Obligor: "a", Deadline: ledger.Deadline{Duration: &calendar.Duration{Days: 5}},
					Attesters: ids("b", "c")}},
				Sectors:      []ledger.Sector{{ID: "s", Status: ledger.SectorAgreed}},
				Constitution: &ledger.Constitution{Union: "u", Members: ids("a"), Accession: ledger.RuleConsentOfAll, Exit: ledger.RuleUnilateral}}
			if sel&4 != 0 {
				p.Renewal = &calendar.Duration{Days: 7}
			}
			if sel&8 != 0 {
				p.Notice = &calendar.Duration{Days: 3}
			}
			if sel&16 != 0 {
				d := base.AddDays(int(sel))
				p.EntryIntoForce = &d
			}
			proposals = append(proposals, b.propose(author, eff, p))
		case 1, 2:
			b.sign(author, eff, pick(proposals, sel))
		case 3:
			b.reject(author, eff, pick(proposals, sel))
		case 4:
			b.denounce(author, eff, pick(proposals, sel))
		case 5:
			o := []ledger.Outcome{ledger.Fulfilled, ledger.Violated, ledger.Waived, "bogus"}[sel%4]
			b.attest(author, eff, pick(proposals, sel/4), "c", o)
		case 6:
			b.territory(author, eff, ledger.Territory{ID: "t", Name: "T", Holder: ledger.PartyID(author)})
		case 7:
			acts = append(acts, b.act(author, eff, ledger.Act{Act: []ledger.ActKind{ledger.Annexation, ledger.Secession, ledger.Proclamation}[sel%3], Territory: "t"}))
		case 8:
			b.recognise(author, eff, pick(append(acts, proposals...), sel/2), sel%2 == 0)
		case 9:
			b.member(ledger.KindAccession, author, eff, "u")
		case 10:
			b.member(ledger.KindExit, author, eff, "u")
		case 11:
			b.consent(author, eff, "u", parties[int(sel)%3], ledger.KindAccession)
		}
	}
	return b
}

// FuzzAt checks that At never panics, is deterministic, does not modify its
// input, and gives a World whose statuses are consistent with its date.
func FuzzAt(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 2, 0, 5, 1, 9, 1, 5, 2, 9, 0})
	f.Add([]byte{0, 0, 0, 4, 1, 0, 0, 0, 1, 1, 0, 0, 4, 1, 30, 0, 6, 0, 0, 0, 7, 1, 3, 0, 8, 2, 4, 0})
	f.Add([]byte{0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 0, 0, 9, 2, 5, 0, 11, 0, 4, 2, 9, 2, 6, 0, 10, 0, 7, 0})
	f.Fuzz(fuzzCheck)
}

// fuzzCheck is the body of FuzzAt.
func fuzzCheck(t *testing.T, data []byte) {
	if len(data) > 400 {
		return
	}
	b := fuzzBook(t, data)
	before := mustJSON(t, b.recs)
	for _, days := range []int{0, 20, 100, 400} {
		at := calendar.Date{Year: 1918, Month: 1, Day: 1}.AddDays(days)
		w := At(b.recs, at)
		j1 := mustJSON(t, w)
		if j2 := mustJSON(t, At(b.recs, at)); !bytes.Equal(j1, j2) {
			t.Fatalf("At(%s) is not deterministic", at)
		}
		if err := w.WriteText(new(bytes.Buffer)); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		checkWorld(t, w)
		var back World
		if err := json.Unmarshal(j1, &back); err != nil {
			t.Fatalf("World JSON does not decode: %v", err)
		}
	}
	if after := mustJSON(t, b.recs); !bytes.Equal(before, after) {
		t.Fatalf("At modified its input")
	}
}

// checkWorld checks invariants of SPEC §7.4 and §7.5 on w.
func checkWorld(t *testing.T, w *World) {
	for _, in := range w.Instruments {
		eif, end := in.EntryIntoForce, in.End
		switch in.Status {
		case StatusInForce:
			if eif == nil || eif.After(w.At) || end != nil && !end.After(w.At) {
				t.Fatalf("At(%s): in-force instrument with eif %s, end %s", w.At, date(eif), date(end))
			}
		case StatusExpired, StatusDenounced:
			if eif == nil || end == nil || end.After(w.At) {
				t.Fatalf("At(%s): %s instrument with eif %s, end %s", w.At, in.Status, date(eif), date(end))
			}
		case StatusSigned:
			if eif == nil || !eif.After(w.At) {
				t.Fatalf("At(%s): signed instrument with eif %s", w.At, date(eif))
			}
		case StatusProposed, StatusRejected:
			if eif != nil {
				t.Fatalf("At(%s): %s instrument with eif %s", w.At, in.Status, date(eif))
			}
		default:
			t.Fatalf("At(%s): unknown status %q", w.At, in.Status)
		}
	}
	for _, o := range w.Obligations {
		if o.State == Pending && o.Deadline.Before(w.At) || o.State == Overdue && !o.Deadline.Before(w.At) {
			t.Fatalf("At(%s): obligation %s with deadline %s", w.At, o.State, o.Deadline)
		}
	}
}
