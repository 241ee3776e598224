package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"filippo.io/edwards25519"

	"concord/calendar"
)

// Text limits of SPEC §3.2, in bytes of UTF-8.
const (
	MaxLabel = 256  // names, titles, and other single-line labels
	MaxNote  = 4096 // source, reasons, notes, clause actions
)

// FormatError reports an entry that is not well formed: it does not decode
// strictly (SPEC §3.1) or breaks a structural rule of SPEC §3.2-§3.4.
// Field is the JSON path of the offending member, if known.
type FormatError struct {
	Field string
	Msg   string
}

func (e *FormatError) Error() string {
	if e.Field == "" {
		return "bad entry: " + e.Msg
	}
	return "bad entry: " + e.Field + ": " + e.Msg
}

func bad(field, format string, args ...any) error {
	return &FormatError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ValidID reports whether s is a valid identifier (SPEC §3.2): 1 to 32
// characters of [a-z0-9-], the first a letter. Party, territory, clause and
// sector ids use this syntax.
func ValidID(s string) bool {
	if len(s) < 1 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkID(field, s string) error {
	if !ValidID(s) {
		return bad(field, "%q is not a valid id; use 1 to 32 characters of a-z, 0-9 and -, starting with a letter", s)
	}
	return nil
}

// Kinds of text (SPEC §3.2).
type textKind int

const (
	note     textKind = iota // multi-line, may be empty
	label                    // single-line, non-empty
	required                 // multi-line, non-empty
)

// checkText checks a text of at most max bytes (0: no limit of its own).
// Labels are single-line; other texts may hold tabs and line feeds. No
// text may hold other control characters.
func checkText(field, s string, max int, kind textKind) error {
	if kind != note && s == "" {
		return bad(field, "is empty")
	}
	if max > 0 && len(s) > max {
		return bad(field, "is %d bytes long; the limit is %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return bad(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 && (kind == label || r != '\t' && r != '\n') || r >= 0x7f && r <= 0x9f {
			return bad(field, "contains the control character %U", r)
		}
	}
	return nil
}

func checkDate(field string, d calendar.Date) error {
	if !d.Valid() {
		return bad(field, "%v is not a valid date", d)
	}
	return nil
}

func checkDuration(field string, p *calendar.Duration) error {
	if p != nil && !p.Valid() {
		return bad(field, "%+v is not a valid duration", *p)
	}
	return nil
}

// checkIDs checks a list of ids: non-empty, each valid, no repeats.
func checkIDs[T ~string](field string, ids []T) error {
	if len(ids) == 0 {
		return bad(field, "is empty")
	}
	seen := make(map[T]bool, len(ids))
	for i, id := range ids {
		if err := checkID(fmt.Sprintf("%s[%d]", field, i), string(id)); err != nil {
			return err
		}
		if seen[id] {
			return bad(field, "%q appears twice", id)
		}
		seen[id] = true
	}
	return nil
}

// bodies lists the kinds whose body field is set in e.
func (e *Entry) bodies() []Kind {
	var ks []Kind
	for _, b := range [...]struct {
		k   Kind
		set bool
	}{
		{KindParty, e.Party != nil}, {KindTerritory, e.Territory != nil}, {KindProposal, e.Proposal != nil},
		{KindSignature, e.Signature != nil}, {KindRejection, e.Rejection != nil},
		{KindDenunciation, e.Denunciation != nil}, {KindAttestation, e.Attestation != nil},
		{KindAct, e.Act != nil}, {KindRecognition, e.Recognition != nil},
		{KindAccession, e.Accession != nil}, {KindExit, e.Exit != nil}, {KindConsent, e.Consent != nil},
		{KindTrustee, e.Trustee != nil}, {KindResult, e.Result != nil},
	} {
		if b.set {
			ks = append(ks, b.k)
		}
	}
	return ks
}

// KnownKind reports whether k is one of the entry kinds of SPEC §3.4.
func KnownKind(k Kind) bool {
	switch k {
	case KindParty, KindTerritory, KindProposal, KindSignature, KindRejection, KindDenunciation,
		KindAttestation, KindAct, KindRecognition, KindAccession, KindExit, KindConsent, KindTrustee, KindResult:
		return true
	}
	return false
}

// Validate checks the structural rules of SPEC §3.2-§3.4, those that need
// no other entry: version, kind and body, identifiers, dates, enumerations,
// text limits, key length, geometry, and uniqueness within lists. The
// append rules of SPEC §4 are checked by a Checker. Errors are *FormatError.
func (e *Entry) Validate() error {
	if e.V != Version {
		return bad("v", "version %d is not supported; want %d", e.V, Version)
	}
	if !KnownKind(e.Kind) {
		return bad("kind", "unknown kind %q", e.Kind)
	}
	switch ks := e.bodies(); {
	case len(ks) == 0:
		return bad(string(e.Kind), "missing: a %s entry needs its %q body", e.Kind, e.Kind)
	case len(ks) > 1:
		return bad("", "entry has %d bodies (%v); want exactly one, %q", len(ks), ks, e.Kind)
	case ks[0] != e.Kind:
		return bad(string(ks[0]), "a %s entry cannot have a %q body; want %q", e.Kind, ks[0], e.Kind)
	}
	if err := checkID("author", string(e.Author)); err != nil {
		return err
	}
	if err := checkDate("effective", e.Effective); err != nil {
		return err
	}
	seen := make(map[Hash]bool, len(e.Refs))
	for _, r := range e.Refs {
		if seen[r] {
			return bad("refs", "%s appears twice", r)
		}
		seen[r] = true
	}
	if err := checkText("source", e.Source, MaxNote, note); err != nil {
		return err
	}
	return e.validateBody()
}

func (e *Entry) validateBody() error {
	switch e.Kind {
	case KindParty:
		return e.Party.validate()
	case KindTerritory:
		return e.Territory.validate()
	case KindProposal:
		return e.Proposal.validate()
	case KindSignature:
		return checkText("signature.reason", e.Signature.Reason, MaxNote, note)
	case KindRejection:
		return checkText("rejection.reason", e.Rejection.Reason, MaxNote, note)
	case KindDenunciation:
		return checkText("denunciation.reason", e.Denunciation.Reason, MaxNote, note)
	case KindAttestation:
		return e.Attestation.validate()
	case KindAct:
		return e.Act.validate()
	case KindRecognition:
		return nil
	case KindAccession:
		return checkID("accession.union", string(e.Accession.Union))
	case KindExit:
		return checkID("exit.union", string(e.Exit.Union))
	case KindConsent:
		return e.Consent.validate()
	case KindTrustee:
		return e.Trustee.validate()
	case KindResult:
		return e.Result.validate()
	}
	panic("unreachable")
}

func (p *Party) validate() error {
	if err := checkID("party.id", string(p.ID)); err != nil {
		return err
	}
	if err := checkText("party.name", p.Name, MaxLabel, label); err != nil {
		return err
	}
	switch p.Role {
	case RoleState, RoleNation, RoleUnion, RoleObserver:
	default:
		return bad("party.role", "unknown role %q; want state, nation, union or observer", p.Role)
	}
	if len(p.Key) != 32 {
		return bad("party.key", "is %d bytes; an Ed25519 public key is 32 bytes", len(p.Key))
	}
	return checkPublicKey(p.Key)
}

// checkPublicKey refuses Ed25519 public keys that are not the canonical
// encoding of a curve point, or that are of small order (SPEC §3.4.1):
// under a small-order key anyone can forge signatures.
func checkPublicKey(key []byte) error {
	a, err := new(edwards25519.Point).SetBytes(key)
	if err != nil {
		return bad("party.key", "is not an Ed25519 public key (not a curve point)")
	}
	if !bytes.Equal(a.Bytes(), key) {
		return bad("party.key", "is not the canonical encoding of an Ed25519 public key")
	}
	if new(edwards25519.Point).MultByCofactor(a).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return bad("party.key", "is a small-order point; use a key made by GenerateKey")
	}
	return nil
}

func (t *Territory) validate() error {
	if err := checkID("territory.id", t.ID); err != nil {
		return err
	}
	if err := checkText("territory.name", t.Name, MaxLabel, label); err != nil {
		return err
	}
	if t.Population != nil {
		if err := checkDate("territory.population.as_of", t.Population.AsOf); err != nil {
			return err
		}
	}
	if t.Holder != "" {
		if err := checkID("territory.holder", string(t.Holder)); err != nil {
			return err
		}
	}
	return checkGeometry("territory.geometry", t.Geometry)
}

func (p *Proposal) validate() error {
	switch p.Instrument {
	case Armistice, PeaceTreaty, ModusVivendi, NonAggression, Demarcation, UnionConstitution, PlebisciteAgreement:
	default:
		return bad("proposal.instrument", "unknown instrument %q", p.Instrument)
	}
	if err := checkText("proposal.title", p.Title, MaxLabel, label); err != nil {
		return err
	}
	if err := checkIDs("proposal.parties", p.Parties); err != nil {
		return err
	}
	if err := checkText("proposal.text", p.Text, 0, note); err != nil {
		return err
	}
	clauseIDs := make(map[string]bool, len(p.Clauses))
	for i := range p.Clauses {
		c := &p.Clauses[i]
		f := fmt.Sprintf("proposal.clauses[%d]", i)
		if err := c.validate(f); err != nil {
			return err
		}
		if clauseIDs[c.ID] {
			return bad(f+".id", "clause id %q appears twice", c.ID)
		}
		clauseIDs[c.ID] = true
	}
	if p.EntryIntoForce != nil {
		if err := checkDate("proposal.entry_into_force", *p.EntryIntoForce); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		f string
		p *calendar.Duration
	}{{"proposal.duration", p.Duration}, {"proposal.renewal", p.Renewal}, {"proposal.notice", p.Notice}} {
		if err := checkDuration(d.f, d.p); err != nil {
			return err
		}
	}
	if p.Renewal != nil && p.Duration == nil {
		return bad("proposal.renewal", "tacit renewal needs a duration; set proposal.duration or drop renewal")
	}
	if p.Territory != "" {
		if err := checkID("proposal.territory", p.Territory); err != nil {
			return err
		}
	} else if p.Instrument == PlebisciteAgreement {
		return bad("proposal.territory", "a plebiscite agreement must name its territory")
	}
	if (p.Instrument == Demarcation) != (len(p.Sectors) > 0) {
		return bad("proposal.sectors", "a demarcation has at least one sector and other instruments have none")
	}
	sectorIDs := make(map[string]bool, len(p.Sectors))
	for i := range p.Sectors {
		s := &p.Sectors[i]
		f := fmt.Sprintf("proposal.sectors[%d]", i)
		if err := s.validate(f); err != nil {
			return err
		}
		if sectorIDs[s.ID] {
			return bad(f+".id", "sector id %q appears twice", s.ID)
		}
		sectorIDs[s.ID] = true
	}
	if p.Plebiscite != nil {
		if p.Instrument != PlebisciteAgreement {
			return bad("proposal.plebiscite", "only a plebiscite-agreement carries a plebiscite manifest")
		}
		if err := checkManifestJSON(p.Plebiscite); err != nil {
			return err
		}
	}
	if (p.Instrument == UnionConstitution) != (p.Constitution != nil) {
		return bad("proposal.constitution", "a union constitution has a constitution body and other instruments have none")
	}
	if p.Constitution != nil {
		return p.Constitution.validate()
	}
	return nil
}

func (c *Clause) validate(f string) error {
	if err := checkID(f+".id", c.ID); err != nil {
		return err
	}
	if err := checkID(f+".obligor", string(c.Obligor)); err != nil {
		return err
	}
	if err := checkText(f+".action", c.Action, MaxNote, required); err != nil {
		return err
	}
	if err := c.Deadline.check(); err != nil {
		return bad(f+".deadline", "%v", err)
	}
	return checkIDs(f+".attesters", c.Attesters)
}

func (s *Sector) validate(f string) error {
	if err := checkID(f+".id", s.ID); err != nil {
		return err
	}
	if err := checkText(f+".name", s.Name, MaxLabel, label); err != nil {
		return err
	}
	if s.Status != SectorAgreed && s.Status != SectorDisputed {
		return bad(f+".status", "unknown status %q; want agreed or disputed", s.Status)
	}
	return checkGeometry(f+".geometry", s.Geometry)
}

func validRule(r Rule) bool {
	return r == RuleUnilateral || r == RuleConsentOfAll || r == RuleConsentOfMajority
}

func (c *Constitution) validate() error {
	if err := checkID("proposal.constitution.union", string(c.Union)); err != nil {
		return err
	}
	if err := checkIDs("proposal.constitution.members", c.Members); err != nil {
		return err
	}
	for _, m := range c.Members {
		if m == c.Union {
			return bad("proposal.constitution.members", "union %q cannot be its own member", m)
		}
	}
	if !validRule(c.Accession) {
		return bad("proposal.constitution.accession", "unknown rule %q; want unilateral, consent-of-all or consent-of-majority", c.Accession)
	}
	if !validRule(c.Exit) {
		return bad("proposal.constitution.exit", "unknown rule %q; want unilateral, consent-of-all or consent-of-majority", c.Exit)
	}
	return nil
}

func (a *Attestation) validate() error {
	if err := checkID("attestation.clause", a.Clause); err != nil {
		return err
	}
	if a.Outcome != Fulfilled && a.Outcome != Violated && a.Outcome != Waived {
		return bad("attestation.outcome", "unknown outcome %q; want fulfilled, violated or waived", a.Outcome)
	}
	return checkText("attestation.note", a.Note, MaxNote, note)
}

func (a *Act) validate() error {
	switch a.Act {
	case Annexation, Proclamation, Secession, Offensive:
	default:
		return bad("act.act", "unknown act %q; want annexation, proclamation, secession or offensive", a.Act)
	}
	if a.Territory != "" {
		if err := checkID("act.territory", a.Territory); err != nil {
			return err
		}
	} else if a.Act == Annexation || a.Act == Secession {
		return bad("act.territory", "an %s must name its territory", a.Act)
	}
	if a.Against != "" {
		if err := checkID("act.against", string(a.Against)); err != nil {
			return err
		}
	} else if a.Act == Offensive {
		return bad("act.against", "an offensive must name the party it is against")
	}
	return checkText("act.text", a.Text, 0, required)
}

func (c *Consent) validate() error {
	if err := checkID("consent.union", string(c.Union)); err != nil {
		return err
	}
	if err := checkID("consent.member", string(c.Member)); err != nil {
		return err
	}
	if c.Action != KindAccession && c.Action != KindExit {
		return bad("consent.action", "%q is not accession or exit", c.Action)
	}
	return nil
}

// GeoJSON geometry types (RFC 7946, Section 1.4).
var geometryTypes = map[string]bool{
	"Point": true, "MultiPoint": true, "LineString": true, "MultiLineString": true,
	"Polygon": true, "MultiPolygon": true, "GeometryCollection": true,
}

const maxGeometryDepth = 32

// checkGeometry checks an optional GeoJSON geometry (SPEC §3.2): a JSON
// object without repeated member names at any depth, whose "type" is a
// geometry type, with a "coordinates" array of numbers and arrays, or for
// a GeometryCollection a "geometries" array of geometries.
func checkGeometry(field string, raw json.RawMessage) error {
	if raw == nil {
		return nil
	}
	if !utf8.Valid(raw) {
		return bad(field, "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseJSON(dec, 0)
	if err != nil {
		return bad(field, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad(field, "trailing data after the geometry object")
	}
	if err := checkGeometryValue(v, 0); err != nil {
		return bad(field, "%v", err)
	}
	return nil
}

func checkGeometryValue(v any, depth int) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return errors.New("a geometry is a JSON object")
	}
	t, _ := obj["type"].(string)
	if !geometryTypes[t] {
		return fmt.Errorf("\"type\" is %v; want a GeoJSON geometry type such as \"Polygon\"", obj["type"])
	}
	if t == "GeometryCollection" {
		gs, ok := obj["geometries"].([]any)
		if !ok {
			return errors.New("a GeometryCollection needs a \"geometries\" array")
		}
		for _, g := range gs {
			if err := checkGeometryValue(g, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if !isCoordinates(obj["coordinates"]) {
		return fmt.Errorf("a %s needs a \"coordinates\" array of numbers and arrays", t)
	}
	return nil
}

func isCoordinates(v any) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range a {
		if _, ok := x.(json.Number); !ok && !isCoordinates(x) {
			return false
		}
	}
	return true
}

// parseJSON reads one JSON value, refusing repeated member names and
// nesting deeper than maxGeometryDepth.
func parseJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > maxGeometryDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxGeometryDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	switch tok {
	case json.Delim('{'):
		obj := map[string]any{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("not valid JSON: %v", err)
			}
			key := k.(string)
			if _, dup := obj[key]; dup {
				return nil, fmt.Errorf("member %q appears twice", key)
			}
			if obj[key], err = parseJSON(dec, depth+1); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := parseJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}
