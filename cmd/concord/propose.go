package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"concord/calendar"
	"concord/ledger"
)

// ProposeCommand implements "concord propose": sign and append an
// instrument proposal (SPEC §17.3), built from flags or read whole from
// --body FILE.json.
type ProposeCommand struct{ out io.Writer }

// Run builds, signs and appends the proposal.
func (c *ProposeCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("propose", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	body := fs.String("body", "", "read the whole proposal body from `FILE.json` instead of the flags below")
	kind := fs.String("kind", "", "instrument `KIND`: armistice, peace-treaty, modus-vivendi, non-aggression, demarcation, union-constitution, plebiscite-agreement")
	title := fs.String("title", "", "the instrument's `TITLE`")
	parties := fs.String("parties", "", "comma-separated party `IDS`")
	text := fs.String("text", "", "the instrument's `TEXT`")
	duration := fs.String("duration", "", "term, an ISO 8601 `DURATION` such as P1M (default: indefinite)")
	renewal := fs.String("renewal", "", "tacit renewal period `DURATION` (default: none)")
	notice := fs.String("notice", "", "denunciation notice `DURATION` (default: immediate)")
	eif := fs.String("entry-into-force", "", "earliest `DATE` of entry into force (default: on the last signature)")
	territory := fs.String("territory", "", "the territory `ID` concerned")
	var clauses, sectors listFlag
	fs.Var(&clauses, "clause", "an obligation `id=ID,obligor=P,action=TEXT,deadline=P2M|DATE,attesters=P1+P2` (repeatable)")
	fs.Var(&sectors, "sector", "a demarcation sector `id=ID,name=NAME,status=agreed|disputed[,geometry=FILE]` (repeatable)")
	union := fs.String("union", "", "union-constitution: the union's party `ID`")
	members := fs.String("members", "", "union-constitution: comma-separated founding member `IDS`")
	accession := fs.String("accession", "", "union-constitution: accession `RULE` (unilateral, consent-of-all, consent-of-majority)")
	exit := fs.String("exit", "", "union-constitution: exit `RULE` (unilateral, consent-of-all, consent-of-majority)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("propose", "unexpected argument %q", pos[0])
	}
	p, err := ef.prepare("propose")
	if err != nil {
		return err
	}
	var prop *ledger.Proposal
	if *body != "" {
		if prop, err = readProposal(*body); err != nil {
			return err
		}
	} else {
		if *kind == "" || *title == "" || *parties == "" {
			return usagef("propose", "--kind, --title and --parties are required (or give --body FILE.json)")
		}
		prop = &ledger.Proposal{
			Instrument: ledger.InstrumentKind(*kind), Title: *title, Parties: parseParties(*parties),
			Text: *text, Territory: *territory,
		}
		for _, d := range []struct {
			name, val string
			dst       **calendar.Duration
		}{{"duration", *duration, &prop.Duration}, {"renewal", *renewal, &prop.Renewal}, {"notice", *notice, &prop.Notice}} {
			if *d.dst, err = parseDuration(d.name, d.val); err != nil {
				return err
			}
		}
		if prop.EntryIntoForce, err = parseDateFlag("entry-into-force", *eif); err != nil {
			return err
		}
		for _, s := range clauses {
			cl, err := parseClause(s)
			if err != nil {
				return err
			}
			prop.Clauses = append(prop.Clauses, cl)
		}
		for _, s := range sectors {
			sec, err := parseSector(s)
			if err != nil {
				return err
			}
			prop.Sectors = append(prop.Sectors, sec)
		}
		if *union != "" || *members != "" || *accession != "" || *exit != "" {
			prop.Constitution = &ledger.Constitution{
				Union: ledger.PartyID(*union), Members: parseParties(*members),
				Accession: ledger.Rule(*accession), Exit: ledger.Rule(*exit),
			}
		}
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	return ef.submit(ctx, c.out, n, p, &ledger.Entry{Kind: ledger.KindProposal, Proposal: prop})
}

// readProposal reads a proposal body from a JSON file, strictly: unknown
// fields and trailing data are errors.
func readProposal(path string) (*ledger.Proposal, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p ledger.Proposal
	if err := dec.Decode(&p); err != nil {
		return nil, withHint(fmt.Errorf("--body %s: %w", path, err), "the body is a JSON proposal object, see docs/SPEC.md")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("--body %s: trailing data after the JSON object", path)
	}
	return &p, nil
}

// splitFields splits "k1=v1,k2=v2" on commas that start a known key, so
// that values may contain commas.
func splitFields(flagName, s string, keys ...string) (map[string]string, error) {
	out := map[string]string{}
	var last string
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		known := ok && contains(keys, k)
		if !known {
			if last == "" {
				return nil, usage(fmt.Errorf("--%s %q: %q is not one of %s", flagName, s, part, strings.Join(keys, ", ")), "run 'concord help propose'")
			}
			out[last] += "," + part
			continue
		}
		if _, dup := out[k]; dup {
			return nil, usage(fmt.Errorf("--%s %q: %s given twice", flagName, s, k), "run 'concord help propose'")
		}
		out[k], last = v, k
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseClause(s string) (ledger.Clause, error) {
	f, err := splitFields("clause", s, "id", "obligor", "action", "deadline", "attesters")
	if err != nil {
		return ledger.Clause{}, err
	}
	cl := ledger.Clause{
		ID: f["id"], Obligor: ledger.PartyID(f["obligor"]), Action: f["action"],
		Attesters: parseParties(f["attesters"]),
	}
	switch dl := f["deadline"]; {
	case dl == "":
		return cl, usage(fmt.Errorf("--clause %q: missing deadline=", s), "write deadline=P2M (from entry into force) or deadline=1918-05-05")
	case strings.HasPrefix(dl, "P"):
		d, err := parseDuration("clause deadline", dl)
		if err != nil {
			return cl, err
		}
		cl.Deadline.Duration = d
	default:
		d, err := parseDateFlag("clause deadline", dl)
		if err != nil {
			return cl, err
		}
		cl.Deadline.Date = d
	}
	return cl, nil
}

func parseSector(s string) (ledger.Sector, error) {
	f, err := splitFields("sector", s, "id", "name", "status", "geometry")
	if err != nil {
		return ledger.Sector{}, err
	}
	sec := ledger.Sector{ID: f["id"], Name: f["name"], Status: ledger.SectorStatus(f["status"])}
	if g := f["geometry"]; g != "" {
		if sec.Geometry, err = readGeometry(g); err != nil {
			return sec, err
		}
	}
	return sec, nil
}

// readGeometry reads a GeoJSON geometry file and compacts it.
func readGeometry(path string) (json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("geometry %s: %w", path, err)
	}
	return buf.Bytes(), nil
}
