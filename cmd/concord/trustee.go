package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/ristretto255"
	"concord/threshold"
)

// TrusteeCommand implements "concord trustee": a trustee's key file and its
// steps of the key generation and the tally (SPEC §20.4). Each step reads
// the trustee messages already in the ledger, runs the trustee's part of
// SPEC §12 and appends its public messages as trustee entries signed with
// the trustee's party key.
type TrusteeCommand struct{ out io.Writer }

const trusteeSteps = "new, keys, commit, receive, finish, decrypt or policy"

// Run dispatches the trustee subcommands.
func (c *TrusteeCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("trustee", "expected 'concord trustee STEP' with STEP one of %s", trusteeSteps)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "new":
		return c.runNew(ctx, rest)
	case "policy":
		return c.runPolicy(ctx, rest)
	case "keys", "commit", "receive", "finish", "decrypt":
		return c.runStep(ctx, sub, rest)
	case "-h", "--help":
		return subcommandHelp(c.out, "trustee", [][2]string{
			{"new", "create the trustee's key file for a plebiscite's draft"},
			{"keys", "post the trustee's encryption key"},
			{"commit", "deal: post the commitment and the encrypted shares"},
			{"receive", "open the shares received, post complaints against bad ones"},
			{"finish", "compute the trustee's share of the election key"},
			{"decrypt", "after the close, post a decryption share of the verified tally"},
			{"policy", "print which camps can decrypt and which can block the tally"},
		})
	default:
		return usagef("trustee", "unknown step %q; want one of %s", sub, trusteeSteps)
	}
}

func (c *TrusteeCommand) runNew(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("trustee new", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("id", "", "the trustee's party `ID`, as listed in the draft's trustees")
	pleb := fset.String("plebiscite", "", "the plebiscite `ID` whose draft manifest is proposed in the ledger")
	draft := fset.String("draft", "", "read the draft manifest from `FILE.json` instead of the ledger (SPEC §13.3)")
	out := fset.String("out", "", "write the trustee's key to `FILE` (mode 0600; must not exist)")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("trustee", "unexpected argument %q", pos[0])
	case *id == "" || *out == "":
		return usagef("trustee", "--id and --out are required")
	case (*pleb == "") == (*draft == ""):
		return usagef("trustee", "give either --plebiscite ID (its draft is in the ledger) or --draft FILE.json")
	}
	if err := mustNotExist(*out, "trustee key file"); err != nil {
		return err
	}
	var m *plebiscite.Manifest
	if *draft != "" {
		if m, err = readManifestFile(*draft); err != nil {
			return err
		}
	} else {
		n, err := openNode(ctx, *ledgerPath)
		if err != nil {
			return err
		}
		d, err := findDraft(ctx, n, *pleb)
		n.Close()
		if err != nil {
			return err
		}
		m = d.manifest
	}
	if m.Complete() {
		return withHint(fmt.Errorf("the manifest of %s is complete", m.ID), "the key generation runs on the draft: remove its election key and the trustees' keys")
	}
	tf, err := newTrustee(ledger.PartyID(*id), m)
	if err != nil {
		return err
	}
	b, err := tf.marshal()
	if err != nil {
		return err
	}
	if err := writeKeyFile(*out, b); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "trustee %s is trustee %d of %d (threshold %d) of plebiscite %s\ndraft %v\nkey %s (secret: its share of the election key lives only there)\n",
		tf.Party, tf.Trustee.Index(), len(m.Trustees), m.Threshold, m.ID, tf.draftHash, *out)
	return nil
}

// newTrustee creates the threshold trustee of party for a draft manifest.
func newTrustee(party ledger.PartyID, draft *plebiscite.Manifest) (*trusteeFile, error) {
	j := trusteeIndex(draft, party)
	if j == 0 {
		return nil, withHint(fmt.Errorf("%s is not a trustee of plebiscite %s", party, draft.ID), "list it in the draft's trustees, or give another --id")
	}
	raw, err := draft.Encode()
	if err != nil {
		return nil, err
	}
	dh := plebiscite.HashManifestBytes(raw)
	tr, err := threshold.NewTrustee(threshold.Params{N: len(draft.Trustees), K: draft.Threshold, Context: dh[:]}, j)
	if err != nil {
		return nil, err
	}
	return newTrusteeFile(party, raw, tr)
}

// trusteeFlags are the flags of the trustee steps.
type trusteeFlags struct {
	ledger     *string
	key        string
	trusteeKey string
	plebiscite string
	effective  string
	source     string
	disqualify bool
}

func (f *trusteeFlags) register(fs *flag.FlagSet) {
	f.ledger = ledgerFlag(fs)
	fs.StringVar(&f.key, "key", "", "the trustee's party key `FILE` (signs the entries)")
	fs.StringVar(&f.trusteeKey, "trustee-key", "", "the trustee's key `FILE` (from 'concord trustee new')")
	fs.StringVar(&f.plebiscite, "plebiscite", "", "the plebiscite `ID` (checked against the trustee key)")
	fs.StringVar(&f.effective, "effective", "", "the `DATE` (YYYY-MM-DD) of the trustee's messages")
	fs.StringVar(&f.source, "source", "", "citation of the `SOURCE` of this record")
	fs.BoolVar(&f.disqualify, "disqualify-missing", false, "finish: go on without the trustees that have not dealt (they are disqualified)")
}

func (c *TrusteeCommand) runStep(ctx context.Context, step string, args []string) error {
	fset := flag.NewFlagSet("trustee "+step, flag.ContinueOnError)
	var tf trusteeFlags
	tf.register(fset)
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("trustee", "unexpected argument %q", pos[0])
	}
	if tf.trusteeKey == "" {
		return usagef("trustee", "missing --trustee-key FILE")
	}
	ef := entryFlags{ledger: tf.ledger, key: tf.key, effective: tf.effective, source: tf.source}
	p, err := ef.prepare("trustee")
	if err != nil {
		return err
	}
	t, err := readTrusteeFile(tf.trusteeKey)
	if err != nil {
		return err
	}
	if tf.plebiscite != "" && tf.plebiscite != t.manifest.ID {
		return withHint(fmt.Errorf("trustee key %s is for plebiscite %s, not %s", tf.trusteeKey, t.manifest.ID, tf.plebiscite), "give this plebiscite's trustee key")
	}
	if p.key.ID != t.Party {
		return withHint(fmt.Errorf("party key %s is %s's; the trustee key is %s's", tf.key, p.key.ID, t.Party), "sign with the trustee's own party key")
	}
	n, err := openNode(ctx, *tf.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	s := &trusteeSession{out: c.out, n: n, t: t, ef: ef, p: p, disqualify: tf.disqualify}
	switch step {
	case "keys":
		err = s.keys(ctx)
	case "commit":
		err = s.commit(ctx)
	case "receive":
		err = s.receive(ctx)
		if err == nil {
			err = saveTrusteeFile(tf.trusteeKey, t)
		}
	case "finish":
		err = s.finish(ctx)
		if err == nil {
			err = saveTrusteeFile(tf.trusteeKey, t)
		}
	case "decrypt":
		err = s.decrypt(ctx)
	}
	return err
}

// trusteeSession is one trustee acting on one ledger.
type trusteeSession struct {
	out io.Writer
	n   *node.Node
	t   *trusteeFile
	ef  entryFlags
	p   *prepared

	disqualify bool // finish without the dealers that have not committed
}

// post appends one trustee message.
func (s *trusteeSession) post(ctx context.Context, step ledger.TrusteeStep, data []byte) error {
	e := &ledger.Entry{Kind: ledger.KindTrustee, Trustee: &ledger.Trustee{Plebiscite: s.t.draftHash, Step: step, Data: data}}
	return s.ef.submit(ctx, s.out, s.n, s.p, e)
}

func (s *trusteeSession) board(ctx context.Context) (*trusteeBoard, error) {
	recs, err := s.n.Records(ctx)
	if err != nil {
		return nil, err
	}
	return readBoard(recs, s.t.manifest, s.t.draftHash), nil
}

func (s *trusteeSession) keys(ctx context.Context) error {
	b, err := s.board(ctx)
	if err != nil {
		return err
	}
	if b.Keys[s.t.Trustee.Index()-1] != nil {
		return withHint(fmt.Errorf("trustee %s has already posted its encryption key", s.t.Party), "go on with 'concord trustee commit'")
	}
	return s.post(ctx, ledger.StepKeys, s.t.Trustee.PublicKey().Bytes())
}

func (s *trusteeSession) commit(ctx context.Context) error {
	b, err := s.board(ctx)
	if err != nil {
		return err
	}
	if err := b.allKeys(); err != nil {
		return err
	}
	if b.hasCommitment(s.t.Trustee.Index()) {
		return withHint(fmt.Errorf("trustee %s has already posted its commitment", s.t.Party), "go on with 'concord trustee receive' once every trustee has committed")
	}
	cm, shares, err := s.t.Trustee.Round1(b.Keys)
	if err != nil {
		return err
	}
	if err := s.post(ctx, ledger.StepCommitment, cm.Bytes()); err != nil {
		return err
	}
	for _, sh := range shares {
		if err := s.post(ctx, ledger.StepShare, sh.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func (s *trusteeSession) receive(ctx context.Context) error {
	b, err := s.board(ctx)
	if err != nil {
		return err
	}
	if err := b.allKeys(); err != nil {
		return err
	}
	if missing := b.missingDealers(); len(missing) > 0 {
		fmt.Fprintf(s.out, "no commitment yet from %s: they will be disqualified if they never deal\n", strings.Join(missing, ", "))
	}
	complaints, err := s.t.Trustee.Receive(&b.Board)
	if err != nil {
		return err
	}
	for _, cp := range complaints {
		fmt.Fprintf(s.out, "complaint against trustee %d (%s): its share does not match its commitment\n", cp.Accused, s.t.manifest.Trustees[cp.Accused-1].ID)
		if err := s.post(ctx, ledger.StepComplaint, cp.Bytes()); err != nil {
			return err
		}
	}
	if len(complaints) == 0 {
		fmt.Fprintf(s.out, "trustee %s received a good share from every dealer that committed; no complaint\n", s.t.Party)
	}
	return nil
}

func (s *trusteeSession) finish(ctx context.Context) error {
	b, err := s.board(ctx)
	if err != nil {
		return err
	}
	if missing := b.missingDealers(); len(missing) > 0 && !s.disqualify {
		return withHint(fmt.Errorf("no commitment yet from trustee %s", strings.Join(missing, ", ")),
			"wait until every trustee has run 'concord trustee commit', or finish without them with --disqualify-missing")
	}
	if err := s.t.Trustee.Finish(&b.Board); err != nil {
		return withHint(err, "wait until every trustee has received its shares and posted its complaints")
	}
	keys, err := b.publicKeys()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "trustee %s finished: qualified dealers %v\nverification key %x\nelection key %x\n",
		s.t.Party, keys.qualified, s.t.Trustee.VerificationKey().Bytes(), keys.Joint.Bytes())
	return nil
}

func (c *TrusteeCommand) runPolicy(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("trustee policy", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	id := fset.String("plebiscite", "", "the plebiscite `ID` whose agreement is in the ledger")
	file := fset.String("manifest", "", "read the manifest (draft or complete) from `FILE.json` instead")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("trustee", "unexpected argument %q", pos[0])
	}
	var m *plebiscite.Manifest
	switch {
	case *file != "":
		if m, err = readManifestFile(*file); err != nil {
			return err
		}
	case *id != "":
		n, err := openNode(ctx, *ledgerPath)
		if err != nil {
			return err
		}
		defer n.Close()
		ag, err := findManifest(ctx, n, *id, true)
		if err != nil {
			ag, err = findDraft(ctx, n, *id) // the policy is the draft's already
		}
		if err != nil {
			return err
		}
		m = ag.manifest
	default:
		return usagef("trustee", "give --plebiscite ID or --manifest FILE.json")
	}
	return writePolicy(c.out, m)
}

// writePolicy prints the manifest's trustees and which camps can decrypt
// or block the tally (SPEC §12.11).
func writePolicy(w io.Writer, m *plebiscite.Manifest) error {
	r, err := m.Coalitions()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plebiscite %s: trustees", m.ID)
	for i, t := range m.Trustees {
		fmt.Fprintf(w, " %d=%s(%s)", i+1, t.ID, t.Camp)
	}
	fmt.Fprintln(w)
	_, err = io.WriteString(w, r.String())
	return err
}

// trusteeBoard is the key generation board of one plebiscite as read from
// the ledger's trustee entries (SPEC §20.3), with the decryption shares.
type trusteeBoard struct {
	threshold.Board
	params   threshold.Params
	manifest *plebiscite.Manifest
	shares   []*threshold.DecryptionShare // at most one per trustee, ascending
	ignored  []string                     // messages not part of the record, and why
}

// readBoard collects the trustee messages of a draft hash from ledger
// records (SPEC §20.3): a message counts only if its author is the trustee
// it names (for keys: the author's index in the manifest); of several
// encryption keys or decryption shares of one trustee the first counts.
func readBoard(recs []ledger.Record, m *plebiscite.Manifest, draftHash ledger.Hash) *trusteeBoard {
	n := len(m.Trustees)
	b := &trusteeBoard{
		params:   threshold.Params{N: n, K: m.Threshold, Context: draftHash[:]},
		manifest: m,
	}
	b.Keys = make([]*ristretto255.Element, n)
	decrypted := make([]*threshold.DecryptionShare, n)
	for _, r := range recs {
		e := &r.Signed.Entry
		if e.Kind != ledger.KindTrustee || e.Trustee == nil || e.Trustee.Plebiscite != draftHash {
			continue
		}
		j := trusteeIndex(m, e.Author)
		ignore := func(why string, args ...any) {
			b.ignored = append(b.ignored, fmt.Sprintf("entry %d (%s by %s): %s", r.Index, e.Trustee.Step, e.Author, fmt.Sprintf(why, args...)))
		}
		if j == 0 {
			ignore("not a trustee")
			continue
		}
		data := e.Trustee.Data
		switch e.Trustee.Step {
		case ledger.StepKeys:
			k, err := ristretto255.NewElement().SetCanonicalBytes(data)
			switch {
			case err != nil:
				ignore("%v", err)
			case b.Keys[j-1] != nil:
				ignore("a second encryption key")
			default:
				b.Keys[j-1] = k
			}
		case ledger.StepCommitment:
			cm, err := threshold.ParseCommitment(data)
			if err == nil && cm.Dealer != j {
				err = fmt.Errorf("names dealer %d", cm.Dealer)
			}
			if err != nil {
				ignore("%v", err)
				continue
			}
			b.Commitments = append(b.Commitments, cm)
		case ledger.StepShare:
			sh, err := threshold.ParseEncryptedShare(data)
			if err == nil && sh.Dealer != j {
				err = fmt.Errorf("names dealer %d", sh.Dealer)
			}
			if err != nil {
				ignore("%v", err)
				continue
			}
			b.Shares = append(b.Shares, sh)
		case ledger.StepComplaint:
			cp, err := threshold.ParseComplaint(data)
			if err == nil && cp.Accuser != j {
				err = fmt.Errorf("names accuser %d", cp.Accuser)
			}
			if err != nil {
				ignore("%v", err)
				continue
			}
			b.Complaints = append(b.Complaints, cp)
		case ledger.StepDecryption:
			d, err := threshold.ParseDecryptionShare(data)
			switch {
			case err != nil:
				ignore("%v", err)
			case d.Trustee != j:
				ignore("names trustee %d", d.Trustee)
			case decrypted[j-1] != nil:
				ignore("a second decryption share")
			default:
				decrypted[j-1] = d
			}
		default:
			ignore("unknown step")
		}
	}
	for _, d := range decrypted {
		if d != nil {
			b.shares = append(b.shares, d)
		}
	}
	return b
}

// allKeys reports the trustees whose encryption key is missing.
func (b *trusteeBoard) allKeys() error {
	var missing []string
	for i, k := range b.Keys {
		if k == nil {
			missing = append(missing, string(b.manifest.Trustees[i].ID))
		}
	}
	if len(missing) > 0 {
		return withHint(fmt.Errorf("no encryption key yet from trustee %s", strings.Join(missing, ", ")), "each trustee first runs 'concord trustee keys'")
	}
	return nil
}

func (b *trusteeBoard) hasCommitment(j int) bool {
	for _, c := range b.Commitments {
		if c.Dealer == j {
			return true
		}
	}
	return false
}

func (b *trusteeBoard) missingDealers() []string {
	var out []string
	for i, t := range b.manifest.Trustees {
		if !b.hasCommitment(i + 1) {
			out = append(out, string(t.ID))
		}
	}
	return out
}

// electionKeys are the results of a key generation.
type electionKeys struct {
	*threshold.Keys
	qualified []int
}

// publicKeys computes the qualified dealers, the election key and the
// trustees' verification keys from the board (SPEC §12.7, §12.8).
func (b *trusteeBoard) publicKeys() (*electionKeys, error) {
	if err := b.allKeys(); err != nil {
		return nil, err
	}
	q, err := threshold.Qualified(b.params, &b.Board)
	if err != nil {
		return nil, withHint(err, "wait until the trustees have dealt (concord trustee commit)")
	}
	k, err := threshold.PublicKeys(b.params, b.Commitments, q)
	if err != nil {
		return nil, err
	}
	return &electionKeys{Keys: k, qualified: q}, nil
}

// complete fills a draft manifest with the election key and the trustees'
// verification keys computed from the board (SPEC §13.3).
func (b *trusteeBoard) complete() (*plebiscite.Manifest, error) {
	keys, err := b.publicKeys()
	if err != nil {
		return nil, err
	}
	m := b.manifest.Draft()
	m.Key = keys.Joint.Bytes()
	for i := range m.Trustees {
		m.Trustees[i].Key = keys.Verification[i].Bytes()
	}
	return m, nil
}

// writeIgnored lists the trustee messages the board left out.
func (b *trusteeBoard) writeIgnored(w io.Writer) {
	for _, s := range b.ignored {
		fmt.Fprintf(w, "ignored trustee message: %s\n", s)
	}
}
