package ledger

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// MaxManifest is the largest plebiscite manifest a proposal carries, in
// bytes (SPEC §3.4.3); the manifest's own limit (SPEC §13.2) is the same.
const MaxManifest = 32 << 10

// checkManifestJSON checks the structure of a proposal's plebiscite member
// (SPEC §3.4.3): a JSON object of at most MaxManifest bytes without
// repeated member names. Whether it is a valid manifest is an append rule
// (SPEC §4.14), since the manifest's format belongs to package plebiscite.
func checkManifestJSON(raw json.RawMessage) error {
	const f = "proposal.plebiscite"
	if len(raw) > MaxManifest {
		return bad(f, "is %d bytes; the limit is %d", len(raw), MaxManifest)
	}
	if !utf8.Valid(raw) {
		return bad(f, "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseJSON(dec, 0)
	if err != nil {
		return bad(f, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad(f, "trailing data after the manifest object")
	}
	if _, ok := v.(map[string]any); !ok {
		return bad(f, "is not a JSON object; want the canonical manifest of SPEC §13.6")
	}
	return nil
}

func (t *Trustee) validate() error {
	switch t.Step {
	case StepKeys, StepCommitment, StepShare, StepComplaint, StepDecryption:
	default:
		return bad("trustee.step", "unknown step %q; want keys, commitment, share, complaint or decryption", t.Step)
	}
	if len(t.Data) == 0 {
		return bad("trustee.data", "is empty; want the threshold message bytes")
	}
	return nil
}

func (r *Result) validate() error {
	if len(r.Result) == 0 {
		return bad("result.result", "is empty; want the canonical plebiscite result")
	}
	return nil
}
