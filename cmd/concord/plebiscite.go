package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
)

// PlebisciteCommand implements "concord plebiscite draft|propose|show"
// (SPEC §20.5): write a draft manifest, propose it, propose it completed
// from the key generation recorded in the ledger, and show a plebiscite.
type PlebisciteCommand struct{ out io.Writer }

// Run dispatches the plebiscite subcommands.
func (c *PlebisciteCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("plebiscite", "expected 'concord plebiscite draft', 'propose' or 'show'")
	}
	switch args[0] {
	case "-h", "--help":
		return subcommandHelp(c.out, "plebiscite", [][2]string{
			{"draft", "write a draft manifest from flags and a roll file"},
			{"propose", "propose a draft manifest, or the ledger's draft completed with its key generation"},
			{"show", "print a plebiscite's manifest and trustee policy"},
		})
	case "propose":
		return c.runPropose(ctx, args[1:])
	case "show":
		return c.runShow(ctx, args[1:])
	case "draft":
		return c.runDraft(ctx, args[1:])
	}
	return usagef("plebiscite", "unknown subcommand %q; want draft, propose or show", args[0])
}

func (c *PlebisciteCommand) runPropose(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("plebiscite propose", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fset)
	file := fset.String("manifest", "", "propose the manifest in `FILE.json` as it is (a draft, before the key generation)")
	id := fset.String("plebiscite", "", "propose the draft of plebiscite `ID` in the ledger, completed with the keys of its recorded key generation")
	manifestOut := fset.String("manifest-out", "", "also write the proposed manifest to `FILE.json`")
	title := fset.String("title", "", "the agreement's `TITLE` (default: Plebiscite ID)")
	text := fset.String("text", "", "the agreement's `TEXT`")
	parties := fset.String("parties", "", "further parties `IDS` who must sign (the proposer, trustees, roll authority and holders always do)")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("plebiscite", "unexpected argument %q", pos[0])
	}
	if (*file == "") == (*id == "") {
		return usagef("plebiscite", "give either --manifest FILE.json (a draft) or --plebiscite ID (complete the draft in the ledger)")
	}
	p, err := ef.prepare("plebiscite")
	if err != nil {
		return err
	}
	var m *plebiscite.Manifest
	if *file != "" {
		if m, err = readManifestFile(*file); err != nil {
			return err
		}
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	if *id != "" {
		if m, err = completeDraft(ctx, c.out, n, *id); err != nil {
			return err
		}
	}
	raw, err := m.Encode()
	if err != nil {
		return err
	}
	if *manifestOut != "" {
		if err := writeJSONFile(*manifestOut, m); err != nil {
			return err
		}
	}
	prop := agreementProposal(m, raw, p.key.ID, parseParties(*parties), *title, *text)
	if m.Complete() {
		fmt.Fprintf(c.out, "complete manifest %s, hash %v, election key %x\n", m.ID, plebiscite.HashManifestBytes(raw), m.Key)
	} else {
		dh := plebiscite.HashManifestBytes(raw)
		fmt.Fprintf(c.out, "draft manifest %s, draft hash %v: the trustees now run 'concord trustee new --plebiscite %s'\n", m.ID, dh, m.ID)
	}
	return ef.submit(ctx, c.out, n, p, &ledger.Entry{Kind: ledger.KindProposal, Proposal: prop})
}

// completeDraft completes the ledger's draft of plebiscite id with the
// election key and verification keys of its recorded key generation.
func completeDraft(ctx context.Context, out io.Writer, n *node.Node, id string) (*plebiscite.Manifest, error) {
	d, err := findDraft(ctx, n, id)
	if err != nil {
		return nil, err
	}
	recs, err := n.Records(ctx)
	if err != nil {
		return nil, err
	}
	b := readBoard(recs, d.manifest, d.hash)
	b.writeIgnored(out)
	m, err := b.complete()
	if err != nil {
		return nil, fmt.Errorf("completing plebiscite %s from the key generation of draft %v: %w", id, d.hash, err)
	}
	return m, nil
}

// agreementProposal builds the plebiscite-agreement proposal carrying a
// complete manifest (SPEC §13.8): its parties are the proposer, the extra
// parties, the trustees, the roll authority and the options' holders, each
// once, in that order.
func agreementProposal(m *plebiscite.Manifest, raw []byte, proposer ledger.PartyID, extra []ledger.PartyID, title, text string) *ledger.Proposal {
	parties := []ledger.PartyID{proposer}
	add := func(id ledger.PartyID) {
		if !slices.Contains(parties, id) {
			parties = append(parties, id)
		}
	}
	for _, id := range extra {
		add(id)
	}
	for _, t := range m.Trustees {
		add(t.ID)
	}
	add(m.Roll.Authority)
	for _, h := range m.Holders {
		if h != "" {
			add(h)
		}
	}
	if title == "" {
		title = "Plebiscite " + m.ID
	}
	return &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: title, Text: text, Parties: parties,
		Territory: m.Territory, Plebiscite: json.RawMessage(raw),
	}
}

func (c *PlebisciteCommand) runShow(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("plebiscite show", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("plebiscite", "unexpected argument %q", pos[0])
	}
	if *id == "" {
		return usagef("plebiscite", "missing --plebiscite ID")
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	ag, err := findAgreement(ctx, n, *id)
	if err != nil {
		return err
	}
	m := ag.manifest
	fmt.Fprintf(c.out, "plebiscite %s on territory %s, agreement entry %d (%v)\nmanifest hash %v\nquestion: %s\n", m.ID, m.Territory, ag.rec.Index, ag.rec.Hash, ag.hash, m.Question)
	for i, o := range m.Options {
		h := ""
		if i < len(m.Holders) && m.Holders[i] != "" {
			h = " (holder " + string(m.Holders[i]) + ")"
		}
		fmt.Fprintf(c.out, "option %d: %s%s\n", i, o, h)
	}
	fmt.Fprintf(c.out, "select %d to %d; outcome rule %s\nroll: %d credentials, root %v, compiled by %s\nopens %v, closes %v\n",
		m.Min, m.Max, m.Outcome, m.Roll.Count, m.Roll.Root, m.Roll.Authority, m.Opens, m.Closes)
	return writePolicy(c.out, m)
}

// agreement is a plebiscite-agreement proposal found in the ledger.
type agreement struct {
	rec      ledger.Record
	manifest *plebiscite.Manifest
	raw      []byte
	hash     plebiscite.Hash // manifest hash
}

// findAgreement returns the last plebiscite-agreement proposal with a
// complete manifest of the given id.
func findAgreement(ctx context.Context, n *node.Node, id string) (*agreement, error) {
	ag, err := findManifest(ctx, n, id, true)
	if err != nil {
		return nil, withHint(err, "complete the draft with 'concord plebiscite propose --plebiscite %s' once the trustees have finished the key generation", id)
	}
	return ag, nil
}

// findDraft returns the last plebiscite-agreement proposal with a draft
// manifest of the given id (SPEC §13.3).
func findDraft(ctx context.Context, n *node.Node, id string) (*agreement, error) {
	ag, err := findManifest(ctx, n, id, false)
	if err != nil {
		return nil, withHint(err, "propose the draft with 'concord plebiscite propose --manifest DRAFT.json'")
	}
	return ag, nil
}

func findManifest(ctx context.Context, n *node.Node, id string, complete bool) (*agreement, error) {
	recs, err := n.Records(ctx)
	if err != nil {
		return nil, err
	}
	ags := agreements(recs)
	for i := len(ags) - 1; i >= 0; i-- {
		if ags[i].manifest.ID == id && ags[i].manifest.Complete() == complete {
			return ags[i], nil
		}
	}
	what := "draft"
	if complete {
		what = "complete"
	}
	return nil, fmt.Errorf("no plebiscite agreement with a %s manifest of id %q in ledger %s", what, id, n.Path())
}

// agreements returns the plebiscite-agreement proposals of the ledger that
// carry a manifest, in log order.
func agreements(recs []ledger.Record) []*agreement {
	var out []*agreement
	for _, r := range recs {
		p := r.Signed.Entry.Proposal
		if r.Signed.Entry.Kind != ledger.KindProposal || p == nil || p.Instrument != ledger.PlebisciteAgreement || p.Plebiscite == nil {
			continue
		}
		m, err := plebiscite.ParseManifest(p.Plebiscite)
		if err != nil {
			continue // the append rules admit only valid manifests
		}
		out = append(out, &agreement{rec: r, manifest: m, raw: p.Plebiscite, hash: plebiscite.HashManifestBytes(p.Plebiscite)})
	}
	return out
}

// readManifestFile reads a manifest written by hand: JSON with no unknown
// member, in any layout; it must pass the manifest's checks (SPEC §13.2).
func readManifestFile(path string) (*plebiscite.Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	m := new(plebiscite.Manifest)
	if err := dec.Decode(m); err != nil {
		return nil, withHint(fmt.Errorf("manifest %s: %w", path, err), "the manifest is a JSON object, see docs/SPEC.md")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("manifest %s: trailing data after the JSON object", path)
	}
	if err := m.Check(); err != nil {
		return nil, withHint(fmt.Errorf("manifest %s: %w", path, err), "see docs/SPEC.md")
	}
	return m, nil
}

// writeJSONFile writes v as indented JSON.
func writeJSONFile(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func (c *PlebisciteCommand) runDraft(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("plebiscite draft", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("id", "", "the manifest `ID`")
	territory := fset.String("territory", "", "the territory `ID`")
	question := fset.String("question", "", "the `QUESTION`")
	var options, trustees, observers, preconds listFlag
	fset.Var(&options, "option", "an option `LABEL[=HOLDER]`, HOLDER the party that would hold the territory (repeatable, in order)")
	fset.Var(&trustees, "trustee", "a trustee `PARTY=CAMP` (repeatable, in index order)")
	fset.Var(&observers, "observer", "an observer `PARTY` (repeatable)")
	fset.Var(&preconds, "precondition", "a precondition `REF:CLAUSE:ATTESTER[+ATTESTER]`, REF the instrument's hash or @INDEX (repeatable)")
	threshold := fset.Int("threshold", 0, "how many trustees can decrypt (`K`)")
	minSel := fset.Int("min", 1, "fewest options a ballot selects")
	maxSel := fset.Int("max", 1, "most options a ballot selects")
	rollFile := fset.String("roll", "roll.bin", "the roll `FILE`")
	authority := fset.String("authority", "", "the roll authority `PARTY`")
	opens := fset.String("opens", "", "the `DATE` the poll opens")
	closes := fset.String("closes", "", "the `DATE` the poll closes")
	out := fset.String("out", "", "write the draft manifest to `FILE.json`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("plebiscite", "unexpected argument %q", pos[0])
	}
	if *out == "" || *opens == "" || *closes == "" || *authority == "" {
		return usagef("plebiscite", "--out, --opens, --closes and --authority are required")
	}
	o, err := parseDateFlag("opens", *opens)
	if err != nil {
		return err
	}
	cl, err := parseDateFlag("closes", *closes)
	if err != nil {
		return err
	}
	rb, err := os.ReadFile(*rollFile)
	if err != nil {
		return withHint(err, "build the roll with 'concord roll build --roll %s CREDENTIAL...'", *rollFile)
	}
	roll, err := plebiscite.ParseRoll(rb)
	if err != nil {
		return fmt.Errorf("roll %s: %w", *rollFile, err)
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: *id, Territory: *territory, Question: *question, Min: *minSel, Max: *maxSel,
		Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref(ledger.PartyID(*authority)), Opens: *o, Closes: *cl, Threshold: *threshold,
	}
	holders := false
	for _, opt := range options {
		label, holder, _ := strings.Cut(opt, "=")
		m.Options = append(m.Options, label)
		m.Holders = append(m.Holders, ledger.PartyID(holder))
		holders = holders || holder != ""
	}
	if !holders {
		m.Holders = nil
	}
	for _, t := range trustees {
		party, camp, ok := strings.Cut(t, "=")
		if !ok {
			return usage(fmt.Errorf("--trustee %q: want PARTY=CAMP", t), "for example --trustee trustee-a=neutral")
		}
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: ledger.PartyID(party), Camp: camp})
	}
	for _, ob := range observers {
		m.Observers = append(m.Observers, ledger.PartyID(ob))
	}
	if len(preconds) > 0 {
		n, err := openNode(ctx, *ledgerPath)
		if err != nil {
			return err
		}
		defer n.Close()
		for _, pc := range preconds {
			f := strings.Split(pc, ":")
			if len(f) != 3 {
				return usage(fmt.Errorf("--precondition %q: want REF:CLAUSE:ATTESTERS", pc), "for example --precondition @4:withdraw:observer")
			}
			h, err := resolveRef(n, "--precondition", f[0])
			if err != nil {
				return err
			}
			m.Preconditions = append(m.Preconditions, plebiscite.Precondition{Instrument: h, Clause: f[1], Attesters: parseParties(f[2])})
		}
	}
	if err := m.Check(); err != nil {
		return withHint(err, "see docs/SPEC.md")
	}
	if err := writeJSONFile(*out, m); err != nil {
		return err
	}
	dh, _ := m.Hash()
	fmt.Fprintf(c.out, "draft manifest %s written to %s (draft hash %v); propose it with 'concord plebiscite propose --manifest %s'\n", m.ID, *out, dh, *out)
	return nil
}

// subcommandHelp prints the subcommands of a command (for -h) and returns
// errHelped.
func subcommandHelp(w io.Writer, name string, subs [][2]string) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s[0]
	}
	fmt.Fprintf(w, "usage: concord %s %s [flags]\n\n", name, strings.Join(names, "|"))
	for _, s := range subs {
		fmt.Fprintf(w, "  %-9s %s\n", s[0], s[1])
	}
	fmt.Fprintf(w, "\nRun 'concord %s SUBCOMMAND -h' for its flags (SPEC §20).\n", name)
	return errHelped
}
