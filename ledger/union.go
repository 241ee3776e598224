package ledger

import (
	"fmt"
)

// checkMembership implements SPEC §4.13 for accession, exit and consent
// entries.
func (c *Checker) checkMembership(e *Entry) error {
	if e.Kind == KindConsent {
		return c.checkConsent(e)
	}
	m := e.Accession
	what := "accession to"
	if e.Kind == KindExit {
		m, what = e.Exit, "exit from"
	}
	u, ok := c.unions[m.Union]
	if !ok {
		return refuse("4.13", "union %q has no constitution signed by all its parties", m.Union)
	}
	if e.Kind == KindAccession && e.Author == m.Union {
		return refuse("4.13", "union %q cannot join itself", m.Union)
	}
	if e.Kind == KindAccession && u.members[e.Author] {
		return refuse("4.13", "%q is already a member of union %q", e.Author, m.Union)
	}
	if e.Kind == KindExit && !u.members[e.Author] {
		return refuse("4.13", "%q is not a member of union %q", e.Author, m.Union)
	}
	consenting := map[PartyID]bool{}
	for _, r := range e.Refs {
		ce := &c.records[r].Signed.Entry
		if ce.Kind != KindConsent {
			continue
		}
		cs := ce.Consent
		if cs.Union != m.Union || cs.Member != e.Author || cs.Action != e.Kind {
			return refuse("4.13", "ref %s is a consent to the %s of %q by union %q, not to this %s", r, cs.Action, cs.Member, cs.Union, e.Kind)
		}
		if c.consumed[r] {
			return refuse("4.13", "consent %s was already relied on by an earlier %s", r, cs.Action)
		}
		if !u.members[ce.Author] {
			return refuse("4.13", "consent %s is by %q, no longer a member of union %q", r, ce.Author, m.Union)
		}
		consenting[ce.Author] = true
	}
	rule := u.accession
	if e.Kind == KindExit {
		rule = u.exit
	}
	var others []PartyID
	for _, id := range sortedIDs(u.members) {
		if id != e.Author {
			others = append(others, id)
		}
	}
	switch rule {
	case RuleConsentOfAll:
		var missing []PartyID
		for _, id := range others {
			if !consenting[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return refuse("4.13", "%s union %q needs consent of every other member; missing: %s", what, m.Union, quoteIDs(missing))
		}
	case RuleConsentOfMajority:
		if len(others) > 0 && 2*len(consenting) <= len(others) {
			return refuse("4.13", "%s union %q needs consent of more than half of the %d other members; has %d (list consent entries in refs)",
				what, m.Union, len(others), len(consenting))
		}
	}
	return nil
}

func (c *Checker) checkConsent(e *Entry) error {
	cs := e.Consent
	u, ok := c.unions[cs.Union]
	if !ok {
		return refuse("4.13", "union %q has no constitution signed by all its parties", cs.Union)
	}
	if !u.members[e.Author] {
		return refuse("4.13", "%q is not a member of union %q and cannot consent", e.Author, cs.Union)
	}
	switch cs.Action {
	case KindAccession:
		if _, ok := c.parties[cs.Member]; !ok {
			return refuse("4.13", "%q is not a registered party", cs.Member)
		}
		if cs.Member == cs.Union {
			return refuse("4.13", "union %q cannot join itself", cs.Union)
		}
		if u.members[cs.Member] {
			return refuse("4.13", "%q is already a member of union %q", cs.Member, cs.Union)
		}
	case KindExit:
		if !u.members[cs.Member] {
			return refuse("4.13", "%q is not a member of union %q", cs.Member, cs.Union)
		}
		if cs.Member == e.Author {
			return refuse("4.13", "%q cannot consent to its own exit", e.Author)
		}
	}
	return nil
}

// Apply records r as the next entry of the log, after it passed Check and
// was durably appended. r.Index must equal Len(); Apply panics otherwise,
// since that means entries were skipped or replayed out of order. Apply
// keeps r.Signed, which must not be modified afterwards.
func (c *Checker) Apply(r Record) {
	if r.Index != c.n {
		panic(fmt.Sprintf("ledger: Checker.Apply of record %d; want record %d", r.Index, c.n))
	}
	c.n++
	c.records[r.Hash] = &r
	defer c.applyPlebiscite(&r)
	e := &r.Signed.Entry
	switch e.Kind {
	case KindParty:
		c.parties[e.Party.ID] = &partyState{key: e.Party.Key, role: e.Party.Role}
	case KindTerritory:
		c.territories[e.Territory.ID] = true
	case KindProposal:
		c.proposals[r.Hash] = &proposalState{p: e.Proposal, decided: map[PartyID]Kind{}, denounced: map[PartyID]bool{}}
	case KindSignature:
		ps := c.proposals[e.Signature.Proposal]
		ps.decided[e.Author] = KindSignature
		ps.signed++
		if k := ps.p.Constitution; k != nil && ps.complete() {
			u := &unionState{constitution: e.Signature.Proposal, accession: k.Accession, exit: k.Exit, members: map[PartyID]bool{}}
			for _, m := range k.Members {
				u.members[m] = true
			}
			c.unions[k.Union] = u
		}
	case KindRejection:
		ps := c.proposals[e.Rejection.Proposal]
		ps.decided[e.Author] = KindRejection
		ps.rejected = true
	case KindDenunciation:
		c.proposals[e.Denunciation.Instrument].denounced[e.Author] = true
	case KindAccession, KindExit:
		c.consumeConsents(e)
		if e.Kind == KindAccession {
			c.unions[e.Accession.Union].members[e.Author] = true
		} else {
			delete(c.unions[e.Exit.Union].members, e.Author)
		}
	}
}

func (c *Checker) consumeConsents(e *Entry) {
	for _, r := range e.Refs {
		if c.records[r].Signed.Entry.Kind == KindConsent {
			c.consumed[r] = true
		}
	}
}
