package booth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"concord/calendar"
	"concord/elgamal"
	"concord/ledger"
	"concord/plebiscite"
)

// seedHex is RFC 8032 §7.1 TEST 1's secret key, whose public key is below.
const (
	seedHex   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	publicHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

func TestParseCredential(t *testing.T) {
	file := "concord/v1/voter-credential\npublic " + publicHex + "\nseed " + seedHex + "\n"
	for _, in := range []string{
		seedHex,
		"  " + seedHex + "\n",
		file,
		strings.ReplaceAll(file, "\n", "\r\n"),
		"seed " + seedHex,
		"id voter-17\nplebiscite bessarabia-1926\nroll-index 4\nseed " + seedHex + "\n",
	} {
		v, err := ParseCredential([]byte(in))
		if err != nil {
			t.Errorf("ParseCredential(%q) = %v", in, err)
			continue
		}
		if c := v.Credential(); hex.EncodeToString(c[:]) != publicHex {
			t.Errorf("ParseCredential(%q).Credential() = %x; want %s (RFC 8032 TEST 1)", in, c[:], publicHex)
		}
	}
	if got := string(MarshalCredential(mustVoter(t))); got != file {
		t.Errorf("MarshalCredential() = %q; want %q", got, file)
	}
}

func mustVoter(t testing.TB) *plebiscite.Voter {
	v, err := ParseCredential([]byte(seedHex))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseCredentialRejects(t *testing.T) {
	for _, in := range []string{
		"",
		seedHex[:62],
		seedHex + "00",
		"zz" + seedHex[2:],
		"public " + publicHex + "\n",
		"seed " + seedHex + "\npublic " + strings.Repeat("0", 64),
		"seed " + seedHex + "\nsecret x",
		"seed " + seedHex + "\n" + strings.Repeat("id x\n", 1000),
	} {
		if _, err := ParseCredential([]byte(in)); !errors.Is(err, ErrCredential) {
			t.Errorf("ParseCredential(%.40q) = %v; want ErrCredential", in, err)
		}
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add([]byte(seedHex))
	f.Add(MarshalCredential(mustVoter(f)))
	f.Add([]byte("seed " + seedHex + "\npublic " + publicHex))
	f.Add([]byte("concord/v1/voter-credential\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := ParseCredential(in)
		if err != nil {
			return
		}
		out := MarshalCredential(v)
		w, err := ParseCredential(out)
		if err != nil {
			t.Fatalf("ParseCredential(MarshalCredential(%q)) = %v", in, err)
		}
		if !bytes.Equal(MarshalCredential(w), out) {
			t.Fatalf("MarshalCredential is not stable for %q", in)
		}
	})
}

// testElection makes a complete 3-option manifest whose key is a single
// trustee's ElGamal key, and its roll of the given voters.
func testElection(t testing.TB, min, max int, voters ...*plebiscite.Voter) (*plebiscite.Election, []byte) {
	t.Helper()
	creds := make([]plebiscite.Credential, len(voters))
	for i, v := range voters {
		creds[i] = v.Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	_, pk := elgamal.GenerateKey()
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: "bessarabia-1926", Territory: "bessarabia",
		Question: "To which state shall Bessarabia belong?",
		Options:  []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Min:      min, Max: max, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("league-commission"),
		Opens: calendar.Date{Year: 1926, Month: 10, Day: 1}, Closes: calendar.Date{Year: 1926, Month: 10, Day: 3},
		Trustees:  []plebiscite.Trustee{{ID: "sweden", Camp: "neutral", Key: pk.Bytes()}},
		Threshold: 1, Observers: []ledger.PartyID{"usa"}, Key: pk.Bytes(),
	}
	e, err := plebiscite.NewElection(m, roll)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return e, b
}

func TestCastAndAudit(t *testing.T) {
	v := mustVoter(t)
	e, manifest := testElection(t, 1, 2, v)
	cred := MarshalCredential(v)
	c, err := CastBallot(manifest, cred, []int{0, 2})
	if err != nil {
		t.Fatalf("CastBallot() = %v", err)
	}
	b, err := plebiscite.ParseBallot(c.Ballot)
	if err != nil {
		t.Fatalf("ParseBallot(cast ballot) = %v", err)
	}
	if err := e.VerifyBallot(b); err != nil {
		t.Fatalf("VerifyBallot(cast ballot) = %v", err)
	}
	code := b.TrackingCode()
	if c.TrackingCode != code.String() || c.ShortCode != plebiscite.ShortCode(code) || c.Credential != publicHex {
		t.Errorf("Cast = {%s %s %s}; want {%s %s %s}", c.TrackingCode, c.ShortCode, c.Credential, code, plebiscite.ShortCode(code), publicHex)
	}
	a, err := VerifyAudit(manifest, c.Audit)
	if err != nil {
		t.Fatalf("VerifyAudit(own audit) = %v", err)
	}
	if len(a.Choices) != 2 || a.Choices[0] != 0 || a.Choices[1] != 2 || a.Labels[1] != "Independence" || a.TrackingCode != c.TrackingCode {
		t.Errorf("VerifyAudit = %+v; want choices [0 2] of ballot %s", a, c.TrackingCode)
	}

	// A device that encrypted 1 but reveals 0 is caught.
	bad := bytes.Clone(c.Audit)
	bad[5+len(c.Ballot)] ^= 1 // v_0
	if _, err := VerifyAudit(manifest, bad); !errors.Is(err, plebiscite.ErrAudit) {
		t.Errorf("VerifyAudit(flipped value) = %v; want ErrAudit", err)
	}
	bad = bytes.Clone(c.Audit)
	bad[len(bad)-5] ^= 1 // inside the last randomness
	if _, err := VerifyAudit(manifest, bad); err == nil {
		t.Error("VerifyAudit(changed randomness) = nil; want an error")
	}
	_, other := testElection(t, 1, 2, v)
	if _, err := VerifyAudit(other, c.Audit); !errors.Is(err, plebiscite.ErrAudit) {
		t.Errorf("VerifyAudit(another manifest) = %v; want ErrAudit", err)
	}
	if _, err := VerifyAudit(manifest, c.Ballot); err == nil {
		t.Error("VerifyAudit(a ballot, not a spoil leaf) = nil; want an error")
	}
}

func TestCastRejects(t *testing.T) {
	v := mustVoter(t)
	_, manifest := testElection(t, 1, 1, v)
	for _, c := range []struct {
		name     string
		manifest []byte
		cred     string
		choices  []int
		want     error
	}{
		{"two choices", manifest, seedHex, []int{0, 1}, plebiscite.ErrChoice},
		{"none", manifest, seedHex, nil, plebiscite.ErrChoice},
		{"out of range", manifest, seedHex, []int{3}, plebiscite.ErrChoice},
		{"bad credential", manifest, "x", []int{0}, ErrCredential},
		{"unknown member", bytes.Replace(manifest, []byte(`{"v":1,`), []byte(`{"v":1,"extra":1,`), 1), seedHex, []int{0}, plebiscite.ErrManifest},
		{"trailing data", append(bytes.Clone(manifest), "{}"...), seedHex, []int{0}, plebiscite.ErrManifest},
		{"draft", draft(t, manifest), seedHex, []int{0}, plebiscite.ErrManifest},
	} {
		if _, err := CastBallot(c.manifest, []byte(c.cred), c.choices); !errors.Is(err, c.want) {
			t.Errorf("CastBallot(%s) = %v; want %v", c.name, err, c.want)
		}
	}
}

func draft(t *testing.T, manifest []byte) []byte {
	m, err := plebiscite.ParseManifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Draft().Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestManifestInfo(t *testing.T) {
	e, manifest := testElection(t, 1, 1, mustVoter(t))
	// Pretty-printed JSON is accepted: the hash is of the canonical form.
	pretty := bytes.ReplaceAll(manifest, []byte(`,"`), []byte(",\n  \""))
	for _, in := range [][]byte{manifest, pretty} {
		info, err := ManifestInfo(in)
		if err != nil {
			t.Fatalf("ManifestInfo() = %v", err)
		}
		if info.Hash != e.Hash.String() || info.Question != e.Manifest.Question || len(info.Options) != 3 || info.Opens != "1926-10-01" || info.Min != 1 || info.Max != 1 {
			t.Errorf("ManifestInfo() = %+v; want hash %s", info, e.Hash)
		}
	}
}

func BenchmarkCastBallot(b *testing.B) {
	v := mustVoter(b)
	_, manifest := testElection(b, 1, 1, v)
	cred := []byte(seedHex)
	for b.Loop() {
		if _, err := CastBallot(manifest, cred, []int{1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAudit(b *testing.B) {
	v := mustVoter(b)
	_, manifest := testElection(b, 1, 1, v)
	c, err := CastBallot(manifest, []byte(seedHex), []int{1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := VerifyAudit(manifest, c.Audit); err != nil {
			b.Fatal(err)
		}
	}
}
