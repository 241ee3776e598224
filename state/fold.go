package state

import (
	"bytes"
	"slices"

	"concord/calendar"
	"concord/ledger"
)

// At folds records (in log order) into the world as of t. Records whose
// entry is effective after t are ignored; the others are applied in order of
// (effective date, log index). At does not modify records. It implements
// SPEC §7.1.
func At(records []ledger.Record, t calendar.Date) *World {
	e := &engine{
		t:             t,
		parties:       make(map[ledger.PartyID]*Party),
		instruments:   make(map[ledger.Hash]*instrument),
		territories:   make(map[string]*territory),
		acts:          make(map[ledger.Hash]*Act),
		recognitions:  make(map[ledger.Hash][]Recognition),
		consents:      make(map[ledger.Hash]consent),
		consumed:      make(map[ledger.Hash]bool),
		constitutions: make(map[ledger.PartyID][]*instrument),
		unions:        make(map[ledger.Hash]*union),
		plebs:         make(map[ledger.Hash]*plebState),
	}
	for _, r := range foldOrder(records, t) {
		e.apply(r)
	}
	return e.world()
}

// foldOrder returns the records effective on or before t, sorted by
// (effective date, log index) (SPEC §7.1, steps 2 and 3). Records are in
// log order, so a record's position stands for its log index. Each record
// is sorted as one uint64 key, date then position, which keeps the sort
// off the records' memory.
func foldOrder(records []ledger.Record, t calendar.Date) []*ledger.Record {
	if len(records) >= 1<<posBits {
		return foldOrderSlow(records, t)
	}
	keys := make([]uint64, 0, len(records))
	sorted := true
	for i := range records {
		s := records[i].Signed
		if s == nil || s.Entry.Effective.After(t) {
			continue
		}
		d := s.Entry.Effective
		if d.Year < 0 || d.Year >= 1<<20 || d.Month < 0 || d.Month > 15 || d.Day < 0 || d.Day > 31 {
			return foldOrderSlow(records, t) // not a valid date: keep the general comparison
		}
		k := (uint64(d.Year)<<9|uint64(d.Month)<<5|uint64(d.Day))<<posBits | uint64(i)
		if n := len(keys); n > 0 && keys[n-1] > k {
			sorted = false
		}
		keys = append(keys, k)
	}
	if !sorted {
		slices.Sort(keys)
	}
	order := make([]*ledger.Record, len(keys))
	for j, k := range keys {
		order[j] = &records[k&(1<<posBits-1)]
	}
	return order
}

// posBits is the width of the position in a fold key: 29 bits of date
// (year < 2^20, month, day) and 35 bits of position.
const posBits = 35

// foldOrderSlow is foldOrder by comparison of the records' dates, for
// inputs foldOrder cannot pack into keys.
func foldOrderSlow(records []ledger.Record, t calendar.Date) []*ledger.Record {
	order := make([]*ledger.Record, 0, len(records))
	for i := range records {
		r := &records[i]
		if r.Signed != nil && !r.Signed.Entry.Effective.After(t) {
			order = append(order, r)
		}
	}
	// A stable sort by date keeps log order (positions) among equal dates.
	slices.SortStableFunc(order, func(a, b *ledger.Record) int {
		return a.Signed.Entry.Effective.Compare(b.Signed.Entry.Effective)
	})
	return order
}

// Timeline returns the distinct effective dates of records, ascending: the
// dates at which the world can change (SPEC §7.14).
func Timeline(records []ledger.Record) []calendar.Date {
	var dates []calendar.Date
	for i := range records {
		if s := records[i].Signed; s != nil {
			dates = append(dates, s.Entry.Effective)
		}
	}
	slices.SortFunc(dates, calendar.Date.Compare)
	return slices.Compact(dates)
}

type engine struct {
	t             calendar.Date
	parties       map[ledger.PartyID]*Party
	instruments   map[ledger.Hash]*instrument
	instOrder     []*instrument
	territories   map[string]*territory
	acts          map[ledger.Hash]*Act
	actOrder      []*Act
	recognitions  map[ledger.Hash][]Recognition // latest per party, in order of first recognition
	consents      map[ledger.Hash]consent
	consumed      map[ledger.Hash]bool             // consents an applied accession or exit relied on
	constitutions map[ledger.PartyID][]*instrument // by union party, in fold order
	unions        map[ledger.Hash]*union           // by constitution hash
	ignored       []Ignored
	plebs         map[ledger.Hash]*plebState // plebiscite agreements by proposal hash
	plebOrder     []*plebState
}

type instrument struct {
	hash      ledger.Hash
	author    ledger.PartyID
	date      calendar.Date
	p         *ledger.Proposal
	sigs      []Decision
	rejection *Decision
	eif       *calendar.Date
	denounced *Denunciation
	atts      [][]Attestation // per clause
}

type territory struct {
	t        Territory
	holdings []Holding
}

type consent struct {
	author ledger.PartyID
	c      ledger.Consent
}

type union struct {
	constitution *instrument
	members      map[ledger.PartyID]Member
	former       []Member
}

func (e *engine) skip(r *ledger.Record, reason string) {
	e.ignored = append(e.ignored, Ignored{Index: r.Index, Entry: r.Hash, Reason: reason})
}

// apply applies one record in fold order (SPEC §7.2–§7.10).
func (e *engine) apply(r *ledger.Record) {
	en := &r.Signed.Entry
	var reason string
	switch en.Kind {
	case ledger.KindParty:
		reason = e.party(r, en)
	case ledger.KindTerritory:
		reason = e.territory(r, en)
	case ledger.KindProposal:
		reason = e.proposal(r, en)
	case ledger.KindSignature:
		reason = e.signature(r, en)
	case ledger.KindRejection:
		reason = e.rejection(r, en)
	case ledger.KindDenunciation:
		reason = e.denunciation(r, en)
	case ledger.KindAttestation:
		reason = e.attestation(r, en)
	case ledger.KindAct:
		reason = e.act(r, en)
	case ledger.KindRecognition:
		reason = e.recognition(r, en)
	case ledger.KindAccession, ledger.KindExit:
		reason = e.membership(r, en)
	case ledger.KindTrustee:
		if en.Trustee == nil {
			reason = "trustee entry without trustee body"
		}
	case ledger.KindResult:
		reason = e.result(r, en)
	case ledger.KindConsent:
		if en.Consent == nil {
			reason = "consent entry without consent body"
		} else {
			e.consents[r.Hash] = consent{author: en.Author, c: *en.Consent}
		}
	default:
		reason = "unknown entry kind " + string(en.Kind)
	}
	if reason != "" {
		e.skip(r, reason)
	}
}

// party implements SPEC §7.2.
func (e *engine) party(_ *ledger.Record, en *ledger.Entry) string {
	p := en.Party
	if p == nil {
		return "party entry without party body"
	}
	if old, ok := e.parties[p.ID]; ok {
		old.Name, old.Role = p.Name, p.Role
		return ""
	}
	e.parties[p.ID] = &Party{ID: p.ID, Name: p.Name, Role: p.Role, Since: en.Effective}
	return ""
}

// territory implements SPEC §7.7, step 1.
func (e *engine) territory(r *ledger.Record, en *ledger.Entry) string {
	b := en.Territory
	if b == nil {
		return "territory entry without territory body"
	}
	tr, ok := e.territories[b.ID]
	if !ok {
		tr = &territory{t: Territory{ID: b.ID}}
		e.territories[b.ID] = tr
	}
	if b.Name != "" {
		tr.t.Name = b.Name
	}
	if b.Population != nil {
		p := *b.Population
		tr.t.Population = &p
	}
	if len(b.Geometry) > 0 {
		tr.t.Geometry = bytes.Clone(b.Geometry)
	}
	if b.Holder != "" {
		tr.setHolding(Holding{Holder: b.Holder, Since: en.Effective, Entry: r.Hash, Basis: BasisTerritory})
	}
	return ""
}

// setHolding changes who holds the territory (SPEC §7.7). It is the one
// place a holding changes: registration, annexation, secession and, once
// a binding plebiscite result (BasisPlebiscite, SPEC §7.15).
func (tr *territory) setHolding(h Holding) {
	tr.holdings = append(tr.holdings, h)
}

// proposal implements SPEC §7.3, step 1.
func (e *engine) proposal(r *ledger.Record, en *ledger.Entry) string {
	if en.Proposal == nil {
		return "proposal entry without proposal body"
	}
	if _, ok := e.instruments[r.Hash]; ok {
		return "duplicate proposal hash"
	}
	in := &instrument{hash: r.Hash, author: en.Author, date: en.Effective, p: en.Proposal,
		atts: make([][]Attestation, len(en.Proposal.Clauses))}
	e.instruments[r.Hash] = in
	e.instOrder = append(e.instOrder, in)
	if c := en.Proposal.Constitution; en.Proposal.Instrument == ledger.UnionConstitution && c != nil {
		e.constitutions[c.Union] = append(e.constitutions[c.Union], in)
	}
	e.plebisciteProposal(in)
	return ""
}

// signature implements SPEC §7.3, steps 2 and 3.
func (e *engine) signature(r *ledger.Record, en *ledger.Entry) string {
	if en.Signature == nil {
		return "signature entry without signature body"
	}
	in := e.instruments[en.Signature.Proposal]
	switch {
	case in == nil:
		return "signature of an unknown proposal"
	case !slices.Contains(in.p.Parties, en.Author):
		return "signature by " + string(en.Author) + ", not a party to the proposal"
	case in.rejection != nil:
		return "signature of a rejected proposal"
	case in.signedBy(en.Author):
		return "second signature by " + string(en.Author)
	}
	in.sigs = append(in.sigs, Decision{Party: en.Author, Date: en.Effective, Entry: r.Hash, Reason: en.Signature.Reason})
	if in.allSigned() {
		eif := en.Effective
		if f := in.p.EntryIntoForce; f != nil && f.After(eif) {
			eif = *f
		}
		in.eif = &eif
	}
	return ""
}

// rejection implements SPEC §7.3, step 4.
func (e *engine) rejection(r *ledger.Record, en *ledger.Entry) string {
	if en.Rejection == nil {
		return "rejection entry without rejection body"
	}
	in := e.instruments[en.Rejection.Proposal]
	switch {
	case in == nil:
		return "rejection of an unknown proposal"
	case !slices.Contains(in.p.Parties, en.Author):
		return "rejection by " + string(en.Author) + ", not a party to the proposal"
	case in.rejection != nil:
		return "proposal already rejected"
	case in.signedBy(en.Author):
		return "rejection by " + string(en.Author) + ", which has signed the proposal"
	case in.allSigned():
		return "rejection of a proposal every party has signed"
	}
	in.rejection = &Decision{Party: en.Author, Date: en.Effective, Entry: r.Hash, Reason: en.Rejection.Reason}
	return ""
}

// denunciation implements SPEC §7.4, step 2.
func (e *engine) denunciation(r *ledger.Record, en *ledger.Entry) string {
	if en.Denunciation == nil {
		return "denunciation entry without denunciation body"
	}
	in := e.instruments[en.Denunciation.Instrument]
	switch {
	case in == nil:
		return "denunciation of an unknown instrument"
	case !slices.Contains(in.p.Parties, en.Author):
		return "denunciation by " + string(en.Author) + ", not a party to the instrument"
	case in.denounced != nil:
		return "instrument already denounced"
	case !in.inForce(en.Effective):
		return "denunciation of an instrument not in force"
	}
	effect := en.Effective
	if n := in.p.Notice; n != nil {
		effect = effect.Add(*n)
	}
	in.denounced = &Denunciation{Party: en.Author, Date: en.Effective, Effect: effect, Entry: r.Hash, Reason: en.Denunciation.Reason}
	return ""
}

// attestation implements SPEC §7.5, step 1.
func (e *engine) attestation(r *ledger.Record, en *ledger.Entry) string {
	a := en.Attestation
	if a == nil {
		return "attestation entry without attestation body"
	}
	in := e.instruments[a.Instrument]
	if in == nil {
		return "attestation for an unknown instrument"
	}
	if in.eif == nil || en.Effective.Before(*in.eif) {
		return "attestation for an instrument not yet in force"
	}
	ci := slices.IndexFunc(in.p.Clauses, func(c ledger.Clause) bool { return c.ID == a.Clause })
	if ci < 0 {
		return "attestation for unknown clause " + a.Clause
	}
	c := &in.p.Clauses[ci]
	switch a.Outcome {
	case ledger.Fulfilled, ledger.Violated:
		if !slices.Contains(c.Attesters, en.Author) {
			return string(en.Author) + " is not an attester of clause " + c.ID
		}
	case ledger.Waived:
		if en.Author == c.Obligor || !slices.Contains(c.Attesters, en.Author) && !slices.Contains(in.p.Parties, en.Author) {
			return "waiver of clause " + c.ID + " by " + string(en.Author) + ", neither an attester nor a beneficiary"
		}
	default:
		return "unknown attestation outcome " + string(a.Outcome)
	}
	at := Attestation{Party: en.Author, Outcome: a.Outcome, Date: en.Effective, Entry: r.Hash, Note: a.Note}
	if a.Evidence != nil {
		h := *a.Evidence
		at.Evidence = &h
	}
	in.atts[ci] = append(in.atts[ci], at)
	return ""
}

// act implements SPEC §7.7, step 2 and §7.10.
func (e *engine) act(r *ledger.Record, en *ledger.Entry) string {
	a := en.Act
	if a == nil {
		return "act entry without act body"
	}
	act := &Act{Hash: r.Hash, Author: en.Author, Kind: a.Act, Territory: a.Territory,
		Against: a.Against, Text: a.Text, Date: en.Effective}
	e.acts[r.Hash] = act
	e.actOrder = append(e.actOrder, act)
	var basis Basis
	switch a.Act {
	case ledger.Annexation:
		basis = BasisAnnexation
	case ledger.Secession:
		basis = BasisSecession
	default:
		return ""
	}
	tr := e.territories[a.Territory]
	if tr == nil {
		return string(a.Act) + " of unknown territory " + a.Territory + " changes no holding"
	}
	tr.setHolding(Holding{Holder: en.Author, Since: en.Effective, Entry: r.Hash, Basis: basis})
	return ""
}

// recognition implements SPEC §7.8.
func (e *engine) recognition(r *ledger.Record, en *ledger.Entry) string {
	rc := en.Recognition
	if rc == nil {
		return "recognition entry without recognition body"
	}
	if e.acts[rc.Subject] == nil && e.instruments[rc.Subject] == nil {
		return "recognition of an unknown act or instrument"
	}
	rec := Recognition{Party: en.Author, Recognise: rc.Recognise, Date: en.Effective, Entry: r.Hash}
	rs := e.recognitions[rc.Subject]
	if i := slices.IndexFunc(rs, func(x Recognition) bool { return x.Party == en.Author }); i >= 0 {
		rs[i] = rec // the latest per party counts
		return ""
	}
	e.recognitions[rc.Subject] = append(rs, rec)
	return ""
}

// membership implements SPEC §7.9, steps 2 to 4.
func (e *engine) membership(r *ledger.Record, en *ledger.Entry) string {
	m, rule := en.Accession, ledger.Rule("")
	if en.Kind == ledger.KindExit {
		m = en.Exit
	}
	if m == nil {
		return string(en.Kind) + " entry without " + string(en.Kind) + " body"
	}
	u := e.union(m.Union, en.Effective)
	if u == nil {
		return string(en.Kind) + ": no union " + string(m.Union) + " in force"
	}
	_, member := u.members[en.Author]
	if en.Kind == ledger.KindAccession {
		if member || en.Author == m.Union {
			return "accession of " + string(en.Author) + ", already a member"
		}
		rule = u.constitution.p.Constitution.Accession
	} else {
		if !member {
			return "exit of " + string(en.Author) + ", not a member"
		}
		rule = u.constitution.p.Constitution.Exit
	}
	if !e.ruleMet(u, rule, en) {
		return string(en.Kind) + " of " + string(en.Author) + " does not meet the " + string(rule) + " rule"
	}
	for _, h := range en.Refs {
		e.consumed[h] = true
	}
	if en.Kind == ledger.KindAccession {
		u.members[en.Author] = Member{Party: en.Author, Since: en.Effective, Entry: r.Hash}
		return ""
	}
	old := u.members[en.Author]
	until := en.Effective
	old.Until = &until
	u.former = append(u.former, old)
	delete(u.members, en.Author)
	return ""
}

// ruleMet implements SPEC §7.9, step 4.
func (e *engine) ruleMet(u *union, rule ledger.Rule, en *ledger.Entry) bool {
	others := len(u.members)
	if _, ok := u.members[en.Author]; ok {
		others--
	}
	var consented []ledger.PartyID
	for _, h := range en.Refs {
		c, ok := e.consents[h]
		if !ok || e.consumed[h] || c.c.Union != u.constitution.p.Constitution.Union || c.c.Member != en.Author || c.c.Action != en.Kind {
			continue
		}
		if _, ok := u.members[c.author]; ok && c.author != en.Author && !slices.Contains(consented, c.author) {
			consented = append(consented, c.author)
		}
	}
	switch rule {
	case ledger.RuleUnilateral:
		return true
	case ledger.RuleConsentOfAll:
		return len(consented) == others
	case ledger.RuleConsentOfMajority:
		return others == 0 || 2*len(consented) > others
	}
	return false
}

// union returns the union named u as governed on d (SPEC §7.9, step 1), or
// nil if no constitution for it is in force on d.
func (e *engine) union(u ledger.PartyID, d calendar.Date) *union {
	var gov *instrument
	for _, in := range e.constitutions[u] {
		if in.inForce(d) {
			gov = in
		}
	}
	if gov == nil {
		return nil
	}
	un := e.unions[gov.hash]
	if un == nil {
		un = &union{constitution: gov, members: make(map[ledger.PartyID]Member)}
		for _, p := range gov.p.Constitution.Members {
			un.members[p] = Member{Party: p, Since: *gov.eif, Entry: gov.hash}
		}
		e.unions[gov.hash] = un
	}
	return un
}

func (in *instrument) signedBy(p ledger.PartyID) bool {
	return slices.ContainsFunc(in.sigs, func(d Decision) bool { return d.Party == p })
}

func (in *instrument) allSigned() bool {
	for _, p := range in.p.Parties {
		if !in.signedBy(p) {
			return false
		}
	}
	return true
}
