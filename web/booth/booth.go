// Package booth implements the voting booth's device side as specified in
// docs/SPEC.md, Section 19.5: it reads a voter's credential, encrypts
// a ballot for a plebiscite manifest with the plebiscite package (SPEC §14),
// and checks a Benaloh audit (SPEC §14.7).
//
// Its functions take and return bytes and JSON-friendly values so that the
// same code runs natively (tests, tools) and in the browser, compiled to
// WebAssembly by concord/web/wasm. It imports no storage and no network.
package booth

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"concord/plebiscite"
)

// credentialHeader is the first line of a voter credential file
// (SPEC §19.5.1).
const credentialHeader = "concord/v1/voter-credential"

// MaxCredentialSize bounds the credential text the booth reads.
const MaxCredentialSize = 4 << 10

// ErrCredential is wrapped by every error about a credential's text.
var ErrCredential = errors.New("invalid credential")

func credErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCredential, fmt.Sprintf(format, args...))
}

// ParseCredential reads a voter's credential (SPEC §19.5.1): either the
// 32-byte Ed25519 seed as 64 hex digits alone, or a credential file of
// "key value" lines of which "seed" is required and "public", if present,
// must be the public key of that seed. Surrounding white space is ignored.
func ParseCredential(text []byte) (*plebiscite.Voter, error) {
	if len(text) > MaxCredentialSize {
		return nil, credErr("%d bytes; a credential is at most %d", len(text), MaxCredentialSize)
	}
	s := strings.TrimSpace(string(text))
	if !strings.ContainsAny(s, " \n") {
		return voterFromHex(s)
	}
	var seed, public string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		k, v, _ := strings.Cut(line, " ")
		switch {
		case i == 0 && line == credentialHeader, line == "":
		case k == "seed":
			seed = strings.TrimSpace(v)
		case k == "public":
			public = strings.TrimSpace(v)
		case k == "id", k == "plebiscite", k == "roll-index":
			// informative lines, ignored
		default:
			return nil, credErr("line %d: unknown key %q; want seed, public, id, plebiscite or roll-index", i+1, k)
		}
	}
	if seed == "" {
		return nil, credErr(`no "seed" line: paste the 64 hex digits of the credential seed`)
	}
	v, err := voterFromHex(seed)
	if err != nil {
		return nil, err
	}
	if public != "" {
		c := v.Credential()
		if want := hex.EncodeToString(c[:]); public != want {
			return nil, credErr("public key %s is not the key of this seed (%s)", public, want)
		}
	}
	return v, nil
}

func voterFromHex(s string) (*plebiscite.Voter, error) {
	if len(s) != 64 {
		return nil, credErr("seed has %d characters; want 64 hex digits", len(s))
	}
	seed, err := hex.DecodeString(s)
	if err != nil {
		return nil, credErr("seed is not hex: %v", err)
	}
	return plebiscite.VoterFromSeed(seed)
}

// MarshalCredential returns the credential file of SPEC §19.5.1 for a
// voter: the header, then "public" and "seed" lines in lowercase hex.
func MarshalCredential(v *plebiscite.Voter) []byte {
	c := v.Credential()
	return fmt.Appendf(nil, "%s\npublic %x\nseed %x\n", credentialHeader, c[:], v.Seed())
}

// ParseManifest decodes a complete manifest for the device (SPEC §19.5.2):
// JSON with no unknown member, whose hash the device computes itself from
// the canonical encoding. The manifest need not be in canonical form, so
// that a manifest embedded in an API response can be passed as it is.
func ParseManifest(b []byte) (*plebiscite.Election, error) {
	m := new(plebiscite.Manifest)
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(m); err != nil {
		return nil, fmt.Errorf("%w: %v", plebiscite.ErrManifest, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the manifest object", plebiscite.ErrManifest)
	}
	return plebiscite.NewElection(m, nil)
}

// Info is what the booth shows of a manifest (SPEC §19.5.2).
type Info struct {
	Hash     string   `json:"hash"` // manifest hash, hex (SPEC §13.7)
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Min      int      `json:"min"`
	Max      int      `json:"max"`
	Opens    string   `json:"opens"`
	Closes   string   `json:"closes"`
}

// ManifestInfo parses a manifest and returns what the booth shows of it.
func ManifestInfo(manifest []byte) (*Info, error) {
	e, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	m := e.Manifest
	return &Info{
		Hash: e.Hash.String(), ID: m.ID, Question: m.Question, Options: m.Options,
		Min: m.Min, Max: m.Max, Opens: m.Opens.String(), Closes: m.Closes.String(),
	}, nil
}

// Cast is an encrypted ballot made on the device, with its Benaloh audit
// kept aside (SPEC §19.5.3). Byte fields are base64 in JSON.
type Cast struct {
	Ballot       []byte `json:"ballot"`        // BALLOT of SPEC §14.2: what is sent to cast
	TrackingCode string `json:"tracking_code"` // SHA-256 of Ballot, hex (SPEC §14.5)
	ShortCode    string `json:"short_code"`    // its short form (SPEC §14.5)
	Credential   string `json:"credential"`    // the credential public key, hex
	Audit        []byte `json:"audit"`         // SPOIL leaf of SPEC §14.7: reveals the vote; never sent with a cast ballot
}

// CastBallot encrypts the choices (option indices) for the manifest with
// the credential (SPEC §14.2 to §14.5) and returns the ballot and the
// audit that would spoil it.
func CastBallot(manifest, credential []byte, choices []int) (*Cast, error) {
	e, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	v, err := ParseCredential(credential)
	if err != nil {
		return nil, err
	}
	b, s, err := v.Cast(e, choices)
	if err != nil {
		return nil, err
	}
	code := b.TrackingCode()
	c := v.Credential()
	return &Cast{
		Ballot:       b.Bytes(),
		TrackingCode: code.String(),
		ShortCode:    plebiscite.ShortCode(code),
		Credential:   hex.EncodeToString(c[:]),
		Audit:        s.Audit().Bytes(),
	}, nil
}

// Audit is the outcome of checking a Benaloh audit (SPEC §19.5.4).
type Audit struct {
	TrackingCode string   `json:"tracking_code"`
	ShortCode    string   `json:"short_code"`
	Choices      []int    `json:"choices"` // the options the ballot encrypts
	Labels       []string `json:"labels"`  // their labels
}

// VerifyAudit checks a spoil leaf against the manifest (SPEC §14.7): the
// ballot is for this manifest and encrypts exactly the revealed values
// with the revealed randomness. It returns the choices the ballot encrypts
// so that the voter can compare them with what was selected.
func VerifyAudit(manifest, spoil []byte) (*Audit, error) {
	e, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	s, err := plebiscite.ParseSpoil(spoil)
	if err != nil {
		return nil, err
	}
	if err := plebiscite.VerifyAudit(e, s.Ballot, s.Opening); err != nil {
		return nil, err
	}
	code := s.Ballot.TrackingCode()
	a := &Audit{TrackingCode: code.String(), ShortCode: plebiscite.ShortCode(code), Choices: s.Opening.Choices()}
	if a.Choices == nil {
		a.Choices = []int{}
	}
	for _, c := range a.Choices {
		a.Labels = append(a.Labels, e.Manifest.Options[c])
	}
	if a.Labels == nil {
		a.Labels = []string{}
	}
	return a, nil
}
