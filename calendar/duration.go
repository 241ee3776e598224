package calendar

import (
	"fmt"
	"strconv"
)

// MaxComponent bounds each component of a Duration (SPEC §2.2).
const MaxComponent = 999999

const durationHint = "; write durations as P[nY][nM][nW][nD], for example P2M or P1Y6M"

// ParseDuration parses an ISO 8601 duration restricted to calendar
// components, as specified in SPEC §2.2: "P" followed by one or more of
// nY, nM, nW, nD in that order, each at most once, where n is a decimal
// number without leading zeros in 1..999999. Zero components, a time part
// ("T…"), signs, fractions and lower-case letters are rejected, so that
// every Duration has exactly one encoding.
func ParseDuration(s string) (Duration, error) {
	if len(s) < 2 || s[0] != 'P' {
		return Duration{}, fmt.Errorf("bad duration %q: must start with P and have at least one component%s", s, durationHint)
	}
	var p Duration
	fields := [...]struct {
		unit byte
		v    *int
	}{{'Y', &p.Years}, {'M', &p.Months}, {'W', &p.Weeks}, {'D', &p.Days}}
	next := 0 // index of the first unit still allowed
	for i := 1; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return Duration{}, fmt.Errorf("bad duration %q: expected a number at offset %d%s", s, i, durationHint)
		}
		num := s[i:j]
		if j == len(s) {
			return Duration{}, fmt.Errorf("bad duration %q: number %s has no unit (Y, M, W or D)%s", s, num, durationHint)
		}
		if num[0] == '0' {
			return Duration{}, fmt.Errorf("bad duration %q: %q has a leading zero or is zero (omit zero components)%s", s, s[i:j+1], durationHint)
		}
		if len(num) > 6 {
			return Duration{}, fmt.Errorf("bad duration %q: %s is larger than %d", s, num, MaxComponent)
		}
		n, _ := strconv.Atoi(num)
		k := next
		for k < len(fields) && fields[k].unit != s[j] {
			k++
		}
		if k == len(fields) {
			return Duration{}, fmt.Errorf("bad duration %q: unexpected %q after %s (units are Y, M, W, D in that order, each once, no time part)%s", s, s[j], num, durationHint)
		}
		*fields[k].v = n
		next = k + 1
		i = j + 1
	}
	return p, nil
}

// Valid reports whether p has at least one non-zero component and every
// component is in 0..999999, that is, whether p has an encoding.
func (p Duration) Valid() bool {
	return p.check() == nil
}

func (p Duration) check() error {
	for _, v := range [...]int{p.Years, p.Months, p.Weeks, p.Days} {
		if v < 0 || v > MaxComponent {
			return fmt.Errorf("component %d is out of range 0..%d", v, MaxComponent)
		}
	}
	if p == (Duration{}) {
		return fmt.Errorf("zero duration")
	}
	return nil
}

// String returns the canonical encoding of p (SPEC §2.2): "P" then each
// non-zero component in the order Y, M, W, D. The zero Duration, which is
// not Valid, prints as "P0D".
func (p Duration) String() string {
	if p == (Duration{}) {
		return "P0D"
	}
	return string(p.appendTo(make([]byte, 0, 16)))
}

func (p Duration) appendTo(b []byte) []byte {
	b = append(b, 'P')
	for _, f := range [...]struct {
		v    int
		unit byte
	}{{p.Years, 'Y'}, {p.Months, 'M'}, {p.Weeks, 'W'}, {p.Days, 'D'}} {
		if f.v != 0 {
			b = strconv.AppendInt(b, int64(f.v), 10)
			b = append(b, f.unit)
		}
	}
	return b
}

// MarshalJSON encodes p as a JSON string in its canonical form. It fails
// if p is not Valid.
func (p Duration) MarshalJSON() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("bad duration %+v: %v", p, err)
	}
	b := append(make([]byte, 0, 18), '"')
	b = p.appendTo(b)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a JSON string holding a duration in the form
// ParseDuration accepts, without escape sequences.
func (p *Duration) UnmarshalJSON(b []byte) error {
	s, err := rawString(b)
	if err != nil {
		return fmt.Errorf("bad duration %s: %v%s", b, err, durationHint)
	}
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*p = d
	return nil
}
