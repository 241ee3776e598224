package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"concord/calendar"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/scenario"
	"concord/tlog"
)

// demoPlebiscite runs the HYPOTHETICAL continuation of the scenario (SPEC
// §20.8) on the demo ledger n: the withdrawal protocol, the key
// generation, the agreement, the poll with simulated voters, the
// decryption with one trustee absent and the result. It returns the date
// of the result.
type demoPlebiscite struct {
	out    io.Writer
	n      *node.Node
	c      *scenario.Continuation
	voters int
	hashes map[string]ledger.Hash
}

// demoKey returns the demo key file of a party (SPEC §8.7).
func demoKey(id ledger.PartyID) *ledger.KeyFile {
	k, err := ledger.NewKeyFromSeed(id, scenario.DemoKey(id).Seed())
	if err != nil {
		panic(err) // ids come from the validated scenario
	}
	return k
}

// demoSubmit signs e with the demo key of author and appends it.
func (d *demoPlebiscite) submit(ctx context.Context, author ledger.PartyID, date calendar.Date, e *ledger.Entry) (ledger.Record, error) {
	e.V, e.Author, e.Effective, e.Source = ledger.Version, author, date, d.c.Source
	if h, ok := bodyRef(e); ok {
		e.Refs = append(e.Refs, h)
	}
	s, err := ledger.Sign(e, scenario.DemoKey(author))
	if err != nil {
		return ledger.Record{}, err
	}
	leaf, err := ledger.Encode(s)
	if err != nil {
		return ledger.Record{}, err
	}
	rec, err := d.n.Append(ctx, leaf)
	if err != nil {
		return rec, fmt.Errorf("%s by %s: %w", e.Kind, author, err)
	}
	return rec, nil
}

func (d *demoPlebiscite) appendSigned(ctx context.Context, signed []*ledger.Signed) error {
	for _, s := range signed {
		leaf, err := ledger.Encode(s)
		if err != nil {
			return err
		}
		if _, err := d.n.Append(ctx, leaf); err != nil {
			return fmt.Errorf("continuation entry %s by %s: %w", s.Entry.Kind, s.Entry.Author, err)
		}
	}
	return nil
}

func (d *demoPlebiscite) run(ctx context.Context, sc *scenario.Scenario) error {
	c, out := d.c, d.out
	start := time.Now()
	fmt.Fprintf(out, "==== %s ====\n\n%s\n\n", c.Title, c.Hypothetical)
	signed, hashes, err := c.Records(sc)
	if err != nil {
		return err
	}
	d.hashes = hashes
	if err := d.appendSigned(ctx, signed); err != nil {
		return err
	}
	fmt.Fprintf(out, "1. The trustees (two named by each side, three neutrals) and the electoral commission are registered;\n"+
		"   the Union and Rumania sign the protocol on the withdrawal of the Rumanian army and officials (%d entries).\n", len(signed))

	// The roll of simulated voters.
	voters := make([]*plebiscite.Voter, d.voters)
	creds := make([]plebiscite.Credential, d.voters)
	for i := range voters {
		voters[i] = plebiscite.NewVoter()
		creds[i] = voters[i].Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		return err
	}
	draft, err := c.Draft(hashes, roll.Ref(c.Manifest.RollAuthority))
	if err != nil {
		return err
	}
	raw, err := draft.Encode()
	if err != nil {
		return err
	}
	dh := plebiscite.HashManifestBytes(raw)
	prop := agreementProposal(draft, raw, c.Proposer, c.Others, c.AgreementTitle+" (draft)", c.AgreementText)
	if _, err := d.submit(ctx, c.Proposer, c.Schedule.Keygen, &ledger.Entry{Kind: ledger.KindProposal, Proposal: prop}); err != nil {
		return err
	}
	fmt.Fprintf(out, "2. %d simulated voters get credentials; the commission's roll has root %v.\n   The draft manifest is proposed (draft hash %v).\n", d.voters, roll.Root(), dh)

	// The key generation, each trustee through the same steps as
	// 'concord trustee keys|commit|receive|finish'.
	sessions := make([]*trusteeSession, len(draft.Trustees))
	for i, t := range draft.Trustees {
		tf, err := newTrustee(t.ID, draft)
		if err != nil {
			return err
		}
		ef := entryFlags{source: c.Source}
		sessions[i] = &trusteeSession{out: io.Discard, n: d.n, t: tf, ef: ef, p: &prepared{key: demoKey(t.ID), effective: c.Schedule.Keygen}}
	}
	for _, step := range []func(*trusteeSession, context.Context) error{
		(*trusteeSession).keys, (*trusteeSession).commit, (*trusteeSession).receive, (*trusteeSession).finish,
	} {
		for _, s := range sessions {
			if err := step(s, ctx); err != nil {
				return fmt.Errorf("trustee %s: %w", s.t.Party, err)
			}
		}
	}
	fmt.Fprintf(out, "3. The %d trustees run the key generation in the ledger: keys, commitments, encrypted shares, no complaint.\n   Trustee policy (threshold %d of %d):\n", len(sessions), draft.Threshold, len(sessions))
	if err := writePolicy(indent(out), draft); err != nil {
		return err
	}

	// The complete manifest, signed by every party.
	m, err := completeDraft(ctx, io.Discard, d.n, draft.ID)
	if err != nil {
		return err
	}
	raw, err = m.Encode()
	if err != nil {
		return err
	}
	prop = agreementProposal(m, raw, c.Proposer, c.Others, c.AgreementTitle, c.AgreementText)
	ag, err := d.submit(ctx, c.Proposer, c.Schedule.Agreement, &ledger.Entry{Kind: ledger.KindProposal, Proposal: prop})
	if err != nil {
		return err
	}
	for _, p := range prop.Parties {
		if _, err := d.submit(ctx, p, c.Schedule.Signatures, &ledger.Entry{Kind: ledger.KindSignature, Signature: &ledger.Decision{Proposal: ag.Hash}}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "4. The complete manifest (election key %x) is proposed as entry %d and signed by %d parties: %s.\n",
		m.Key[:8], ag.Index, len(prop.Parties), joinParties(prop.Parties))
	poll, err := d.n.Poll(ctx, m.ID)
	if err != nil {
		return err
	}
	defer poll.Close()
	if err := poll.SetRoll(ctx, roll.Bytes()); err != nil {
		return err
	}
	att, err := c.SignAttestation(hashes)
	if err != nil {
		return err
	}
	if err := d.appendSigned(ctx, []*ledger.Signed{att}); err != nil {
		return err
	}
	fmt.Fprintf(out, "5. On %v the observer attests that the Rumanian army and officials have left Bessarabia (HYPOTHETICAL): the poll opens.\n", att.Entry.Effective)

	if err := d.vote(ctx, poll, voters); err != nil {
		return err
	}

	// The decryption, one trustee absent. Each trustee would verify the
	// ballot log on its own copy; the demo verifies it once for all.
	tstart := time.Now()
	agg, err := poll.Tally(ctx)
	if err != nil {
		return err
	}
	tallied := time.Since(tstart)
	present := 0
	for _, s := range sessions {
		if s.t.Party == c.Absent {
			continue
		}
		s.p.effective = c.Schedule.Decryption
		if err := s.decryptPoll(ctx, poll, agg); err != nil {
			return fmt.Errorf("trustee %s: %w", s.t.Party, err)
		}
		present++
	}
	fmt.Fprintf(out, "7. After the close (%v) the ballot log is verified, every ballot's signature and proofs (%.1fs), and the tally of the %d counted ballots recomputed;\n"+
		"   %d trustees post their decryption shares of it (each would run this on its own copy); %s is absent.\n", m.Closes, tallied.Seconds(), agg.Ballots, present, c.Absent)
	rep, rec, err := appendResult(ctx, d.n, poll, &prepared{key: demoKey(c.Proposer), effective: c.Schedule.Result}, c.Source, agg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "8. The shares are combined and the result entered as entry %d (effective %v):\n", rec.Index, rec.Signed.Entry.Effective)
	for i, n := range rep.Counts {
		fmt.Fprintf(out, "   option %d, %s: %d\n", i, m.Options[i], n)
	}
	if rep.Winner != nil {
		fmt.Fprintf(out, "   absolute majority: %s; the manifest names %s as the holder (HYPOTHETICAL)\n", m.Options[*rep.Winner], m.Holder(*rep.Winner))
	} else {
		fmt.Fprintln(out, "   no absolute majority: no decision, the holder does not change")
	}
	fmt.Fprintf(out, "   (simulated voters, fixed pseudo-random split; not a claim about opinion in Bessarabia)\n   continuation done in %.1fs\n\n", time.Since(start).Seconds())
	return nil
}

// vote simulates the voters (SPEC §20.8): audits and first ballots of the
// re-voters, then every final ballot, encrypted on every core and cast in
// batches.
func (d *demoPlebiscite) vote(ctx context.Context, poll *node.Poll, voters []*plebiscite.Voter) error {
	e, err := poll.Election()
	if err != nil {
		return err
	}
	plan := d.c.Voters
	opts := len(e.Manifest.Options)
	choices := plan.Choices(len(voters), opts)
	start := time.Now()
	type job struct {
		voter  int
		choice int
		audit  bool
	}
	var first, final []job
	for i, ch := range choices {
		if i%plan.AuditEvery == 0 {
			first = append(first, job{i, ch, true})
		}
		if i%plan.RevoteEvery == 0 {
			first = append(first, job{i, (ch + 1) % opts, false})
		}
		final = append(final, job{i, ch, false})
	}
	var sample plebiscite.TrackingCode
	cast := func(jobs []job) error {
		leaves := make([][]byte, len(jobs))
		errs := make([]error, len(jobs))
		next := make(chan int)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for k := range next {
					j := jobs[k]
					b, sec, err := voters[j.voter].Cast(e, []int{j.choice})
					switch {
					case err != nil:
						errs[k] = err
					case j.audit:
						sp := sec.Audit()
						errs[k] = plebiscite.VerifyAudit(e, sp.Ballot, sp.Opening)
						leaves[k] = sp.Bytes()
					default:
						leaves[k] = b.Bytes()
					}
				}
			})
		}
		for k := range jobs {
			next <- k
		}
		close(next)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		for lo := 0; lo < len(leaves); lo += 1000 {
			rs, err := poll.CastBatch(ctx, leaves[lo:min(lo+1000, len(leaves))])
			if err != nil {
				return err
			}
			sample = rs[len(rs)-1].TrackingCode
		}
		return nil
	}
	if err := cast(first); err != nil {
		return err
	}
	if err := cast(final); err != nil {
		return err
	}
	counts := make([]int, opts)
	for _, ch := range choices {
		counts[ch]++
	}
	audits, revotes := (len(voters)+plan.AuditEvery-1)/plan.AuditEvery, (len(voters)+plan.RevoteEvery-1)/plan.RevoteEvery
	fmt.Fprintf(d.out, "6. %d simulated voters vote (%.1fs: each ballot encrypted, proved and signed, then verified and appended durably).\n"+
		"   Their choices are a fixed pseudo-random split (PCG seed %d, %d voters), each option equally likely: %v.\n"+
		"   Of them, %d first audit a ballot (Benaloh challenge: revealed, checked, spoiled) and %d first vote the other way, then re-vote.\n",
		len(voters), time.Since(start).Seconds(), plan.Seed, len(voters), counts, audits, revotes)
	in, err := poll.Lookup(ctx, sample)
	if err != nil {
		return err
	}
	cp, err := tlog.VerifyCheckpoint(in.Checkpoint, poll.Origin(), poll.Verifier())
	if err != nil {
		return err
	}
	if err := tlog.VerifyInclusion(in.Proof, cp.Size, cp.Root, in.Index, tlog.LeafHash(in.Leaf)); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   The last voter looks up tracking code %s: ballot log index %d, inclusion proof of %d hashes verified in a tree of %d.\n",
		plebiscite.ShortCode(sample), in.Index, len(in.Proof), cp.Size)
	return nil
}

func joinParties(ids []ledger.PartyID) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += string(id)
	}
	return s
}

// indent writes every line with three leading spaces.
func indent(w io.Writer) io.Writer { return &indenter{w: w, start: true} }

type indenter struct {
	w     io.Writer
	start bool
}

func (i *indenter) Write(p []byte) (int, error) {
	for _, b := range p {
		if i.start {
			if _, err := io.WriteString(i.w, "   "); err != nil {
				return 0, err
			}
		}
		if _, err := i.w.Write([]byte{b}); err != nil {
			return 0, err
		}
		i.start = b == '\n'
	}
	return len(p), nil
}
