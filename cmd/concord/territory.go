package main

import (
	"context"
	"flag"
	"io"

	"concord/ledger"
)

// TerritoryCommand implements "concord territory": register a territory,
// its population and its first holder (SPEC §17.3).
type TerritoryCommand struct{ out io.Writer }

// Run signs and appends the territory.
func (c *TerritoryCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("territory", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fs)
	id := fs.String("id", "", "the territory's `ID` (1-32 of a-z, 0-9, '-')")
	name := fs.String("name", "", "the territory's `NAME`")
	population := fs.Uint64("population", 0, "census `COUNT` (0: unknown)")
	asOf := fs.String("as-of", "", "the `DATE` the census refers to")
	holder := fs.String("holder", "", "the party `ID` holding it from --effective")
	geometry := fs.String("geometry", "", "a GeoJSON geometry `FILE`")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("territory", "unexpected argument %q", pos[0])
	}
	if *id == "" || *name == "" {
		return usagef("territory", "--id and --name are required")
	}
	p, err := ef.prepare("territory")
	if err != nil {
		return err
	}
	t := &ledger.Territory{ID: *id, Name: *name, Holder: ledger.PartyID(*holder)}
	if *population > 0 {
		d, err := parseDateFlag("as-of", *asOf)
		if err != nil {
			return err
		}
		if d == nil {
			return usagef("territory", "--population needs --as-of DATE")
		}
		t.Population = &ledger.Population{Count: *population, AsOf: *d}
	}
	if *geometry != "" {
		if t.Geometry, err = readGeometry(*geometry); err != nil {
			return err
		}
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	return ef.submit(ctx, c.out, n, p, &ledger.Entry{Kind: ledger.KindTerritory, Territory: t})
}
