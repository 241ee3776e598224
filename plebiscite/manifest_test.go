package plebiscite

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/ristretto255"
)

func randomElement() []byte {
	return ristretto255.NewElement().ScalarBaseMult(ristretto255.RandomScalar()).Bytes()
}

// sampleManifest returns a complete manifest with random keys.
func sampleManifest() *Manifest {
	m := &Manifest{
		V:         ManifestVersion,
		ID:        "bessarabia-1926",
		Territory: "bessarabia",
		Question:  "Which state shall Bessarabia belong to?",
		Options:   []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Min:       1,
		Max:       1,
		Outcome:   AbsoluteMajority,
		Roll:      RollRef{Authority: "league-commission", Count: 200, Root: Hash{1}},
		Opens:     calendar.Date{Year: 1926, Month: 10, Day: 1},
		Closes:    calendar.Date{Year: 1926, Month: 10, Day: 3},
		Threshold: 3,
		Observers: []ledger.PartyID{"united-states", "league-commission"},
		Preconditions: []Precondition{{
			Instrument: Hash{9},
			Clause:     "evacuate-army",
			Attesters:  []ledger.PartyID{"united-states"},
		}},
		Key: randomElement(),
	}
	for _, t := range []struct{ id, camp string }{
		{"ussr-a", "soviet"}, {"ussr-b", "soviet"}, {"romania-a", "romanian"},
		{"romania-b", "romanian"}, {"sweden", "neutral"},
	} {
		m.Trustees = append(m.Trustees, Trustee{ID: ledger.PartyID(t.id), Camp: t.camp, Key: randomElement()})
	}
	return m
}

func TestManifestRoundTrip(t *testing.T) {
	m := sampleManifest()
	b, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode() = %v", err)
	}
	m2, err := ParseManifest(b)
	if err != nil {
		t.Fatalf("ParseManifest(%s) = %v", b, err)
	}
	b2, _ := m2.Encode()
	if !bytes.Equal(b, b2) {
		t.Errorf("re-encoding differs:\n%s\n%s", b, b2)
	}
	h, _ := m.Hash()
	want := sha256.Sum256(append([]byte("concord/plebiscite/manifest/v1\x00"), b...))
	if h != Hash(want) {
		t.Errorf("Hash() = %v; want %x", h, want)
	}
	if !m.Complete() || m.Draft().Complete() {
		t.Errorf("Complete() = %v, Draft().Complete() = %v; want true, false", m.Complete(), m.Draft().Complete())
	}
	dh, err := m.Draft().Hash()
	if err != nil || dh == h {
		t.Errorf("Draft().Hash() = %v, %v; want a valid hash different from the manifest hash", dh, err)
	}
	if m.Trustees[0].Key == nil {
		t.Errorf("Draft() modified the manifest")
	}
}

func TestParseManifestRejects(t *testing.T) {
	good, err := sampleManifest().Encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	cases := map[string]string{
		"trailing newline": s + "\n",
		"leading space":    " " + s,
		"unknown member":   strings.Replace(s, `{"v":1,`, `{"v":1,"x":1,`, 1),
		"duplicate member": strings.Replace(s, `{"v":1,`, `{"v":1,"v":1,`, 1),
		"reordered":        strings.Replace(s, `{"v":1,"id":"bessarabia-1926",`, `{"id":"bessarabia-1926","v":1,`, 1),
		"version 2":        strings.Replace(s, `{"v":1,`, `{"v":2,`, 1),
		"bad id":           strings.Replace(s, `"id":"bessarabia-1926"`, `"id":"Bessarabia"`, 1),
		"one option":       strings.Replace(s, `,"Kingdom of Romania","Independence"]`, `]`, 1),
		"repeated option":  strings.Replace(s, `"Independence"`, `"Kingdom of Romania"`, 1),
		"min above max":    strings.Replace(s, `"min":1,"max":1`, `"min":2,"max":1`, 1),
		"max above n":      strings.Replace(s, `"min":1,"max":1`, `"min":1,"max":4`, 1),
		"unknown outcome":  strings.Replace(s, `absolute-majority`, `plurality`, 1),
		"threshold zero":   strings.Replace(s, `"threshold":3`, `"threshold":0`, 1),
		"threshold high":   strings.Replace(s, `"threshold":3`, `"threshold":6`, 1),
		"no observers":     strings.Replace(s, `"observers":["united-states","league-commission"]`, `"observers":[]`, 1),
		"uppercase hash":   strings.Replace(s, `"root":"01`, `"root":"0A`, 1),
		"escaped char":     strings.Replace(s, `Which`, `\u0057hich`, 1),
		"null key":         strings.Replace(s, `"preconditions"`, `"key":null,"preconditions"`, 1),
	}
	for name, in := range cases {
		if in == s {
			t.Errorf("%s: test case did not change the input", name)
			continue
		}
		if _, err := ParseManifest([]byte(in)); err == nil {
			t.Errorf("ParseManifest(%s) succeeded; want an error", name)
		}
	}
}

func TestManifestCheck(t *testing.T) {
	tests := map[string]func(m *Manifest){
		"closes before opens": func(m *Manifest) { m.Closes = calendar.Date{Year: 1926, Month: 9, Day: 30} },
		"invalid date":        func(m *Manifest) { m.Opens = calendar.Date{Year: 1926, Month: 2, Day: 29} },
		"key without trustee keys": func(m *Manifest) {
			for i := range m.Trustees {
				m.Trustees[i].Key = nil
			}
		},
		"identity key":      func(m *Manifest) { m.Key = make([]byte, 32) },
		"bad trustee key":   func(m *Manifest) { m.Trustees[1].Key = bytes.Repeat([]byte{0xff}, 32) },
		"repeated trustee":  func(m *Manifest) { m.Trustees[1].ID = m.Trustees[0].ID },
		"empty camp":        func(m *Manifest) { m.Trustees[1].Camp = "" },
		"empty roll":        func(m *Manifest) { m.Roll.Count = 0 },
		"bad clause":        func(m *Manifest) { m.Preconditions[0].Clause = "" },
		"no attesters":      func(m *Manifest) { m.Preconditions[0].Attesters = nil },
		"empty question":    func(m *Manifest) { m.Question = "" },
		"empty label":       func(m *Manifest) { m.Options[2] = "" },
		"invalid utf8":      func(m *Manifest) { m.Options[2] = "\xff" },
		"roll authority":    func(m *Manifest) { m.Roll.Authority = "" },
		"territory missing": func(m *Manifest) { m.Territory = "" },
	}
	for name, mutate := range tests {
		m := sampleManifest()
		mutate(m)
		if err := m.Check(); err == nil {
			t.Errorf("Check() after %s = nil; want an error", name)
		}
	}
	if err := sampleManifest().Draft().Check(); err != nil {
		t.Errorf("Draft().Check() = %v; want nil", err)
	}
}

func FuzzParseManifest(f *testing.F) {
	good, _ := sampleManifest().Encode()
	f.Add(good)
	d, _ := sampleManifest().Draft().Encode()
	f.Add(d)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("ParseManifest(%q).Encode() = %q, %v; want the input", b, again, err)
		}
	})
}
