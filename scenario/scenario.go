// Package scenario implements the scenario data file of docs/SPEC.md,
// Section 8 (docs/SPEC.md): the events of Christian Rakovsky's
// essay "The Foreign Policy of Soviet Russia" (1926) as ledger entries, in
// log order, with the sentence of the essay each one comes from and the
// historical source of its date, and the loader that turns them into
// signed entries.
//
// The entries are signed with demo keys that are derived from public
// constants (see DemoKey). Anyone can forge them: they exist only so that
// the demo replays a deterministic record.
package scenario

import (
	"bytes"
	"crypto/ed25519"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"concord/calendar"
	"concord/ledger"
)

// File is the name of the embedded data file (SPEC §8.1).
const File = "1917-1926.json"

//go:embed 1917-1926.json
var data []byte

// Sentinel errors a caller can tell apart with errors.Is (SPEC §8.5).
var (
	ErrSyntax         = errors.New("malformed scenario file")
	ErrDuplicateLabel = errors.New("duplicate label")
	ErrUnknownLabel   = errors.New("unknown label")
	ErrInvalid        = errors.New("invalid event")
)

// EventError reports a bad event: its 0-based position in the events list,
// its label if it has one, and what is wrong. Err wraps one of the sentinel
// errors.
type EventError struct {
	Index int
	Label string
	Err   error
}

func (e *EventError) Error() string {
	if e.Label == "" {
		return fmt.Sprintf("scenario: event %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("scenario: event %d (%q): %v", e.Index, e.Label, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// Scenario is a parsed and validated scenario file (SPEC §8.2).
type Scenario struct {
	Title    string    // what the scenario is
	Source   string    // the text its events come from, cited in every entry
	Seed     string    // the file name of that text under shared/seed
	KeyDates []KeyDate // dates at which the demo prints the world, ascending
	Events   []Event   // in log order
}

// KeyDate is a date at which the demo shows the world, with a caption of
// what it should show (SPEC §8.2).
type KeyDate struct {
	Date    calendar.Date `json:"date"`
	Caption string        `json:"caption"`
}

// Event is one entry of the scenario in the form of the data file (SPEC
// §8.3): labels stand for the hashes of earlier entries.
type Event struct {
	Label      string          `json:"label"`
	Author     ledger.PartyID  `json:"author"`
	Kind       ledger.Kind     `json:"kind"`
	Effective  calendar.Date   `json:"effective"`
	Quote      string          `json:"quote"`       // the sentence of the source text the event comes from
	DateSource string          `json:"date_source"` // the historical source of the effective date
	Note       string          `json:"note,omitempty"`
	Refs       []string        `json:"refs,omitempty"` // labels of earlier events
	Body       json.RawMessage `json:"body"`           // the ledger body, with labels for hashes (SPEC §8.4)
}

// link is a hash-valued body field that names an earlier event by label.
type link struct {
	label string
	set   func(ledger.Hash)
}

type file struct {
	Title    string    `json:"title"`
	Source   string    `json:"source"`
	Seed     string    `json:"seed"`
	KeyDates []KeyDate `json:"key_dates"`
	Events   []Event   `json:"events"`
}

// Load parses and validates the embedded scenario file (SPEC §8.5).
func Load() (*Scenario, error) {
	return parse(data)
}

// parse implements SPEC §8.5 for the bytes of a scenario file.
func parse(b []byte) (*Scenario, error) {
	var f file
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("scenario: %w: %v", ErrSyntax, err)
	}
	if err := f.checkHeader(); err != nil {
		return nil, err
	}
	s := &Scenario{Title: f.Title, Source: f.Source, Seed: f.Seed, KeyDates: f.KeyDates, Events: f.Events}
	index := make(map[string]int, len(f.Events)) // label -> position
	parties := map[ledger.PartyID]bool{}
	for i := range s.Events {
		ev := &s.Events[i]
		if err := s.check(ev, index, parties, i); err != nil {
			return nil, &EventError{Index: i, Label: ev.Label, Err: err}
		}
		index[ev.Label] = i
		if ev.Kind == ledger.KindParty {
			parties[ev.Author] = true
		}
	}
	return s, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown members and
// anything after the value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data at offset %d after the JSON value", dec.InputOffset())
	}
	if _, err := dec.Token(); err == nil {
		return fmt.Errorf("unexpected data at offset %d after the JSON value", dec.InputOffset())
	}
	return nil
}

// checkHeader checks the members of the file other than events (SPEC §8.2).
func (f *file) checkHeader() error {
	switch {
	case f.Title == "":
		return fmt.Errorf("scenario: %w: title is empty", ErrSyntax)
	case f.Source == "":
		return fmt.Errorf("scenario: %w: source is empty", ErrSyntax)
	case f.Seed == "":
		return fmt.Errorf("scenario: %w: seed is empty", ErrSyntax)
	case len(f.Events) == 0:
		return fmt.Errorf("scenario: %w: no events", ErrSyntax)
	case len(f.KeyDates) == 0:
		return fmt.Errorf("scenario: %w: no key_dates", ErrSyntax)
	}
	for i, k := range f.KeyDates {
		if !k.Date.Valid() {
			return fmt.Errorf("scenario: %w: key_dates[%d] has no valid date", ErrSyntax, i)
		}
		if k.Caption == "" {
			return fmt.Errorf("scenario: %w: key_dates[%d] (%v) has no caption", ErrSyntax, i, k.Date)
		}
		if i > 0 && !f.KeyDates[i-1].Date.Before(k.Date) {
			return fmt.Errorf("scenario: %w: key_dates[%d] (%v) is not after %v; list key dates once each, ascending", ErrSyntax, i, k.Date, f.KeyDates[i-1].Date)
		}
	}
	return nil
}

// validLabel reports whether s is a label (SPEC §8.3): 1 to 64 characters
// of [a-z0-9-], starting with a letter.
func validLabel(s string) bool {
	if len(s) < 1 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// check checks event i against the events before it (SPEC §8.5).
func (s *Scenario) check(ev *Event, index map[string]int, parties map[ledger.PartyID]bool, i int) error {
	switch _, dup := index[ev.Label]; {
	case !validLabel(ev.Label):
		return fmt.Errorf("%w: label %q: use 1 to 64 characters of a-z, 0-9 and -, starting with a letter", ErrInvalid, ev.Label)
	case dup:
		return fmt.Errorf("%w: %q is already the label of event %d", ErrDuplicateLabel, ev.Label, index[ev.Label])
	case ev.Quote == "":
		return fmt.Errorf("%w: quote is empty; give the sentence of the source text the event comes from", ErrInvalid)
	case ev.DateSource == "":
		return fmt.Errorf("%w: date_source is empty; cite where the date comes from, or say it is approximate", ErrInvalid)
	case len(ev.Body) == 0:
		return fmt.Errorf("%w: body is missing", ErrInvalid)
	}
	if ev.Kind == ledger.KindParty {
		if i > 0 && s.Events[i-1].Kind != ledger.KindParty {
			return fmt.Errorf("%w: party registrations must all come before other events", ErrInvalid)
		}
		if parties[ev.Author] {
			return fmt.Errorf("%w: party %q is already registered by an earlier event", ErrInvalid, ev.Author)
		}
	} else if !parties[ev.Author] {
		return fmt.Errorf("%w: author %q is not registered by an earlier party event", ErrInvalid, ev.Author)
	}
	e, links, err := s.makeEntry(ev)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, r := range ev.Refs {
		j, ok := index[r]
		if !ok {
			return fmt.Errorf("%w: ref %q names no earlier event", ErrUnknownLabel, r)
		}
		if seen[r] {
			return fmt.Errorf("%w: ref %q appears twice", ErrInvalid, r)
		}
		seen[r] = true
		if d := s.Events[j].Effective; ev.Effective.Before(d) {
			return fmt.Errorf("%w: effective date %v is before %v, the date of ref %q", ErrInvalid, ev.Effective, d, r)
		}
	}
	for _, l := range links {
		if _, ok := index[l.label]; !ok {
			return fmt.Errorf("%w: body names %q, which is no earlier event", ErrUnknownLabel, l.label)
		}
		if !slices.Contains(ev.Refs, l.label) {
			return fmt.Errorf("%w: body names %q; list it in refs too (SPEC §4.3)", ErrInvalid, l.label)
		}
	}
	if e.Kind == ledger.KindParty && e.Party.ID != ev.Author {
		return fmt.Errorf("%w: party %q must be registered by itself, not by %q", ErrInvalid, e.Party.ID, ev.Author)
	}
	// Refs stay nil here: Records fills them in, once earlier hashes exist.
	if err := e.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// makeEntry returns a fresh entry for ev, with its hash-valued fields and
// refs still zero, and the links that Records resolves (SPEC §8.6).
func (s *Scenario) makeEntry(ev *Event) (*ledger.Entry, []link, error) {
	e := &ledger.Entry{V: ledger.Version, Kind: ev.Kind, Author: ev.Author, Effective: ev.Effective, Source: s.entrySource(ev)}
	links, err := setBody(e, ev.Body)
	if err != nil {
		return nil, nil, err
	}
	if e.Kind == ledger.KindParty {
		e.Party.Key = DemoKey(ev.Author).Public().(ed25519.PublicKey)
	}
	return e, links, nil
}

// entrySource composes the source member of an event's entry (SPEC §8.6).
func (s *Scenario) entrySource(ev *Event) string {
	src := s.Source + ": \u201c" + ev.Quote + "\u201d\nDate: " + ev.DateSource
	if ev.Note != "" {
		src += "\nNote: " + ev.Note
	}
	return src
}
