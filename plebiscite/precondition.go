package plebiscite

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"concord/ledger"
)

// ErrPrecondition means a precondition of the manifest is not attested
// fulfilled by the opening date (SPEC §13.5).
var ErrPrecondition = errors.New("precondition not fulfilled")

// CheckPreconditions decides SPEC §13.5 from ledger records (assumed
// admitted by the ledger's append rules, signatures verified): for every
// precondition, the last attestation of its clause by one of its attesters
// with an effective date on or before the opening date, in fold order
// (effective date, then log index), must say fulfilled. The error names
// every unmet precondition.
func (m *Manifest) CheckPreconditions(records []ledger.Record) error {
	atts := slices.Clone(records)
	slices.SortStableFunc(atts, func(a, b ledger.Record) int {
		if c := a.Signed.Entry.Effective.Compare(b.Signed.Entry.Effective); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
	var bad []error
	for i, p := range m.Preconditions {
		var last *ledger.Record
		for k := range atts {
			e := &atts[k].Signed.Entry
			a := e.Attestation
			if e.Kind != ledger.KindAttestation || a == nil || a.Instrument != p.Instrument || a.Clause != p.Clause {
				continue
			}
			if !slices.Contains(p.Attesters, e.Author) || e.Effective.After(m.Opens) {
				continue
			}
			last = &atts[k]
		}
		switch {
		case last == nil:
			bad = append(bad, fmt.Errorf("%w: precondition %d (clause %s of %v): no attestation by %v on or before %v",
				ErrPrecondition, i, p.Clause, p.Instrument, p.Attesters, m.Opens))
		case last.Signed.Entry.Attestation.Outcome != ledger.Fulfilled:
			bad = append(bad, fmt.Errorf("%w: precondition %d (clause %s of %v): last attested %s by %s (leaf %d)",
				ErrPrecondition, i, p.Clause, p.Instrument, last.Signed.Entry.Attestation.Outcome, last.Signed.Entry.Author, last.Index))
		}
	}
	return errors.Join(bad...)
}
