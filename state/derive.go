package state

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"concord/calendar"
	"concord/ledger"
)

// world derives the World as of e.t from the folded state (SPEC §7.1,
// step 5, and §7.12).
func (e *engine) world() *World {
	clauses := 0
	for _, in := range e.instOrder {
		if in.eif != nil && !e.t.Before(*in.eif) {
			clauses += len(in.p.Clauses)
		}
	}
	w := &World{
		At:           e.t,
		Parties:      make([]Party, 0, len(e.parties)),
		Instruments:  make([]Instrument, 0, len(e.instOrder)),
		Obligations:  make([]Obligation, 0, clauses),
		Demarcations: []Demarcation{},
		Territories:  make([]Territory, 0, len(e.territories)),
		Unions:       []Union{},
		Acts:         make([]Act, 0, len(e.actOrder)),
		Ignored:      e.ignored,
	}
	if w.Ignored == nil {
		w.Ignored = []Ignored{}
	}
	for _, p := range e.parties {
		w.Parties = append(w.Parties, *p)
	}
	slices.SortFunc(w.Parties, func(a, b Party) int { return cmp.Compare(a.ID, b.ID) })

	for _, in := range e.instOrder {
		inst := e.instrument(in)
		w.Instruments = append(w.Instruments, inst)
		if in.eif == nil || e.t.Before(*in.eif) {
			continue
		}
		w.Obligations = append(w.Obligations, e.obligations(in)...)
		if inst.Status == StatusInForce && in.p.Instrument == ledger.Demarcation {
			w.Demarcations = append(w.Demarcations, demarcation(in))
		}
	}

	for _, tr := range e.territories {
		w.Territories = append(w.Territories, e.territoryAt(tr))
	}
	slices.SortFunc(w.Territories, func(a, b Territory) int { return strings.Compare(a.ID, b.ID) })

	seen := make(map[ledger.PartyID]bool)
	for _, in := range e.instOrder {
		c := in.p.Constitution
		if in.p.Instrument != ledger.UnionConstitution || c == nil || seen[c.Union] {
			continue
		}
		seen[c.Union] = true
		if u := e.union(c.Union, e.t); u != nil {
			w.Unions = append(w.Unions, e.unionAt(u))
		}
	}
	slices.SortFunc(w.Unions, func(a, b Union) int { return cmp.Compare(a.Union, b.Union) })

	for _, a := range e.actOrder {
		act := *a
		act.Recognitions = e.recognitionsOf(a.Hash)
		w.Acts = append(w.Acts, act)
	}
	if len(e.plebOrder) > 0 {
		w.Plebiscites = e.plebiscites()
	}
	return w
}

func (e *engine) instrument(in *instrument) Instrument {
	p := in.p
	status, end, renewals := in.status(e.t)
	out := Instrument{
		Hash:           in.hash,
		Kind:           p.Instrument,
		Title:          p.Title,
		Proposer:       in.author,
		Proposed:       in.date,
		Parties:        slices.Clone(p.Parties),
		Territory:      p.Territory,
		Status:         status,
		Signatures:     slices.Clone(in.sigs),
		EntryIntoForce: clonePtr(in.eif),
		End:            end,
		Duration:       clonePtr(p.Duration),
		Renewal:        clonePtr(p.Renewal),
		Renewals:       renewals,
		Notice:         clonePtr(p.Notice),
		Recognitions:   e.recognitionsOf(in.hash),
	}
	if out.Signatures == nil {
		out.Signatures = []Decision{}
	}
	if in.rejection != nil {
		r := *in.rejection
		out.Rejection = &r
	}
	if in.denounced != nil {
		d := *in.denounced
		out.Denunciation = &d
	}
	if draft, by := e.draftStatus(in); draft {
		out.Status, out.SupersededBy = StatusDraft, by
	}
	return out
}

// obligations implements SPEC §7.5, steps 2 to 4, for an instrument that
// has entered into force.
func (e *engine) obligations(in *instrument) []Obligation {
	out := make([]Obligation, 0, len(in.p.Clauses))
	for i, c := range in.p.Clauses {
		o := Obligation{
			Instrument:   in.hash,
			Title:        in.p.Title,
			Clause:       c.ID,
			Obligor:      c.Obligor,
			Action:       c.Action,
			Deadline:     c.Deadline.Resolve(*in.eif),
			Attesters:    slices.Clone(c.Attesters),
			Attestations: slices.Clone(in.atts[i]),
		}
		if o.Attesters == nil {
			o.Attesters = []ledger.PartyID{}
		}
		if o.Attestations == nil {
			o.Attestations = []Attestation{}
		}
		o.State, o.Late = obligationState(o.Attestations, o.Deadline, e.t)
		out = append(out, o)
	}
	return out
}

// obligationState implements SPEC §7.5, steps 2 and 3. atts are in fold
// order.
func obligationState(atts []Attestation, deadline, t calendar.Date) (ObligationState, bool) {
	counted := make(map[ledger.PartyID]int, len(atts)) // author -> index of latest
	for i, a := range atts {
		counted[a.Party] = i
	}
	var waived, fulfilled, violated bool
	var firstFulfilled *calendar.Date
	for i, a := range atts {
		if counted[a.Party] != i {
			continue
		}
		switch a.Outcome {
		case ledger.Waived:
			waived = true
		case ledger.Violated:
			violated = true
		case ledger.Fulfilled:
			fulfilled = true
			if firstFulfilled == nil {
				firstFulfilled = &atts[i].Date
			}
		}
	}
	switch {
	case waived:
		return Waived, false
	case fulfilled && violated:
		return Disputed, false
	case violated:
		return Violated, false
	case fulfilled:
		return Fulfilled, firstFulfilled.After(deadline)
	case t.After(deadline):
		return Overdue, false
	}
	return Pending, false
}

// demarcation implements SPEC §7.6.
func demarcation(in *instrument) Demarcation {
	d := Demarcation{
		Instrument: in.hash,
		Title:      in.p.Title,
		Parties:    slices.Clone(in.p.Parties),
		Sectors:    make([]Sector, 0, len(in.p.Sectors)),
	}
	for _, s := range in.p.Sectors {
		d.Sectors = append(d.Sectors, Sector{ID: s.ID, Name: s.Name, Status: s.Status, Geometry: bytes.Clone(s.Geometry)})
	}
	return d
}

// territoryAt implements SPEC §7.7, step 4.
func (e *engine) territoryAt(tr *territory) Territory {
	out := tr.t
	out.Geometry = bytes.Clone(tr.t.Geometry)
	out.History = slices.Clone(tr.holdings)
	out.Recognitions = []Recognition{}
	if out.History == nil {
		out.History = []Holding{}
	}
	if n := len(tr.holdings); n > 0 {
		h := tr.holdings[n-1]
		out.Holding = &h
		out.Recognitions = e.recognitionsOf(h.Entry)
	}
	return out
}

// unionAt implements SPEC §7.9, step 5.
func (e *engine) unionAt(u *union) Union {
	c := u.constitution.p.Constitution
	out := Union{
		Union:        c.Union,
		Constitution: u.constitution.hash,
		Accession:    c.Accession,
		Exit:         c.Exit,
		Members:      make([]Member, 0, len(u.members)),
		Former:       slices.Clone(u.former),
	}
	if p := e.parties[c.Union]; p != nil {
		out.Name = p.Name
	}
	for _, m := range u.members {
		out.Members = append(out.Members, m)
	}
	slices.SortFunc(out.Members, func(a, b Member) int { return cmp.Compare(a.Party, b.Party) })
	if out.Former == nil {
		out.Former = []Member{}
	}
	return out
}

// recognitionsOf returns the counted recognitions of subject, sorted by
// party (SPEC §7.8).
func (e *engine) recognitionsOf(subject ledger.Hash) []Recognition {
	out := slices.Clone(e.recognitions[subject])
	if out == nil {
		return []Recognition{}
	}
	slices.SortFunc(out, func(a, b Recognition) int { return cmp.Compare(a.Party, b.Party) })
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
