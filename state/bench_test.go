package state

import (
	"fmt"
	"strconv"
	"testing"

	"concord/calendar"
	"concord/ledger"
)

// synthetic returns n records (n a multiple of 10, plus 1000 parties) of
// a busy ledger: units of ten entries (a proposal with a clause, two
// signatures, two conflicting attestations, a territory, an annexation,
// two recognitions, a denunciation), dated over a century, every 97th unit
// recorded late so that the fold must sort.
func synthetic(n int) []ledger.Record {
	const parties = 1000
	recs := make([]ledger.Record, 0, n+parties)
	signed := make([]ledger.Signed, 0, n+parties)
	pid := func(i int) ledger.PartyID { return ledger.PartyID("p" + strconv.Itoa(i%parties)) }
	base := calendar.Date{Year: 1900, Month: 1, Day: 1}
	add := func(e ledger.Entry) ledger.Hash {
		i := int64(len(recs))
		signed = append(signed, ledger.Signed{Entry: e})
		h := fakeHash(i)
		recs = append(recs, ledger.Record{Index: i, Hash: h, Signed: &signed[len(signed)-1]})
		return h
	}
	for i := range parties {
		add(ledger.Entry{Kind: ledger.KindParty, Author: pid(i), Effective: base,
			Party: &ledger.Party{ID: pid(i), Name: "party", Role: ledger.RoleState}})
	}
	year, twoMonths := calendar.Duration{Years: 1}, calendar.Duration{Months: 2}
	for u := range n / 10 {
		d := base.AddDays(u * 36500 / (n / 10))
		if u%97 == 0 {
			d = d.AddDays(-30)
		}
		a, b, c := pid(u), pid(u+1), pid(u+2)
		terr := "t" + strconv.Itoa(u%1000)
		entry := func(k ledger.Kind, author ledger.PartyID) ledger.Entry {
			return ledger.Entry{Kind: k, Author: author, Effective: d}
		}
		e := entry(ledger.KindProposal, a)
		e.Proposal = &ledger.Proposal{Instrument: ledger.NonAggression, Title: "accord", Parties: []ledger.PartyID{a, b},
			Duration: &year, Renewal: &year, Clauses: []ledger.Clause{{ID: "c", Obligor: b, Action: "withdraw",
				Deadline: ledger.Deadline{Duration: &twoMonths}, Attesters: []ledger.PartyID{c, a}}}}
		p := add(e)
		for _, s := range []ledger.PartyID{a, b} {
			e = entry(ledger.KindSignature, s)
			e.Signature = &ledger.Decision{Proposal: p}
			add(e)
		}
		for _, o := range []ledger.Outcome{ledger.Fulfilled, ledger.Violated} {
			e = entry(ledger.KindAttestation, c)
			if o == ledger.Violated {
				e.Author = a
			}
			e.Attestation = &ledger.Attestation{Instrument: p, Clause: "c", Outcome: o}
			add(e)
		}
		e = entry(ledger.KindTerritory, a)
		e.Territory = &ledger.Territory{ID: terr, Name: "territory", Holder: a}
		add(e)
		e = entry(ledger.KindAct, b)
		e.Act = &ledger.Act{Act: ledger.Annexation, Territory: terr, Text: "annexation"}
		act := add(e)
		for _, r := range []ledger.PartyID{a, c} {
			e = entry(ledger.KindRecognition, r)
			e.Recognition = &ledger.Recognition{Subject: act, Recognise: r == c}
			add(e)
		}
		e = entry(ledger.KindDenunciation, a)
		e.Denunciation = &ledger.Denunciation{Instrument: p}
		add(e)
	}
	return recs
}

// BenchmarkAt folds synthetic ledgers; ns/record is the cost per record
// of the fold and the derivation of the World.
func BenchmarkAt(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			recs := synthetic(n)
			t := calendar.Date{Year: 2000, Month: 1, Day: 1}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				At(recs, t)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(recs)), "ns/record")
		})
	}
}

// TestSynthetic checks the benchmark's ledger folds as intended, so the
// benchmark measures the real paths and not skipped entries.
func TestSynthetic(t *testing.T) {
	recs := synthetic(1000)
	w := At(recs, calendar.Date{Year: 2000, Month: 1, Day: 1})
	if len(w.Ignored) != 0 || len(w.Instruments) != 100 || len(w.Obligations) != 100 || w.Obligations[0].State != Disputed ||
		w.Instruments[0].Status != StatusDenounced || len(w.Territories) != 100 || len(w.Acts) != 100 {
		t.Errorf("synthetic(1000): %d ignored (first %v), %d instruments, %d obligations, %d territories, %d acts; want 0, 100, 100 disputed, 100, 100",
			len(w.Ignored), w.Ignored[:min(1, len(w.Ignored))], len(w.Instruments), len(w.Obligations), len(w.Territories), len(w.Acts))
	}
}
