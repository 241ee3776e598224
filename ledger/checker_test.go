package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"concord/calendar"
)

// world is a log under construction with a Checker and deterministic keys.
type world struct {
	t    testing.TB
	c    *Checker
	keys map[PartyID]*KeyFile
}

func newWorld(t testing.TB) *world {
	return &world{t: t, c: NewChecker(), keys: map[PartyID]*KeyFile{}}
}

// key returns id's key, from the seed SHA-256("concord test key " || id).
func (w *world) key(id PartyID) *KeyFile {
	if k, ok := w.keys[id]; ok {
		return k
	}
	seed := sha256.Sum256([]byte("concord test key " + id))
	k, err := NewKeyFromSeed(id, seed[:])
	if err != nil {
		w.t.Fatal(err)
	}
	w.keys[id] = k
	return k
}

func (w *world) sign(e *Entry) *Signed {
	w.t.Helper()
	s, err := Sign(e, w.key(e.Author).PrivateKey())
	if err != nil {
		w.t.Fatalf("Sign(%+v) = %v", e, err)
	}
	return s
}

// add checks, appends and applies e, signed by its author.
func (w *world) add(e *Entry) Hash {
	w.t.Helper()
	return w.addSigned(w.sign(e))
}

func (w *world) addSigned(s *Signed) Hash {
	w.t.Helper()
	if err := w.c.Check(s); err != nil {
		w.t.Fatalf("Check(%s %s) = %v; want nil", s.Entry.Kind, s.Entry.Author, err)
	}
	h, err := s.Hash()
	if err != nil {
		w.t.Fatal(err)
	}
	w.c.Apply(Record{Index: w.c.Len(), Hash: h, Signed: s})
	return h
}

// refuse checks that e, signed by its author, is refused by rule with a
// message containing msg, and that the refusal leaves the Checker as it was.
func (w *world) refuse(e *Entry, rule, msg string) {
	w.t.Helper()
	w.refuseSigned(w.sign(e), rule, msg)
}

func (w *world) refuseSigned(s *Signed, rule, msg string) {
	w.t.Helper()
	n := w.c.Len()
	err := w.c.Check(s)
	var re *RuleError
	if !errors.As(err, &re) || re.Rule != rule || !strings.Contains(err.Error(), msg) {
		w.t.Errorf("Check(%s by %s) = %v; want refusal by SPEC §%s containing %q", s.Entry.Kind, s.Entry.Author, err, rule, msg)
	}
	if w.c.Len() != n {
		w.t.Fatalf("Check changed Len from %d to %d", n, w.c.Len())
	}
}

func entry(kind Kind, author PartyID, day string, refs ...Hash) *Entry {
	return &Entry{V: 1, Kind: kind, Author: author, Effective: date(day), Refs: refs}
}

func (w *world) party(id PartyID, role Role) Hash {
	w.t.Helper()
	e := entry(KindParty, id, "1917-11-07")
	e.Party = &Party{ID: id, Name: strings.ToUpper(string(id)), Role: role, Key: w.key(id).PublicKey()}
	return w.add(e)
}

func proposal(author PartyID, day string, instrument InstrumentKind, parties ...PartyID) *Entry {
	e := entry(KindProposal, author, day)
	e.Proposal = &Proposal{Instrument: instrument, Title: string(instrument), Parties: parties}
	return e
}

func decision(kind Kind, author PartyID, day string, p Hash) *Entry {
	e := entry(kind, author, day, p)
	if kind == KindSignature {
		e.Signature = &Decision{Proposal: p}
	} else {
		e.Rejection = &Decision{Proposal: p}
	}
	return e
}

// signAll records a signature of p by every party.
func (w *world) signAll(p Hash, day string, parties ...PartyID) {
	w.t.Helper()
	for _, id := range parties {
		w.add(decision(KindSignature, id, day, p))
	}
}

func TestRuleError(t *testing.T) {
	err := error(&RuleError{Rule: "4.13", Msg: `exit from union "ussr-2" needs consent of every other member; missing: "a", "b"`})
	want := `entry refused by SPEC §4.13: exit from union "ussr-2" needs consent of every other member; missing: "a", "b"`
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
}

func TestRule4_2Signatures(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	// Registration signed with a key other than the one it registers.
	e := entry(KindParty, "ukraine", "1917-11-20")
	e.Party = &Party{ID: "ukraine", Name: "Ukraine", Role: RoleNation, Key: w.key("ukraine").PublicKey()}
	s := w.sign(e)
	msg, _ := SigningMessage(e)
	s.Sig = ed25519.Sign(w.key("rsfsr").PrivateKey(), msg)
	w.refuseSigned(s, "4.2", "party.key")
	// Unregistered author.
	a := entry(KindAct, "germany", "1918-02-18")
	a.Act = &Act{Act: Proclamation, Text: "x"}
	w.refuse(a, "4.2", `author "germany" is not a registered party`)
	// Signed by someone else.
	a.Author = "rsfsr"
	s, _ = Sign(a, w.key("germany").PrivateKey())
	w.refuseSigned(s, "4.2", `registered key of "rsfsr"`)
	// Signed by the author.
	w.add(a)
	// A malformed entry is a FormatError, not a RuleError.
	a.V = 2
	s.Entry.V = 2
	var fe *FormatError
	if err := w.c.Check(s); !errors.As(err, &fe) {
		t.Errorf("Check(v=2) = %v; want *FormatError", err)
	}
}

func TestRule4_3References(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	w.party("germany", RoleState)
	act := entry(KindAct, "germany", "1918-02-18")
	act.Act = &Act{Act: Offensive, Against: "rsfsr", Text: "offensive on the whole front"}
	ha := w.add(act)
	w.refuse(act, "4.3", "already in the log") // replay
	r := entry(KindRecognition, "rsfsr", "1918-02-19", Hash{7})
	r.Recognition = &Recognition{Subject: ha}
	w.refuse(r, "4.3", "names no earlier entry")
	r.Refs = nil
	w.refuse(r, "4.3", "recognition.subject "+ha.String()+" must also be listed in refs")
	hp := w.party("ukraine", RoleNation)
	r.Refs, r.Recognition.Subject = []Hash{hp}, hp
	w.refuse(r, "4.3", "names a party entry; want a act or a proposal")
	r.Refs, r.Recognition.Subject = []Hash{ha, hp}, ha // other refs are allowed
	w.add(r)
	d := decision(KindSignature, "rsfsr", "1918-03-03", ha)
	w.refuse(d, "4.3", "signature.proposal")
}

func TestRule4_4EffectiveDates(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	w.party("germany", RoleState)
	hp := w.add(proposal("rsfsr", "1917-12-15", Armistice, "rsfsr", "germany"))
	w.refuse(decision(KindSignature, "germany", "1917-12-14", hp), "4.4", "before 1917-12-15")
	w.add(decision(KindSignature, "germany", "1917-12-15", hp)) // same day is fine
}

func TestRule4_5Parties(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	e := entry(KindParty, "rsfsr", "1917-11-07")
	e.Party = &Party{ID: "rsfsr", Name: "again", Role: RoleState, Key: w.key("rsfsr").PublicKey()}
	w.refuse(e, "4.5", `party "rsfsr" is already registered`)
	// Registering another id: author must be the id.
	e.Party.ID = "ukraine"
	w.refuse(e, "4.5", `party "ukraine" must be registered by itself, not by "rsfsr"`)
}

func TestRule4_6Territories(t *testing.T) {
	w := newWorld(t)
	w.party("rumania", RoleState)
	e := entry(KindTerritory, "rumania", "1918-01-01")
	e.Territory = &Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "russia",
		Population: &Population{Count: 3000000, AsOf: date("1924-03-01")}}
	w.refuse(e, "4.6", `holder "russia" is not a registered party`)
	e.Territory.Holder = "rumania"
	w.add(e)
	e.Effective = date("1918-01-02") // not a replay of the same bytes
	w.refuse(e, "4.6", `territory "bessarabia" is already registered`)
}

func TestRule4_7Proposals(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	w.party("rumania", RoleState)
	w.party("entente", RoleObserver)
	w.party("ussr", RoleUnion)
	p := proposal("rsfsr", "1918-03-05", PeaceTreaty, "rsfsr", "rumania")
	p.Proposal.Territory = "bessarabia"
	two := calendar.Duration{Months: 2}
	p.Proposal.Clauses = []Clause{{ID: "evacuate", Obligor: "rumania", Action: "evacuate Bessarabia", Deadline: Deadline{Duration: &two}, Attesters: []PartyID{"entente"}}}
	w.refuse(p, "4.7", `territory "bessarabia" is not a registered territory`)
	p.Proposal.Territory = ""
	p.Proposal.Parties = []PartyID{"rsfsr", "poland"}
	w.refuse(p, "4.7", `party "poland" to the proposal is not a registered party`)
	p.Proposal.Parties = []PartyID{"rumania", "entente"}
	w.refuse(p, "4.7", `author "rsfsr" is not among the parties`)
	p.Proposal.Parties = []PartyID{"rsfsr", "entente"}
	w.refuse(p, "4.7", `obligor "rumania" of clause "evacuate" is not a party`)
	p.Proposal.Parties = []PartyID{"rsfsr", "rumania"}
	p.Proposal.Clauses[0].Attesters = []PartyID{"league"}
	w.refuse(p, "4.7", `attester "league" of clause "evacuate" is not a registered party`)
	p.Proposal.Clauses[0].Attesters = []PartyID{"entente"}
	w.add(p)

	c := proposal("rsfsr", "1922-12-30", UnionConstitution, "rsfsr", "rumania")
	c.Proposal.Constitution = &Constitution{Union: "entente", Members: []PartyID{"rsfsr"}, Accession: RuleUnilateral, Exit: RuleUnilateral}
	w.refuse(c, "4.7", `union "entente" is not a registered party with role union`)
	c.Proposal.Constitution.Union = "ussr"
	c.Proposal.Constitution.Members = []PartyID{"rsfsr", "ukraine"}
	w.refuse(c, "4.7", `founding member "ukraine" is not a party`)
	c.Proposal.Constitution.Members = []PartyID{"rsfsr", "rumania"}
	hc := w.add(c)
	c.Effective = date("1922-12-31") // a rival constitution may be proposed
	hc2 := w.add(c)
	w.signAll(hc, "1922-12-30", "rsfsr", "rumania")
	c.Effective = date("1923-01-01")
	w.refuse(c, "4.7", `union "ussr" already has a constitution`)
	w.add(decision(KindSignature, "rsfsr", "1923-01-01", hc2))
	w.refuse(decision(KindSignature, "rumania", "1923-01-01", hc2), "4.8", "would give it a second")
}

func TestRule4_8Decisions(t *testing.T) {
	w := newWorld(t)
	for _, id := range []PartyID{"rsfsr", "germany", "austria", "rumania"} {
		w.party(id, RoleState)
	}
	hp := w.add(proposal("rsfsr", "1917-12-15", Armistice, "rsfsr", "germany", "austria"))
	w.refuse(decision(KindSignature, "rumania", "1917-12-15", hp), "4.8", `"rumania" is not a party to proposal`)
	w.add(decision(KindSignature, "rsfsr", "1917-12-15", hp))
	w.refuse(decision(KindSignature, "rsfsr", "1917-12-16", hp), "4.8", `"rsfsr" has already recorded a signature`)
	w.refuse(decision(KindRejection, "rsfsr", "1917-12-16", hp), "4.8", `"rsfsr" has already recorded a signature`)
	w.add(decision(KindRejection, "germany", "1917-12-16", hp))
	w.refuse(decision(KindSignature, "austria", "1917-12-17", hp), "4.8", "has been rejected")
	w.refuse(decision(KindRejection, "austria", "1917-12-17", hp), "4.8", "has been rejected")
}

func TestRule4_9Denunciations(t *testing.T) {
	w := newWorld(t)
	for _, id := range []PartyID{"rsfsr", "germany", "rumania"} {
		w.party(id, RoleState)
	}
	hp := w.add(proposal("rsfsr", "1918-03-03", PeaceTreaty, "rsfsr", "germany"))
	den := entry(KindDenunciation, "rsfsr", "1918-11-13", hp)
	den.Denunciation = &Denunciation{Instrument: hp, Reason: "armistice of Compiègne"}
	w.refuse(den, "4.9", "not signed by all its parties")
	w.signAll(hp, "1918-03-03", "rsfsr", "germany")
	den.Author = "rumania"
	w.refuse(den, "4.9", `"rumania" is not a party to instrument`)
	den.Author = "rsfsr"
	w.add(den)
	den.Effective = date("1918-11-14")
	w.refuse(den, "4.9", `"rsfsr" has already denounced`)
}

func TestRule4_10Attestations(t *testing.T) {
	w := newWorld(t)
	w.party("rsfsr", RoleState)
	w.party("rumania", RoleState)
	w.party("observer", RoleObserver)
	p := proposal("rsfsr", "1918-03-05", PeaceTreaty, "rsfsr", "rumania")
	two := calendar.Duration{Months: 2}
	p.Proposal.Clauses = []Clause{{ID: "evacuate", Obligor: "rumania", Action: "evacuate Bessarabia", Deadline: Deadline{Duration: &two}, Attesters: []PartyID{"observer", "rsfsr"}}}
	hp := w.add(p)
	at := entry(KindAttestation, "observer", "1918-05-10", hp)
	at.Attestation = &Attestation{Instrument: hp, Clause: "evacuate", Outcome: Violated, Evidence: &Hash{9}}
	w.refuse(at, "4.10", "not signed by all its parties")
	w.signAll(hp, "1918-03-09", "rsfsr", "rumania")
	at.Attestation.Clause = "withdraw"
	w.refuse(at, "4.10", `has no clause "withdraw"`)
	at.Attestation.Clause = "evacuate"
	at.Author = "rumania"
	w.refuse(at, "4.10", `"rumania" is not an attester of clause "evacuate"; its attesters are "observer", "rsfsr"`)
	at.Author = "observer"
	w.add(at)
}

func TestRule4_11Acts(t *testing.T) {
	w := newWorld(t)
	w.party("rumania", RoleState)
	w.party("rsfsr", RoleState)
	a := entry(KindAct, "rumania", "1918-04-09")
	a.Act = &Act{Act: Annexation, Territory: "bessarabia", Text: "union with Rumania"}
	w.refuse(a, "4.11", `territory "bessarabia" is not a registered territory`)
	te := entry(KindTerritory, "rsfsr", "1917-11-07")
	te.Territory = &Territory{ID: "bessarabia", Name: "Bessarabia", Holder: "rsfsr"}
	w.add(te)
	a.Act.Against = "ukraine"
	w.refuse(a, "4.11", `party "ukraine" is not a registered party`)
	a.Act.Against = "rumania"
	w.refuse(a, "4.11", "against its own author")
	a.Act.Against = "rsfsr"
	w.add(a)
}

func TestRule4_13Unions(t *testing.T) {
	w := newWorld(t)
	for _, id := range []PartyID{"a", "b", "c", "d", "e"} {
		w.party(id, RoleState)
	}
	w.party("ussr", RoleUnion)
	w.party("ussr-2", RoleUnion)
	w.party("ussr-3", RoleUnion)

	member := func(kind Kind, author, union PartyID, refs ...Hash) *Entry {
		e := entry(kind, author, "1924-01-31", refs...)
		if kind == KindAccession {
			e.Accession = &Membership{Union: union}
		} else {
			e.Exit = &Membership{Union: union}
		}
		return e
	}
	consent := func(author, union, m PartyID, action Kind) *Entry {
		e := entry(KindConsent, author, "1924-01-30")
		e.Consent = &Consent{Union: union, Member: m, Action: action}
		return e
	}
	w.refuse(member(KindExit, "a", "ussr"), "4.13", `union "ussr" has no constitution`)
	w.refuse(consent("a", "ussr", "b", KindExit), "4.13", `union "ussr" has no constitution`)

	// ussr: free exit, accession by consent of all.
	c := proposal("a", "1922-12-30", UnionConstitution, "a", "b", "c")
	c.Proposal.Constitution = &Constitution{Union: "ussr", Members: []PartyID{"a", "b", "c"}, Accession: RuleConsentOfAll, Exit: RuleUnilateral}
	hc := w.add(c)
	w.add(decision(KindSignature, "a", "1922-12-30", hc))
	w.add(decision(KindSignature, "b", "1922-12-30", hc))
	w.refuse(member(KindExit, "a", "ussr"), "4.13", "no constitution") // not yet fully signed
	w.add(decision(KindSignature, "c", "1922-12-30", hc))
	if m, ok := w.c.Members("ussr"); !ok || len(m) != 3 {
		t.Fatalf("Members(ussr) = %v, %v; want a, b, c", m, ok)
	}
	w.refuse(member(KindExit, "d", "ussr"), "4.13", `"d" is not a member of union "ussr"`)
	w.refuse(member(KindAccession, "a", "ussr"), "4.13", `"a" is already a member`)
	w.refuse(member(KindAccession, "ussr", "ussr"), "4.13", "cannot join itself")
	w.refuse(consent("a", "ussr", "ussr", KindAccession), "4.13", "cannot join itself")
	w.refuse(member(KindAccession, "d", "ussr"), "4.13", `accession to union "ussr" needs consent of every other member; missing: "a", "b", "c"`)
	w.refuse(consent("d", "ussr", "d", KindAccession), "4.13", `"d" is not a member of union "ussr" and cannot consent`)
	w.refuse(consent("a", "ussr", "b", KindAccession), "4.13", `"b" is already a member`)
	w.refuse(consent("a", "ussr", "x", KindAccession), "4.13", `"x" is not a registered party`)
	w.refuse(consent("a", "ussr", "d", KindExit), "4.13", `"d" is not a member`)
	w.refuse(consent("a", "ussr", "a", KindExit), "4.13", "its own exit")
	ca := w.add(consent("a", "ussr", "d", KindAccession))
	cb := w.add(consent("b", "ussr", "d", KindAccession))
	cc := w.add(consent("c", "ussr", "d", KindAccession))
	ce := w.add(consent("c", "ussr", "e", KindAccession))
	w.refuse(member(KindAccession, "d", "ussr", ca, cb), "4.13", `missing: "c"`)
	w.refuse(member(KindAccession, "d", "ussr", ca, cb, ce), "4.13", `consent to the accession of "e"`)
	w.add(member(KindAccession, "d", "ussr", ca, cb, cc, hc)) // a ref to the constitution is fine
	w.refuse(member(KindAccession, "e", "ussr", ce), "4.13", `missing: "a", "b", "d"`)
	// Free exit: the member's own entry suffices, with no consent.
	w.add(member(KindExit, "a", "ussr"))
	if m, _ := w.c.Members("ussr"); len(m) != 3 || m[0] != "b" {
		t.Fatalf("Members(ussr) = %v; want b, c, d", m)
	}
	// A consent already relied on cannot be reused, nor one by a former member.
	w.add(member(KindExit, "d", "ussr"))
	w.refuse(member(KindAccession, "d", "ussr", ca, cb, cc), "4.13", "already relied on")
	ca2 := w.add(consent("b", "ussr", "a", KindAccession))
	w.add(member(KindExit, "b", "ussr"))
	w.refuse(member(KindAccession, "a", "ussr", ca2), "4.13", `by "b", no longer a member`)

	// ussr-2: exit by consent of all.
	c2 := proposal("a", "1923-01-01", UnionConstitution, "a", "b", "c")
	c2.Proposal.Constitution = &Constitution{Union: "ussr-2", Members: []PartyID{"a", "b", "c"}, Accession: RuleUnilateral, Exit: RuleConsentOfAll}
	hc2 := w.add(c2)
	w.signAll(hc2, "1923-01-01", "a", "b", "c")
	w.refuse(member(KindExit, "a", "ussr-2"), "4.13", `exit from union "ussr-2" needs consent of every other member; missing: "b", "c"`)
	x1 := w.add(consent("b", "ussr-2", "a", KindExit))
	w.refuse(member(KindExit, "a", "ussr-2", x1), "4.13", `missing: "c"`)
	x2 := w.add(consent("c", "ussr-2", "a", KindExit))
	w.add(member(KindExit, "a", "ussr-2", x1, x2))
	w.add(member(KindAccession, "d", "ussr-2")) // unilateral accession

	// ussr-3: exit by consent of a majority of the other members.
	c3 := proposal("a", "1923-01-01", UnionConstitution, "a", "b", "c", "d", "e")
	c3.Proposal.Constitution = &Constitution{Union: "ussr-3", Members: []PartyID{"a", "b", "c", "d", "e"}, Accession: RuleConsentOfMajority, Exit: RuleConsentOfMajority}
	hc3 := w.add(c3)
	w.signAll(hc3, "1923-01-01", "a", "b", "c", "d", "e")
	m1 := w.add(consent("b", "ussr-3", "a", KindExit))
	again := consent("b", "ussr-3", "a", KindExit)
	again.Source = "again"
	m1b := w.add(again)
	m2 := w.add(consent("c", "ussr-3", "a", KindExit))
	w.refuse(member(KindExit, "a", "ussr-3", m1, m2), "4.13", "more than half of the 4 other members; has 2")
	w.refuse(member(KindExit, "a", "ussr-3", m1, m1b, m2), "4.13", "has 2") // one member counts once
	m3 := w.add(consent("d", "ussr-3", "a", KindExit))
	w.add(member(KindExit, "a", "ussr-3", m1, m2, m3))
}

func TestApplyOutOfOrder(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Apply(Index 5) on an empty Checker did not panic")
		}
	}()
	NewChecker().Apply(Record{Index: 5})
}

func TestLookup(t *testing.T) {
	w := newWorld(t)
	h := w.party("rsfsr", RoleState)
	r, ok := w.c.Lookup(h)
	if !ok || r.Index != 0 || r.Hash != h || r.Signed.Entry.Party.ID != "rsfsr" {
		t.Errorf("Lookup(%s) = %+v, %v", h, r, ok)
	}
	if _, ok := w.c.Lookup(Hash{1}); ok {
		t.Errorf("Lookup(unknown) found a record")
	}
	if k, ok := w.c.PartyKey("rsfsr"); !ok || !k.Equal(w.key("rsfsr").PublicKey()) {
		t.Errorf("PartyKey(rsfsr) = %x, %v", k, ok)
	}
	if _, ok := w.c.PartyKey("ukraine"); ok {
		t.Errorf("PartyKey(ukraine) found a key")
	}
}

func BenchmarkCheck(b *testing.B) {
	w := newWorld(b)
	w.party("rsfsr", RoleState)
	w.party("germany", RoleState)
	hp := w.add(proposal("rsfsr", "1917-12-15", Armistice, "rsfsr", "germany"))
	s := w.sign(decision(KindSignature, "germany", "1917-12-15", hp))
	for b.Loop() {
		if err := w.c.Check(s); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRule4_12Recognitions(t *testing.T) {
	w := newWorld(t)
	w.party("rumania", RoleState)
	w.party("usa", RoleState)
	te := entry(KindTerritory, "rumania", "1918-01-01")
	te.Territory = &Territory{ID: "bessarabia", Name: "Bessarabia"}
	w.add(te)
	a := entry(KindAct, "rumania", "1918-04-09")
	a.Act = &Act{Act: Annexation, Territory: "bessarabia", Text: "union of Bessarabia with Rumania"}
	ha := w.add(a)
	r := entry(KindRecognition, "usa", "1920-10-28", ha)
	r.Recognition = &Recognition{Subject: ha, Recognise: false}
	w.add(r)
	r.Effective, r.Recognition.Recognise = date("1933-11-16"), true // a change of position is recorded, not refused
	w.add(r)
	r.Refs, r.Recognition.Subject = []Hash{ha}, ha
	r.Effective = date("1918-04-08")
	w.refuse(r, "4.4", "before 1918-04-09")
	s := w.sign(r)
	s.Sig = s.Sig[:63]
	var fe *FormatError
	if err := w.c.Check(s); !errors.As(err, &fe) || !strings.Contains(err.Error(), "64 bytes") {
		t.Errorf("Check(63-byte signature) = %v; want a *FormatError", err)
	}
}
