package scenario

import (
	_ "embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
)

// PlebisciteFile is the name of the embedded data file of the hypothetical
// continuation (SPEC §20.8).
const PlebisciteFile = "plebiscite-1926.json"

//go:embed plebiscite-1926.json
var plebisciteData []byte

// Continuation is the HYPOTHETICAL continuation of the 1917-1926 scenario:
// the plebiscite in Bessarabia that the source text demands and that was
// never held (SPEC §20.8). Its events follow the scenario's; the demo runs
// the key generation, the poll and the tally between them.
type Continuation struct {
	Title        string
	Hypothetical string // the warning printed with every use of it
	Source       string // cited in every entry of the continuation
	// Events come after the scenario's events: parties (the trustees and
	// the roll authority) and the withdrawal protocol, signed.
	Events []Event
	// Attested is the observers' attestation that the precondition is
	// fulfilled, appended after the key generation.
	Attested Event
	Manifest DraftPlan
	Schedule Schedule
	// Proposer proposes the agreement; Others sign it besides the
	// trustees and the roll authority.
	Proposer       ledger.PartyID
	Others         []ledger.PartyID
	AgreementTitle string
	AgreementText  string
	Absent         ledger.PartyID // the trustee absent at the decryption
	Voters         VoterPlan
	KeyDate        KeyDate
}

// DraftPlan is the draft manifest without its roll, with the labels of
// events where the manifest holds entry hashes.
type DraftPlan struct {
	ID            string               `json:"id"`
	Territory     string               `json:"territory"`
	Question      string               `json:"question"`
	Options       []string             `json:"options"`
	Holders       []ledger.PartyID     `json:"holders"`
	RollAuthority ledger.PartyID       `json:"roll_authority"`
	Opens         calendar.Date        `json:"opens"`
	Closes        calendar.Date        `json:"closes"`
	Trustees      []plebiscite.Trustee `json:"trustees"`
	Threshold     int                  `json:"threshold"`
	Observers     []ledger.PartyID     `json:"observers"`
	Preconditions []struct {
		Instrument string           `json:"instrument"` // label
		Clause     string           `json:"clause"`
		Attesters  []ledger.PartyID `json:"attesters"`
	} `json:"preconditions"`
}

// Schedule holds the dates of the continuation's steps.
type Schedule struct {
	Keygen     calendar.Date `json:"keygen"`
	Agreement  calendar.Date `json:"agreement"`
	Signatures calendar.Date `json:"signatures"`
	Decryption calendar.Date `json:"decryption"`
	Result     calendar.Date `json:"result"`
}

// VoterPlan says how the demo simulates voters (SPEC §20.8): voter i
// chooses Choice(i), drawn from a PCG generator with a fixed seed, each
// option equally likely: a neutral, reproducible split, not a claim about
// anyone's opinion. Every RevoteEvery-th voter first casts a ballot for
// the other option and then re-votes; every AuditEvery-th voter first
// audits a ballot (Benaloh challenge) and then casts.
type VoterPlan struct {
	Default     int    `json:"default"`
	Seed        uint64 `json:"seed"`
	RevoteEvery int    `json:"revote_every"`
	AuditEvery  int    `json:"audit_every"`
}

// Choices returns the options of voters 0 … n-1 for a plebiscite of
// options options: a PCG stream seeded with (Seed, n) drawn uniformly.
func (v VoterPlan) Choices(n, options int) []int {
	r := rand.New(rand.NewPCG(v.Seed, uint64(n)))
	out := make([]int, n)
	for i := range out {
		out[i] = r.IntN(options)
	}
	return out
}

type continuationFile struct {
	Title          string           `json:"title"`
	Hypothetical   string           `json:"hypothetical"`
	Source         string           `json:"source"`
	Events         []Event          `json:"events"`
	Attested       Event            `json:"withdrawal_attested"`
	Manifest       DraftPlan        `json:"manifest"`
	Schedule       Schedule         `json:"schedule"`
	Proposer       ledger.PartyID   `json:"proposer"`
	Others         []ledger.PartyID `json:"other_parties"`
	AgreementTitle string           `json:"agreement_title"`
	AgreementText  string           `json:"agreement_text"`
	Absent         ledger.PartyID   `json:"absent_trustee"`
	Voters         VoterPlan        `json:"voters"`
	KeyDate        KeyDate          `json:"key_date"`
}

// LoadPlebiscite parses the embedded continuation file strictly.
func LoadPlebiscite() (*Continuation, error) {
	var f continuationFile
	if err := decodeStrict(plebisciteData, &f); err != nil {
		return nil, fmt.Errorf("scenario: %s: %w: %v", PlebisciteFile, ErrSyntax, err)
	}
	c := &Continuation{
		Title: f.Title, Hypothetical: f.Hypothetical, Source: f.Source, Events: f.Events, Attested: f.Attested,
		Manifest: f.Manifest, Schedule: f.Schedule, Proposer: f.Proposer, Others: f.Others,
		AgreementTitle: f.AgreementTitle, AgreementText: f.AgreementText, Absent: f.Absent, Voters: f.Voters, KeyDate: f.KeyDate,
	}
	switch {
	case c.Title == "" || c.Hypothetical == "" || c.Source == "":
		return nil, fmt.Errorf("scenario: %s: %w: title, hypothetical and source are required", PlebisciteFile, ErrSyntax)
	case c.Voters.Default < 1 || c.Voters.RevoteEvery < 1 || c.Voters.AuditEvery < 1:
		return nil, fmt.Errorf("scenario: %s: %w: voters.default, revote_every and audit_every must be positive", PlebisciteFile, ErrSyntax)
	case !slices.ContainsFunc(c.Manifest.Trustees, func(t plebiscite.Trustee) bool { return t.ID == c.Absent }):
		return nil, fmt.Errorf("scenario: %s: %w: absent_trustee %q is not a trustee", PlebisciteFile, ErrInvalid, c.Absent)
	}
	return c, nil
}

// Records signs the continuation's events after the scenario's (SPEC
// §20.8): labels resolve to the hashes of the scenario's events and of the
// continuation's earlier events. It returns the signed entries and the
// hash of every label, the scenario's included.
func (c *Continuation) Records(s *Scenario) ([]*ledger.Signed, map[string]ledger.Hash, error) {
	base, err := s.Records()
	if err != nil {
		return nil, nil, err
	}
	hashes := make(map[string]ledger.Hash, len(s.Events)+len(c.Events))
	parties := map[ledger.PartyID]bool{}
	for i, sg := range base {
		leaf, err := ledger.Encode(sg)
		if err != nil {
			return nil, nil, err
		}
		hashes[s.Events[i].Label] = ledger.LeafHash(leaf)
		if sg.Entry.Kind == ledger.KindParty {
			parties[sg.Entry.Author] = true
		}
	}
	var out []*ledger.Signed
	for i := range c.Events {
		sg, err := c.sign(&c.Events[i], hashes, parties)
		if err != nil {
			return nil, nil, &EventError{Index: len(s.Events) + i, Label: c.Events[i].Label, Err: err}
		}
		out = append(out, sg)
	}
	return out, hashes, nil
}

// SignAttestation signs the observers' attestation of the withdrawal,
// given the hashes from Records.
func (c *Continuation) SignAttestation(hashes map[string]ledger.Hash) (*ledger.Signed, error) {
	parties := map[ledger.PartyID]bool{c.Attested.Author: true}
	return c.sign(&c.Attested, hashes, parties)
}

// sign builds, checks and signs one continuation event and records its
// hash under its label.
func (c *Continuation) sign(ev *Event, hashes map[string]ledger.Hash, parties map[ledger.PartyID]bool) (*ledger.Signed, error) {
	if !validLabel(ev.Label) {
		return nil, fmt.Errorf("%w: label %q", ErrInvalid, ev.Label)
	}
	if _, dup := hashes[ev.Label]; dup {
		return nil, fmt.Errorf("%w: %q", ErrDuplicateLabel, ev.Label)
	}
	if ev.Quote == "" || ev.DateSource == "" {
		return nil, fmt.Errorf("%w: quote and date_source are required", ErrInvalid)
	}
	if ev.Kind == ledger.KindParty {
		parties[ev.Author] = true
	} else if !parties[ev.Author] {
		return nil, fmt.Errorf("%w: author %q is not registered", ErrInvalid, ev.Author)
	}
	e, links, err := (&Scenario{Source: c.Source}).makeEntry(ev)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		h, ok := hashes[l.label]
		if !ok {
			return nil, fmt.Errorf("%w: body names %q", ErrUnknownLabel, l.label)
		}
		if !slices.Contains(ev.Refs, l.label) {
			return nil, fmt.Errorf("%w: body names %q; list it in refs too (SPEC §4.3)", ErrInvalid, l.label)
		}
		l.set(h)
	}
	for _, r := range ev.Refs {
		h, ok := hashes[r]
		if !ok {
			return nil, fmt.Errorf("%w: ref %q names no earlier event", ErrUnknownLabel, r)
		}
		e.Refs = append(e.Refs, h)
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	sg, err := ledger.Sign(e, DemoKey(ev.Author))
	if err != nil {
		return nil, err
	}
	leaf, err := ledger.Encode(sg)
	if err != nil {
		return nil, err
	}
	hashes[ev.Label] = ledger.LeafHash(leaf)
	return sg, nil
}

// Draft returns the draft manifest (SPEC §13.3) for a roll, with the
// preconditions' instruments resolved from hashes (from Records).
func (c *Continuation) Draft(hashes map[string]ledger.Hash, roll plebiscite.RollRef) (*plebiscite.Manifest, error) {
	p := &c.Manifest
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: p.ID, Territory: p.Territory, Question: p.Question,
		Options: p.Options, Holders: p.Holders, Min: 1, Max: 1, Outcome: plebiscite.AbsoluteMajority,
		Roll: roll, Opens: p.Opens, Closes: p.Closes, Trustees: p.Trustees, Threshold: p.Threshold,
		Observers: p.Observers,
	}
	for _, pc := range p.Preconditions {
		h, ok := hashes[pc.Instrument]
		if !ok {
			return nil, fmt.Errorf("scenario: %s: %w: precondition names %q", PlebisciteFile, ErrUnknownLabel, pc.Instrument)
		}
		m.Preconditions = append(m.Preconditions, plebiscite.Precondition{Instrument: h, Clause: pc.Clause, Attesters: pc.Attesters})
	}
	if roll.Authority != p.RollAuthority {
		return nil, errors.New("scenario: the roll's authority is not the manifest's roll authority")
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", PlebisciteFile, err)
	}
	return m, nil
}
