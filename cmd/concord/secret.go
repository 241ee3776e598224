package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"concord/ledger"
	"concord/plebiscite"
	"concord/threshold"
)

// Secret files of the plebiscite commands (SPEC §20.2): a voter's
// credential and a trustee's key. Both are text, one "name value" line per
// field after a header line, each line ended by a line feed; secrets are in
// lowercase hex, encoded and decoded in constant time.

const (
	credentialHeader = "concord/v1/voter-credential"
	trusteeHeader    = "concord/v1/trustee-key"
)

// appendHexCT appends the lowercase hex encoding of src; no branch or table
// lookup depends on the bytes.
func appendHexCT(dst, src []byte) []byte {
	digit := func(n int32) byte {
		below10 := (n - 10) >> 31 // all ones if n < 10
		return byte(87 + n + (below10 & -39))
	}
	for _, x := range src {
		dst = append(dst, digit(int32(x>>4)), digit(int32(x&15)))
	}
	return dst
}

// decodeHexCT decodes lowercase hex in constant time; it reports only
// whether the whole input was valid.
func decodeHexCT(src string) ([]byte, bool) {
	if len(src)%2 != 0 {
		return nil, false
	}
	dst := make([]byte, len(src)/2)
	return dst, ledger.DecodeLowerHex(dst, src)
}

// fields splits a secret file into its header check and its named lines,
// which must be exactly names, in order.
func fields(b []byte, header string, names ...string) ([]string, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != len(names)+2 || lines[0] != header || lines[len(lines)-1] != "" {
		return nil, fmt.Errorf("want the %d lines %s, %s, each ended by a line feed", len(names)+1, header, strings.Join(names, ", "))
	}
	out := make([]string, len(names))
	for i, n := range names {
		v, ok := strings.CutPrefix(lines[i+1], n+" ")
		if !ok {
			return nil, fmt.Errorf("line %d does not start with %q", i+2, n+" ")
		}
		out[i] = v
	}
	return out, nil
}

// marshalCredential returns a credential file: the header, "credential "
// and the public key, "seed " and the 32-byte Ed25519 seed (SPEC §20.2).
func marshalCredential(v *plebiscite.Voter) []byte {
	c := v.Credential()
	b := []byte(credentialHeader + "\ncredential ")
	b = appendHexCT(b, c[:])
	b = append(b, "\nseed "...)
	b = appendHexCT(b, v.Seed())
	return append(b, '\n')
}

// parseCredential parses a credential file strictly.
func parseCredential(b []byte) (*plebiscite.Voter, error) {
	f, err := fields(b, credentialHeader, "credential", "seed")
	if err != nil {
		return nil, fmt.Errorf("bad credential file: %v", err)
	}
	seed, ok := decodeHexCT(f[1])
	if !ok || len(seed) != 32 {
		return nil, errors.New("bad credential file: the seed is not 64 lowercase hex digits")
	}
	v, err := plebiscite.VoterFromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("bad credential file: %v", err)
	}
	if subtle.ConstantTimeCompare(marshalCredential(v), b) != 1 {
		return nil, errors.New("bad credential file: the credential line does not match the seed")
	}
	return v, nil
}

func readCredential(path string) (*plebiscite.Voter, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(err, "create a credential with 'concord voter new --out %s'", path)
	}
	v, err := parseCredential(b)
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", path, err)
	}
	return v, nil
}

// trusteeFile is a trustee's key file (SPEC §20.2): the trustee's party,
// the draft manifest its key generation runs on, and its threshold secret
// state, which lives only in this file.
type trusteeFile struct {
	Party     ledger.PartyID
	Draft     []byte // canonical draft manifest (SPEC §13.3)
	Trustee   *threshold.Trustee
	manifest  *plebiscite.Manifest
	draftHash ledger.Hash
}

func (t *trusteeFile) marshal() ([]byte, error) {
	sec, err := t.Trustee.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := []byte(trusteeHeader + "\nparty " + string(t.Party) + "\nplebiscite " + t.manifest.ID + "\ndraft ")
	b = base64.StdEncoding.AppendEncode(b, t.Draft)
	b = append(b, "\nsecret "...)
	b = appendHexCT(b, sec)
	return append(b, '\n'), nil
}

// newTrusteeFile binds a threshold trustee to its party and draft.
func newTrusteeFile(party ledger.PartyID, draft []byte, tr *threshold.Trustee) (*trusteeFile, error) {
	m, err := plebiscite.ParseManifest(draft)
	if err != nil {
		return nil, err
	}
	t := &trusteeFile{Party: party, Draft: draft, Trustee: tr, manifest: m, draftHash: plebiscite.HashManifestBytes(draft)}
	j := trusteeIndex(m, party)
	p := tr.Params()
	if j != tr.Index() || p.N != len(m.Trustees) || p.K != m.Threshold || !bytes.Equal(p.Context, t.draftHash[:]) {
		return nil, fmt.Errorf("the threshold key is not trustee %s's key for draft %v", party, t.draftHash)
	}
	return t, nil
}

// trusteeIndex returns the 1-based index of party among the manifest's
// trustees, or 0.
func trusteeIndex(m *plebiscite.Manifest, party ledger.PartyID) int {
	for i, t := range m.Trustees {
		if t.ID == party {
			return i + 1
		}
	}
	return 0
}

func parseTrusteeFile(b []byte) (*trusteeFile, error) {
	f, err := fields(b, trusteeHeader, "party", "plebiscite", "draft", "secret")
	if err != nil {
		return nil, err
	}
	draft, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil {
		return nil, fmt.Errorf("draft: %v", err)
	}
	sec, ok := decodeHexCT(f[3])
	if !ok {
		return nil, errors.New("the secret is not lowercase hex")
	}
	tr := new(threshold.Trustee)
	if err := tr.UnmarshalBinary(sec); err != nil {
		return nil, err
	}
	t, err := newTrusteeFile(ledger.PartyID(f[0]), draft, tr)
	if err != nil {
		return nil, err
	}
	if t.manifest.ID != f[1] {
		return nil, fmt.Errorf("plebiscite line %q differs from the draft's id %q", f[1], t.manifest.ID)
	}
	again, err := t.marshal()
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(again, b) != 1 {
		return nil, errors.New("not in canonical form")
	}
	return t, nil
}

func readTrusteeFile(path string) (*trusteeFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(err, "create it with 'concord trustee new --id ID --draft DRAFT.json --out %s'", path)
	}
	t, err := parseTrusteeFile(b)
	if err != nil {
		return nil, fmt.Errorf("trustee key %s: %w", path, err)
	}
	return t, nil
}

// saveTrusteeFile replaces the trustee's key file atomically, mode 0600.
func saveTrusteeFile(path string, t *trusteeFile) error {
	b, err := t.marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".trustee-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mustNotExist refuses to overwrite a secret file.
func mustNotExist(path, what string) error {
	if _, err := os.Stat(path); err == nil {
		return withHint(fmt.Errorf("%s %s already exists", what, path), "choose another --out; never overwrite a secret file")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
