package ledger

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"concord/calendar"
)

// The vector of SPEC §3.6. The seed and public key are those of RFC 8032,
// Section 7.1, TEST 1; the signature and hash were computed by this
// package and checked independently with Python's cryptography 48.0.0
// (Ed25519PrivateKey.sign) and hashlib.sha256.
const (
	vecSeed   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	vecPublic = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	vecEntry  = `{"v":1,"kind":"party","author":"ussr","effective":"1922-12-30","source":"Rakovsky, The Foreign Policy of Soviet Russia (1926)","party":{"id":"ussr","name":"Union of Soviet Socialist Republics","role":"union","key":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}}`
	vecSig    = "e6949ae4790b2e5d396b348c970fcfa8aec7f651928164f00e1bec8db5594b3156bcc767483ff67bbeeca2166c155cbd97179221d9f8bf65bf8e5d77555e7403"
	vecSigned = `{"entry":` + vecEntry + `,"sig":"5pSa5HkLLl05azSMlw/PqK7H9lGSgWTwDhvsjbVZSzFWvMdnSD/2e77sohZsFVy9lxeSIdn4v2W/jl13VV50Aw=="}`
	vecHash   = "8788b7ef8117a86e2c819f3e093789723b15f993c48f79a70b58a0eca7f0720a"
	vecKey    = "concord/v1/party-key\nid ussr\npublic " + vecPublic + "\nseed " + vecSeed + "\n"
)

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func vectorKey(t testing.TB) *KeyFile {
	seed, _ := hex.DecodeString(vecSeed)
	k, err := NewKeyFromSeed("ussr", seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func vectorEntry(k *KeyFile) *Entry {
	return &Entry{V: 1, Kind: KindParty, Author: "ussr", Effective: date("1922-12-30"),
		Source: "Rakovsky, The Foreign Policy of Soviet Russia (1926)",
		Party:  &Party{ID: "ussr", Name: "Union of Soviet Socialist Republics", Role: RoleUnion, Key: k.PublicKey()}}
}

func TestVector(t *testing.T) {
	k := vectorKey(t)
	if got := hex.EncodeToString(k.PublicKey()); got != vecPublic {
		t.Fatalf("PublicKey() = %s; want %s (RFC 8032 TEST 1)", got, vecPublic)
	}
	e := vectorEntry(k)
	eb, err := EncodeEntry(e)
	if err != nil || string(eb) != vecEntry {
		t.Fatalf("EncodeEntry() = %s, %v; want %s", eb, err, vecEntry)
	}
	msg, err := SigningMessage(e)
	if want := "concord/v1/entry\n" + vecEntry; err != nil || string(msg) != want {
		t.Fatalf("SigningMessage() = %q, %v; want %q", msg, err, want)
	}
	s, err := Sign(e, k.PrivateKey())
	if err != nil || hex.EncodeToString(s.Sig) != vecSig {
		t.Fatalf("Sign() = %x, %v; want %s", s.Sig, err, vecSig)
	}
	sb, err := Encode(s)
	if err != nil || string(sb) != vecSigned {
		t.Fatalf("Encode() = %s, %v; want %s", sb, err, vecSigned)
	}
	if h := LeafHash(sb); h.String() != vecHash {
		t.Fatalf("LeafHash() = %s; want %s", h, vecHash)
	}
	if h, err := s.Hash(); err != nil || h.String() != vecHash {
		t.Fatalf("Signed.Hash() = %s, %v; want %s", h, err, vecHash)
	}
	if err := s.Verify(k.PublicKey()); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if got := string(k.Marshal()); got != vecKey {
		t.Fatalf("KeyFile.Marshal() = %q; want %q", got, vecKey)
	}
	d, err := Decode([]byte(vecSigned))
	if err != nil {
		t.Fatalf("Decode(vector) = %v", err)
	}
	if b, _ := Encode(d); string(b) != vecSigned {
		t.Fatalf("Encode(Decode(vector)) = %s", b)
	}
	if _, err := DecodeEntry([]byte(vecEntry)); err != nil {
		t.Fatalf("DecodeEntry(vector) = %v", err)
	}
	// The envelope of SPEC §3.3 is exactly what encoding/json gives.
	if j, _ := marshal(s); string(j) != vecSigned {
		t.Fatalf("marshal(Signed) = %s; want the envelope %s", j, vecSigned)
	}
	// A modified entry does not verify.
	d.Entry.Effective = date("1922-12-31")
	if err := d.Verify(k.PublicKey()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify(modified entry) = %v; want ErrBadSignature", err)
	}
}

// The second vector of SPEC §3.6: an entry with refs and a text that needs
// escapes. Checked independently with Python 3 (json.dumps with
// ensure_ascii=False and separators=(",", ":"), cryptography 48.0.0,
// hashlib).
const (
	vec2Entry = `{"v":1,"kind":"act","author":"ussr","effective":"1924-04-02","refs":["8788b7ef8117a86e2c819f3e093789723b15f993c48f79a70b58a0eca7f0720a"],"source":"Rakovsky 1926: the Vienna Conference","act":{"act":"proclamation","territory":"bessarabia","text":"A plebiscite «under conditions guaranteeing its genuineness»\n\t<population: 3,000,000> & \"no annexation\" \\ Бессарабия"}}`
	vec2Sig   = "1d359d63dbe7ce7b34257441228f735e1474a68f991b6c8475d9b5e9784ad21c7a8d6984bac173d18233c4108fe2b63c5752ca99a6042a0e10da19ee97af8f00"
	vec2Hash  = "3b2926a0a2a5283d33b84442dea061bc7b0e658d1cd171a37aee2ecdff1a1a96"
)

func TestVector2(t *testing.T) {
	k := vectorKey(t)
	ref, _ := ParseHash(vecHash)
	e := &Entry{V: 1, Kind: KindAct, Author: "ussr", Effective: date("1924-04-02"), Refs: []Hash{ref},
		Source: "Rakovsky 1926: the Vienna Conference",
		Act: &Act{Act: Proclamation, Territory: "bessarabia",
			Text: "A plebiscite «under conditions guaranteeing its genuineness»\n\t<population: 3,000,000> & \"no annexation\" \\ Бессарабия"}}
	if b, err := EncodeEntry(e); err != nil || string(b) != vec2Entry {
		t.Fatalf("EncodeEntry() = %s, %v; want %s", b, err, vec2Entry)
	}
	s, err := Sign(e, k.PrivateKey())
	if err != nil || hex.EncodeToString(s.Sig) != vec2Sig {
		t.Fatalf("Sign() = %x, %v; want %s", s.Sig, err, vec2Sig)
	}
	if h, err := s.Hash(); err != nil || h.String() != vec2Hash {
		t.Fatalf("Signed.Hash() = %s, %v; want %s", h, err, vec2Hash)
	}
	d, err := DecodeEntry([]byte(vec2Entry))
	if err != nil || d.Act.Text != e.Act.Text {
		t.Fatalf("DecodeEntry(vector 2) = %v, %v", d, err)
	}
}

// richEntry exercises every optional member of a proposal.
func richEntry() *Entry {
	two := calendar.Duration{Months: 2}
	eif := date("1918-03-09")
	return &Entry{V: 1, Kind: KindProposal, Author: "rsfsr", Effective: date("1918-03-05"),
		Refs:   []Hash{{1}, {2}},
		Source: "Rakovsky 1926: \"obliging Rumania to evacuate Bessarabia within two months\" <&>",
		Proposal: &Proposal{Instrument: Demarcation, Title: "Line of demarcation", Parties: []PartyID{"rsfsr", "ukraine"},
			Text:           "Line 1\n\tindented \u2028 ünïcödé",
			Clauses:        []Clause{{ID: "evacuate", Obligor: "ukraine", Action: "evacuate", Deadline: Deadline{Duration: &two}, Attesters: []PartyID{"observer"}}, {ID: "c2", Obligor: "rsfsr", Action: "x", Deadline: Deadline{Date: &eif}, Attesters: []PartyID{"ukraine", "observer"}}},
			EntryIntoForce: &eif, Duration: &calendar.Duration{Months: 3}, Renewal: &calendar.Duration{Months: 1}, Notice: &calendar.Duration{Days: 7},
			Territory: "bessarabia",
			Sectors: []Sector{{ID: "rostov", Name: "Rostov", Status: SectorDisputed},
				{ID: "north", Name: "North", Status: SectorAgreed, Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[30.5,50.4],[31,51]]}`)}},
		}}
}

func TestRoundTrip(t *testing.T) {
	e := richEntry()
	b, err := EncodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`<&>`)) || !bytes.Contains(b, []byte(`\u2028`)) || !bytes.Contains(b, []byte(`"deadline":"P2M"`)) {
		t.Errorf("EncodeEntry() = %s; want HTML unescaped, U+2028 escaped, deadline as a string", b)
	}
	d, err := DecodeEntry(b)
	if err != nil {
		t.Fatalf("DecodeEntry(%s) = %v", b, err)
	}
	c, _ := EncodeEntry(d)
	if !bytes.Equal(b, c) {
		t.Fatalf("EncodeEntry(DecodeEntry(b)) = %s; want %s", c, b)
	}
	if got := d.Proposal.Clauses[0].Deadline.Resolve(*d.Proposal.EntryIntoForce); got != date("1918-05-09") {
		t.Errorf("Deadline.Resolve() = %v; want 1918-05-09", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	sigB64 := `"5pSa5HkLLl05azSMlw/PqK7H9lGSgWTwDhvsjbVZSzFWvMdnSD/2e77sohZsFVy9lxeSIdn4v2W/jl13VV50Aw=="`
	dec := `{"v":1,"kind":"signature","author":"ussr","effective":"1922-12-30","refs":["` + vecHash + `"],"signature":{"proposal":"` + vecHash + `"}}`
	if _, err := DecodeEntry([]byte(dec)); err != nil {
		t.Fatalf("DecodeEntry(%s) = %v", dec, err)
	}
	r := strings.NewReplacer
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", strings.Replace(vecSigned, `"v":1,`, `"v":1,"extra":1,`, 1), "unknown field"},
		{"unknown field in body", strings.Replace(vecSigned, `"role":"union",`, `"role":"union","x":"y",`, 1), "unknown field"},
		{"trailing space", vecSigned + " ", "offset"},
		{"trailing value", vecSigned + "{}", "offset"},
		{"leading space", " " + vecSigned, "canonical"},
		{"whitespace", strings.Replace(vecSigned, `"v":1`, `"v": 1`, 1), "canonical"},
		{"newline", strings.Replace(vecSigned, `,"sig"`, ",\n\"sig\"", 1), "canonical"},
		{"duplicate key", strings.Replace(vecSigned, `"v":1,`, `"v":1,"v":1,`, 1), "canonical"},
		{"case-folded key", strings.Replace(vecSigned, `"kind"`, `"Kind"`, 1), "canonical"},
		{"member order", strings.Replace(vecSigned, `"v":1,"kind":"party"`, `"kind":"party","v":1`, 1), "canonical"},
		{"escaped character", strings.Replace(vecSigned, `"author":"ussr"`, `"author":"\u0075ssr"`, 1), "canonical"},
		{"escaped solidus", strings.Replace(vecSigned, `(1926)`, `(1926\/)`, 1), ""},
		{"non-canonical base64", strings.Replace(vecSigned, `HURo=`, `HURp=`, 1), "canonical"},
		{"base64 with newline", strings.Replace(vecSigned, `HURo=`, `HU\nRo=`, 1), "canonical"},
		{"unpadded base64", strings.Replace(vecSigned, `HURo=`, `HURo`, 1), "base64"},
		{"url base64", strings.Replace(vecSigned, `S/7T`, `S_7T`, 1), ""},
		{"number 1.0", strings.Replace(vecSigned, `"v":1`, `"v":1.0`, 1), ""},
		{"number 01", strings.Replace(vecSigned, `"v":1`, `"v":01`, 1), ""},
		{"version 2", strings.Replace(vecSigned, `"v":1`, `"v":2`, 1), "version 2"},
		{"null body", strings.Replace(vecSigned, `"party":{"id":"ussr","name":"Union of Soviet Socialist Republics","role":"union","key":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}`, `"party":null`, 1), "missing"},
		{"wrong kind body", strings.Replace(vecSigned, `"kind":"party"`, `"kind":"territory"`, 1), "cannot have"},
		{"unknown kind", strings.Replace(vecSigned, `"kind":"party"`, `"kind":"treaty"`, 1), "unknown kind"},
		{"two bodies", strings.Replace(vecSigned, `}},"sig"`, `},"recognition":{"subject":"`+vecHash+`","recognise":true}},"sig"`, 1), "2 bodies"},
		{"bad date", strings.Replace(vecSigned, `1922-12-30`, `1922-02-30`, 1), "day 30 is out of range"},
		{"bad id", strings.Replace(vecSigned, `"author":"ussr"`, `"author":"USSR"`, 1), "not a valid id"},
		{"bad role", strings.Replace(vecSigned, `"role":"union"`, `"role":"empire"`, 1), "unknown role"},
		{"identity key", strings.Replace(vecSigned, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=`, `AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`, 1), "small-order"},
		{"non-canonical key", strings.Replace(vecSigned, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=`, `7v///////////////////////////////////////38=`, 1), "canonical encoding"},
		{"key not a point", strings.Replace(vecSigned, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=`, `AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`, 1), "not a curve point"},
		{"short key", strings.Replace(vecSigned, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=`, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH`, 1), "32 bytes"},
		{"short sig", strings.Replace(vecSigned, sigB64, `"AAAA"`, 1), "64 bytes"},
		{"null sig", strings.Replace(vecSigned, sigB64, `null`, 1), "64 bytes"},
		{"invalid UTF-8", strings.Replace(vecSigned, `Rakovsky`, "Rak\xffvsky", 1), "UTF-8"},
		{"control character", strings.Replace(vecSigned, `Rakovsky`, `Rak\u0007vsky`, 1), "control character"},
		{"truncated", vecSigned[:len(vecSigned)/2], "unexpected EOF"},
		{"empty", "", "EOF"},
		{"array", "[]", "cannot unmarshal"},
		{"oversized", `{"entry":` + strings.Repeat(" ", MaxEntrySize), "the limit is 65535 bytes"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in))
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Decode(%.200q) = %v; want a *FormatError containing %q", tt.name, tt.in, err, tt.want)
		}
	}
	entryTests := []struct {
		name, in, want string
	}{
		{"upper-case hex", r(vecHash, strings.ToUpper(vecHash)).Replace(dec), "not a lowercase hex digit"},
		{"short hash", strings.Replace(dec, vecHash+`"]`, vecHash[:62]+`"]`, 1), "has 62 characters"},
		{"escaped hash", strings.Replace(dec, `"`+vecHash+`"]`, `"\u0038`+vecHash[1:]+`"]`, 1), "bad hash"},
		{"empty refs", strings.Replace(dec, `"refs":["`+vecHash+`"],`, `"refs":[],`, 1), "canonical"},
		{"repeated ref", strings.Replace(dec, `"refs":["`+vecHash+`"]`, `"refs":["`+vecHash+`","`+vecHash+`"]`, 1), "appears twice"},
		{"signed envelope", vecSigned, "unknown field"},
		{"oversized", strings.Repeat(" ", MaxEntrySize), "the limit is"},
	}
	rich, err := EncodeEntry(richEntry())
	if err != nil {
		t.Fatal(err)
	}
	rs := string(rich)
	for _, tt := range []struct{ name, old, new, want string }{
		{"null deadline", `"deadline":"P2M"`, `"deadline":null`, "deadline"},
		{"lower-case deadline", `"deadline":"P2M"`, `"deadline":"p2m"`, "bad deadline"},
		{"zero-padded deadline", `"deadline":"P2M"`, `"deadline":"P02M"`, "leading zero"},
		{"numeric deadline", `"deadline":"P2M"`, `"deadline":2`, "bad deadline"},
		{"geometry whitespace", `"coordinates":[[30.5,50.4]`, `"coordinates":[[30.5, 50.4]`, "canonical"},
		{"literal U+2028", `\u2028`, "\u2028", "canonical"},
		{"null entry_into_force", `"entry_into_force":"1918-03-09"`, `"entry_into_force":null`, "canonical"},
		{"empty optional text", `"territory":"bessarabia"`, `"territory":""`, "canonical"},
		{"null parties", `"parties":["rsfsr","ukraine"]`, `"parties":null`, "proposal.parties: is empty"},
		{"empty attesters", `"attesters":["observer"]`, `"attesters":[]`, "attesters: is empty"},
	} {
		in := strings.Replace(rs, tt.old, tt.new, 1)
		if in == rs {
			t.Fatalf("%s: %q not found in %s", tt.name, tt.old, rs)
		}
		entryTests = append(entryTests, struct{ name, in, want string }{tt.name, in, tt.want})
	}
	for _, tt := range entryTests {
		_, err := DecodeEntry([]byte(tt.in))
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: DecodeEntry(%.200q) = %v; want a *FormatError containing %q", tt.name, tt.in, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(e *Entry)
		want string
	}{
		{"ok", func(e *Entry) {}, ""},
		{"no parties", func(e *Entry) { e.Proposal.Parties = nil }, "proposal.parties: is empty"},
		{"repeated party", func(e *Entry) { e.Proposal.Parties = []PartyID{"a", "a"} }, `"a" appears twice`},
		{"repeated clause", func(e *Entry) { e.Proposal.Clauses[1].ID = "evacuate" }, `clause id "evacuate" appears twice`},
		{"no attesters", func(e *Entry) { e.Proposal.Clauses[0].Attesters = nil }, "attesters: is empty"},
		{"empty deadline", func(e *Entry) { e.Proposal.Clauses[0].Deadline = Deadline{} }, "deadline is empty"},
		{"two deadlines", func(e *Entry) { d := date("1918-01-01"); e.Proposal.Clauses[0].Deadline.Date = &d }, "both"},
		{"zero duration", func(e *Entry) { e.Proposal.Duration = &calendar.Duration{} }, "proposal.duration"},
		{"renewal alone", func(e *Entry) { e.Proposal.Duration = nil }, "renewal needs a duration"},
		{"sectors of armistice", func(e *Entry) { e.Proposal.Instrument = Armistice }, "proposal.sectors"},
		{"no sectors", func(e *Entry) { e.Proposal.Sectors = nil }, "proposal.sectors"},
		{"constitution of demarcation", func(e *Entry) {
			e.Proposal.Constitution = &Constitution{Union: "u", Members: []PartyID{"a"}, Accession: RuleUnilateral, Exit: RuleUnilateral}
		}, "proposal.constitution"},
		{"bad rule", func(e *Entry) {
			e.Proposal.Instrument, e.Proposal.Sectors = UnionConstitution, nil
			e.Proposal.Constitution = &Constitution{Union: "u", Members: []PartyID{"a"}, Accession: "veto", Exit: RuleUnilateral}
		}, "unknown rule"},
		{"union member of itself", func(e *Entry) {
			e.Proposal.Instrument, e.Proposal.Sectors = UnionConstitution, nil
			e.Proposal.Constitution = &Constitution{Union: "u", Members: []PartyID{"u"}, Accession: RuleUnilateral, Exit: RuleUnilateral}
		}, "its own member"},
		{"plebiscite without territory", func(e *Entry) {
			e.Proposal.Instrument, e.Proposal.Sectors, e.Proposal.Territory = PlebisciteAgreement, nil, ""
		}, "must name its territory"},
		{"long title", func(e *Entry) { e.Proposal.Title = strings.Repeat("x", MaxLabel+1) }, "the limit is 256"},
		{"multi-line title", func(e *Entry) { e.Proposal.Title = "a\nb" }, "control character"},
		{"carriage return in text", func(e *Entry) { e.Proposal.Text = "a\r\nb" }, "control character"},
		{"C1 control", func(e *Entry) { e.Proposal.Text = "a\u0085b" }, "control character"},
		{"long source", func(e *Entry) { e.Source = strings.Repeat("x", MaxNote+1) }, "source"},
		{"unknown instrument", func(e *Entry) { e.Proposal.Instrument = "alliance" }, "unknown instrument"},
		{"bad sector status", func(e *Entry) { e.Proposal.Sectors[0].Status = "maybe" }, "unknown status"},
		{"geometry not an object", func(e *Entry) { e.Proposal.Sectors[0].Geometry = json.RawMessage(`[1,2]`) }, "a geometry is a JSON object"},
		{"geometry type", func(e *Entry) {
			e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"Feature","coordinates":[]}`)
		}, "GeoJSON geometry type"},
		{"geometry duplicate member", func(e *Entry) {
			e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"Point","coordinates":[1,2],"type":"Point"}`)
		}, "appears twice"},
		{"geometry without coordinates", func(e *Entry) { e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"Point"}`) }, "coordinates"},
		{"geometry bad coordinates", func(e *Entry) {
			e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"Point","coordinates":["a"]}`)
		}, "coordinates"},
		{"geometry collection", func(e *Entry) {
			e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`)
		}, ""},
		{"geometry too deep", func(e *Entry) {
			e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":"Point","coordinates":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`)
		}, "nested deeper"},
		{"geometry invalid", func(e *Entry) { e.Proposal.Sectors[0].Geometry = json.RawMessage(`{"type":`) }, "not valid JSON"},
	}
	for _, tt := range tests {
		e := richEntry()
		tt.edit(e)
		err := e.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v; want nil", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v; want an error containing %q", tt.name, err, tt.want)
		}
	}
	for _, e := range []*Entry{
		{V: 1, Kind: KindAct, Author: "a", Effective: date("1918-01-01"), Act: &Act{Act: Annexation, Text: "x"}},
		{V: 1, Kind: KindAct, Author: "a", Effective: date("1918-01-01"), Act: &Act{Act: Offensive, Text: "x"}},
		{V: 1, Kind: KindAct, Author: "a", Effective: date("1918-01-01"), Act: &Act{Act: Proclamation}},
		{V: 1, Kind: KindConsent, Author: "a", Effective: date("1918-01-01"), Consent: &Consent{Union: "u", Member: "b", Action: KindAct}},
		{V: 1, Kind: KindAttestation, Author: "a", Effective: date("1918-01-01"), Attestation: &Attestation{Clause: "c", Outcome: "unclear"}},
		{V: 1, Kind: KindTerritory, Author: "a", Effective: date("1918-01-01"), Territory: &Territory{ID: "t", Name: "T", Population: &Population{Count: 3}}},
		{V: 1, Kind: KindExit, Author: "a", Effective: date("1918-01-01"), Exit: &Membership{}},
		{V: 1, Kind: KindRecognition, Author: "a", Recognition: &Recognition{}},
	} {
		if err := e.Validate(); err == nil {
			b, _ := json.Marshal(e)
			t.Errorf("Validate(%s) = nil; want an error", b)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	e := richEntry()
	e.Proposal.Text = strings.Repeat("x", MaxEntrySize)
	if _, err := EncodeEntry(e); err == nil || !strings.Contains(err.Error(), "the limit is 65428") {
		t.Errorf("EncodeEntry(huge) = %v; want the size limit", err)
	}
	e = richEntry()
	b, _ := EncodeEntry(e)
	e.Proposal.Text += strings.Repeat("x", MaxEntrySize-signedOverhead-len(b))
	b, err := EncodeEntry(e)
	if err != nil {
		t.Fatalf("EncodeEntry(largest) = %v", err)
	}
	s := &Signed{Entry: *e, Sig: make([]byte, 64)}
	sb, err := Encode(s)
	if err != nil || len(sb) != MaxEntrySize || len(b) != MaxEntrySize-signedOverhead {
		t.Fatalf("Encode(largest) = %d bytes, %v; want %d", len(sb), err, MaxEntrySize)
	}
	if _, err := Decode(sb); err != nil {
		t.Fatalf("Decode(largest) = %v", err)
	}
	// The largest entry fits the uint16 length of a C2SP tlog-tiles entry
	// bundle; one byte more is refused (SPEC §3.1).
	if len(sb) != 65535 {
		t.Errorf("largest signed entry = %d bytes; want 65535", len(sb))
	}
	e.Proposal.Text += "x"
	if _, err := EncodeEntry(e); err == nil {
		t.Errorf("EncodeEntry(65,536-byte signed entry) = nil; want the size limit")
	}
	over := append(sb[:len(sb)-2:len(sb)-2], []byte(`x"}`)...)
	if _, err := Decode(over); err == nil || !strings.Contains(err.Error(), "the limit is 65535 bytes") {
		t.Errorf("Decode(65,536 bytes) = %v; want the size limit", err)
	}
	if _, err := Sign(e, make([]byte, 10)); err == nil {
		t.Errorf("Sign(short key) succeeded")
	}
	k := vectorKey(t)
	other, _ := NewKeyFromSeed("ussr", make([]byte, 32))
	if _, err := Sign(vectorEntry(k), other.PrivateKey()); err == nil {
		t.Errorf("Sign(registration, someone else's key) succeeded")
	}
}

func TestHash(t *testing.T) {
	h, err := ParseHash(vecHash)
	if err != nil || h.String() != vecHash {
		t.Fatalf("ParseHash(%q) = %v, %v", vecHash, h, err)
	}
	for _, s := range []string{"", vecHash[:63], vecHash + "0", strings.ToUpper(vecHash), "g" + vecHash[1:], " " + vecHash[1:]} {
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q) succeeded", s)
		}
	}
	// RFC 6962 leaf hash of the empty leaf (as in golang.org/x/mod/sumdb/tlog).
	if got, want := LeafHash(nil).String(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"; got != want {
		t.Errorf("LeafHash(nil) = %s; want %s", got, want)
	}
	m := map[Hash]int{h: 1}
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"`+vecHash+`":1}` {
		t.Errorf("json.Marshal(map[Hash]int) = %s, %v", b, err)
	}
}

func TestKeyFile(t *testing.T) {
	k, err := ParseKeyFile([]byte(vecKey))
	if err != nil || k.ID != "ussr" || hex.EncodeToString(k.PublicKey()) != vecPublic {
		t.Fatalf("ParseKeyFile(vector) = %v, %v", k, err)
	}
	g, err := GenerateKey("rumania")
	if err != nil {
		t.Fatal(err)
	}
	g2, err := ParseKeyFile(g.Marshal())
	if err != nil || !g2.PrivateKey().Equal(g.PrivateKey()) || g2.ID != "rumania" {
		t.Fatalf("ParseKeyFile(Marshal()) = %v, %v", g2, err)
	}
	if len(g.PrivateKey()) != ed25519.PrivateKeySize {
		t.Fatalf("PrivateKey() has %d bytes", len(g.PrivateKey()))
	}
	for name, in := range map[string]string{
		"upper-case seed": strings.Replace(vecKey, vecSeed, strings.ToUpper(vecSeed), 1),
		"wrong public":    strings.Replace(vecKey, vecPublic, vecSeed, 1),
		"CRLF":            strings.ReplaceAll(vecKey, "\n", "\r\n"),
		"no final LF":     strings.TrimSuffix(vecKey, "\n"),
		"extra line":      vecKey + "\n",
		"bad id":          strings.Replace(vecKey, "id ussr", "id USSR", 1),
		"short seed":      strings.Replace(vecKey, vecSeed, vecSeed[:62], 1),
		"header":          strings.Replace(vecKey, "concord/v1/party-key", "concord/v2/party-key", 1),
		"two spaces":      strings.Replace(vecKey, "id ussr", "id  ussr", 1),
	} {
		if _, err := ParseKeyFile([]byte(in)); err == nil {
			t.Errorf("%s: ParseKeyFile(%q) succeeded; want an error", name, in)
		}
	}
	if s := k.String(); strings.Contains(s, vecSeed) || !strings.Contains(s, vecPublic) {
		t.Errorf("KeyFile.String() = %q; want the public key and not the seed", s)
	}
	path := t.TempDir() + "/ussr.key"
	if err := WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(path, k); err == nil {
		t.Errorf("WriteKeyFile over an existing file succeeded")
	}
}

func TestHexConstantTime(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	if got, want := string(appendHex(nil, b)), hex.EncodeToString(b); got != want {
		t.Fatalf("appendHex() = %s; want %s", got, want)
	}
	out := make([]byte, 256)
	if !DecodeLowerHex(out, hex.EncodeToString(b)) || !bytes.Equal(out, b) {
		t.Fatalf("DecodeLowerHex(all bytes) = %x", out)
	}
	for c := 0; c < 256; c++ {
		valid := '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
		if got := DecodeLowerHex(make([]byte, 1), string([]byte{'0', byte(c)})); got != valid {
			t.Errorf("DecodeLowerHex(\"0%c\") valid = %v; want %v", c, got, valid)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(vecSigned))
	e := richEntry()
	f.Add(envelopeOf(f, e))
	f.Add(envelopeOf(f, &Entry{V: 1, Kind: KindTerritory, Author: "rumania", Effective: date("1918-01-01"),
		Territory: &Territory{ID: "bessarabia", Name: "Bessarabia", Population: &Population{Count: 3000000, AsOf: date("1924-01-01")},
			Holder: "rumania", Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[27,48],[30,46],[28,45],[27,48]]]}`)}}))
	f.Add(envelopeOf(f, &Entry{V: 1, Kind: KindConsent, Author: "a", Effective: date("1924-01-01"), Refs: []Hash{{1}},
		Consent: &Consent{Union: "ussr", Member: "b", Action: KindExit}}))
	f.Add([]byte(strings.Replace(vecSigned, `"v":1,`, `"v":1,"v":1,`, 1)))
	f.Add(envelopeOf(f, trusteeEntry()))
	f.Add(envelopeOf(f, resultEntry()))
	f.Add(envelopeOf(f, manifestEntry(`{"v":1,"id":"b","options":["a","b"]}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		c, err := Encode(s)
		if err != nil || !bytes.Equal(b, c) {
			t.Fatalf("Encode(Decode(%q)) = %q, %v", b, c, err)
		}
	})
}

func envelopeOf(t testing.TB, e *Entry) []byte {
	b, err := Encode(&Signed{Entry: *e, Sig: make([]byte, 64)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(vecEntry))
	b, _ := EncodeEntry(richEntry())
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEntry(b)
		if err != nil {
			return
		}
		c, err := EncodeEntry(e)
		if err != nil || !bytes.Equal(b, c) {
			t.Fatalf("EncodeEntry(DecodeEntry(%q)) = %q, %v", b, c, err)
		}
	})
}

func FuzzParseKeyFile(f *testing.F) {
	f.Add([]byte(vecKey))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyFile(b)
		if err != nil {
			return
		}
		if c := k.Marshal(); !bytes.Equal(b, c) {
			t.Fatalf("ParseKeyFile(%q).Marshal() = %q", b, c)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	s := &Signed{Entry: *richEntry(), Sig: make([]byte, 64)}
	for b.Loop() {
		if _, err := Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	in := envelopeOf(b, richEntry())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := vectorKey(b)
	e, priv := richEntry(), k.PrivateKey()
	for b.Loop() {
		if _, err := Sign(e, priv); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "ussr": true, "ussr-2": true, "a0-": true, "abcdefghijklmnopqrstuvwxyz012345": true,
		"": false, "2ussr": false, "-a": false, "USSR": false, "uSSR": false, "a_b": false, "a b": false,
		"abcdefghijklmnopqrstuvwxyz0123456": false, "é": false, "a.b": false,
	} {
		if got := ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v; want %v", s, got, want)
		}
	}
}
