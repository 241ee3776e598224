// Package ledger implements the signed entries of the record of accords as
// specified in docs/SPEC.md, Sections 3 and 4: their canonical encoding (in
// the JSON profile of Section 1.4), hashes, Ed25519 signatures, party key
// files, and the append rules.
package ledger

import (
	"encoding/json"

	"concord/calendar"
)

// Version is the entry format version (SPEC §3.1).
const Version = 1

// Hash is the SHA-256 entry hash of SPEC §3.3 (the RFC 6962 leaf hash of a
// signed entry's canonical bytes), encoded in JSON as 64 lowercase hex digits.
type Hash [32]byte

// PartyID names a party: 1 to 32 characters of [a-z0-9-], starting with a
// letter (SPEC §3.2).
type PartyID string

// Kind is an entry kind (SPEC §3.4).
type Kind string

const (
	KindParty        Kind = "party"        // registration of a party and its key
	KindTerritory    Kind = "territory"    // a territory, its population, geometry and first holder
	KindProposal     Kind = "proposal"     // an instrument proposed to its parties
	KindSignature    Kind = "signature"    // a party signs an exact proposal hash
	KindRejection    Kind = "rejection"    // a party rejects an exact proposal hash
	KindDenunciation Kind = "denunciation" // a party denounces an instrument in force
	KindAttestation  Kind = "attestation"  // an obligation attested fulfilled, violated or waived
	KindAct          Kind = "act"          // a unilateral act
	KindRecognition  Kind = "recognition"  // recognition, or refusal of recognition, of an act
	KindAccession    Kind = "accession"    // a party asks to join a union
	KindExit         Kind = "exit"         // a member leaves a union
	KindConsent      Kind = "consent"      // a member consents to another's accession or exit
	KindTrustee      Kind = "trustee"      // a plebiscite trustee's public key-generation or decryption message
	KindResult       Kind = "result"       // the result of a plebiscite
)

// Entry is what an author signs (SPEC §3.1). Exactly one of the body fields
// is set, the one named by Kind.
type Entry struct {
	V         int           `json:"v"`
	Kind      Kind          `json:"kind"`
	Author    PartyID       `json:"author"`
	Effective calendar.Date `json:"effective"`
	Refs      []Hash        `json:"refs,omitempty"`
	Source    string        `json:"source,omitempty"` // citation: where the record of this act comes from

	Party        *Party        `json:"party,omitempty"`
	Territory    *Territory    `json:"territory,omitempty"`
	Proposal     *Proposal     `json:"proposal,omitempty"`
	Signature    *Decision     `json:"signature,omitempty"`
	Rejection    *Decision     `json:"rejection,omitempty"`
	Denunciation *Denunciation `json:"denunciation,omitempty"`
	Attestation  *Attestation  `json:"attestation,omitempty"`
	Act          *Act          `json:"act,omitempty"`
	Recognition  *Recognition  `json:"recognition,omitempty"`
	Accession    *Membership   `json:"accession,omitempty"`
	Exit         *Membership   `json:"exit,omitempty"`
	Consent      *Consent      `json:"consent,omitempty"`
	Trustee      *Trustee      `json:"trustee,omitempty"`
	Result       *Result       `json:"result,omitempty"`
}

// Signed is an entry with its author's signature: the bytes of a log leaf
// (SPEC §3.3).
type Signed struct {
	Entry Entry  `json:"entry"`
	Sig   []byte `json:"sig"` // Ed25519 over the signing message of SPEC §3.3
}

// Role is what a party is (SPEC §3.4.1).
type Role string

const (
	RoleState    Role = "state"
	RoleNation   Role = "nation"
	RoleUnion    Role = "union"
	RoleObserver Role = "observer"
)

// Party registers a party and its Ed25519 public key. It is self-signed:
// the author is ID and the signature verifies under Key (SPEC §3.4.1).
type Party struct {
	ID   PartyID `json:"id"`
	Name string  `json:"name"`
	Role Role    `json:"role"`
	Key  []byte  `json:"key"` // 32-byte Ed25519 public key
}

// Population is a census figure and the date it refers to.
type Population struct {
	Count uint64        `json:"count"`
	AsOf  calendar.Date `json:"as_of"`
}

// Territory registers a territory (SPEC §3.4.2).
type Territory struct {
	ID         string          `json:"id"` // same syntax as PartyID
	Name       string          `json:"name"`
	Population *Population     `json:"population,omitempty"`
	Holder     PartyID         `json:"holder,omitempty"`   // who holds it from the entry's effective date
	Geometry   json.RawMessage `json:"geometry,omitempty"` // GeoJSON geometry object (RFC 7946)
}

// InstrumentKind is the kind of an instrument (SPEC §3.4.3).
type InstrumentKind string

const (
	Armistice           InstrumentKind = "armistice"
	PeaceTreaty         InstrumentKind = "peace-treaty"
	ModusVivendi        InstrumentKind = "modus-vivendi"
	NonAggression       InstrumentKind = "non-aggression"
	Demarcation         InstrumentKind = "demarcation"
	UnionConstitution   InstrumentKind = "union-constitution"
	PlebisciteAgreement InstrumentKind = "plebiscite-agreement"
)

// Proposal proposes an instrument to its parties (SPEC §3.4.3). It enters
// into force when every party has signed it, or on EntryIntoForce if that
// is later; it is rejected once any party rejects it.
type Proposal struct {
	Instrument     InstrumentKind     `json:"instrument"`
	Title          string             `json:"title"`
	Parties        []PartyID          `json:"parties"`
	Text           string             `json:"text,omitempty"`
	Clauses        []Clause           `json:"clauses,omitempty"`
	EntryIntoForce *calendar.Date     `json:"entry_into_force,omitempty"`
	Duration       *calendar.Duration `json:"duration,omitempty"`     // absent: indefinite
	Renewal        *calendar.Duration `json:"renewal,omitempty"`      // tacit renewal period, absent: none
	Notice         *calendar.Duration `json:"notice,omitempty"`       // denunciation notice, absent: immediate
	Territory      string             `json:"territory,omitempty"`    // territory concerned, if any
	Sectors        []Sector           `json:"sectors,omitempty"`      // demarcation only
	Constitution   *Constitution      `json:"constitution,omitempty"` // union-constitution only
	// Plebiscite is the canonical plebiscite manifest (SPEC §13.6, §13.8),
	// plebiscite-agreement only. Absent, the agreement is one in principle:
	// no poll can be held under it.
	Plebiscite json.RawMessage `json:"plebiscite,omitempty"`
}

// Deadline is either an absolute date or an ISO 8601 duration counted from
// the instrument's entry into force (SPEC §2.3). Exactly one is set; in JSON
// it is one string, "YYYY-MM-DD" or "P…".
type Deadline struct {
	Date     *calendar.Date
	Duration *calendar.Duration
}

// Clause is an obligation of one party (SPEC §3.4.3).
type Clause struct {
	ID        string    `json:"id"` // unique within the proposal, same syntax as PartyID
	Obligor   PartyID   `json:"obligor"`
	Action    string    `json:"action"`
	Deadline  Deadline  `json:"deadline"`
	Attesters []PartyID `json:"attesters"` // who may attest it fulfilled or violated
}

// SectorStatus says whether a demarcation sector is agreed.
type SectorStatus string

const (
	SectorAgreed   SectorStatus = "agreed"
	SectorDisputed SectorStatus = "disputed"
)

// Sector is one sector of a line of demarcation.
type Sector struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Status   SectorStatus    `json:"status"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// Rule is a union's rule for accession or exit (SPEC §3.4.3).
type Rule string

const (
	RuleUnilateral        Rule = "unilateral"          // the member's own entry suffices
	RuleConsentOfAll      Rule = "consent-of-all"      // every other member must consent
	RuleConsentOfMajority Rule = "consent-of-majority" // more than half of the other members
)

// Constitution is the body of a union constitution: the union party, its
// founding members, and its rules.
type Constitution struct {
	Union     PartyID   `json:"union"`
	Members   []PartyID `json:"members"`
	Accession Rule      `json:"accession"`
	Exit      Rule      `json:"exit"`
}

// Decision is the body of a signature or a rejection: the exact hash of the
// proposal entry.
type Decision struct {
	Proposal Hash   `json:"proposal"`
	Reason   string `json:"reason,omitempty"`
}

// Denunciation denounces an instrument in force; it takes effect after the
// instrument's notice period.
type Denunciation struct {
	Instrument Hash   `json:"instrument"`
	Reason     string `json:"reason,omitempty"`
}

// Outcome is what an attestation says of an obligation.
type Outcome string

const (
	Fulfilled Outcome = "fulfilled"
	Violated  Outcome = "violated"
	Waived    Outcome = "waived"
)

// Attestation attests an obligation of an instrument (SPEC §3.4.6).
type Attestation struct {
	Instrument Hash    `json:"instrument"`
	Clause     string  `json:"clause"`
	Outcome    Outcome `json:"outcome"`
	Evidence   *Hash   `json:"evidence,omitempty"` // SHA-256 of the evidence document
	Note       string  `json:"note,omitempty"`
}

// ActKind is the kind of a unilateral act.
type ActKind string

const (
	Annexation   ActKind = "annexation"   // the author takes a territory
	Proclamation ActKind = "proclamation" // a declaration, changing no holder
	Secession    ActKind = "secession"    // the author, holding a territory, declares it independent of the former holder
	Offensive    ActKind = "offensive"    // a military offensive against another party
)

// Act is a unilateral act (SPEC §3.4.7).
type Act struct {
	Act       ActKind `json:"act"`
	Territory string  `json:"territory,omitempty"`
	Against   PartyID `json:"against,omitempty"`
	Text      string  `json:"text"`
}

// Recognition recognises, or refuses to recognise, an act or an instrument
// (SPEC §3.4.8).
type Recognition struct {
	Subject   Hash `json:"subject"`
	Recognise bool `json:"recognise"`
}

// Membership is the body of an accession or an exit.
type Membership struct {
	Union PartyID `json:"union"`
}

// Consent is a member's consent to another party's accession to or exit
// from a union. Under a consent rule, the accession or exit entry lists the
// consents it relies on in its Refs (SPEC §4.13).
type Consent struct {
	Union  PartyID `json:"union"`
	Member PartyID `json:"member"` // the party joining or leaving
	Action Kind    `json:"action"` // KindAccession or KindExit
}

// TrusteeStep is the step of the plebiscite's key generation or tally a
// trustee message belongs to (SPEC §3.4.11).
type TrusteeStep string

const (
	StepKeys       TrusteeStep = "keys"       // the trustee's encryption key E_i (SPEC §12.2)
	StepCommitment TrusteeStep = "commitment" // its Feldman commitment (SPEC §12.3)
	StepShare      TrusteeStep = "share"      // one encrypted share to another trustee (SPEC §12.4)
	StepComplaint  TrusteeStep = "complaint"  // a complaint against a dealer (SPEC §12.6)
	StepDecryption TrusteeStep = "decryption" // its decryption share of the tally (SPEC §12.9)
)

// Trustee is a plebiscite trustee's public message (SPEC §3.4.11): the
// author is the trustee, so the entry's signature binds the message to it.
type Trustee struct {
	Plebiscite Hash        `json:"plebiscite"` // draft hash of the manifest (SPEC §13.3)
	Step       TrusteeStep `json:"step"`
	Data       []byte      `json:"data"` // the threshold message bytes
}

// Result records the result of a plebiscite (SPEC §3.4.12).
type Result struct {
	Agreement Hash   `json:"agreement"` // the plebiscite-agreement proposal
	LogSize   uint64 `json:"log_size"`  // size of the ballot log at close
	LogRoot   Hash   `json:"log_root"`  // its RFC 6962 root at that size
	Result    []byte `json:"result"`    // canonical plebiscite result (SPEC §15.4)
}

// Record is a signed entry as it stands in the log: its index (0-based leaf
// number), its hash and its decoded form.
type Record struct {
	Index  int64
	Hash   Hash
	Signed *Signed
}
