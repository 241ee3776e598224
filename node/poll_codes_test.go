package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"concord/plebiscite"
)

// setCodeKeyBits makes the code index key codes by their first bits bits
// for the rest of the test, so that codes collide.
func setCodeKeyBits(t *testing.T, bits int) { setForTest(t, &codeKeyBits, bits) }

// TestCodeIndex compares the code index with a map keyed by the whole
// code, over random casts and spoils of codes that share their first bytes,
// with keys of 64 bits and keys short enough that most codes collide.
func TestCodeIndex(t *testing.T) {
	for _, bits := range []int{64, 8, 2, 0} {
		t.Run(fmt.Sprint(bits, " bits"), func(t *testing.T) {
			setCodeKeyBits(t, bits)
			rng := rand.New(rand.NewPCG(1, uint64(bits)))
			codes := make([]plebiscite.TrackingCode, 300)
			for i := range codes {
				codes[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8)})
				if i%3 == 1 { // the first 8 bytes of the code before
					copy(codes[i][:8], codes[i-1][:8])
				}
			}
			x := newCodeIndex()
			want := map[plebiscite.TrackingCode]codeEntry{}
			var leaves []plebiscite.TrackingCode // the code of each leaf
			reads := 0
			at := func(i int32) (plebiscite.TrackingCode, error) {
				reads++
				return leaves[i], nil
			}
			for range 1000 {
				code := codes[rng.IntN(len(codes))]
				spoil := rng.IntN(4) == 0
				i := int32(len(leaves))
				leaves = append(leaves, code)
				if err := x.set(code, spoil, i, at); err != nil {
					t.Fatal(err)
				}
				if rng.IntN(5) == 0 { // indexing a leaf again changes nothing
					if err := x.set(code, spoil, i, at); err != nil {
						t.Fatal(err)
					}
				}
				e, ok := want[code]
				if !ok {
					e = noEntry
				}
				if spoil {
					e.spoil = i
				} else {
					e.cast = i
				}
				want[code] = e
			}
			for _, c := range append(slices.Clone(codes), plebiscite.TrackingCode{1}) {
				w, ok := want[c]
				if !ok {
					w = noEntry
				}
				if got, err := x.get(c, at); err != nil || got != w {
					t.Errorf("get(%x) = %+v, %v; want %+v", c[:10], got, err, w)
				}
			}
			var all []codeEntry
			x.each(func(e codeEntry) bool { all = append(all, e); return true })
			if len(all) != len(want) {
				t.Errorf("each yielded %d entries; want %d", len(all), len(want))
			}
			if len(x.long) == 0 {
				t.Errorf("no code collided with %d-bit keys", bits)
			}
			// Reading leaves back is only for codes that share a key.
			reads = 0
			x.get(plebiscite.TrackingCode{0xff, 1, 2, 3, 4, 5, 6, 7}, at)
			if bits == 64 && reads != 0 {
				t.Errorf("get(unknown code) read %d leaves with 64-bit keys; want 0", reads)
			}
		})
	}
}

// TestPollCodesCollide runs the paths of the poll that use the code index
// (cast, replay and the refusals of audited and cast ballots, in a batch
// and across batches; lookup, spoiled, superseded, unknown codes; a poll
// reopened, which indexes the log again) with keys of 64 bits and with
// keys so short that the codes collide, and checks that each gives the
// same answers.
func TestPollCodesCollide(t *testing.T) {
	var first []string
	for _, bits := range []int{64, 2, 0} {
		t.Run(fmt.Sprint(bits, " bits"), func(t *testing.T) {
			setCodeKeyBits(t, bits)
			got := pollCodesScenario(t)
			if first == nil {
				first = got
				return
			}
			if !slices.Equal(got, first) {
				t.Errorf("answers with %d-bit keys:\n%q\nwant those with 64-bit keys:\n%q", bits, got, first)
			}
		})
	}
}

// pollCodesScenario casts, refuses and looks up ballots on a new poll,
// checks the answers and returns them.
func pollCodesScenario(t *testing.T) []string {
	f := newPollFixture(t, 6, true)
	ctx := context.Background()
	var answers []string
	note := func(format string, args ...any) { answers = append(answers, fmt.Sprintf(format, args...)) }
	refusals := map[string]error{}
	cast := func(name string, leaves ...[]byte) {
		t.Helper()
		rs, err := f.poll.CastBatch(ctx, leaves)
		for _, r := range rs {
			note("%s: leaf %d spoil %v", name, r.Index, r.Spoil)
		}
		if err != nil {
			refusals[name] = err
			note("%s: %s", name, refusal(err))
		}
	}
	var codes []plebiscite.TrackingCode
	var ballots []*plebiscite.Ballot
	var secrets []*plebiscite.Secrets
	newBallot := func(v int) []byte {
		b, s := f.ballot(v, v%3)
		codes, ballots, secrets = append(codes, b.TrackingCode()), append(ballots, b), append(secrets, s)
		return b.Bytes()
	}
	for v := range 5 {
		cast(fmt.Sprint("voter ", v), newBallot(v)) // ballots 0-4: leaves 0-4
	}
	cast("re-vote of voter 0", newBallot(0))                      // ballot 5: leaf 5
	cast("replay", ballots[0].Bytes())                            // refused
	cast("batch with a replay", newBallot(5), ballots[5].Bytes()) // ballot 6; refused at 1
	cast("batch replaying itself", ballots[6].Bytes(), ballots[6].Bytes())
	cast("voter 5", ballots[6].Bytes())                        // leaf 6
	cast("audit", newBallot(1), ballots[6].Bytes())            // ballot 7; refused at 1
	cast("audit of ballot 7", secrets[7].Audit().Bytes())      // leaf 7
	cast("cast of the audited ballot", ballots[7].Bytes())     // refused
	cast("audit again", secrets[7].Audit().Bytes())            // refused
	cast("audit of a cast ballot", secrets[2].Audit().Bytes()) // refused
	cast("voter 3 again, twice", newBallot(3), newBallot(3))   // ballots 8, 9: leaves 8, 9
	wantRefusals := map[string]error{
		"replay":                     plebiscite.ErrReplay,
		"batch with a replay":        plebiscite.ErrReplay,
		"batch replaying itself":     plebiscite.ErrReplay,
		"audit":                      plebiscite.ErrReplay,
		"cast of the audited ballot": ErrSpoiled,
		"audit again":                plebiscite.ErrReplay,
		"audit of a cast ballot":     ErrAlreadyCast,
	}
	for name, err := range refusals {
		if want := wantRefusals[name]; want == nil || !errors.Is(err, want) {
			t.Errorf("%s: CastBatch = %v; want %v", name, err, want)
		}
	}
	for name, want := range wantRefusals {
		if refusals[name] == nil {
			t.Errorf("%s: CastBatch succeeded; want %v", name, want)
		}
	}

	// A spoil of voter 3's last cast, appended by another writer than
	// Cast: the index then holds a code both cast and spoiled, and the
	// credential's last cast is spoiled, so superseded searches the codes.
	size, _ := f.poll.Size(ctx)
	if err := f.poll.log.AppendBatchAt(ctx, size, [][]byte{secrets[9].Audit().Bytes()}); err != nil {
		t.Fatal(err)
	}

	unknown := codes[0]
	unknown[31] ^= 1 // shares its first 8 bytes with ballot 0's code
	lookups := append(slices.Clone(codes), unknown, plebiscite.TrackingCode{1})
	wantLookups := []string{
		"leaf 0 spoil false superseded true", // voter 0 re-voted
		"leaf 1 spoil false superseded false",
		"leaf 2 spoil false superseded false",
		"leaf 3 spoil false superseded true", // voter 3's ballot 8 counts, 9 is spoiled
		"leaf 4 spoil false superseded false",
		"leaf 5 spoil false superseded false",
		"leaf 6 spoil false superseded false",
		"leaf 7 spoil true superseded false",
		"leaf 8 spoil false superseded false", // the later ballot 9 is spoiled
		"leaf 10 spoil true superseded false",
		"unknown code",
		"unknown code",
	}
	look := func(p *Poll, name string) {
		for k, c := range lookups {
			got := ""
			if in, err := p.Lookup(ctx, c); err != nil {
				got = refusal(err)
			} else {
				got = fmt.Sprintf("leaf %d spoil %v superseded %v", in.Index, in.Spoil, in.Superseded)
			}
			if got != wantLookups[k] {
				t.Errorf("%s: Lookup(ballot %d) = %s; want %s", name, k, got, wantLookups[k])
			}
			note("%s: lookup of ballot %d: %s", name, k, got)
		}
	}
	look(f.poll, "poll")
	p2, err := f.n.Poll(ctx, f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	look(p2, "reopened poll")
	for k := range ballots {
		_, err := p2.Cast(ctx, ballots[k].Bytes())
		if err == nil {
			t.Errorf("reopened poll: Cast(ballot %d) succeeded; want a refusal", k)
		}
		note("reopened poll: cast of ballot %d: %s", k, refusal(err))
	}
	if n, _ := f.poll.Size(ctx); n != 11 {
		t.Errorf("Size() = %d; want 11", n)
	}
	if codeKeyBits < 64 && (len(f.poll.codes.long) == 0 || len(p2.codes.long) == 0) {
		t.Errorf("no tracking code collided with %d-bit keys", codeKeyBits)
	}
	return answers
}

// refusal names the error of a cast or lookup without the tracking code it
// names, which differs from one run to the next.
func refusal(err error) string {
	pos := ""
	var ce *CastError
	if errors.As(err, &ce) {
		pos = fmt.Sprintf("leaf %d of the batch: ", ce.Position)
	}
	for _, e := range []error{plebiscite.ErrReplay, ErrSpoiled, ErrAlreadyCast} {
		if errors.Is(err, e) {
			return pos + e.Error()
		}
	}
	if errors.Is(err, ErrUnknownCode) {
		return pos + "unknown code"
	}
	if err == nil {
		return "ok"
	}
	return pos + err.Error()
}

// TestPollIndexOnFirstUse checks that a poll opened to tally does not index
// its tracking codes, and shares its roll with the verifier, while the
// first Cast or Lookup indexes the whole log.
func TestPollIndexOnFirstUse(t *testing.T) {
	f := newPollFixture(t, 3, true)
	ctx := context.Background()
	var codes []plebiscite.TrackingCode
	for v := range 3 {
		b, _ := f.ballot(v, v%3)
		if _, err := f.poll.Cast(ctx, b.Bytes()); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.TrackingCode())
	}
	p, err := f.n.Poll(ctx, f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Tally(ctx); err != nil {
		t.Fatalf("Tally() = %v", err)
	}
	if p.size != 0 || p.last != nil || len(p.codes.short) != 0 {
		t.Errorf("after Tally, the poll indexed %d leaves (last %v, %d codes); want none", p.size, p.last != nil, len(p.codes.short))
	}
	roll, _, _, err := p.resultInputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := p.Election(); &roll[0] != &e.Roll.Bytes()[0] {
		t.Errorf("the roll given to the verifier is a copy of the poll's; want the same bytes")
	}
	in, err := p.Lookup(ctx, codes[1])
	if err != nil || in.Index != 1 {
		t.Fatalf("Lookup(ballot 1) = %+v, %v; want leaf 1", in, err)
	}
	if p.size != 3 || len(p.last) != 3 || len(p.codes.short) != 3 {
		t.Errorf("after Lookup, the poll indexed %d leaves (last of %d, %d codes); want 3", p.size, len(p.last), len(p.codes.short))
	}
}
