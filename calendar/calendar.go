// Package calendar implements the dates and ISO 8601 durations of
// docs/SPEC.md, Section 2: proleptic Gregorian calendar days, and
// durations of years, months, weeks and days added with end-of-month
// clamping.
package calendar

import (
	"errors"
	"fmt"
)

// Date is a calendar day in the proleptic Gregorian calendar, encoded as
// "YYYY-MM-DD" (SPEC §2.1). The zero Date is invalid.
type Date struct {
	Year  int // 1..9999
	Month int // 1..12
	Day   int // 1..DaysIn(Year, Month)
}

// Duration is an ISO 8601 duration restricted to calendar components
// (SPEC §2.2), encoded as "P[nY][nM][nW][nD]" with at least one component.
type Duration struct {
	Years, Months, Weeks, Days int
}

// MinYear and MaxYear bound the year of a valid Date (SPEC §2.1).
const (
	MinYear = 1
	MaxYear = 9999
)

// IsLeap reports whether year is a leap year of the proleptic Gregorian
// calendar: divisible by 4, and not by 100 unless by 400 (SPEC §2.1).
func IsLeap(year int) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// DaysIn returns the number of days of month (1..12) in year, or 0 if
// month is out of range.
func DaysIn(year, month int) int {
	switch month {
	case 1, 3, 5, 7, 8, 10, 12:
		return 31
	case 4, 6, 9, 11:
		return 30
	case 2:
		if IsLeap(year) {
			return 29
		}
		return 28
	}
	return 0
}

// Valid reports whether d is a real day with a year in 1..9999.
func (d Date) Valid() bool {
	return d.check() == nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool {
	return d == Date{}
}

func (d Date) check() error {
	if d.Year < MinYear || d.Year > MaxYear {
		return fmt.Errorf("year %d is out of range 0001-9999", d.Year)
	}
	if d.Month < 1 || d.Month > 12 {
		return fmt.Errorf("month %d is out of range", d.Month)
	}
	if n := DaysIn(d.Year, d.Month); d.Day < 1 || d.Day > n {
		return fmt.Errorf("day %d is out of range: %04d-%02d has %d days", d.Day, d.Year, d.Month, n)
	}
	return nil
}

const dateHint = "; write dates as YYYY-MM-DD"

// ParseDate parses a date written exactly as "YYYY-MM-DD" (SPEC §2.1): ten
// ASCII characters, four-digit year 0001-9999, two-digit month and day
// naming a real day of the proleptic Gregorian calendar.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("bad date %q: not of the form YYYY-MM-DD%s", s, dateHint)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("bad date %q: not of the form YYYY-MM-DD%s", s, dateHint)
	}
	date := Date{y, m, d}
	if err := date.check(); err != nil {
		return Date{}, fmt.Errorf("bad date %q: %v%s", s, err, dateHint)
	}
	return date, nil
}

// digits parses s, which must consist of ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// String returns d as "YYYY-MM-DD". A Date that is not Valid is printed
// with the same layout (and possibly more digits or a sign) for debugging.
func (d Date) String() string {
	if d.Valid() {
		b := make([]byte, 0, 10)
		return string(d.appendTo(b))
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

func (d Date) appendTo(b []byte) []byte {
	b = append(b, byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10), '-')
	b = append(b, byte('0'+d.Month/10), byte('0'+d.Month%10), '-')
	return append(b, byte('0'+d.Day/10), byte('0'+d.Day%10))
}

// MarshalJSON encodes d as the JSON string "YYYY-MM-DD". It fails if d is
// not Valid.
func (d Date) MarshalJSON() ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("bad date %s: %v", d, err)
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = d.appendTo(b)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a JSON string holding exactly "YYYY-MM-DD". Escape
// sequences, null and other JSON types are rejected (SPEC §2.1).
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := rawString(b)
	if err != nil {
		return fmt.Errorf("bad date %s: %v%s", b, err, dateHint)
	}
	date, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = date
	return nil
}

// rawString returns the content of a JSON string literal that has no escape
// sequences and only printable ASCII: the only form dates and durations take.
func rawString(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '"' {
			return "", errors.New("contains an escape sequence or a character other than printable ASCII")
		}
	}
	return string(b[1 : len(b)-1]), nil
}

// Compare returns -1 if d is before e, 0 if they are the same day and +1
// if d is after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp(d.Month, e.Month)
	default:
		return cmp(d.Day, e.Day)
	}
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// days returns the number of days from 1970-01-01 to d (negative before),
// by the days_from_civil algorithm of H. Hinnant, "chrono-Compatible
// Low-Level Date Algorithms".
func (d Date) days() int {
	y, m := d.Year, d.Month
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (civil_from_days).
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, m, d}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// AddDays returns the day n days after d (before d if n is negative). The
// result may fall outside years 0001-9999; then it is not Valid.
func (d Date) AddDays(n int) Date {
	return fromDays(d.days() + n)
}

// Sub returns the number of days from e to d: d == e.AddDays(d.Sub(e)).
func (d Date) Sub(e Date) int {
	return d.days() - e.days()
}

// Add returns d plus the duration p as specified in SPEC §2.2: first the
// years and months are added to the year and month of d, and the day is
// clamped to the last day of the resulting month (1918-01-31 + P1M =
// 1918-02-28); then weeks×7 + days days are added. The result may fall
// outside years 0001-9999; then it is not Valid.
func (d Date) Add(p Duration) Date {
	months := d.Year*12 + (d.Month - 1) + p.Years*12 + p.Months
	y, m := floorDiv(months, 12), months-floorDiv(months, 12)*12+1
	day := d.Day
	if n := DaysIn(y, m); day > n {
		day = n
	}
	return Date{y, m, day}.AddDays(p.Weeks*7 + p.Days)
}
