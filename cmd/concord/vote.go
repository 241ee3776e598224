package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"concord/node"
	"concord/plebiscite"
	"concord/tlog"
)

// openPoll opens the ledger and the ballot log of plebiscite id, with the
// hints of SPEC §20.6. The caller closes both.
func openPoll(ctx context.Context, ledgerPath, id string) (*node.Node, *node.Poll, error) {
	if id == "" {
		return nil, nil, usage(errors.New("missing --plebiscite ID"), "name the plebiscite by its manifest id")
	}
	n, err := openNode(ctx, ledgerPath)
	if err != nil {
		return nil, nil, err
	}
	p, err := n.Poll(ctx, id)
	if err != nil {
		n.Close()
		if errors.Is(err, node.ErrNoPlebiscite) {
			return nil, nil, withHint(err, "propose its complete manifest with 'concord plebiscite propose --plebiscite %s'", id)
		}
		return nil, nil, err
	}
	return n, p, nil
}

// election returns the poll's election, with a hint if its roll is unset.
func election(p *node.Poll) (*plebiscite.Election, error) {
	e, err := p.Election()
	if errors.Is(err, node.ErrNoRoll) {
		return nil, withHint(fmt.Errorf("plebiscite %s has no electoral roll yet", p.ID()), "publish it with 'concord roll publish --plebiscite %s --roll ROLL'", p.ID())
	}
	return e, err
}

// VoteCommand implements "concord vote": encrypt, prove and sign a ballot
// with a credential and cast it, or audit it (SPEC §20.6).
type VoteCommand struct{ out io.Writer }

// Run casts or audits one ballot.
func (c *VoteCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("vote", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	credFile := fset.String("credential", "", "the voter's credential `FILE` (from 'concord voter new')")
	choice := fset.String("choice", "", "the chosen option(s): comma-separated `INDEXES` (0, 1, ...) or labels")
	audit := fset.Bool("audit", false, "audit the ballot instead (Benaloh challenge): reveal and check its encryption, spoil it, cast nothing")
	outFile := fset.String("out", "", "write the signed ballot to `FILE` instead of casting it")
	castFile := fset.String("cast", "", "cast the ballot or spoil leaf in `FILE` (from --out)")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("vote", "unexpected argument %q", pos[0])
	}
	if *castFile == "" && (*credFile == "" || *choice == "") {
		return usagef("vote", "--credential FILE and --choice N are required (or --cast FILE)")
	}
	var v *plebiscite.Voter
	var leaf []byte
	if *castFile != "" {
		if leaf, err = os.ReadFile(*castFile); err != nil {
			return err
		}
	} else if v, err = readCredential(*credFile); err != nil {
		return err
	}
	n, p, err := openPoll(ctx, *ledgerPath, *id)
	if err != nil {
		return err
	}
	defer n.Close()
	defer p.Close()
	e, err := election(p)
	if err != nil {
		return err
	}
	if leaf != nil {
		rc, err := p.Cast(ctx, leaf)
		if err != nil {
			return withHint(err, "nothing was recorded: the ledger and the ballot log are unchanged")
		}
		fmt.Fprintf(c.out, "cast %s\ntracking code %v\nshort code %s\nballot log index %d\n", *castFile, rc.TrackingCode, plebiscite.ShortCode(rc.TrackingCode), rc.Index)
		return nil
	}
	choices, err := parseChoices(e.Manifest, *choice)
	if err != nil {
		return err
	}
	ballot, secrets, err := v.Cast(e, choices)
	if err != nil {
		return usage(err, "see the options with 'concord plebiscite show --plebiscite "+*id+"'")
	}
	code := ballot.TrackingCode()
	leaf = ballot.Bytes()
	if *audit {
		spoil := secrets.Audit()
		if err := plebiscite.VerifyAudit(e, spoil.Ballot, spoil.Opening); err != nil {
			return fmt.Errorf("the device's ballot fails its audit, do not cast with this device: %w", err)
		}
		fmt.Fprintf(c.out, "audit of ballot %s (tracking code %v):\n", plebiscite.ShortCode(code), code)
		for i, x := range spoil.Opening.Values {
			fmt.Fprintf(c.out, "  option %d (%s): encrypts %d with randomness %x\n", i, e.Manifest.Options[i], x, spoil.Opening.Randomness[i].Bytes())
		}
		fmt.Fprintf(c.out, "audit verified: the ballot encrypts %s\n", choiceNames(e.Manifest, spoil.Opening.Choices()))
		leaf = spoil.Bytes()
	}
	if *outFile != "" {
		if err := os.WriteFile(*outFile, leaf, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "wrote the ballot to %s (not cast)\ntracking code %v\n", *outFile, code)
		return nil
	}
	rc, err := p.Cast(ctx, leaf)
	if err != nil {
		return withHint(err, "nothing was recorded: the ledger and the ballot log are unchanged")
	}
	if *audit {
		fmt.Fprintf(c.out, "spoiled: the audited ballot is posted at ballot log index %d and will never be counted; vote again to cast\n", rc.Index)
		return nil
	}
	fmt.Fprintf(c.out, "cast ballot for %s\ntracking code %v\nshort code %s\nballot log index %d\n", choiceNames(e.Manifest, choices), code, plebiscite.ShortCode(code), rc.Index)
	fmt.Fprintf(c.out, "check it with 'concord track --plebiscite %s %s'\n", *id, plebiscite.ShortCode(code))
	return nil
}

// parseChoices parses --choice: option indices or labels, comma-separated.
func parseChoices(m *plebiscite.Manifest, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		i, err := strconv.Atoi(f)
		if err != nil {
			i = -1
			for j, o := range m.Options {
				if strings.EqualFold(o, f) {
					i = j
				}
			}
		}
		if i < 0 || i >= len(m.Options) {
			return nil, usage(fmt.Errorf("--choice %q: no such option", f), fmt.Sprintf("choose 0 to %d, or an option's label: %s", len(m.Options)-1, strings.Join(m.Options, "; ")))
		}
		out = append(out, i)
	}
	return out, nil
}

func choiceNames(m *plebiscite.Manifest, choices []int) string {
	if len(choices) == 0 {
		return "no option"
	}
	s := make([]string, len(choices))
	for k, i := range choices {
		s[k] = fmt.Sprintf("option %d (%s)", i, m.Options[i])
	}
	return strings.Join(s, ", ")
}

// TrackCommand implements "concord track CODE": look up a tracking code on
// the ballot log and check its inclusion proof (SPEC §20.6).
type TrackCommand struct{ out io.Writer }

// Run looks up the code.
func (c *TrackCommand) Run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("track", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("track", "expected one tracking CODE (64 hex digits or XXXX-XXXX-XXXX-XXXX)")
	}
	n, p, err := openPoll(ctx, *ledgerPath, *id)
	if err != nil {
		return err
	}
	defer n.Close()
	defer p.Close()
	code, err := resolveCode(ctx, p, pos[0])
	if err != nil {
		return err
	}
	in, err := p.Lookup(ctx, code)
	if err != nil {
		return withHint(err, "check the code; a ballot that was not acknowledged with a tracking code was not recorded")
	}
	cp, err := tlog.VerifyCheckpoint(in.Checkpoint, p.Origin(), p.Verifier())
	if err != nil {
		return fmt.Errorf("the ballot log's checkpoint does not verify: %w", err)
	}
	if err := tlog.VerifyInclusion(in.Proof, cp.Size, cp.Root, in.Index, tlog.LeafHash(in.Leaf)); err != nil {
		return fmt.Errorf("the inclusion proof of ballot log index %d does not verify: %w", in.Index, err)
	}
	kind := "cast ballot"
	switch {
	case in.Spoil:
		kind = "audited ballot (spoiled, never counted)"
	case in.Superseded:
		kind = "cast ballot, superseded by a later ballot of the same credential (re-vote)"
	}
	fmt.Fprintf(c.out, "tracking code %v (%s)\nballot log index %d: %s\ninclusion proof in tree size %d (%d hashes), verified against the checkpoint:\n",
		code, plebiscite.ShortCode(code), in.Index, kind, cp.Size, len(in.Proof))
	for _, h := range in.Proof {
		fmt.Fprintf(c.out, "  %x\n", h[:])
	}
	fmt.Fprintf(c.out, "checkpoint\n%s", in.Checkpoint)
	return nil
}

// resolveCode parses a tracking code: 64 hex digits, or the short form of
// SPEC §14.5, which is looked up among the ballot log's leaves.
func resolveCode(ctx context.Context, p *node.Poll, s string) (plebiscite.TrackingCode, error) {
	var code plebiscite.TrackingCode
	if len(s) == 64 {
		b, err := hex.DecodeString(strings.ToLower(s))
		if err == nil {
			copy(code[:], b)
			return code, nil
		}
	}
	short := strings.ToUpper(s)
	if len(short) != 19 || strings.Count(short, "-") != 3 {
		return code, usage(fmt.Errorf("tracking code %q: want 64 hex digits or XXXX-XXXX-XXXX-XXXX", s), "copy the code 'concord vote' printed")
	}
	size, err := p.Size(ctx)
	if err != nil {
		return code, err
	}
	for start := int64(0); start < size; start += 4096 {
		leaves, err := p.Leaves(ctx, start, min(size, start+4096))
		if err != nil {
			return code, err
		}
		for _, l := range leaves {
			pl, err := plebiscite.ParseLeaf(l)
			if err != nil {
				continue
			}
			b := pl.Ballot
			if pl.Spoil != nil {
				b = pl.Spoil.Ballot
			}
			if c := b.TrackingCode(); plebiscite.ShortCode(c) == short {
				return c, nil
			}
		}
	}
	return code, withHint(fmt.Errorf("%w: %s", node.ErrUnknownCode, short), "check the code; a ballot that was not acknowledged with a tracking code was not recorded")
}
