package state

import (
	"encoding/binary"
	"testing"

	"concord/calendar"
	"concord/ledger"
)

// book builds a small ledger for tests. The engine verifies no signature,
// so records carry no signature and a made-up hash: the leaf hash of the
// record's index.
type book struct {
	tb   testing.TB
	recs []ledger.Record
}

func day(tb testing.TB, s string) calendar.Date {
	tb.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func dur(tb testing.TB, s string) *calendar.Duration {
	tb.Helper()
	p, err := calendar.ParseDuration(s)
	if err != nil {
		tb.Fatalf("ParseDuration(%q): %v", s, err)
	}
	return &p
}

func fakeHash(i int64) ledger.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return ledger.LeafHash(b[:])
}

func (b *book) add(kind ledger.Kind, author, eff string, fill func(*ledger.Entry)) ledger.Hash {
	b.tb.Helper()
	e := ledger.Entry{V: ledger.Version, Kind: kind, Author: ledger.PartyID(author), Effective: day(b.tb, eff)}
	fill(&e)
	i := int64(len(b.recs))
	h := fakeHash(i)
	b.recs = append(b.recs, ledger.Record{Index: i, Hash: h, Signed: &ledger.Signed{Entry: e}})
	return h
}

func (b *book) party(id string, role ledger.Role, eff string) ledger.Hash {
	return b.add(ledger.KindParty, id, eff, func(e *ledger.Entry) {
		e.Party = &ledger.Party{ID: ledger.PartyID(id), Name: "The " + id, Role: role, Key: make([]byte, 32)}
	})
}

func (b *book) propose(author, eff string, p ledger.Proposal) ledger.Hash {
	return b.add(ledger.KindProposal, author, eff, func(e *ledger.Entry) { e.Proposal = &p })
}

func (b *book) sign(author, eff string, h ledger.Hash) ledger.Hash {
	return b.add(ledger.KindSignature, author, eff, func(e *ledger.Entry) {
		e.Signature = &ledger.Decision{Proposal: h}
		e.Refs = []ledger.Hash{h}
	})
}

// signAll has every party of the proposal h sign it on eff.
func (b *book) signAll(eff string, h ledger.Hash, parties ...string) {
	for _, p := range parties {
		b.sign(p, eff, h)
	}
}

func (b *book) reject(author, eff string, h ledger.Hash) ledger.Hash {
	return b.add(ledger.KindRejection, author, eff, func(e *ledger.Entry) {
		e.Rejection = &ledger.Decision{Proposal: h, Reason: "no"}
	})
}

func (b *book) denounce(author, eff string, h ledger.Hash) ledger.Hash {
	return b.add(ledger.KindDenunciation, author, eff, func(e *ledger.Entry) {
		e.Denunciation = &ledger.Denunciation{Instrument: h}
	})
}

func (b *book) attest(author, eff string, h ledger.Hash, clause string, o ledger.Outcome) ledger.Hash {
	return b.add(ledger.KindAttestation, author, eff, func(e *ledger.Entry) {
		e.Attestation = &ledger.Attestation{Instrument: h, Clause: clause, Outcome: o}
	})
}

func (b *book) territory(author, eff string, t ledger.Territory) ledger.Hash {
	return b.add(ledger.KindTerritory, author, eff, func(e *ledger.Entry) { e.Territory = &t })
}

func (b *book) act(author, eff string, a ledger.Act) ledger.Hash {
	return b.add(ledger.KindAct, author, eff, func(e *ledger.Entry) { e.Act = &a })
}

func (b *book) recognise(author, eff string, subject ledger.Hash, yes bool) ledger.Hash {
	return b.add(ledger.KindRecognition, author, eff, func(e *ledger.Entry) {
		e.Recognition = &ledger.Recognition{Subject: subject, Recognise: yes}
	})
}

func (b *book) member(kind ledger.Kind, author, eff, union string, refs ...ledger.Hash) ledger.Hash {
	return b.add(kind, author, eff, func(e *ledger.Entry) {
		m := &ledger.Membership{Union: ledger.PartyID(union)}
		if kind == ledger.KindAccession {
			e.Accession = m
		} else {
			e.Exit = m
		}
		e.Refs = refs
	})
}

func (b *book) consent(author, eff, union, member string, action ledger.Kind) ledger.Hash {
	return b.add(ledger.KindConsent, author, eff, func(e *ledger.Entry) {
		e.Consent = &ledger.Consent{Union: ledger.PartyID(union), Member: ledger.PartyID(member), Action: action}
	})
}

func ids(ss ...string) []ledger.PartyID {
	out := make([]ledger.PartyID, len(ss))
	for i, s := range ss {
		out[i] = ledger.PartyID(s)
	}
	return out
}

func (w *World) instrument(tb testing.TB, h ledger.Hash) *Instrument {
	tb.Helper()
	for i := range w.Instruments {
		if w.Instruments[i].Hash == h {
			return &w.Instruments[i]
		}
	}
	tb.Fatalf("At(%s): instrument %s not found", w.At, short(h))
	return nil
}

func (w *World) obligation(tb testing.TB, h ledger.Hash, clause string) *Obligation {
	tb.Helper()
	for i := range w.Obligations {
		if o := &w.Obligations[i]; o.Instrument == h && o.Clause == clause {
			return o
		}
	}
	tb.Fatalf("At(%s): obligation %s/%s not found", w.At, short(h), clause)
	return nil
}

func (w *World) territory(tb testing.TB, id string) *Territory {
	tb.Helper()
	for i := range w.Territories {
		if w.Territories[i].ID == id {
			return &w.Territories[i]
		}
	}
	tb.Fatalf("At(%s): territory %s not found", w.At, id)
	return nil
}

func dateOrDash(d *calendar.Date) string { return date(d) }
