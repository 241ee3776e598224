package plebiscite

import (
	"errors"
	"fmt"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/threshold"
)

// ResultVersion is the result format version (SPEC §15.4).
const ResultVersion = 1

// Result is the decrypted outcome of a plebiscite (SPEC §15.4): what was
// counted, the aggregate, the trustees' decryption shares and the counts.
type Result struct {
	V         int      `json:"v"`
	Manifest  Hash     `json:"manifest"`
	Ballots   uint64   `json:"ballots"`   // number of counted ballots
	Counted   Hash     `json:"counted"`   // Merkle root of their tracking codes
	Aggregate [][]byte `json:"aggregate"` // per option, the 64-byte sum ciphertext
	Shares    [][]byte `json:"shares"`    // decryption shares, ascending trustee index
	Counts    []uint64 `json:"counts"`    // per option, the number of ballots selecting it
	Winner    *int     `json:"winner,omitempty"`
}

// ErrResult is wrapped by every error about a malformed result.
var ErrResult = errors.New("invalid result")

// Params returns the threshold parameters of the plebiscite: n trustees,
// threshold k and the draft hash as context (SPEC §13.3, §15.3).
func (e *Election) Params() threshold.Params {
	return threshold.Params{N: len(e.Manifest.Trustees), K: e.Manifest.Threshold, Context: e.DraftHash[:]}
}

// verificationKeys returns X_1 … X_n from the manifest.
func (e *Election) verificationKeys() []*ristretto255.Element {
	out := make([]*ristretto255.Element, len(e.Manifest.Trustees))
	for i, t := range e.Manifest.Trustees {
		x, err := ristretto255.NewElement().SetCanonicalBytes(t.Key)
		if err != nil {
			panic("plebiscite: internal error: checked key does not decode")
		}
		out[i] = x
	}
	return out
}

// Coalitions returns the analysis of which camps of trustees can decrypt
// the tally or block it (SPEC §12.11).
func (m *Manifest) Coalitions() (*threshold.Report, error) {
	camps := make(map[int]string, len(m.Trustees))
	for i, t := range m.Trustees {
		camps[i+1] = t.Camp
	}
	return threshold.Coalitions(camps, m.Threshold)
}

// Decrypt combines the trustees' decryption shares of the aggregate into
// the counts and returns the result (SPEC §15.3, §15.4). Up to n − k
// trustees may be absent or give an invalid share: the result keeps only
// the shares valid for this aggregate (SPEC §12.9), the first of each
// trustee, so that no single trustee can block the tally with a bad share
// (SPEC §15.3: any K valid shares). With fewer than k valid shares the
// error wraps threshold.ErrTooFewShares and names every invalid share.
func Decrypt(e *Election, a *Aggregate, shares []*threshold.DecryptionShare) (*Result, error) {
	valid, err := validShares(e, a, shares)
	if err != nil {
		return nil, err
	}
	counts, err := decryptCounts(e, a, valid)
	if err != nil {
		return nil, err
	}
	r := &Result{V: ResultVersion, Manifest: a.Manifest, Ballots: uint64(a.Ballots), Counted: a.Counted, Counts: counts}
	for _, s := range a.Sums {
		r.Aggregate = append(r.Aggregate, s.Bytes())
	}
	sorted := append([]*threshold.DecryptionShare(nil), valid...)
	sortShares(sorted)
	for _, s := range sorted {
		r.Shares = append(r.Shares, s.Bytes())
	}
	r.Winner = Winner(counts, r.Ballots)
	return r, nil
}

// validShares returns the shares that are valid for the aggregate (SPEC
// §12.9), keeping the first share of each trustee, or an error wrapping
// threshold.ErrTooFewShares, with the reason of each invalid share, if
// fewer than k are valid.
func validShares(e *Election, a *Aggregate, shares []*threshold.DecryptionShare) ([]*threshold.DecryptionShare, error) {
	p, vk := e.Params(), e.verificationKeys()
	var valid []*threshold.DecryptionShare
	var bad []error
	seen := map[int]bool{}
	for _, d := range shares {
		if d == nil || seen[d.Trustee] {
			continue
		}
		if d.Trustee < 1 || d.Trustee > p.N {
			bad = append(bad, fmt.Errorf("decryption share of trustee %d: index out of range 1 to %d", d.Trustee, p.N))
			continue
		}
		if err := d.Verify(p, vk[d.Trustee-1], a.Sums); err != nil {
			bad = append(bad, err)
			continue
		}
		seen[d.Trustee] = true
		valid = append(valid, d)
	}
	if len(valid) < p.K {
		return nil, fmt.Errorf("%d valid decryption shares of the aggregate, %d needed: %w", len(valid), p.K,
			errors.Join(append([]error{threshold.ErrTooFewShares}, bad...)...))
	}
	return valid, nil
}

func sortShares(s []*threshold.DecryptionShare) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Trustee < s[j-1].Trustee; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// decryptCounts combines the shares (SPEC §12.10) and takes the small
// discrete logarithm of each option's m·G, with m at most the number of
// counted ballots (SPEC §15.3).
func decryptCounts(e *Election, a *Aggregate, shares []*threshold.DecryptionShare) ([]uint64, error) {
	ms, err := threshold.CombineBatch(e.Params(), e.verificationKeys(), a.Sums, shares)
	if err != nil {
		return nil, err
	}
	table := elgamal.NewDLogTable(uint64(a.Ballots))
	counts := make([]uint64, len(ms))
	for i, m := range ms {
		c, err := table.VarTimeDLog(m)
		if err != nil {
			return nil, fmt.Errorf("option %d: %w", i, err)
		}
		counts[i] = c
	}
	return counts, nil
}

// Winner applies the absolute-majority rule of SPEC §15.5: the option with
// the most votes wins if it has more than half of the counted ballots and no
// other option has as many; otherwise there is no decision (nil).
func Winner(counts []uint64, ballots uint64) *int {
	best, tie := -1, false
	for i, c := range counts {
		switch {
		case best < 0 || c > counts[best]:
			best, tie = i, false
		case c == counts[best]:
			tie = true
		}
	}
	if best < 0 || tie || 2*counts[best] <= ballots {
		return nil
	}
	return &best
}

// MaxResultSize is the largest canonical result, in bytes (SPEC §15.4).
const MaxResultSize = 4 << 20

// Encode returns the canonical encoding of a result: the JSON profile of
// SPEC §1.4 (SPEC §15.4).
func (r *Result) Encode() ([]byte, error) {
	return canonicalJSON(r)
}

// ParseResult decodes a result strictly (SPEC §15.4, §1.5): unknown
// members, trailing bytes and non-canonical encodings are rejected, and
// every aggregate ciphertext and decryption share must decode.
func ParseResult(b []byte) (*Result, error) {
	r := new(Result)
	if err := strictJSON(b, MaxResultSize, r, r.check); err != nil {
		if errors.Is(err, ErrResult) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrResult, err)
	}
	return r, nil
}

// check enforces the structural rules of SPEC §15.4.
func (r *Result) check() error {
	if r.V != ResultVersion {
		return fmt.Errorf("%w: version %d; want %d", ErrResult, r.V, ResultVersion)
	}
	if len(r.Aggregate) != len(r.Counts) || len(r.Counts) < 2 || len(r.Counts) > MaxOptions {
		return fmt.Errorf("%w: %d aggregate ciphertexts and %d counts; want the same number, 2 to %d", ErrResult, len(r.Aggregate), len(r.Counts), MaxOptions)
	}
	if _, err := r.aggregate(); err != nil {
		return err
	}
	if len(r.Shares) == 0 {
		return fmt.Errorf("%w: no decryption shares", ErrResult)
	}
	if _, err := r.shares(); err != nil {
		return err
	}
	if r.Winner != nil && (*r.Winner < 0 || *r.Winner >= len(r.Counts)) {
		return fmt.Errorf("%w: winner %d is not an option", ErrResult, *r.Winner)
	}
	return nil
}

func (r *Result) aggregate() ([]*elgamal.Ciphertext, error) {
	out := make([]*elgamal.Ciphertext, len(r.Aggregate))
	for i, b := range r.Aggregate {
		ct, err := elgamal.ParseCiphertext(b)
		if err != nil {
			return nil, fmt.Errorf("%w: aggregate of option %d: %v", ErrResult, i, err)
		}
		out[i] = ct
	}
	return out, nil
}

// shares decodes the decryption shares, which must be in strictly
// ascending trustee order.
func (r *Result) shares() ([]*threshold.DecryptionShare, error) {
	out := make([]*threshold.DecryptionShare, len(r.Shares))
	for i, b := range r.Shares {
		s, err := threshold.ParseDecryptionShare(b)
		if err != nil {
			return nil, fmt.Errorf("%w: decryption share %d: %v", ErrResult, i, err)
		}
		if i > 0 && s.Trustee <= out[i-1].Trustee {
			return nil, fmt.Errorf("%w: decryption share %d (trustee %d) is not after trustee %d", ErrResult, i, s.Trustee, out[i-1].Trustee)
		}
		out[i] = s
	}
	return out, nil
}
