package verify

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"concord/state"
)

// WriteText prints a summary of the verification: entries by kind, the
// tree root, the checkpoints checked, and the recomputed world in figures.
func (r *Report) WriteText(w io.Writer) error {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(r.Kinds)) {
		kinds = append(kinds, fmt.Sprintf("%d %s", r.Kinds[k], k))
	}
	fmt.Fprintf(w, "verified %d entries", r.Entries)
	if len(kinds) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(w, ": every signature and append rule holds\ntree root %x\n", r.Root[:])
	if len(r.Checkpoints) == 0 {
		fmt.Fprintln(w, "no checkpoint checked: nothing proves this is the history the log published")
	} else {
		largest := slices.MaxFunc(r.Checkpoints, func(a, b Checkpoint) int { return int(min(max(a.Size-b.Size, -1), 1)) })
		fmt.Fprintf(w, "%d checkpoints of %s verified and consistent with the entries (largest: size %d)\n", len(r.Checkpoints), largest.Origin, largest.Size)
		if largest.Size < r.Entries {
			fmt.Fprintf(w, "entries %d to %d are not yet covered by a checkpoint\n", largest.Size, r.Entries-1)
		}
	}
	if r.World != nil {
		fmt.Fprintf(w, "world as of %s recomputed: %s\n", r.Last, summary(r.World))
	}
	_, err := fmt.Fprintln(w, "ok")
	return err
}

func summary(w *state.World) string {
	status := map[state.Status]int{}
	for _, in := range w.Instruments {
		status[in.Status]++
	}
	obl := map[state.ObligationState]int{}
	for _, o := range w.Obligations {
		obl[o.State]++
	}
	return fmt.Sprintf("%d parties, %d instruments (%s), %d obligations (%s), %d territories, %d unions, %d acts",
		len(w.Parties), len(w.Instruments), counts(status), len(w.Obligations), counts(obl),
		len(w.Territories), len(w.Unions), len(w.Acts))
}

func counts[K ~string](m map[K]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
