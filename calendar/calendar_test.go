package calendar

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseDate(t *testing.T) {
	good := map[string]Date{
		"1918-03-05": {1918, 3, 5},
		"0001-01-01": {1, 1, 1},
		"9999-12-31": {9999, 12, 31},
		"2000-02-29": {2000, 2, 29}, // divisible by 400
		"1916-02-29": {1916, 2, 29},
	}
	for s, want := range good {
		got, err := ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, got.String())
		}
	}
	bad := map[string]string{
		"1918-13-01":  "month 13 is out of range",
		"1900-02-29":  "day 29 is out of range", // divisible by 100, not 400
		"1918-04-31":  "day 31 is out of range",
		"1918-01-00":  "day 0 is out of range",
		"0000-01-01":  "year 0 is out of range",
		"1918-1-01":   "not of the form",
		"1918/01/01":  "not of the form",
		"+918-01-01":  "not of the form",
		"1918-01-01 ": "not of the form",
		"19180101":    "not of the form",
		"":            "not of the form",
		"1918-0a-01":  "not of the form",
	}
	for s, want := range bad {
		_, err := ParseDate(s)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "write dates as YYYY-MM-DD") {
			t.Errorf("ParseDate(%q) error = %v; want it to mention %q and the fix", s, err, want)
		}
	}
	_, err := ParseDate("1918-13-01")
	if want := `bad date "1918-13-01": month 13 is out of range; write dates as YYYY-MM-DD`; err == nil || err.Error() != want {
		t.Errorf("ParseDate(%q) error = %v; want %s", "1918-13-01", err, want)
	}
}

func TestDateJSON(t *testing.T) {
	d := Date{1918, 3, 3}
	b, err := json.Marshal(d)
	if err != nil || string(b) != `"1918-03-03"` {
		t.Fatalf("json.Marshal(%v) = %s, %v", d, b, err)
	}
	var e Date
	if err := json.Unmarshal(b, &e); err != nil || e != d {
		t.Fatalf("json.Unmarshal(%s) = %v, %v", b, e, err)
	}
	for _, in := range []string{`null`, `"1918-03-3"`, `19180303`, `"1918\u002d03-03"`, `"1918-02-30"`, `""`} {
		if err := json.Unmarshal([]byte(in), &e); err == nil {
			t.Errorf("json.Unmarshal(%s) succeeded; want an error", in)
		}
	}
	if _, err := json.Marshal(Date{}); err == nil {
		t.Errorf("json.Marshal(Date{}) succeeded; want an error")
	}
}

func TestCompare(t *testing.T) {
	a, b := mustDate(t, "1917-12-15"), mustDate(t, "1918-03-03")
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Errorf("comparison of %v and %v is wrong", a, b)
	}
	if got := b.Sub(a); got != 78 {
		t.Errorf("%v.Sub(%v) = %d; want 78", b, a, got)
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		d    string
		n    int
		want string
	}{
		{"1918-02-28", 1, "1918-03-01"},
		{"1916-02-28", 1, "1916-02-29"},
		{"1917-12-31", 1, "1918-01-01"},
		{"1918-03-01", -1, "1918-02-28"},
		{"1970-01-01", 0, "1970-01-01"},
		{"0001-01-01", 3652058, "9999-12-31"}, // days in 0001..9999
		{"1917-12-15", 78, "1918-03-03"},
	}
	for _, tt := range tests {
		if got := mustDate(t, tt.d).AddDays(tt.n).String(); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s; want %s", tt.d, tt.n, got, tt.want)
		}
	}
	// Every day of a leap-cycle walk round-trips through days/fromDays.
	d := mustDate(t, "1600-01-01")
	for i := 0; i < 146097+400; i++ {
		next := d.AddDays(1)
		if !next.Valid() || next.Sub(d) != 1 || !next.After(d) {
			t.Fatalf("%v.AddDays(1) = %v", d, next)
		}
		d = next
	}
}

func TestAddDuration(t *testing.T) {
	tests := []struct{ d, p, want string }{
		{"1918-01-31", "P1M", "1918-02-28"},
		{"1916-01-31", "P1M", "1916-02-29"},
		{"1918-03-05", "P2M", "1918-05-05"},
		{"1917-12-15", "P1M", "1918-01-15"},
		{"1917-12-15", "P3M", "1918-03-15"},
		{"1916-02-29", "P1Y", "1917-02-28"},
		{"1918-08-31", "P1Y6M", "1920-02-29"},
		{"1918-01-31", "P1M1D", "1918-03-01"},
		{"1918-01-01", "P2W", "1918-01-15"},
		{"1918-12-31", "P1W", "1919-01-07"},
		{"1918-03-31", "P1Y1M1W1D", "1919-05-08"},
	}
	// Adding is not associative (SPEC §2.2).
	m := Duration{Months: 1}
	if got := mustDate(t, "1918-01-31").Add(m).Add(m).String(); got != "1918-03-28" {
		t.Errorf("1918-01-31 + P1M + P1M = %s; want 1918-03-28", got)
	}
	for _, tt := range tests {
		p, err := ParseDuration(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := mustDate(t, tt.d).Add(p).String(); got != tt.want {
			t.Errorf("%s.Add(%s) = %s; want %s", tt.d, tt.p, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]Duration{
		"P1M":        {Months: 1},
		"P3M":        {Months: 3},
		"P10Y":       {Years: 10},
		"P2W":        {Weeks: 2},
		"P30D":       {Days: 30},
		"P1Y2M3W4D":  {1, 2, 3, 4},
		"P1Y4D":      {Years: 1, Days: 4},
		"P999999D":   {Days: 999999},
		"P12M":       {Months: 12}, // not normalised: P12M and P1Y are different durations
		"P100Y100D":  {Years: 100, Days: 100},
		"P7D":        {Days: 7},
		"P1W7D":      {Weeks: 1, Days: 7},
		"P1M999999D": {Months: 1, Days: 999999},
	}
	for s, want := range good {
		got, err := ParseDuration(s)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("ParseDuration(%q).String() = %q", s, got.String())
		}
	}
	for _, s := range []string{"", "P", "PT1H", "P1MT1H", "P01M", "P0D", "P0Y1M", "-P1M", "P-1M", "P1.5M",
		"P1,5M", "p1m", "P1m", "P1M1Y", "P1M1M", "P1", "PM", "P1H", "1M", "P1000000D", "P1M ", " P1M", "P+1M",
		"P99999999999999999999D"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %+v; want an error", s, d)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	p := Duration{Months: 2}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `"P2M"` {
		t.Fatalf("json.Marshal(%+v) = %s, %v", p, b, err)
	}
	var q Duration
	if err := json.Unmarshal(b, &q); err != nil || q != p {
		t.Fatalf("json.Unmarshal(%s) = %+v, %v", b, q, err)
	}
	for _, in := range []string{`null`, `"P"`, `2`, `"P\u0032M"`, `"p2m"`} {
		if err := json.Unmarshal([]byte(in), &q); err == nil {
			t.Errorf("json.Unmarshal(%s) succeeded; want an error", in)
		}
	}
	for _, p := range []Duration{{}, {Days: -1}, {Years: MaxComponent + 1}} {
		if _, err := json.Marshal(p); err == nil {
			t.Errorf("json.Marshal(%+v) succeeded; want an error", p)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1918-03-03", "2000-02-29", "1900-02-29", "9999-12-31", "0000-01-01", "1918-3-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if !d.Valid() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %v; String() = %q", s, d, d.String())
		}
		if e := d.AddDays(1).AddDays(-1); e != d {
			t.Fatalf("%v.AddDays(1).AddDays(-1) = %v", d, e)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"P1M", "P1Y2M3W4D", "P01M", "PT1H", "P0D", "P999999D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseDuration(s)
		if err != nil {
			return
		}
		if !p.Valid() || p.String() != s {
			t.Fatalf("ParseDuration(%q) = %+v; String() = %q", s, p, p.String())
		}
	})
}

func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"1918-03-03"`, `null`, `"1918-03-3"`, `"1918\u002d03-03"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Date
		if d.UnmarshalJSON(b) != nil {
			return
		}
		c, err := d.MarshalJSON()
		if err != nil || string(c) != string(b) {
			t.Fatalf("MarshalJSON(UnmarshalJSON(%q)) = %q, %v", b, c, err)
		}
	})
}

func FuzzDurationJSON(f *testing.F) {
	for _, s := range []string{`"P1M"`, `"P1Y2M3W4D"`, `"P01M"`, `"PT1H"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Duration
		if p.UnmarshalJSON(b) != nil {
			return
		}
		c, err := p.MarshalJSON()
		if err != nil || string(c) != string(b) {
			t.Fatalf("MarshalJSON(UnmarshalJSON(%q)) = %q, %v", b, c, err)
		}
	})
}

func BenchmarkParseDate(b *testing.B) {
	for b.Loop() {
		if _, err := ParseDate("1918-03-03"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	d, p := Date{1918, 1, 31}, Duration{Months: 2, Days: 3}
	for b.Loop() {
		d.Add(p)
	}
}
