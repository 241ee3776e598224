package ledger

import (
	"encoding/json"
	"strings"
	"testing"

	"concord/calendar"
)

func TestDeadline(t *testing.T) {
	d, p := date("1918-05-05"), calendar.Duration{Months: 2}
	tests := []struct {
		dl   Deadline
		json string
		eif  string
		want string
	}{
		{Deadline{Date: &d}, `"1918-05-05"`, "1918-03-09", "1918-05-05"},
		{Deadline{Duration: &p}, `"P2M"`, "1918-03-09", "1918-05-09"},
		{Deadline{Duration: &p}, `"P2M"`, "1917-12-31", "1918-02-28"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.dl)
		if err != nil || string(b) != tt.json {
			t.Errorf("json.Marshal(%v) = %s, %v; want %s", tt.dl, b, err, tt.json)
		}
		var back Deadline
		if err := json.Unmarshal(b, &back); err != nil || back.String() != tt.dl.String() {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, back, err)
		}
		if got := tt.dl.Resolve(date(tt.eif)).String(); got != tt.want {
			t.Errorf("%v.Resolve(%s) = %s; want %s", tt.dl, tt.eif, got, tt.want)
		}
	}
	for _, dl := range []Deadline{{}, {Date: &d, Duration: &p}, {Date: &calendar.Date{}}, {Duration: &calendar.Duration{}}} {
		if b, err := json.Marshal(dl); err == nil {
			t.Errorf("json.Marshal(%+v) = %s; want an error", dl, b)
		}
		if s := dl.String(); s != "invalid deadline" {
			t.Errorf("Deadline.String() = %q; want \"invalid deadline\"", s)
		}
	}
	for _, in := range []string{`null`, `""`, `"P"`, `"1918-5-5"`, `5`, `"p2m"`, `"PT1H"`} {
		var dl Deadline
		if err := json.Unmarshal([]byte(in), &dl); err == nil {
			t.Errorf("json.Unmarshal(%s) = %v; want an error", in, dl)
		}
	}
	if got := (Deadline{}).Resolve(date("1918-01-01")); got.Valid() {
		t.Errorf("empty Deadline.Resolve() = %v; want the zero date", got)
	}
}

func FuzzDeadlineJSON(f *testing.F) {
	for _, s := range []string{`"P2M"`, `"1918-05-05"`, `"P02M"`, `null`, `"P"`, `"1918-02-29"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Deadline
		if d.UnmarshalJSON(b) != nil {
			return
		}
		c, err := d.MarshalJSON()
		if err != nil || string(c) != string(b) {
			t.Fatalf("MarshalJSON(UnmarshalJSON(%q)) = %q, %v", b, c, err)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	f.Add(vecHash)
	f.Add(strings.ToUpper(vecHash))
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if h.String() != s {
			t.Fatalf("ParseHash(%q).String() = %q", s, h.String())
		}
	})
}
