package ledger

import (
	"errors"
	"fmt"

	"concord/calendar"
)

// check reports whether exactly one of d.Date and d.Duration is set and
// that one is valid.
func (d Deadline) check() error {
	switch {
	case d.Date != nil && d.Duration != nil:
		return errors.New("deadline has both a date and a duration; set exactly one")
	case d.Date != nil:
		if !d.Date.Valid() {
			return fmt.Errorf("deadline date %v is not a valid date", *d.Date)
		}
	case d.Duration != nil:
		if !d.Duration.Valid() {
			return fmt.Errorf("deadline duration %+v is not a valid duration", *d.Duration)
		}
	default:
		return errors.New("deadline is empty; set a date (YYYY-MM-DD) or a duration (P…)")
	}
	return nil
}

// String returns the deadline as it is written in JSON, without quotes.
func (d Deadline) String() string {
	switch {
	case d.check() != nil:
		return "invalid deadline"
	case d.Date != nil:
		return d.Date.String()
	default:
		return d.Duration.String()
	}
}

// MarshalJSON encodes the deadline as one JSON string, "YYYY-MM-DD" or
// "P…" (SPEC §2.3).
func (d Deadline) MarshalJSON() ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	if d.Date != nil {
		return d.Date.MarshalJSON()
	}
	return d.Duration.MarshalJSON()
}

// UnmarshalJSON decodes one JSON string: a duration if it starts with "P",
// a date otherwise (SPEC §2.3).
func (d *Deadline) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' && b[1] == 'P' {
		var p calendar.Duration
		if err := p.UnmarshalJSON(b); err != nil {
			return fmt.Errorf("bad deadline: %w", err)
		}
		*d = Deadline{Duration: &p}
		return nil
	}
	var date calendar.Date
	if err := date.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("bad deadline (want a date YYYY-MM-DD or a duration P…): %w", err)
	}
	*d = Deadline{Date: &date}
	return nil
}

// Resolve returns the day by which the obligation must be met (SPEC §2.3):
// the date itself, or entryIntoForce plus the duration.
func (d Deadline) Resolve(entryIntoForce calendar.Date) calendar.Date {
	if d.Date != nil {
		return *d.Date
	}
	if d.Duration != nil {
		return entryIntoForce.Add(*d.Duration)
	}
	return calendar.Date{}
}
