package state

import (
	"strconv"
	"strings"
)

// plebisciteRows is the Plebiscites section of the text report (SPEC
// §7.13, §7.15).
func (w *World) plebisciteRows() [][]string {
	var rows [][]string
	for _, p := range w.Plebiscites {
		pre := "-"
		if n := len(p.Preconditions); n > 0 {
			k := 0
			for _, c := range p.Preconditions {
				if c.Attested {
					k++
				}
			}
			pre = strconv.Itoa(k) + " of " + strconv.Itoa(n) + " attested"
		}
		res := "-"
		if r := p.Result; r != nil {
			counts := make([]string, len(r.Counts))
			for i, c := range r.Counts {
				counts[i] = strconv.FormatUint(c, 10)
			}
			res = strings.Join(counts, "/") + " of " + strconv.FormatUint(r.Ballots, 10)
			switch {
			case r.Winner == nil:
				res += ", no decision"
			case r.Binding:
				res += ", " + p.Options[*r.Winner] + ": held by " + string(r.Holder)
			default:
				res += ", " + p.Options[*r.Winner]
			}
		}
		rows = append(rows, []string{p.ID, short(p.Agreement), p.Territory, string(p.Status),
			p.Opens.String(), p.Closes.String(), pre, cell(res)})
	}
	return rows
}
