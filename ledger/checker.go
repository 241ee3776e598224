package ledger

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"strings"
)

// RuleError is the refusal of an entry by an append rule of SPEC §4. Rule
// is the number of the subsection that refuses it, such as "4.13".
type RuleError struct {
	Rule string
	Msg  string
}

func (e *RuleError) Error() string {
	return "entry refused by SPEC §" + e.Rule + ": " + e.Msg
}

func refuse(rule, format string, args ...any) error {
	return &RuleError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

type partyState struct {
	key  ed25519.PublicKey
	role Role
}

type proposalState struct {
	p         *Proposal
	decided   map[PartyID]Kind // KindSignature or KindRejection
	signed    int
	rejected  bool
	denounced map[PartyID]bool
}

// complete reports whether every party has signed (SPEC §4.8).
func (ps *proposalState) complete() bool {
	return !ps.rejected && ps.signed == len(ps.p.Parties)
}

func (ps *proposalState) clause(id string) *Clause {
	for i := range ps.p.Clauses {
		if ps.p.Clauses[i].ID == id {
			return &ps.p.Clauses[i]
		}
	}
	return nil
}

type unionState struct {
	constitution    Hash
	accession, exit Rule
	members         map[PartyID]bool
}

// Checker folds a log prefix into what the append rules of SPEC §4 need:
// registered parties and keys, territories, proposals and their
// signatures, unions and their members, and every record by hash. A
// Checker is not safe for concurrent use.
type Checker struct {
	n           int64
	records     map[Hash]*Record
	parties     map[PartyID]*partyState
	territories map[string]bool
	proposals   map[Hash]*proposalState
	unions      map[PartyID]*unionState
	consumed    map[Hash]bool // consents relied on by an accession or exit
	pleb        plebState     // plebiscites (SPEC §4.14-§4.16)
}

// NewChecker returns a Checker for the empty log.
func NewChecker() *Checker {
	return &Checker{
		records:     map[Hash]*Record{},
		parties:     map[PartyID]*partyState{},
		territories: map[string]bool{},
		proposals:   map[Hash]*proposalState{},
		unions:      map[PartyID]*unionState{},
		consumed:    map[Hash]bool{},
		pleb:        newPlebState(),
	}
}

// Len returns the number of entries applied: the index the next one gets.
func (c *Checker) Len() int64 { return c.n }

// Lookup returns the record with entry hash h.
func (c *Checker) Lookup(h Hash) (*Record, bool) {
	r, ok := c.records[h]
	return r, ok
}

// PartyKey returns the public key registered for id.
func (c *Checker) PartyKey(id PartyID) (ed25519.PublicKey, bool) {
	p, ok := c.parties[id]
	if !ok {
		return nil, false
	}
	return p.key, true
}

// Members returns the current members of union, sorted, and whether the
// union has a constitution in the log (SPEC §4.13).
func (c *Checker) Members(union PartyID) ([]PartyID, bool) {
	u, ok := c.unions[union]
	if !ok {
		return nil, false
	}
	return sortedIDs(u.members), true
}

func sortedIDs(m map[PartyID]bool) []PartyID {
	ids := make([]PartyID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Check reports whether s may be appended as the next entry of the log
// (SPEC §4). It does not change the Checker. A malformed entry gives a
// *FormatError, a refused one a *RuleError naming the first rule, in the
// order of SPEC §4.2-§4.13, that refuses it.
func (c *Checker) Check(s *Signed) error {
	if len(s.Sig) != ed25519.SignatureSize {
		return bad("sig", "is %d bytes; an Ed25519 signature is 64 bytes", len(s.Sig))
	}
	eb, err := EncodeEntry(&s.Entry)
	if err != nil {
		return err
	}
	e := &s.Entry
	if err := c.checkSignature(e, eb, s.Sig); err != nil {
		return err
	}
	if err := c.checkRefs(e, LeafHash(envelope(eb, s.Sig))); err != nil {
		return err
	}
	for _, r := range e.Refs {
		if d := c.records[r].Signed.Entry.Effective; e.Effective.Before(d) {
			return refuse("4.4", "effective date %v is before %v, the effective date of referenced entry %s", e.Effective, d, r)
		}
	}
	return c.checkBody(e)
}

// checkBody runs the rules of SPEC §4.5 to §4.16 for e's kind.
func (c *Checker) checkBody(e *Entry) error {
	switch e.Kind {
	case KindParty:
		return c.checkParty(e)
	case KindTerritory:
		return c.checkTerritory(e.Territory)
	case KindProposal:
		return c.checkProposal(e)
	case KindSignature, KindRejection:
		return c.checkDecision(e)
	case KindDenunciation:
		return c.checkDenunciation(e)
	case KindAttestation:
		return c.checkAttestation(e)
	case KindAct:
		return c.checkAct(e)
	case KindRecognition:
		return nil // checked by §4.3
	case KindTrustee:
		return c.checkTrustee(e)
	case KindResult:
		return c.checkResult(e)
	default: // accession, exit, consent
		return c.checkMembership(e)
	}
}

// checkSignature implements SPEC §4.2.
func (c *Checker) checkSignature(e *Entry, entry, sig []byte) error {
	var key ed25519.PublicKey
	if e.Kind == KindParty {
		key = e.Party.Key
	} else {
		p, ok := c.parties[e.Author]
		if !ok {
			return refuse("4.2", "author %q is not a registered party; register it first with a party entry", e.Author)
		}
		key = p.key
	}
	if !ed25519.Verify(key, signingMessage(entry), sig) {
		if e.Kind == KindParty {
			return refuse("4.2", "signature does not verify under party.key; a registration is signed with the key it registers")
		}
		return refuse("4.2", "signature does not verify under the registered key of %q", e.Author)
	}
	return nil
}

// bodyRef returns the hash named in e's body, if any, and the kinds of
// entry it may name (SPEC §4.3).
func bodyRef(e *Entry) (Hash, string, []Kind) {
	switch e.Kind {
	case KindSignature:
		return e.Signature.Proposal, "signature.proposal", []Kind{KindProposal}
	case KindRejection:
		return e.Rejection.Proposal, "rejection.proposal", []Kind{KindProposal}
	case KindDenunciation:
		return e.Denunciation.Instrument, "denunciation.instrument", []Kind{KindProposal}
	case KindAttestation:
		return e.Attestation.Instrument, "attestation.instrument", []Kind{KindProposal}
	case KindRecognition:
		return e.Recognition.Subject, "recognition.subject", []Kind{KindAct, KindProposal}
	case KindResult:
		return e.Result.Agreement, "result.agreement", []Kind{KindProposal}
	}
	return Hash{}, "", nil
}

// checkRefs implements SPEC §4.3.
func (c *Checker) checkRefs(e *Entry, h Hash) error {
	if _, ok := c.records[h]; ok {
		return refuse("4.3", "entry %s is already in the log", h)
	}
	for _, r := range e.Refs {
		if _, ok := c.records[r]; !ok {
			return refuse("4.3", "ref %s names no earlier entry", r)
		}
	}
	ref, field, kinds := bodyRef(e)
	if field == "" {
		return nil
	}
	if !slices.Contains(e.Refs, ref) {
		return refuse("4.3", "%s %s must also be listed in refs", field, ref)
	}
	if k := c.records[ref].Signed.Entry.Kind; !slices.Contains(kinds, k) {
		return refuse("4.3", "%s %s names a %s entry; want %s", field, ref, k, kindList(kinds))
	}
	return nil
}

func kindList(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = "a " + string(k)
	}
	return strings.Join(s, " or ")
}

// checkParty implements SPEC §4.5.
func (c *Checker) checkParty(e *Entry) error {
	if e.Author != e.Party.ID {
		return refuse("4.5", "party %q must be registered by itself, not by %q", e.Party.ID, e.Author)
	}
	if _, ok := c.parties[e.Party.ID]; ok {
		return refuse("4.5", "party %q is already registered", e.Party.ID)
	}
	return nil
}

// checkTerritory implements SPEC §4.6.
func (c *Checker) checkTerritory(t *Territory) error {
	if c.territories[t.ID] {
		return refuse("4.6", "territory %q is already registered", t.ID)
	}
	if t.Holder != "" {
		if _, ok := c.parties[t.Holder]; !ok {
			return refuse("4.6", "holder %q is not a registered party", t.Holder)
		}
	}
	return nil
}

// checkProposal implements SPEC §4.7.
func (c *Checker) checkProposal(e *Entry) error {
	p := e.Proposal
	for _, id := range p.Parties {
		if _, ok := c.parties[id]; !ok {
			return refuse("4.7", "party %q to the proposal is not a registered party", id)
		}
	}
	if !slices.Contains(p.Parties, e.Author) {
		return refuse("4.7", "author %q is not among the parties to the proposal", e.Author)
	}
	for _, cl := range p.Clauses {
		if !slices.Contains(p.Parties, cl.Obligor) {
			return refuse("4.7", "obligor %q of clause %q is not a party to the proposal", cl.Obligor, cl.ID)
		}
		for _, a := range cl.Attesters {
			if _, ok := c.parties[a]; !ok {
				return refuse("4.7", "attester %q of clause %q is not a registered party", a, cl.ID)
			}
		}
	}
	if p.Territory != "" && !c.territories[p.Territory] {
		return refuse("4.7", "territory %q is not a registered territory", p.Territory)
	}
	if p.Plebiscite != nil {
		if err := c.checkPlebisciteProposal(p); err != nil {
			return err
		}
	}
	if k := p.Constitution; k != nil {
		if u, ok := c.parties[k.Union]; !ok || u.role != RoleUnion {
			return refuse("4.7", "union %q is not a registered party with role union", k.Union)
		}
		if _, ok := c.unions[k.Union]; ok {
			return refuse("4.7", "union %q already has a constitution", k.Union)
		}
		for _, m := range k.Members {
			if !slices.Contains(p.Parties, m) {
				return refuse("4.7", "founding member %q is not a party to the constitution", m)
			}
		}
	}
	return nil
}

// checkDecision implements SPEC §4.8.
func (c *Checker) checkDecision(e *Entry) error {
	d := e.Signature
	if e.Kind == KindRejection {
		d = e.Rejection
	}
	ps := c.proposals[d.Proposal]
	if !slices.Contains(ps.p.Parties, e.Author) {
		return refuse("4.8", "%q is not a party to proposal %s", e.Author, d.Proposal)
	}
	if k, ok := ps.decided[e.Author]; ok {
		return refuse("4.8", "%q has already recorded a %s of proposal %s", e.Author, k, d.Proposal)
	}
	if ps.rejected {
		return refuse("4.8", "proposal %s has been rejected", d.Proposal)
	}
	if k := ps.p.Constitution; k != nil && e.Kind == KindSignature && ps.signed+1 == len(ps.p.Parties) {
		if _, ok := c.unions[k.Union]; ok {
			return refuse("4.8", "union %q already has a constitution; this signature would give it a second", k.Union)
		}
	}
	return nil
}

// signedInstrument returns the state of a fully signed proposal.
func (c *Checker) signedInstrument(rule string, h Hash) (*proposalState, error) {
	ps := c.proposals[h]
	if !ps.complete() {
		return nil, refuse(rule, "instrument %s is not signed by all its parties", h)
	}
	return ps, nil
}

// checkDenunciation implements SPEC §4.9.
func (c *Checker) checkDenunciation(e *Entry) error {
	h := e.Denunciation.Instrument
	ps, err := c.signedInstrument("4.9", h)
	if err != nil {
		return err
	}
	if !slices.Contains(ps.p.Parties, e.Author) {
		return refuse("4.9", "%q is not a party to instrument %s", e.Author, h)
	}
	if ps.denounced[e.Author] {
		return refuse("4.9", "%q has already denounced instrument %s", e.Author, h)
	}
	return nil
}

// checkAttestation implements SPEC §4.10.
func (c *Checker) checkAttestation(e *Entry) error {
	a := e.Attestation
	ps, err := c.signedInstrument("4.10", a.Instrument)
	if err != nil {
		return err
	}
	cl := ps.clause(a.Clause)
	if cl == nil {
		return refuse("4.10", "instrument %s has no clause %q", a.Instrument, a.Clause)
	}
	if !slices.Contains(cl.Attesters, e.Author) {
		return refuse("4.10", "%q is not an attester of clause %q; its attesters are %s", e.Author, a.Clause, quoteIDs(cl.Attesters))
	}
	return nil
}

// checkAct implements SPEC §4.11.
func (c *Checker) checkAct(e *Entry) error {
	a := e.Act
	if a.Territory != "" && !c.territories[a.Territory] {
		return refuse("4.11", "territory %q is not a registered territory", a.Territory)
	}
	if a.Against != "" {
		if _, ok := c.parties[a.Against]; !ok {
			return refuse("4.11", "party %q is not a registered party", a.Against)
		}
		if a.Against == e.Author {
			return refuse("4.11", "an act cannot be against its own author %q", a.Against)
		}
	}
	return nil
}

func quoteIDs(ids []PartyID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(s, ", ")
}
