package verify

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/tlog"
)

var update = flag.Bool("update", false, "rewrite the vectors in testdata/ (go test ./verify -run TestGenerate -update)")

// vector is one verification test vector in testdata/*.json: a ledger's
// leaves and checkpoints, the log's public key, and the failure expected.
type vector struct {
	Comment     string   `json:"comment"`
	LogKey      string   `json:"log_key"`     // C2SP signed-note verifier key
	Leaves      []string `json:"leaves"`      // base64 of each leaf, in log order
	Checkpoints []string `json:"checkpoints"` // signed checkpoint notes
	// Want is "" for a valid ledger, else the name of a sentinel error
	// (such as "ErrFork") or "rule X.Y" for a *ledger.RuleError.
	Want           string `json:"want"`
	WantEntry      int64  `json:"want_entry"`      // Error.Entry, -1 for none
	WantCheckpoint int    `json:"want_checkpoint"` // Error.Checkpoint, -1 for none
}

var sentinels = map[string]error{
	"ErrCheckpoint":     ErrCheckpoint,
	"ErrCheckpointSize": ErrCheckpointSize,
	"ErrCheckpointRoot": ErrCheckpointRoot,
	"ErrFork":           ErrFork,
}

// logKey returns a deterministic log signer and its verifier key, made
// from a fixed seed; only tests build keys this way.
func logKey(t testing.TB, name string, seedByte byte) (note.Signer, string) {
	seed := bytes.Repeat([]byte{seedByte}, ed25519.SeedSize)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(vkey, "+") // name, hash, key
	skey := "PRIVATE+KEY+" + parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func day(t testing.TB, s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type builder struct {
	t      testing.TB
	leaves [][]byte
}

func (b *builder) add(k *ledger.KeyFile, e *ledger.Entry) ledger.Hash {
	e.V, e.Author = ledger.Version, k.ID
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		b.t.Fatal(err)
	}
	l, err := ledger.Encode(s)
	if err != nil {
		b.t.Fatal(err)
	}
	b.leaves = append(b.leaves, l)
	return ledger.LeafHash(l)
}

func partyKey(t testing.TB, id ledger.PartyID, seed byte) *ledger.KeyFile {
	k, err := ledger.NewKeyFromSeed(id, bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// smallLedger is the deterministic ledger the vectors derive from: three
// parties, a treaty with an obligation, both signatures, an attestation.
func smallLedger(t testing.TB) [][]byte {
	b := &builder{t: t}
	ger, rom, obs := partyKey(t, "germany", 1), partyKey(t, "romania", 2), partyKey(t, "observer", 3)
	for _, k := range []*ledger.KeyFile{ger, rom, obs} {
		role := ledger.RoleState
		if k.ID == "observer" {
			role = ledger.RoleObserver
		}
		b.add(k, &ledger.Entry{Kind: ledger.KindParty, Effective: day(t, "1917-11-07"),
			Party: &ledger.Party{ID: k.ID, Name: "The " + string(k.ID), Role: role, Key: k.PublicKey()}})
	}
	two := calendar.Duration{Months: 2}
	p := b.add(ger, &ledger.Entry{Kind: ledger.KindProposal, Effective: day(t, "1918-03-05"),
		Proposal: &ledger.Proposal{Instrument: ledger.PeaceTreaty, Title: "Peace of Bucharest",
			Parties: []ledger.PartyID{"germany", "romania"},
			Clauses: []ledger.Clause{{ID: "evacuate", Obligor: "romania", Action: "evacuate the territory",
				Deadline: ledger.Deadline{Duration: &two}, Attesters: []ledger.PartyID{"observer"}}}}})
	for _, k := range []*ledger.KeyFile{ger, rom} {
		b.add(k, &ledger.Entry{Kind: ledger.KindSignature, Effective: day(t, "1918-05-07"),
			Refs: []ledger.Hash{p}, Signature: &ledger.Decision{Proposal: p}})
	}
	b.add(obs, &ledger.Entry{Kind: ledger.KindAttestation, Effective: day(t, "1918-07-10"), Refs: []ledger.Hash{p},
		Attestation: &ledger.Attestation{Instrument: p, Clause: "evacuate", Outcome: ledger.Violated}})
	return b.leaves
}

func signCheckpoint(t testing.TB, s note.Signer, leaves [][]byte) []byte {
	text := tlog.FormatCheckpointText(s.Name(), int64(len(leaves)), tlog.RootOf(leaves))
	cp, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

const origin = "concord.example/vectors"

// generateVectors builds the valid vector and one negative vector per
// kind of tampering.
func generateVectors(t testing.TB) map[string]vector {
	signer, vkey := logKey(t, origin, 42)
	leaves := smallLedger(t)
	cps := func(ls ...[][]byte) [][]byte {
		var out [][]byte
		for _, l := range ls {
			out = append(out, signCheckpoint(t, signer, l))
		}
		return out
	}
	mk := func(comment string, leaves, checkpoints [][]byte, want string, entry int64, cp int) vector {
		v := vector{Comment: comment, LogKey: vkey, Want: want, WantEntry: entry, WantCheckpoint: cp}
		for _, l := range leaves {
			v.Leaves = append(v.Leaves, base64.StdEncoding.EncodeToString(l))
		}
		for _, c := range checkpoints {
			v.Checkpoints = append(v.Checkpoints, string(c))
		}
		return v
	}
	good := cps(leaves[:3], leaves)
	vs := map[string]vector{}
	vs["valid"] = mk("a valid ledger of seven entries and two checkpoints", leaves, good, "", -1, -1)

	flipped := clone(leaves)
	i := bytes.Index(flipped[3], []byte("Bucharest"))
	flipped[3][i] ^= 0x01 // 'B' becomes 'C': still canonical JSON, the signature breaks
	vs["flipped-byte"] = mk("entry 3 has one byte flipped in its title", flipped, good, "rule 4.2", 3, -1)

	reordered := clone(leaves)
	reordered[0], reordered[1] = reordered[1], reordered[0] // two registrations: every rule still holds
	vs["reordered"] = mk("entries 0 and 1 swapped; only the checkpoints show it", reordered, good, "ErrCheckpointRoot", -1, 0)

	vs["removed"] = mk("the last entry removed", clone(leaves[:len(leaves)-1]), good, "ErrCheckpointSize", -1, 1)

	forger, _ := logKey(t, origin, 43)                 // same origin, another key
	forgedRoot := append(clone(leaves[:3]), leaves[4]) // a tree the log never made
	forged := append(cps(leaves[:3]), signCheckpoint(t, forger, forgedRoot))
	vs["forged-checkpoint"] = mk("checkpoint 1 is signed by another key under the log's name", leaves, forged, "ErrCheckpoint", -1, 1)

	other := clone(leaves)
	other[6] = (&builder{t: t}).addAttestation(t, ledger.Fulfilled)
	fork := append(good, signCheckpoint(t, signer, other))
	vs["fork"] = mk("two checkpoints of size 7 signed by the log key over different seventh entries", leaves, fork, "ErrFork", -1, 1)
	return vs
}

// addAttestation makes the observer's attestation with another outcome.
func (b *builder) addAttestation(t testing.TB, o ledger.Outcome) []byte {
	leaves := smallLedger(t)
	s, err := ledger.Decode(leaves[6])
	if err != nil {
		t.Fatal(err)
	}
	e := s.Entry
	a := *e.Attestation
	a.Outcome = o
	e.Attestation = &a
	b.add(partyKey(t, "observer", 3), &e)
	return b.leaves[len(b.leaves)-1]
}

func clone(ls [][]byte) [][]byte {
	out := make([][]byte, len(ls))
	for i, l := range ls {
		out[i] = bytes.Clone(l)
	}
	return out
}

func TestGenerate(t *testing.T) {
	vs := generateVectors(t)
	for name, v := range vs {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
		path := filepath.Join("testdata", name+".json")
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go test ./verify -run TestGenerate -update", err)
		}
		if !bytes.Equal(old, b) {
			t.Errorf("%s differs from what the generator makes; run go test ./verify -run TestGenerate -update", path)
		}
	}
}

func loadVector(t *testing.T, path string) ([][]byte, [][]byte, note.Verifier, vector) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	verifier, err := tlog.NewLogVerifier(v.LogKey)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var leaves, cps [][]byte
	for _, s := range v.Leaves {
		l, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	for _, c := range v.Checkpoints {
		cps = append(cps, []byte(c))
	}
	return leaves, cps, verifier, v
}

// TestVectors checks that each vector in testdata/ gives exactly the
// failure it names, at the entry or checkpoint it names.
func TestVectors(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil || len(paths) < 6 {
		t.Fatalf("found %d vectors in testdata (%v); want at least 6", len(paths), err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			leaves, cps, v, want := loadVector(t, path)
			r, err := Ledger(leaves, cps, v)
			if want.Want == "" {
				if err != nil {
					t.Fatalf("Ledger(%s) error = %v; want nil", path, err)
				}
				if r.Entries != int64(len(leaves)) || len(r.Checkpoints) != len(cps) {
					t.Errorf("report: %d entries, %d checkpoints; want %d, %d", r.Entries, len(r.Checkpoints), len(leaves), len(cps))
				}
				return
			}
			t.Logf("%s: %v", path, err)
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("Ledger(%s) error = %v; want an *Error", path, err)
			}
			if ve.Entry != want.WantEntry || ve.Checkpoint != want.WantCheckpoint {
				t.Errorf("Ledger(%s) error at entry %d, checkpoint %d; want entry %d, checkpoint %d (%v)",
					path, ve.Entry, ve.Checkpoint, want.WantEntry, want.WantCheckpoint, err)
			}
			if rule, ok := strings.CutPrefix(want.Want, "rule "); ok {
				var re *ledger.RuleError
				if !errors.As(err, &re) || re.Rule != rule {
					t.Errorf("Ledger(%s) error = %v; want a refusal by SPEC §%s", path, err, rule)
				}
			} else if s := sentinels[want.Want]; s == nil || !errors.Is(err, s) {
				t.Errorf("Ledger(%s) error = %v; want %s", path, err, want.Want)
			}
		})
	}
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	v, err := tlog.NewLogVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
