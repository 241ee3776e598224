package plebiscite

import (
	"errors"
	"testing"

	"concord/calendar"
	"concord/ledger"
)

func attestation(index int64, author ledger.PartyID, day int, instrument Hash, clause string, o ledger.Outcome) ledger.Record {
	return ledger.Record{Index: index, Signed: &ledger.Signed{Entry: ledger.Entry{
		V: ledger.Version, Kind: ledger.KindAttestation, Author: author,
		Effective:   calendar.Date{Year: 1926, Month: 9, Day: day},
		Attestation: &ledger.Attestation{Instrument: instrument, Clause: clause, Outcome: o},
	}}}
}

func TestCheckPreconditions(t *testing.T) {
	m := sampleManifest() // opens 1926-10-01; clause evacuate-army of Hash{9}, attested by united-states
	ins := m.Preconditions[0].Instrument
	tests := []struct {
		name    string
		records []ledger.Record
		ok      bool
	}{
		{"fulfilled", []ledger.Record{attestation(1, "united-states", 20, ins, "evacuate-army", ledger.Fulfilled)}, true},
		{"none", nil, false},
		{"wrong attester", []ledger.Record{attestation(1, "romania", 20, ins, "evacuate-army", ledger.Fulfilled)}, false},
		{"wrong clause", []ledger.Record{attestation(1, "united-states", 20, ins, "other", ledger.Fulfilled)}, false},
		{"wrong instrument", []ledger.Record{attestation(1, "united-states", 20, Hash{8}, "evacuate-army", ledger.Fulfilled)}, false},
		{"later violated", []ledger.Record{
			attestation(1, "united-states", 20, ins, "evacuate-army", ledger.Fulfilled),
			attestation(2, "united-states", 25, ins, "evacuate-army", ledger.Violated),
		}, false},
		{"violated, then fulfilled (recorded late)", []ledger.Record{
			attestation(5, "united-states", 21, ins, "evacuate-army", ledger.Fulfilled),
			attestation(2, "united-states", 10, ins, "evacuate-army", ledger.Violated),
		}, true},
	}
	for _, tt := range tests {
		err := m.CheckPreconditions(tt.records)
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, ErrPrecondition) {
			t.Errorf("CheckPreconditions(%s) = %v; want ok = %v", tt.name, err, tt.ok)
		}
	}
	// An attestation dated after the opening does not count.
	late := attestation(1, "united-states", 20, ins, "evacuate-army", ledger.Fulfilled)
	late.Signed.Entry.Effective = calendar.Date{Year: 1926, Month: 10, Day: 2}
	if err := m.CheckPreconditions([]ledger.Record{late}); !errors.Is(err, ErrPrecondition) {
		t.Errorf("CheckPreconditions(attested after opening) = %v; want ErrPrecondition", err)
	}
}
