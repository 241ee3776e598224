package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func trusteeEntry() *Entry {
	return &Entry{V: 1, Kind: KindTrustee, Author: "sweden", Effective: date("1926-08-02"),
		Trustee: &Trustee{Plebiscite: Hash{0xab}, Step: StepKeys, Data: bytes.Repeat([]byte{7}, 32)}}
}

func resultEntry() *Entry {
	return &Entry{V: 1, Kind: KindResult, Author: "sweden", Effective: date("1926-10-05"), Refs: []Hash{{1}},
		Result: &Result{Agreement: Hash{1}, LogSize: 111, LogRoot: Hash{2}, Result: []byte(`{"v":1}`)}}
}

func manifestEntry(raw string) *Entry {
	return &Entry{V: 1, Kind: KindProposal, Author: "ussr", Effective: date("1926-09-01"), Proposal: &Proposal{
		Instrument: PlebisciteAgreement, Title: "Plebiscite", Parties: []PartyID{"ussr", "romania"},
		Territory: "bessarabia", Plebiscite: json.RawMessage(raw)}}
}

// TestPlebisciteEncoding checks the canonical encoding of the new bodies
// (SPEC §3.4.11, §3.4.12), computed by hand from the member tables.
func TestPlebisciteEncoding(t *testing.T) {
	for _, tt := range []struct {
		e    *Entry
		want string
	}{
		{trusteeEntry(), `{"v":1,"kind":"trustee","author":"sweden","effective":"1926-08-02","trustee":{"plebiscite":"ab` +
			strings.Repeat("0", 62) + `","step":"keys","data":"` + "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=" + `"}}`},
		{resultEntry(), `{"v":1,"kind":"result","author":"sweden","effective":"1926-10-05","refs":["01` + strings.Repeat("0", 62) +
			`"],"result":{"agreement":"01` + strings.Repeat("0", 62) + `","log_size":111,"log_root":"02` + strings.Repeat("0", 62) +
			`","result":"eyJ2IjoxfQ=="}}`},
		{manifestEntry(`{"v":1,"id":"b"}`), `{"v":1,"kind":"proposal","author":"ussr","effective":"1926-09-01","proposal":` +
			`{"instrument":"plebiscite-agreement","title":"Plebiscite","parties":["ussr","romania"],"territory":"bessarabia",` +
			`"plebiscite":{"v":1,"id":"b"}}}`},
	} {
		b, err := EncodeEntry(tt.e)
		if err != nil {
			t.Fatalf("EncodeEntry(%s) = %v", tt.e.Kind, err)
		}
		if string(b) != tt.want {
			t.Errorf("EncodeEntry(%s) = %s; want %s", tt.e.Kind, b, tt.want)
		}
		d, err := DecodeEntry(b)
		if err != nil {
			t.Fatalf("DecodeEntry(%s) = %v", b, err)
		}
		if c, _ := EncodeEntry(d); !bytes.Equal(c, b) {
			t.Errorf("EncodeEntry(DecodeEntry(%s)) = %s", b, c)
		}
	}
	// A manifest with white space is not canonical inside an entry.
	if _, err := DecodeEntry([]byte(strings.Replace(mustEncode(t, manifestEntry(`{"v":1}`)), `{"v":1}`, `{"v": 1}`, 1))); err == nil {
		t.Errorf("DecodeEntry(manifest with white space) = nil; want an error")
	}
}

func mustEncode(t *testing.T, e *Entry) string {
	t.Helper()
	b, err := EncodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidatePlebiscite(t *testing.T) {
	tests := []struct {
		name string
		e    func() *Entry
		want string
	}{
		{"trustee ok", trusteeEntry, ""},
		{"unknown step", func() *Entry { e := trusteeEntry(); e.Trustee.Step = "vote"; return e }, `unknown step "vote"`},
		{"empty data", func() *Entry { e := trusteeEntry(); e.Trustee.Data = nil; return e }, "trustee.data: is empty"},
		{"trustee body on result", func() *Entry { e := trusteeEntry(); e.Kind = KindResult; return e }, `cannot have a "trustee" body`},
		{"result ok", resultEntry, ""},
		{"empty result", func() *Entry { e := resultEntry(); e.Result.Result = nil; return e }, "result.result: is empty"},
		{"no body", func() *Entry { e := resultEntry(); e.Result = nil; return e }, `needs its "result" body`},
		{"manifest ok", func() *Entry { return manifestEntry(`{"v":1}`) }, ""},
		{"manifest not an object", func() *Entry { return manifestEntry(`[1]`) }, "is not a JSON object"},
		{"manifest repeated member", func() *Entry { return manifestEntry(`{"v":1,"v":1}`) }, "appears twice"},
		{"manifest trailing data", func() *Entry { return manifestEntry(`{"v":1} 2`) }, "trailing data"},
		{"manifest too large", func() *Entry { return manifestEntry(`{"q":"` + strings.Repeat("x", MaxManifest) + `"}`) }, "the limit is 32768"},
		{"manifest on armistice", func() *Entry {
			e := manifestEntry(`{"v":1}`)
			e.Proposal.Instrument = Armistice
			return e
		}, "only a plebiscite-agreement"},
		{"agreement in principle", func() *Entry { e := manifestEntry(""); e.Proposal.Plebiscite = nil; return e }, ""},
	}
	for _, tt := range tests {
		err := tt.e().Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v; want nil", tt.name, err)
			}
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v; want a FormatError containing %q", tt.name, err, tt.want)
		}
	}
}

// TestPlebisciteFailClosed checks that a checker without the plebiscite
// rules refuses the entries of SPEC §4.14 to §4.16.
func TestPlebisciteFailClosed(t *testing.T) {
	plebiscite.RLock()
	saved := plebiscite.rules
	plebiscite.RUnlock()
	RegisterPlebiscite(nil)
	t.Cleanup(func() { RegisterPlebiscite(saved) })

	w := newWorld(t)
	w.party("ussr", RoleState)
	w.party("romania", RoleState)
	w.party("sweden", RoleObserver)
	te := entry(KindTerritory, "romania", "1926-01-01")
	te.Territory = &Territory{ID: "bessarabia", Name: "Bessarabia"}
	w.add(te)
	w.refuse(manifestEntry(`{"v":1}`), "4.14", "plebiscite rules are not linked in")
	w.refuse(trusteeEntry(), "4.15", "plebiscite rules are not linked in")
	p := w.add(proposal("ussr", "1926-02-01", Armistice, "ussr", "romania"))
	e := resultEntry()
	e.Refs, e.Result.Agreement = []Hash{p}, p
	w.refuse(e, "4.16", "plebiscite rules are not linked in")
}
