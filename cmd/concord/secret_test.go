package main

import (
	"bytes"
	"strings"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
)

func TestHexCT(t *testing.T) {
	for _, in := range [][]byte{nil, {0}, {0xff, 0x0a, 0x9b}, bytes.Repeat([]byte{0x5c}, 40)} {
		h := appendHexCT(nil, in)
		if want := []byte(strings.ToLower(string(appendHexCT(nil, in)))); !bytes.Equal(h, want) {
			t.Errorf("appendHexCT(%x) = %q; want lowercase", in, h)
		}
		got, ok := decodeHexCT(string(h))
		if !ok || !bytes.Equal(got, in) {
			t.Errorf("decodeHexCT(%q) = %x, %v; want %x, true", h, got, ok, in)
		}
	}
	for _, bad := range []string{"0", "0g", "AB", "zz", " 0"} {
		if _, ok := decodeHexCT(bad); ok {
			t.Errorf("decodeHexCT(%q) succeeded; want failure", bad)
		}
	}
}

func TestCredentialFile(t *testing.T) {
	v, err := plebiscite.VoterFromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	b := marshalCredential(v)
	got, err := parseCredential(b)
	if err != nil {
		t.Fatalf("parseCredential(marshalCredential(v)) = %v", err)
	}
	if got.Credential() != v.Credential() {
		t.Errorf("parseCredential gives credential %x; want %x", got.Credential(), v.Credential())
	}
	other := plebiscite.NewVoter()
	for name, bad := range map[string][]byte{
		"empty":       nil,
		"no newline":  bytes.TrimSuffix(b, []byte("\n")),
		"uppercase":   bytes.ToUpper(b),
		"other key":   bytes.Replace(b, hexOf(v.Credential()), hexOf(other.Credential()), 1),
		"extra line":  append(bytes.Clone(b), "x\n"...),
		"short seed":  bytes.Replace(b, []byte("seed "), []byte("seed 00"), 1),
		"wrong title": bytes.Replace(b, []byte("voter-credential"), []byte("party-key"), 1),
	} {
		if _, err := parseCredential(bad); err == nil {
			t.Errorf("parseCredential(%s) succeeded; want an error", name)
		}
	}
}

// testDraft returns a draft manifest with three trustees.
func testDraft(t testing.TB) *plebiscite.Manifest {
	roll, err := plebiscite.NewRoll([]plebiscite.Credential{plebiscite.NewVoter().Credential()})
	if err != nil {
		t.Fatal(err)
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: "test-vote", Territory: "land", Question: "Who?", Options: []string{"A", "B"},
		Min: 1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("comm"),
		Opens: calendar.Date{Year: 1920, Month: 3, Day: 1}, Closes: calendar.Date{Year: 1920, Month: 3, Day: 10},
		Trustees:  []plebiscite.Trustee{{ID: "t1", Camp: "a"}, {ID: "t2", Camp: "b"}, {ID: "t3", Camp: "c"}},
		Threshold: 2, Observers: []ledger.PartyID{"obs"},
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrusteeFile(t *testing.T) {
	m := testDraft(t)
	tf, err := newTrustee("t2", m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tf.marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseTrusteeFile(b)
	if err != nil {
		t.Fatalf("parseTrusteeFile(marshal) = %v", err)
	}
	if got.Party != "t2" || got.Trustee.Index() != 2 || got.draftHash != tf.draftHash {
		t.Errorf("parseTrusteeFile gives party %s index %d draft %v; want t2, 2, %v", got.Party, got.Trustee.Index(), got.draftHash, tf.draftHash)
	}
	if _, err := newTrustee("t9", m); err == nil {
		t.Error("newTrustee for a party that is not a trustee succeeded")
	}
	for name, bad := range map[string][]byte{
		"other party":      bytes.Replace(b, []byte("party t2"), []byte("party t1"), 1),
		"other plebiscite": bytes.Replace(b, []byte("plebiscite test-vote"), []byte("plebiscite test-votf"), 1),
		"truncated":        b[:len(b)-10],
		"trailing":         append(bytes.Clone(b), '\n'),
	} {
		if _, err := parseTrusteeFile(bad); err == nil {
			t.Errorf("parseTrusteeFile(%s) succeeded; want an error", name)
		}
	}
}

func FuzzParseCredential(f *testing.F) {
	v, _ := plebiscite.VoterFromSeed(bytes.Repeat([]byte{1}, 32))
	f.Add(marshalCredential(v))
	f.Add([]byte(credentialHeader + "\ncredential 00\nseed 00\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseCredential(b)
		if err != nil {
			return
		}
		if again := marshalCredential(v); !bytes.Equal(again, b) {
			t.Fatalf("parseCredential(%q) then marshal = %q", b, again)
		}
	})
}

func FuzzParseTrusteeFile(f *testing.F) {
	tf, err := newTrustee("t1", testDraft(f))
	if err != nil {
		f.Fatal(err)
	}
	b, err := tf.marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(trusteeHeader + "\nparty t1\nplebiscite x\ndraft \nsecret \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tf, err := parseTrusteeFile(b)
		if err != nil {
			return
		}
		again, err := tf.marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("parseTrusteeFile(%q) then marshal = %q, %v", b, again, err)
		}
	})
}

func TestReadBoardIgnores(t *testing.T) {
	m := testDraft(t)
	dh, _ := m.Hash()
	msg := func(author ledger.PartyID, step ledger.TrusteeStep, data []byte) ledger.Record {
		return ledger.Record{Signed: &ledger.Signed{Entry: ledger.Entry{Kind: ledger.KindTrustee, Author: author,
			Trustee: &ledger.Trustee{Plebiscite: dh, Step: step, Data: data}}}}
	}
	t1, _ := newTrustee("t1", m)
	key := t1.Trustee.PublicKey().Bytes()
	recs := []ledger.Record{
		msg("t1", ledger.StepKeys, key),
		msg("t1", ledger.StepKeys, key),       // a second key
		msg("obs", ledger.StepKeys, key),      // not a trustee
		msg("t2", ledger.StepKeys, []byte{1}), // not an element
	}
	b := readBoard(recs, m, dh)
	if b.Keys[0] == nil || b.Keys[1] != nil {
		t.Errorf("readBoard keys = %v; want only trustee 1's", b.Keys)
	}
	if len(b.ignored) != 3 {
		t.Errorf("readBoard ignored %d messages (%q); want 3", len(b.ignored), b.ignored)
	}
	if err := b.allKeys(); err == nil || !strings.Contains(err.Error(), "t2, t3") {
		t.Errorf("allKeys() = %v; want the missing t2, t3", err)
	}
}

func hexOf(c plebiscite.Credential) []byte { return appendHexCT(nil, c[:]) }

// BenchmarkCompleteManifest measures reading a 7-trustee key generation
// from ledger records and completing the manifest (SPEC §20.3): the work of
// 'concord plebiscite propose --plebiscite ID' besides the append.
func BenchmarkCompleteManifest(b *testing.B) {
	m := testDraft(b)
	m.Trustees = nil
	for _, id := range []ledger.PartyID{"t1", "t2", "t3", "t4", "t5", "t6", "t7"} {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: id, Camp: "c" + string(id)})
	}
	m.Threshold = 4
	dh, err := m.Hash()
	if err != nil {
		b.Fatal(err)
	}
	var recs []ledger.Record
	post := func(author ledger.PartyID, step ledger.TrusteeStep, data []byte) {
		recs = append(recs, ledger.Record{Index: int64(len(recs)), Signed: &ledger.Signed{Entry: ledger.Entry{
			Kind: ledger.KindTrustee, Author: author, Trustee: &ledger.Trustee{Plebiscite: dh, Step: step, Data: data}}}})
	}
	var tfs []*trusteeFile
	for _, t := range m.Trustees {
		tf, err := newTrustee(t.ID, m)
		if err != nil {
			b.Fatal(err)
		}
		tfs = append(tfs, tf)
		post(t.ID, ledger.StepKeys, tf.Trustee.PublicKey().Bytes())
	}
	keys := readBoard(recs, m, dh).Keys
	for _, tf := range tfs {
		cm, shares, err := tf.Trustee.Round1(keys)
		if err != nil {
			b.Fatal(err)
		}
		post(tf.Party, ledger.StepCommitment, cm.Bytes())
		for _, s := range shares {
			post(tf.Party, ledger.StepShare, s.Bytes())
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := readBoard(recs, m, dh).complete(); err != nil {
			b.Fatal(err)
		}
	}
}
