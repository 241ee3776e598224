package scenario

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"concord/ledger"
)

// DemoKeyLabel is the domain-separation label of demo key derivation (SPEC
// §8.7).
const DemoKeyLabel = "concord/v1/demo-key"

// DemoKey returns the demo signing key of party id (SPEC §8.7): the Ed25519
// key whose 32-byte seed is SHA-256("concord/v1/demo-key" || 0x0A || id).
//
// THESE KEYS ARE PUBLICLY KNOWN. Anyone can compute them from this
// documentation, so a signature under a demo key proves nothing about who
// made it. They exist only so that the demo replays the same record, byte
// for byte, every time. Never register a demo key for a real party, and
// never accept one outside a demo.
func DemoKey(id ledger.PartyID) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte(DemoKeyLabel))
	h.Write([]byte{'\n'})
	h.Write([]byte(id))
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// Records builds the entries of the scenario in log order, resolves labels
// to the hashes of the entries built before them, and signs each with its
// author's demo key (SPEC §8.6). Ed25519 signatures are deterministic, so
// the result is the same, byte for byte, on every call.
func (s *Scenario) Records() ([]*ledger.Signed, error) {
	hashes := make(map[string]ledger.Hash, len(s.Events))
	out := make([]*ledger.Signed, 0, len(s.Events))
	for i, ev := range s.Events {
		e, links, err := s.makeEntry(&s.Events[i])
		if err != nil {
			return nil, &EventError{Index: i, Label: ev.Label, Err: err}
		}
		for _, l := range links {
			l.set(hashes[l.label])
		}
		for _, r := range ev.Refs {
			e.Refs = append(e.Refs, hashes[r])
		}
		signed, err := ledger.Sign(e, DemoKey(ev.Author))
		if err != nil {
			return nil, &EventError{Index: i, Label: ev.Label, Err: err}
		}
		leaf, err := ledger.Encode(signed)
		if err != nil {
			return nil, &EventError{Index: i, Label: ev.Label, Err: err}
		}
		hashes[ev.Label] = ledger.LeafHash(leaf)
		out = append(out, signed)
	}
	return out, nil
}

// Bodies of the data file whose hash-valued fields hold labels (SPEC §8.4).
// The other kinds use the ledger body types unchanged.
type (
	partyBody struct {
		ID   ledger.PartyID `json:"id"`
		Name string         `json:"name"`
		Role ledger.Role    `json:"role"`
	}
	decisionBody struct {
		Proposal string `json:"proposal"`
		Reason   string `json:"reason,omitempty"`
	}
	denunciationBody struct {
		Instrument string `json:"instrument"`
		Reason     string `json:"reason,omitempty"`
	}
	attestationBody struct {
		Instrument string         `json:"instrument"`
		Clause     string         `json:"clause"`
		Outcome    ledger.Outcome `json:"outcome"`
		Evidence   *ledger.Hash   `json:"evidence,omitempty"`
		Note       string         `json:"note,omitempty"`
	}
	recognitionBody struct {
		Subject   string `json:"subject"`
		Recognise *bool  `json:"recognise"`
	}
)

// setBody decodes raw strictly as the body of e.Kind, sets it on e, and
// returns the hash-valued fields still to resolve (SPEC §8.4).
func setBody(e *ledger.Entry, raw json.RawMessage) ([]link, error) {
	var err error
	var links []link
	switch e.Kind {
	case ledger.KindParty:
		var b partyBody
		if err = decodeStrict(raw, &b); err == nil {
			e.Party = &ledger.Party{ID: b.ID, Name: b.Name, Role: b.Role}
		}
	case ledger.KindTerritory:
		e.Territory = new(ledger.Territory)
		if err = decodeStrict(raw, e.Territory); err == nil {
			e.Territory.Geometry, err = compact(e.Territory.Geometry)
		}
	case ledger.KindProposal:
		e.Proposal = new(ledger.Proposal)
		err = decodeStrict(raw, e.Proposal)
		for i := range e.Proposal.Sectors {
			if err == nil {
				g := &e.Proposal.Sectors[i].Geometry
				*g, err = compact(*g)
			}
		}
	case ledger.KindSignature, ledger.KindRejection:
		var b decisionBody
		if err = decodeStrict(raw, &b); err == nil {
			d := &ledger.Decision{Reason: b.Reason}
			links = []link{{b.Proposal, func(h ledger.Hash) { d.Proposal = h }}}
			if e.Kind == ledger.KindSignature {
				e.Signature = d
			} else {
				e.Rejection = d
			}
		}
	case ledger.KindDenunciation:
		var b denunciationBody
		if err = decodeStrict(raw, &b); err == nil {
			d := &ledger.Denunciation{Reason: b.Reason}
			e.Denunciation = d
			links = []link{{b.Instrument, func(h ledger.Hash) { d.Instrument = h }}}
		}
	case ledger.KindAttestation:
		var b attestationBody
		if err = decodeStrict(raw, &b); err == nil {
			a := &ledger.Attestation{Clause: b.Clause, Outcome: b.Outcome, Evidence: b.Evidence, Note: b.Note}
			e.Attestation = a
			links = []link{{b.Instrument, func(h ledger.Hash) { a.Instrument = h }}}
		}
	case ledger.KindAct:
		e.Act = new(ledger.Act)
		err = decodeStrict(raw, e.Act)
	case ledger.KindRecognition:
		var b recognitionBody
		if err = decodeStrict(raw, &b); err == nil {
			if b.Recognise == nil {
				return nil, fmt.Errorf("%w: recognition.recognise is missing; write true or false", ErrInvalid)
			}
			r := &ledger.Recognition{Recognise: *b.Recognise}
			e.Recognition = r
			links = []link{{b.Subject, func(h ledger.Hash) { r.Subject = h }}}
		}
	case ledger.KindAccession, ledger.KindExit:
		m := new(ledger.Membership)
		if err = decodeStrict(raw, m); err == nil {
			if e.Kind == ledger.KindAccession {
				e.Accession = m
			} else {
				e.Exit = m
			}
		}
	case ledger.KindConsent:
		e.Consent = new(ledger.Consent)
		err = decodeStrict(raw, e.Consent)
	default:
		return nil, fmt.Errorf("%w: unknown kind %q", ErrInvalid, e.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s body: %v", ErrSyntax, e.Kind, err)
	}
	return links, nil
}

// compact removes insignificant white space from a GeoJSON geometry so that
// the entry is in canonical form (SPEC §1.4).
func compact(g json.RawMessage) (json.RawMessage, error) {
	if g == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
