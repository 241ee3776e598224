// Package calendar implements the dates and ISO 8601 durations of
// docs/SPEC.md, Section 2: proleptic Gregorian calendar days, and
// durations of years, months, weeks and days added with end-of-month
// clamping.
package calendar

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
