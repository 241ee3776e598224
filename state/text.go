package state

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"concord/calendar"
	"concord/ledger"
)

// WriteText writes a human report of w: the output of `concord status` (SPEC
// §7.13). It is a pure function of w.
func (w *World) WriteText(out io.Writer) error {
	bw := bufio.NewWriter(out)
	bw.WriteString("Concord: the world as of " + w.At.String() + "\n")
	sections := []struct {
		title string
		head  []string
		rows  [][]string
	}{
		{"Parties", []string{"ID", "NAME", "ROLE", "SINCE"}, w.partyRows()},
		{"Instruments", []string{"ID", "KIND", "TITLE", "STATUS", "IN FORCE", "ENDS", "NOTES"}, w.instrumentRows()},
		{"Obligations", []string{"INSTRUMENT", "CLAUSE", "OBLIGOR", "ACTION", "DEADLINE", "STATE", "ATTESTATIONS"}, w.obligationRows()},
		{"Demarcation", []string{"INSTRUMENT", "SECTOR", "NAME", "STATUS"}, w.demarcationRows()},
		{"Territories", []string{"ID", "NAME", "POPULATION", "HOLDER", "SINCE", "BY", "RECOGNISED BY", "REFUSED BY"}, w.territoryRows()},
		{"Unions", []string{"UNION", "NAME", "ACCESSION", "EXIT", "MEMBERS", "FORMER"}, w.unionRows()},
		{"Acts", []string{"ID", "DATE", "AUTHOR", "ACT", "TERRITORY", "RECOGNISED BY", "REFUSED BY"}, w.actRows()},
	}
	if len(w.Plebiscites) > 0 {
		sections = append(sections, struct {
			title string
			head  []string
			rows  [][]string
		}{"Plebiscites", []string{"ID", "AGREEMENT", "TERRITORY", "STATUS", "OPENS", "CLOSES", "PRECONDITIONS", "RESULT"}, w.plebisciteRows()})
	}
	for _, s := range sections {
		bw.WriteString("\n" + s.title + "\n")
		if len(s.rows) == 0 {
			bw.WriteString("  (none)\n")
			continue
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		for _, row := range append([][]string{s.head}, s.rows...) {
			io.WriteString(tw, "  "+strings.Join(row, "\t")+"\n")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if n := len(w.Ignored); n > 0 {
		bw.WriteString("\n" + strconv.Itoa(n) + " entries skipped (see ignored in the JSON form)\n")
	}
	return bw.Flush()
}

func (w *World) partyRows() [][]string {
	var rows [][]string
	for _, p := range w.Parties {
		rows = append(rows, []string{string(p.ID), cell(p.Name), string(p.Role), p.Since.String()})
	}
	return rows
}

func (w *World) instrumentRows() [][]string {
	var rows [][]string
	for _, in := range w.Instruments {
		rows = append(rows, []string{short(in.Hash), string(in.Kind), cell(in.Title), string(in.Status),
			date(in.EntryIntoForce), date(in.End), instrumentNotes(&in)})
	}
	return rows
}

// instrumentNotes says who signed, who has yet to, and how the term runs.
func instrumentNotes(in *Instrument) string {
	var notes []string
	var signed []string
	for _, s := range in.Signatures {
		signed = append(signed, string(s.Party)+" "+s.Date.String())
	}
	if len(signed) > 0 {
		notes = append(notes, "signed by "+strings.Join(signed, ", "))
	}
	if in.Status == StatusDraft {
		if in.SupersededBy != nil {
			notes = append(notes, "draft manifest, superseded by "+short(*in.SupersededBy))
		} else {
			notes = append(notes, "draft manifest, awaiting key generation")
		}
	}
	if in.Status == StatusProposed {
		var awaiting []string
		for _, p := range in.Parties {
			if !signedBy(in, p) {
				awaiting = append(awaiting, string(p))
			}
		}
		notes = append(notes, "awaiting "+strings.Join(awaiting, ", "))
	}
	if r := in.Rejection; r != nil {
		notes = append(notes, "rejected by "+string(r.Party)+" "+r.Date.String())
	}
	if in.Duration != nil {
		notes = append(notes, "term "+in.Duration.String())
	}
	if in.Renewal != nil {
		notes = append(notes, "renews tacitly by "+in.Renewal.String()+" ("+times(in.Renewals)+")")
	}
	if d := in.Denunciation; d != nil {
		notes = append(notes, "denounced by "+string(d.Party)+" "+d.Date.String()+", effective "+d.Effect.String())
	}
	return cell(strings.Join(notes, "; "))
}

// times says how often an instrument has been renewed.
func times(n int) string {
	switch n {
	case 0:
		return "not yet renewed"
	case 1:
		return "renewed once"
	}
	return "renewed " + strconv.Itoa(n) + " times"
}

func signedBy(in *Instrument, p ledger.PartyID) bool {
	for _, s := range in.Signatures {
		if s.Party == p {
			return true
		}
	}
	return false
}

func (w *World) obligationRows() [][]string {
	var rows [][]string
	for _, o := range w.Obligations {
		state := string(o.State)
		if o.Late {
			state += " (late)"
		}
		var atts []string
		for _, a := range o.Attestations {
			atts = append(atts, string(a.Party)+" "+string(a.Outcome)+" "+a.Date.String())
		}
		rows = append(rows, []string{short(o.Instrument), o.Clause, string(o.Obligor), cell(o.Action),
			o.Deadline.String(), state, cell(strings.Join(atts, ", "))})
	}
	return rows
}

func (w *World) demarcationRows() [][]string {
	var rows [][]string
	for _, d := range w.Demarcations {
		for i, s := range d.Sectors {
			id := ""
			if i == 0 {
				id = short(d.Instrument)
			}
			rows = append(rows, []string{id, s.ID, cell(s.Name), string(s.Status)})
		}
	}
	return rows
}

func (w *World) territoryRows() [][]string {
	var rows [][]string
	for _, t := range w.Territories {
		pop := "-"
		if p := t.Population; p != nil {
			pop = thousands(p.Count) + " (" + p.AsOf.String() + ")"
		}
		holder, since, by := "-", "-", "-"
		if h := t.Holding; h != nil {
			holder, since, by = string(h.Holder), h.Since.String(), string(h.Basis)+" "+short(h.Entry)
		}
		yes, no := recognisers(t.Recognitions)
		rows = append(rows, []string{t.ID, cell(t.Name), pop, holder, since, by, yes, no})
	}
	return rows
}

func (w *World) unionRows() [][]string {
	var rows [][]string
	for _, u := range w.Unions {
		var members, former []string
		for _, m := range u.Members {
			members = append(members, string(m.Party))
		}
		for _, m := range u.Former {
			former = append(former, string(m.Party)+" (left "+date(m.Until)+")")
		}
		rows = append(rows, []string{string(u.Union), cell(u.Name), string(u.Accession), string(u.Exit),
			cell(strings.Join(members, ", ")), cell(strings.Join(former, ", "))})
	}
	return rows
}

func (w *World) actRows() [][]string {
	var rows [][]string
	for _, a := range w.Acts {
		yes, no := recognisers(a.Recognitions)
		rows = append(rows, []string{short(a.Hash), a.Date.String(), string(a.Author), string(a.Kind),
			cell(a.Territory), yes, no})
	}
	return rows
}

// recognisers lists who recognises and who refuses, or "-".
func recognisers(rs []Recognition) (yes, no string) {
	var y, n []string
	for _, r := range rs {
		if r.Recognise {
			y = append(y, string(r.Party))
		} else {
			n = append(n, string(r.Party))
		}
	}
	return cell(strings.Join(y, ", ")), cell(strings.Join(n, ", "))
}

// short is the first 8 hex digits of h.
func short(h ledger.Hash) string { return h.String()[:8] }

func date(d *calendar.Date) string {
	if d == nil {
		return "-"
	}
	return d.String()
}

// cell makes s safe for one table cell: no tabs or newlines, "-" if empty.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		// Invalid UTF-8 decodes to U+FFFD, so no 0xff byte (the tabwriter's
		// escape) survives.
		if r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			return ' '
		}
		return r
	}, s)
}

// thousands formats n with commas between groups of three digits.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
