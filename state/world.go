// Package state implements the state engine of docs/SPEC.md
// (Section 7): a pure, deterministic fold of the ledger's records into the
// world as of a date, and a text report of that world.
//
// The engine trusts the append rules (SPEC §4) for authenticity: it never
// verifies a signature and never does I/O. Entries that make no sense at
// their place in the fold are skipped and listed in World.Ignored.
package state

import (
	"encoding/json"

	"concord/calendar"
	"concord/ledger"
)

// World is the state of the record as of a date (SPEC §7.12). Every list is
// non-nil and in the deterministic order of SPEC §7.12.
type World struct {
	At           calendar.Date `json:"at"`
	Parties      []Party       `json:"parties"`
	Instruments  []Instrument  `json:"instruments"`
	Obligations  []Obligation  `json:"obligations"`
	Demarcations []Demarcation `json:"demarcations"`
	Territories  []Territory   `json:"territories"`
	Unions       []Union       `json:"unions"`
	Acts         []Act         `json:"acts"`
	Plebiscites  []Plebiscite  `json:"plebiscites,omitempty"` // SPEC §7.15; omitted when there are none
	Ignored      []Ignored     `json:"ignored"`
}

// Party is a registered party (SPEC §7.2).
type Party struct {
	ID    ledger.PartyID `json:"id"`
	Name  string         `json:"name"`
	Role  ledger.Role    `json:"role"`
	Since calendar.Date  `json:"since"`
}

// Status is the status of an instrument at a date (SPEC §7.4).
type Status string

const (
	StatusProposed  Status = "proposed"  // not every party has signed
	StatusSigned    Status = "signed"    // every party has signed, not yet in force
	StatusInForce   Status = "in-force"  // in force
	StatusExpired   Status = "expired"   // its term ran out
	StatusDenounced Status = "denounced" // a denunciation ended it
	StatusRejected  Status = "rejected"  // a party rejected it
	StatusDraft     Status = "draft"     // a plebiscite agreement with a draft manifest (SPEC §7.15)
)

// Decision is a party's signature or rejection of a proposal.
type Decision struct {
	Party  ledger.PartyID `json:"party"`
	Date   calendar.Date  `json:"date"`
	Entry  ledger.Hash    `json:"entry"`
	Reason string         `json:"reason,omitempty"`
}

// Denunciation is an applied denunciation: who, when, and the day it takes
// effect (SPEC §7.4, step 2).
type Denunciation struct {
	Party  ledger.PartyID `json:"party"`
	Date   calendar.Date  `json:"date"`
	Effect calendar.Date  `json:"effect"`
	Entry  ledger.Hash    `json:"entry"`
	Reason string         `json:"reason,omitempty"`
}

// Instrument is a proposed instrument and where it stands (SPEC §7.3, §7.4).
type Instrument struct {
	Hash           ledger.Hash           `json:"hash"`
	Kind           ledger.InstrumentKind `json:"kind"`
	Title          string                `json:"title"`
	Proposer       ledger.PartyID        `json:"proposer"`
	Proposed       calendar.Date         `json:"proposed"`
	Parties        []ledger.PartyID      `json:"parties"`
	Territory      string                `json:"territory,omitempty"`
	Status         Status                `json:"status"`
	Signatures     []Decision            `json:"signatures"`
	Rejection      *Decision             `json:"rejection,omitempty"`
	EntryIntoForce *calendar.Date        `json:"entry_into_force,omitempty"`
	End            *calendar.Date        `json:"end,omitempty"` // first day no longer in force (current term's end if renewing)
	Duration       *calendar.Duration    `json:"duration,omitempty"`
	Renewal        *calendar.Duration    `json:"renewal,omitempty"`
	Renewals       int                   `json:"renewals,omitempty"` // tacit renewals that have taken place by At
	Notice         *calendar.Duration    `json:"notice,omitempty"`
	Denunciation   *Denunciation         `json:"denunciation,omitempty"`
	SupersededBy   *ledger.Hash          `json:"superseded_by,omitempty"` // a draft's latest complete agreement (SPEC §7.15)
	Recognitions   []Recognition         `json:"recognitions"`
}

// ObligationState is the state of an obligation at a date (SPEC §7.5).
type ObligationState string

const (
	Pending   ObligationState = "pending"   // deadline not passed, nothing attested
	Overdue   ObligationState = "overdue"   // deadline passed, nothing attested
	Fulfilled ObligationState = "fulfilled" // attested fulfilled
	Violated  ObligationState = "violated"  // attested violated
	Disputed  ObligationState = "disputed"  // attested both fulfilled and violated
	Waived    ObligationState = "waived"    // waived by a beneficiary
)

// Attestation is an applied attestation of an obligation.
type Attestation struct {
	Party    ledger.PartyID `json:"party"`
	Outcome  ledger.Outcome `json:"outcome"`
	Date     calendar.Date  `json:"date"`
	Entry    ledger.Hash    `json:"entry"`
	Evidence *ledger.Hash   `json:"evidence,omitempty"`
	Note     string         `json:"note,omitempty"`
}

// Obligation is one clause of an instrument that has entered into force
// (SPEC §7.5).
type Obligation struct {
	Instrument   ledger.Hash      `json:"instrument"`
	Title        string           `json:"title"`
	Clause       string           `json:"clause"`
	Obligor      ledger.PartyID   `json:"obligor"`
	Action       string           `json:"action"`
	Deadline     calendar.Date    `json:"deadline"`
	State        ObligationState  `json:"state"`
	Late         bool             `json:"late,omitempty"` // fulfilled after the deadline
	Attesters    []ledger.PartyID `json:"attesters"`
	Attestations []Attestation    `json:"attestations"`
}

// Demarcation is a demarcation instrument in force and its sectors
// (SPEC §7.6).
type Demarcation struct {
	Instrument ledger.Hash      `json:"instrument"`
	Title      string           `json:"title"`
	Parties    []ledger.PartyID `json:"parties"`
	Sectors    []Sector         `json:"sectors"`
}

// Sector is one sector of a line of demarcation.
type Sector struct {
	ID       string              `json:"id"`
	Name     string              `json:"name"`
	Status   ledger.SectorStatus `json:"status"`
	Geometry json.RawMessage     `json:"geometry,omitempty"`
}

// Basis says what kind of entry established a holding (SPEC §7.7).
type Basis string

const (
	BasisTerritory  Basis = "territory"  // the territory's registration
	BasisAnnexation Basis = "annexation" // an annexation act
	BasisSecession  Basis = "secession"  // a secession act
	BasisPlebiscite Basis = "plebiscite" // a binding plebiscite result (SPEC §7.15)
)

// Holding is who holds a territory, since when, and by which entry.
type Holding struct {
	Holder ledger.PartyID `json:"holder"`
	Since  calendar.Date  `json:"since"`
	Entry  ledger.Hash    `json:"entry"`
	Basis  Basis          `json:"basis"`
}

// Territory is a territory and its holding at a date (SPEC §7.7).
type Territory struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Population *ledger.Population `json:"population,omitempty"`
	Geometry   json.RawMessage    `json:"geometry,omitempty"`
	Holding    *Holding           `json:"holding,omitempty"`
	History    []Holding          `json:"history"`
	// Recognitions of the entry that established the current holding.
	Recognitions []Recognition `json:"recognitions"`
}

// Recognition is a party's latest recognition, or refusal, of a subject
// (SPEC §7.8).
type Recognition struct {
	Party     ledger.PartyID `json:"party"`
	Recognise bool           `json:"recognise"`
	Date      calendar.Date  `json:"date"`
	Entry     ledger.Hash    `json:"entry"`
}

// Member is a membership of a union; Until is set for former members.
type Member struct {
	Party ledger.PartyID `json:"party"`
	Since calendar.Date  `json:"since"`
	Entry ledger.Hash    `json:"entry"` // the constitution (founders) or accession entry
	Until *calendar.Date `json:"until,omitempty"`
}

// Union is a union existing at a date (SPEC §7.9).
type Union struct {
	Union        ledger.PartyID `json:"union"`
	Name         string         `json:"name"`
	Constitution ledger.Hash    `json:"constitution"`
	Accession    ledger.Rule    `json:"accession"`
	Exit         ledger.Rule    `json:"exit"`
	Members      []Member       `json:"members"`
	Former       []Member       `json:"former"`
}

// Act is a unilateral act and who recognises it (SPEC §7.10).
type Act struct {
	Hash         ledger.Hash    `json:"hash"`
	Author       ledger.PartyID `json:"author"`
	Kind         ledger.ActKind `json:"kind"`
	Territory    string         `json:"territory,omitempty"`
	Against      ledger.PartyID `json:"against,omitempty"`
	Text         string         `json:"text"`
	Date         calendar.Date  `json:"date"`
	Recognitions []Recognition  `json:"recognitions"`
}

// Ignored is a record the fold skipped, and why (SPEC §7.11).
type Ignored struct {
	Index  int64       `json:"index"`
	Entry  ledger.Hash `json:"entry"`
	Reason string      `json:"reason"`
}
