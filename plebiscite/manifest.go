package plebiscite

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"concord/calendar"
	"concord/ledger"
	"concord/ristretto255"
)

// ManifestVersion is the manifest format version (SPEC §13.1).
const ManifestVersion = 1

// Limits of a manifest (SPEC §13.2).
const (
	MaxOptions  = 32   // options per question
	MaxTrustees = 64   // trustees per plebiscite
	MaxLabel    = 200  // bytes in an option label
	MaxQuestion = 2000 // bytes in the question

	MaxManifestSize = 32 << 10 // bytes of a canonical manifest
)

// Hash is a SHA-256 hash (manifest hash, roll root, tracking code, counted
// root), encoded in JSON as 64 lowercase hex digits (SPEC §1.3). It is the
// ledger's hash type, so that entry hashes and plebiscite hashes mix freely.
type Hash = ledger.Hash

// OutcomeRule names the rule that makes a result binding (SPEC §15.5).
type OutcomeRule string

// AbsoluteMajority: an option wins when its count is more than half of the
// counted ballots; otherwise there is no decision.
const AbsoluteMajority OutcomeRule = "absolute-majority"

// RollRef names the electoral roll: a separate roll file (SPEC §13.4) of
// Count credential keys whose Merkle root is Root, compiled by Authority.
type RollRef struct {
	Authority ledger.PartyID `json:"authority"`
	Count     uint64         `json:"count"`
	Root      Hash           `json:"root"`
}

// Trustee is one holder of a share of the election key (SPEC §13.2). Its
// index in the key generation is its position in Manifest.Trustees plus one.
// Key is its verification key X_i (SPEC §12.8), a ristretto255 element, set
// once the key generation is done.
type Trustee struct {
	ID   ledger.PartyID `json:"id"`
	Camp string         `json:"camp"`
	Key  []byte         `json:"key,omitempty"`
}

// Precondition is a clause of an instrument that must be attested fulfilled
// by one of Attesters before the poll opens (SPEC §13.5).
type Precondition struct {
	Instrument Hash             `json:"instrument"` // ledger entry hash of the instrument proposal
	Clause     string           `json:"clause"`
	Attesters  []ledger.PartyID `json:"attesters"`
}

// Manifest is the public definition of a plebiscite (SPEC §13.2).
type Manifest struct {
	V             int              `json:"v"`
	ID            string           `json:"id"`
	Territory     string           `json:"territory"`
	Question      string           `json:"question"`
	Options       []string         `json:"options"`
	Holders       []ledger.PartyID `json:"holders,omitempty"` // per option, the party that would hold the territory ("" none)
	Min           int              `json:"min"`
	Max           int              `json:"max"`
	Outcome       OutcomeRule      `json:"outcome"`
	Roll          RollRef          `json:"roll"`
	Opens         calendar.Date    `json:"opens"`
	Closes        calendar.Date    `json:"closes"`
	Trustees      []Trustee        `json:"trustees"`
	Threshold     int              `json:"threshold"`
	Observers     []ledger.PartyID `json:"observers"`
	Preconditions []Precondition   `json:"preconditions,omitempty"`
	Key           []byte           `json:"key,omitempty"` // joint election public key
}

// ErrManifest is wrapped by every error about a malformed manifest.
var ErrManifest = errors.New("invalid manifest")

func manifestErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrManifest, fmt.Sprintf(format, args...))
}

// validID is the identifier syntax of SPEC §1.6.
func validID(s string) bool { return ledger.ValidID(s) }

// Check validates a manifest against SPEC §13.2. A draft (without the
// election key and trustee keys) passes; Complete additionally requires
// the keys.
func (m *Manifest) Check() error {
	if m.V != ManifestVersion {
		return manifestErr("version %d; want %d", m.V, ManifestVersion)
	}
	if !validID(m.ID) {
		return manifestErr("id %q: want 1 to 32 characters of [a-z0-9-] starting with a letter", m.ID)
	}
	if !validID(m.Territory) {
		return manifestErr("territory %q: want a territory id", m.Territory)
	}
	if m.Question == "" || len(m.Question) > MaxQuestion || !utf8.ValidString(m.Question) {
		return manifestErr("question must be 1 to %d bytes of UTF-8", MaxQuestion)
	}
	if len(m.Options) < 2 || len(m.Options) > MaxOptions {
		return manifestErr("%d options; want 2 to %d", len(m.Options), MaxOptions)
	}
	seen := map[string]bool{}
	for i, o := range m.Options {
		if o == "" || len(o) > MaxLabel || !utf8.ValidString(o) {
			return manifestErr("option %d: label must be 1 to %d bytes of UTF-8", i, MaxLabel)
		}
		if seen[o] {
			return manifestErr("option %d: label %q repeated", i, o)
		}
		seen[o] = true
	}
	if m.Holders != nil {
		if len(m.Holders) != len(m.Options) {
			return manifestErr("%d holders for %d options; want one per option (\"\" for none) or no holders", len(m.Holders), len(m.Options))
		}
		for i, h := range m.Holders {
			if h != "" && !validID(string(h)) {
				return manifestErr("holder of option %d: %q is not a party id", i, h)
			}
		}
	}
	if m.Min < 0 || m.Max < 1 || m.Min > m.Max || m.Max > len(m.Options) {
		return manifestErr("selection %d..%d: want 0 <= min <= max, 1 <= max <= %d options", m.Min, m.Max, len(m.Options))
	}
	if m.Outcome != AbsoluteMajority {
		return manifestErr("outcome rule %q; want %q", m.Outcome, AbsoluteMajority)
	}
	if !validID(string(m.Roll.Authority)) {
		return manifestErr("roll authority %q is not a party id", m.Roll.Authority)
	}
	if m.Roll.Count < 1 || m.Roll.Count > MaxRoll {
		return manifestErr("roll count %d; want 1 to %d", m.Roll.Count, MaxRoll)
	}
	if !m.Opens.Valid() || !m.Closes.Valid() {
		return manifestErr("opens and closes must be valid dates")
	}
	if m.Closes.Before(m.Opens) {
		return manifestErr("closes %v before opens %v", m.Closes, m.Opens)
	}
	if err := m.checkTrustees(); err != nil {
		return err
	}
	if err := checkParties("observer", m.Observers, 1); err != nil {
		return err
	}
	for i, p := range m.Preconditions {
		if !validID(p.Clause) {
			return manifestErr("precondition %d: clause %q is not a clause id", i, p.Clause)
		}
		if err := checkParties(fmt.Sprintf("precondition %d attester", i), p.Attesters, 1); err != nil {
			return err
		}
	}
	if m.Key != nil {
		if err := checkElement("election key", m.Key); err != nil {
			return manifestErr("%v", err)
		}
	}
	if (m.Key != nil) != (m.Trustees[0].Key != nil) {
		return manifestErr("the election key and the trustees' verification keys must be set together")
	}
	return nil
}

// checkElement checks that b encodes a ristretto255 element other than the
// identity.
func checkElement(what string, b []byte) error {
	e, err := ristretto255.NewElement().SetCanonicalBytes(b)
	if err != nil {
		return fmt.Errorf("%s is not a ristretto255 element", what)
	}
	if e.Equal(ristretto255.NewElement()) == 1 {
		return fmt.Errorf("%s is the identity element", what)
	}
	return nil
}

func (m *Manifest) checkTrustees() error {
	n := len(m.Trustees)
	if n < 1 || n > MaxTrustees {
		return manifestErr("%d trustees; want 1 to %d", n, MaxTrustees)
	}
	if m.Threshold < 1 || m.Threshold > n {
		return manifestErr("threshold %d; want 1 to %d trustees", m.Threshold, n)
	}
	ids := make([]ledger.PartyID, n)
	keyed := 0
	for i, t := range m.Trustees {
		ids[i] = t.ID
		if !validID(t.Camp) {
			return manifestErr("trustee %s: camp %q: want [a-z0-9-]", t.ID, t.Camp)
		}
		if t.Key != nil {
			if err := checkElement("verification key", t.Key); err != nil {
				return manifestErr("trustee %s: %v", t.ID, err)
			}
			keyed++
		}
	}
	if keyed != 0 && keyed != n {
		return manifestErr("%d of %d trustees have keys; want all or none", keyed, n)
	}
	return checkParties("trustee", ids, 1)
}

func checkParties(what string, ids []ledger.PartyID, min int) error {
	if len(ids) < min {
		return manifestErr("at least %d %s required", min, what)
	}
	seen := map[ledger.PartyID]bool{}
	for _, id := range ids {
		if !validID(string(id)) {
			return manifestErr("%s %q is not a party id", what, id)
		}
		if seen[id] {
			return manifestErr("%s %q repeated", what, id)
		}
		seen[id] = true
	}
	return nil
}

// Complete reports whether the key generation is recorded in the manifest:
// the election key and every trustee's key are set (SPEC §13.3). Only a
// complete manifest can receive ballots.
func (m *Manifest) Complete() bool {
	if len(m.Key) != 32 {
		return false
	}
	for _, t := range m.Trustees {
		if len(t.Key) != 32 {
			return false
		}
	}
	return true
}

// Draft returns a copy of the manifest without the results of the key
// generation: no election key and no trustee verification keys (SPEC §13.3).
func (m *Manifest) Draft() *Manifest {
	d := *m
	d.Key = nil
	d.Trustees = slices.Clone(m.Trustees)
	for i := range d.Trustees {
		d.Trustees[i].Key = nil
	}
	return &d
}

// Encode returns the canonical encoding of a manifest: the JSON profile of
// SPEC §1.4 (SPEC §13.6).
func (m *Manifest) Encode() ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	return canonicalJSON(m)
}

// canonicalJSON encodes v in the canonical JSON profile of SPEC §1.4: Go's
// encoding/json with HTML escaping off and no trailing newline.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// strictJSON is the strict decoding of SPEC §1.5 into v: size limit, UTF-8,
// no unknown member, no trailing byte, the structural check, and the
// canonical re-encoding must give back b.
func strictJSON(b []byte, limit int, v any, check func() error) error {
	if len(b) > limit {
		return fmt.Errorf("is %d bytes; the limit is %d bytes", len(b), limit)
	}
	if !utf8.Valid(b) {
		return errors.New("not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if off := d.InputOffset(); off != int64(len(b)) {
		return fmt.Errorf("unexpected data at offset %d", off)
	}
	if err := check(); err != nil {
		return err
	}
	again, err := canonicalJSON(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, b) {
		i := 0
		for i < len(b) && i < len(again) && b[i] == again[i] {
			i++
		}
		return fmt.Errorf("not in canonical form (SPEC §1.4) from offset %d", i)
	}
	return nil
}

// ParseManifest decodes a manifest strictly (SPEC §13.6, §1.5): unknown
// members, trailing bytes and any encoding other than the canonical one are
// rejected, and the manifest must pass Check.
func ParseManifest(b []byte) (*Manifest, error) {
	m := new(Manifest)
	if err := strictJSON(b, MaxManifestSize, m, m.Check); err != nil {
		if errors.Is(err, ErrManifest) {
			return nil, err
		}
		return nil, manifestErr("%v", err)
	}
	return m, nil
}

// manifestLabel is the domain label of the manifest hash (SPEC §13.7).
const manifestLabel = "concord/plebiscite/manifest/v1\x00"

// Hash returns the manifest hash: SHA-256 of a domain label and the
// canonical encoding (SPEC §13.7).
func (m *Manifest) Hash() (Hash, error) {
	b, err := m.Encode()
	if err != nil {
		return Hash{}, err
	}
	return HashManifestBytes(b), nil
}

// HashManifestBytes hashes canonical manifest bytes (SPEC §13.7).
func HashManifestBytes(b []byte) Hash {
	h := sha256.New()
	h.Write([]byte(manifestLabel))
	h.Write(b)
	return Hash(h.Sum(nil))
}
