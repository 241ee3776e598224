package ledger

import (
	"bytes"
	"slices"
	"sync"

	"concord/calendar"
)

// PlebisciteRules is what the append rules of SPEC §4.14 to §4.16 need to
// know of plebiscite manifests, trustee messages and results, whose formats
// belong to package concord/plebiscite (SPEC §12-§15). That package imports
// this one, so it installs its rules with RegisterPlebiscite when it is
// linked in. A Checker without them refuses every plebiscite manifest,
// trustee entry and result (fail closed).
type PlebisciteRules interface {
	// Manifest parses canonical manifest bytes strictly (SPEC §13.6).
	Manifest(raw []byte) (*ManifestInfo, error)
	// TrusteeMessage parses the data of a trustee entry of step strictly
	// and returns the trustee index it is from (the dealer, accuser or
	// decrypting trustee) and the one it is to (the recipient of a share,
	// the accused of a complaint; 0 otherwise). A keys message names no
	// index: from is 0 and the author's index is used.
	TrusteeMessage(step TrusteeStep, data []byte) (from, to int, err error)
	// Result parses a canonical plebiscite result (SPEC §15.4).
	Result(raw []byte) (*ResultInfo, error)
	// Keys checks that the election key and the trustees' verification
	// keys of a complete manifest are those the key generation messages
	// msgs (keys, commitments, shares, complaints, in log order) give
	// (SPEC §12.7, §12.8, §13.3).
	Keys(raw []byte, msgs []TrusteeMessage) error
}

// ManifestInfo is what the append rules use of a manifest.
type ManifestInfo struct {
	ID            string
	Territory     string
	Hash          Hash // manifest hash (SPEC §13.7)
	Draft         Hash // draft hash: the key generation's context (SPEC §13.3)
	Complete      bool // election key and trustee keys set
	Opens, Closes calendar.Date
	Trustees      []PartyID // in index order: trustee i is Trustees[i-1]
	Threshold     int
	Options       int
	Named         []PartyID // every party the manifest names
	Signers       []PartyID // parties whose signature the agreement needs (SPEC §4.14)
	Preconditions []PreconditionRef
}

// PreconditionRef names a clause of an instrument (SPEC §13.5).
type PreconditionRef struct {
	Instrument Hash
	Clause     string
}

// ResultInfo is what the append rules use of a result.
type ResultInfo struct {
	Manifest Hash
	Options  int
	Shares   []ResultShare // ascending trustee index
}

// ResultShare is one decryption share of a result.
type ResultShare struct {
	Trustee int
	Bytes   []byte
}

// TrusteeMessage is one trustee message in the log, for PlebisciteRules.Keys.
type TrusteeMessage struct {
	Trustee int // index, 1 … n
	Step    TrusteeStep
	Data    []byte
}

var plebiscite struct {
	sync.RWMutex
	rules PlebisciteRules
}

// RegisterPlebiscite installs the plebiscite rules used by every Checker.
// Package concord/plebiscite calls it from its init function.
func RegisterPlebiscite(r PlebisciteRules) {
	plebiscite.Lock()
	defer plebiscite.Unlock()
	plebiscite.rules = r
}

func plebisciteRules(rule string) (PlebisciteRules, error) {
	plebiscite.RLock()
	defer plebiscite.RUnlock()
	if plebiscite.rules == nil {
		return nil, refuse(rule, "this program cannot check plebiscite entries: the plebiscite rules are not linked in (import concord/plebiscite)")
	}
	return plebiscite.rules, nil
}

// plebDraft is the key generation and decryption of one draft (SPEC §4.15).
type plebDraft struct {
	info       *ManifestInfo // the first manifest proposed with this draft hash
	keys       map[int]bool
	commits    map[int]bool
	shares     map[[2]int]bool
	complaints map[[2]int]bool
	decrypts   map[int][]byte
	msgs       []TrusteeMessage // key generation messages, log order
}

// plebAgreement is a plebiscite-agreement proposal with a manifest.
type plebAgreement struct {
	info   *ManifestInfo
	result bool
}

type plebState struct {
	drafts     map[Hash]*plebDraft
	agreements map[Hash]*plebAgreement // by proposal entry hash
	live       map[string]Hash         // manifest id → its complete, unrejected agreement
}

func newPlebState() plebState {
	return plebState{drafts: map[Hash]*plebDraft{}, agreements: map[Hash]*plebAgreement{}, live: map[string]Hash{}}
}

// Agreement returns the manifest information of the plebiscite-agreement
// proposal h, if h is one with a manifest.
func (c *Checker) Agreement(h Hash) (*ManifestInfo, bool) {
	a, ok := c.pleb.agreements[h]
	if !ok {
		return nil, false
	}
	return a.info, true
}

// LiveAgreement returns the complete, unrejected plebiscite-agreement
// proposal of manifest id, if any (SPEC §4.14 rule 5).
func (c *Checker) LiveAgreement(id string) (Hash, bool) {
	h, ok := c.pleb.live[id]
	return h, ok
}

// checkPlebisciteProposal implements SPEC §4.14.
func (c *Checker) checkPlebisciteProposal(p *Proposal) error {
	rules, err := plebisciteRules("4.14")
	if err != nil {
		return err
	}
	m, err := rules.Manifest(p.Plebiscite)
	if err != nil {
		return refuse("4.14", "proposal.plebiscite: %v", err)
	}
	if m.Territory != p.Territory {
		return refuse("4.14", "the manifest is for territory %q but the proposal for %q", m.Territory, p.Territory)
	}
	for _, id := range m.Named {
		if _, ok := c.parties[id]; !ok {
			return refuse("4.14", "party %q named in the manifest is not a registered party", id)
		}
	}
	for _, id := range m.Signers {
		if !slices.Contains(p.Parties, id) {
			return refuse("4.14", "%q must be a party to the agreement: its trustees, roll authority and option holders sign it", id)
		}
	}
	for i, pc := range m.Preconditions {
		ps, ok := c.proposals[pc.Instrument]
		if !ok {
			return refuse("4.14", "precondition %d names %s, not a proposal in the log", i, pc.Instrument)
		}
		if ps.clause(pc.Clause) == nil {
			return refuse("4.14", "precondition %d names clause %q, which instrument %s does not have", i, pc.Clause, pc.Instrument)
		}
	}
	if !m.Complete {
		return nil
	}
	if h, ok := c.pleb.live[m.ID]; ok {
		return refuse("4.14", "plebiscite %q already has agreement %s, not rejected; reject it before proposing another", m.ID, h)
	}
	d, ok := c.pleb.drafts[m.Draft]
	if !ok {
		return refuse("4.14", "no key generation for draft %s: propose the draft manifest and record the trustees' key generation first", m.Draft)
	}
	if err := rules.Keys(p.Plebiscite, d.msgs); err != nil {
		return refuse("4.14", "the manifest's keys are not those of the key generation in the ledger: %v", err)
	}
	return nil
}

// checkTrustee implements SPEC §4.15.
func (c *Checker) checkTrustee(e *Entry) error {
	rules, err := plebisciteRules("4.15")
	if err != nil {
		return err
	}
	t := e.Trustee
	d, ok := c.pleb.drafts[t.Plebiscite]
	if !ok {
		return refuse("4.15", "trustee.plebiscite %s is the draft hash of no plebiscite manifest in the log", t.Plebiscite)
	}
	idx := slices.Index(d.info.Trustees, e.Author) + 1
	if idx == 0 {
		return refuse("4.15", "%q is not a trustee of plebiscite %q; its trustees are %s", e.Author, d.info.ID, quoteIDs(d.info.Trustees))
	}
	from, to, err := rules.TrusteeMessage(t.Step, t.Data)
	if err != nil {
		return refuse("4.15", "trustee.data is not a %s message: %v", t.Step, err)
	}
	n := len(d.info.Trustees)
	if t.Step == StepKeys {
		from = idx // the keys message names no index: the author's is its
	}
	if from != idx {
		return refuse("4.15", "the %s message is from trustee %d but the author %q is trustee %d", t.Step, from, e.Author, idx)
	}
	if to > n {
		return refuse("4.15", "the %s message is to trustee %d; there are %d trustees", t.Step, to, n)
	}
	switch t.Step {
	case StepKeys:
		if d.keys[idx] {
			return refuse("4.15", "trustee %q has already recorded its keys for this draft", e.Author)
		}
	case StepCommitment:
		if !d.keys[idx] {
			return refuse("4.15", "trustee %q must record its keys before its commitment", e.Author)
		}
		if d.commits[idx] {
			return refuse("4.15", "trustee %q has already recorded its commitment for this draft", e.Author)
		}
	case StepShare:
		if !d.commits[idx] {
			return refuse("4.15", "trustee %q must record its commitment before its shares", e.Author)
		}
		if d.shares[[2]int{idx, to}] {
			return refuse("4.15", "trustee %q has already recorded its share to trustee %d", e.Author, to)
		}
	case StepComplaint:
		if !d.shares[[2]int{to, idx}] {
			return refuse("4.15", "trustee %q complains of a share from trustee %d that is not in the log", e.Author, to)
		}
		if d.complaints[[2]int{idx, to}] {
			return refuse("4.15", "trustee %q has already complained of trustee %d", e.Author, to)
		}
	case StepDecryption:
		h, ok := c.pleb.live[d.info.ID]
		a := c.pleb.agreements[h]
		if !ok || a.info.Draft != t.Plebiscite || !c.proposals[h].complete() {
			return refuse("4.15", "plebiscite %q has no agreement signed by all its parties to decrypt", d.info.ID)
		}
		if !e.Effective.After(a.info.Closes) {
			return refuse("4.15", "a decryption share is effective after the poll closes (%v), not on %v", a.info.Closes, e.Effective)
		}
		if _, ok := d.decrypts[idx]; ok {
			return refuse("4.15", "trustee %q has already recorded its decryption share", e.Author)
		}
	}
	return nil
}

// checkResult implements SPEC §4.16.
func (c *Checker) checkResult(e *Entry) error {
	rules, err := plebisciteRules("4.16")
	if err != nil {
		return err
	}
	r := e.Result
	a, ok := c.pleb.agreements[r.Agreement]
	if !ok || !a.info.Complete {
		return refuse("4.16", "result.agreement %s is not a plebiscite agreement with a complete manifest", r.Agreement)
	}
	if !c.proposals[r.Agreement].complete() {
		return refuse("4.16", "agreement %s is not signed by all its parties", r.Agreement)
	}
	if a.result {
		return refuse("4.16", "agreement %s already has a result", r.Agreement)
	}
	if !slices.Contains(a.info.Trustees, e.Author) && !slices.Contains(c.proposals[r.Agreement].p.Parties, e.Author) {
		return refuse("4.16", "%q is neither a trustee of plebiscite %q nor a party to its agreement", e.Author, a.info.ID)
	}
	if !e.Effective.After(a.info.Closes) {
		return refuse("4.16", "a result is effective after the poll closes (%v), not on %v", a.info.Closes, e.Effective)
	}
	res, err := rules.Result(r.Result)
	if err != nil {
		return refuse("4.16", "result.result: %v", err)
	}
	if res.Manifest != a.info.Hash {
		return refuse("4.16", "the result is for manifest %s; the agreement's manifest is %s", res.Manifest, a.info.Hash)
	}
	if res.Options != a.info.Options {
		return refuse("4.16", "the result has %d options; the manifest has %d", res.Options, a.info.Options)
	}
	if len(res.Shares) < a.info.Threshold {
		return refuse("4.16", "the result has %d decryption shares; the threshold is %d", len(res.Shares), a.info.Threshold)
	}
	d := c.pleb.drafts[a.info.Draft]
	for _, s := range res.Shares {
		rec, ok := d.decrypts[s.Trustee]
		if !ok || !bytes.Equal(rec, s.Bytes) {
			return refuse("4.16", "the result's decryption share of trustee %d is not the one that trustee recorded in the ledger", s.Trustee)
		}
	}
	return nil
}

// applyPlebiscite updates the plebiscite state after r is applied.
func (c *Checker) applyPlebiscite(r *Record) {
	e := &r.Signed.Entry
	switch e.Kind {
	case KindProposal:
		if e.Proposal.Plebiscite == nil {
			return
		}
		rules, err := plebisciteRules("4.14")
		if err != nil {
			return
		}
		m, err := rules.Manifest(e.Proposal.Plebiscite)
		if err != nil {
			return
		}
		c.pleb.agreements[r.Hash] = &plebAgreement{info: m}
		if _, ok := c.pleb.drafts[m.Draft]; !ok {
			c.pleb.drafts[m.Draft] = &plebDraft{info: m, keys: map[int]bool{}, commits: map[int]bool{},
				shares: map[[2]int]bool{}, complaints: map[[2]int]bool{}, decrypts: map[int][]byte{}}
		}
		if m.Complete {
			c.pleb.live[m.ID] = r.Hash
		}
	case KindRejection:
		if a, ok := c.pleb.agreements[e.Rejection.Proposal]; ok && c.pleb.live[a.info.ID] == e.Rejection.Proposal {
			delete(c.pleb.live, a.info.ID)
		}
	case KindTrustee:
		t := e.Trustee
		d := c.pleb.drafts[t.Plebiscite]
		rules, err := plebisciteRules("4.15")
		if err != nil {
			return
		}
		_, to, _ := rules.TrusteeMessage(t.Step, t.Data)
		from := slices.Index(d.info.Trustees, e.Author) + 1
		switch t.Step {
		case StepKeys:
			d.keys[from] = true
		case StepCommitment:
			d.commits[from] = true
		case StepShare:
			d.shares[[2]int{from, to}] = true
		case StepComplaint:
			d.complaints[[2]int{from, to}] = true
		case StepDecryption:
			d.decrypts[from] = t.Data
			return
		}
		d.msgs = append(d.msgs, TrusteeMessage{Trustee: from, Step: t.Step, Data: t.Data})
	case KindResult:
		c.pleb.agreements[e.Result.Agreement].result = true
	}
}
