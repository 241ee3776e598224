package state

import (
	"slices"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
)

// PlebisciteStatus is where a plebiscite stands at a date (SPEC §7.15).
type PlebisciteStatus string

const (
	PlebisciteDraft    PlebisciteStatus = "draft"    // manifest without election key: key generation pending
	PlebisciteProposed PlebisciteStatus = "proposed" // agreement not yet signed by every party
	PlebisciteRejected PlebisciteStatus = "rejected" // a party rejected the agreement
	PlebisciteAgreed   PlebisciteStatus = "agreed"   // in force; poll not open yet (date or precondition)
	PlebisciteOpen     PlebisciteStatus = "open"     // the poll receives ballots
	PlebisciteEnded    PlebisciteStatus = "ended"    // the agreement is no longer in force, no result
	PlebisciteClosed   PlebisciteStatus = "closed"   // after the closing date, no result yet
	PlebisciteDecided  PlebisciteStatus = "decided"  // a result is recorded
)

// Precondition is a precondition of a plebiscite and whether it is
// attested fulfilled (SPEC §7.15, §13.5).
type Precondition struct {
	Instrument ledger.Hash      `json:"instrument"`
	Clause     string           `json:"clause"`
	Attesters  []ledger.PartyID `json:"attesters"`
	Attested   bool             `json:"attested"`       // last attestation by an attester, on or before opens and At, says fulfilled
	Last       *Attestation     `json:"last,omitempty"` // that last attestation
}

// PlebisciteResult is a recorded result (SPEC §7.15).
type PlebisciteResult struct {
	Entry   ledger.Hash    `json:"entry"`
	Date    calendar.Date  `json:"date"`
	LogSize uint64         `json:"log_size"`
	LogRoot ledger.Hash    `json:"log_root"`
	Ballots uint64         `json:"ballots"`
	Counts  []uint64       `json:"counts"`
	Winner  *int           `json:"winner,omitempty"`
	Holder  ledger.PartyID `json:"holder,omitempty"` // the winner's holder
	Binding bool           `json:"binding"`          // the result changed the territory's holder
}

// Plebiscite is a plebiscite-agreement proposal with a manifest, and where
// its poll stands (SPEC §7.15).
type Plebiscite struct {
	Agreement     ledger.Hash       `json:"agreement"`
	ID            string            `json:"id"`
	Manifest      ledger.Hash       `json:"manifest"`
	Territory     string            `json:"territory"`
	Question      string            `json:"question"`
	Options       []string          `json:"options"`
	Holders       []ledger.PartyID  `json:"holders,omitempty"`
	Opens         calendar.Date     `json:"opens"`
	Closes        calendar.Date     `json:"closes"`
	Trustees      []ledger.PartyID  `json:"trustees"`
	Threshold     int               `json:"threshold"`
	Status        PlebisciteStatus  `json:"status"`
	Preconditions []Precondition    `json:"preconditions"`
	Result        *PlebisciteResult `json:"result,omitempty"`
}

// plebState is a plebiscite agreement in the fold.
type plebState struct {
	in     *instrument
	m      *plebiscite.Manifest
	hash   ledger.Hash
	draft  ledger.Hash // hash of m.Draft(): hash for a draft manifest
	result *PlebisciteResult
}

// plebisciteProposal records a proposal's manifest (SPEC §7.15 step 1).
// A manifest that does not parse leaves the proposal an ordinary
// instrument.
func (e *engine) plebisciteProposal(in *instrument) {
	if in.p.Instrument != ledger.PlebisciteAgreement || in.p.Plebiscite == nil {
		return
	}
	m, err := plebiscite.ParseManifest(in.p.Plebiscite)
	if err != nil {
		return
	}
	h, err := m.Hash()
	if err != nil {
		return
	}
	d, err := m.Draft().Hash()
	if err != nil {
		return
	}
	ps := &plebState{in: in, m: m, hash: h, draft: d}
	e.plebs[in.hash] = ps
	e.plebOrder = append(e.plebOrder, ps)
}

// result implements SPEC §7.15 step 2: a result entry for an agreement in
// force is recorded; if it names a winner whose option has a holder, the
// territory passes to that holder from the result's effective date.
func (e *engine) result(r *ledger.Record, en *ledger.Entry) string {
	b := en.Result
	if b == nil {
		return "result entry without result body"
	}
	ps := e.plebs[b.Agreement]
	switch {
	case ps == nil:
		return "result for an unknown plebiscite agreement"
	case ps.result != nil:
		return "second result for the plebiscite agreement"
	case !ps.in.inForce(en.Effective):
		return "result for a plebiscite agreement not in force"
	case !en.Effective.After(ps.m.Closes):
		return "result effective before the poll closes"
	}
	res, err := plebiscite.ParseResult(b.Result)
	if err != nil {
		return "result that does not decode: " + err.Error()
	}
	if res.Manifest != ps.hash {
		return "result for another manifest"
	}
	pr := &PlebisciteResult{Entry: r.Hash, Date: en.Effective, LogSize: b.LogSize, LogRoot: b.LogRoot,
		Ballots: res.Ballots, Counts: slices.Clone(res.Counts)}
	ps.result = pr
	if res.Winner == nil {
		return ""
	}
	w := *res.Winner
	pr.Winner = &w
	pr.Holder = ps.m.Holder(w)
	if pr.Holder == "" {
		return ""
	}
	tr := e.territories[ps.m.Territory]
	if tr == nil {
		return "binding result for unknown territory " + ps.m.Territory + " changes no holding"
	}
	tr.setHolding(Holding{Holder: pr.Holder, Since: en.Effective, Entry: r.Hash, Basis: BasisPlebiscite})
	pr.Binding = true
	return ""
}

// plebiscites derives the plebiscites as of e.t (SPEC §7.15 step 3).
func (e *engine) plebiscites() []Plebiscite {
	out := make([]Plebiscite, 0, len(e.plebOrder))
	for _, ps := range e.plebOrder {
		m := ps.m
		p := Plebiscite{Agreement: ps.in.hash, ID: m.ID, Manifest: ps.hash, Territory: m.Territory,
			Question: m.Question, Options: slices.Clone(m.Options), Holders: slices.Clone(m.Holders),
			Opens: m.Opens, Closes: m.Closes, Threshold: m.Threshold, Preconditions: []Precondition{}}
		for _, t := range m.Trustees {
			p.Trustees = append(p.Trustees, t.ID)
		}
		met := true
		for _, pc := range m.Preconditions {
			c := e.precondition(pc, m.Opens)
			met = met && c.Attested
			p.Preconditions = append(p.Preconditions, c)
		}
		if ps.result != nil {
			r := *ps.result
			r.Counts = slices.Clone(r.Counts)
			p.Result = &r
		}
		status, _, _ := ps.in.status(e.t)
		switch {
		case ps.result != nil:
			p.Status = PlebisciteDecided
		case !m.Complete():
			p.Status = PlebisciteDraft
		case status == StatusRejected:
			p.Status = PlebisciteRejected
		case status == StatusProposed:
			p.Status = PlebisciteProposed
		case status == StatusSigned:
			p.Status = PlebisciteAgreed
		case status != StatusInForce:
			p.Status = PlebisciteEnded
		case e.t.After(m.Closes):
			p.Status = PlebisciteClosed
		case !e.t.Before(m.Opens) && met:
			p.Status = PlebisciteOpen
		default:
			p.Status = PlebisciteAgreed
		}
		out = append(out, p)
	}
	return out
}

// draftStatus implements SPEC §7.15 step 5 for instrument in: whether it is
// a plebiscite agreement with a draft manifest, and if so the latest
// complete agreement proposed with that draft (nil if none yet).
func (e *engine) draftStatus(in *instrument) (draft bool, supersededBy *ledger.Hash) {
	ps := e.plebs[in.hash]
	if ps == nil || ps.m.Complete() {
		return false, nil
	}
	for _, c := range e.plebOrder {
		if c.m.Complete() && c.draft == ps.hash {
			h := c.in.hash
			supersededBy = &h
		}
	}
	return true, supersededBy
}

// precondition decides one precondition (SPEC §13.5) from the applied
// attestations of its instrument: the last one by one of its attesters
// effective on or before opens (and the world's date) must say fulfilled.
func (e *engine) precondition(pc plebiscite.Precondition, opens calendar.Date) Precondition {
	out := Precondition{Instrument: pc.Instrument, Clause: pc.Clause, Attesters: slices.Clone(pc.Attesters)}
	in := e.instruments[pc.Instrument]
	if in == nil {
		return out
	}
	ci := slices.IndexFunc(in.p.Clauses, func(c ledger.Clause) bool { return c.ID == pc.Clause })
	if ci < 0 {
		return out
	}
	for _, a := range in.atts[ci] {
		if slices.Contains(pc.Attesters, a.Party) && !a.Date.After(opens) {
			a := a
			out.Last = &a
		}
	}
	out.Attested = out.Last != nil && out.Last.Outcome == ledger.Fulfilled
	return out
}
