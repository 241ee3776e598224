package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"concord/ledger"
	"concord/node"
)

// PartyCommand implements "concord party new": generate a party's key
// file and append its self-signed registration (SPEC §17.3).
type PartyCommand struct{ out io.Writer }

// Run dispatches the party subcommands.
func (c *PartyCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "new" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return (&PartyCommand{out: c.out}).runNew(ctx, args)
		}
		return usagef("party", "expected 'concord party new'")
	}
	return c.runNew(ctx, args[1:])
}

func (c *PartyCommand) runNew(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("party new", flag.ContinueOnError)
	var ef entryFlags
	ef.register(fset)
	id := fset.String("id", "", "the party's `ID` (1-32 of a-z, 0-9, '-', starting with a letter)")
	name := fset.String("name", "", "the party's full `NAME`")
	role := fset.String("role", "", "`ROLE`: state, nation, union or observer")
	keyOut := fset.String("key-out", "", "write the new private key to `FILE` (mode 0600; must not exist)")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("party", "unexpected argument %q", pos[0])
	case *id == "" || *name == "" || *role == "" || *keyOut == "":
		return usagef("party", "--id, --name, --role and --key-out are required")
	case ef.key != "":
		return usagef("party", "--key is not used: the registration is signed with the new key")
	case ef.effective == "":
		return usagef("party", "missing --effective DATE (YYYY-MM-DD)")
	}
	d, err := parseDateFlag("effective", ef.effective)
	if err != nil {
		return err
	}
	if _, err := os.Stat(*keyOut); err == nil {
		return withHint(fmt.Errorf("key file %s already exists", *keyOut), "choose another --key-out; never reuse a party's key for another party")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	kf, err := ledger.GenerateKey(ledger.PartyID(*id))
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ef.ledger)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := writeKeyFile(*keyOut, kf.Marshal()); err != nil {
		return err
	}
	e := &ledger.Entry{Kind: ledger.KindParty, Party: &ledger.Party{
		ID: kf.ID, Name: *name, Role: ledger.Role(*role), Key: kf.PublicKey(),
	}}
	if err := ef.submit(ctx, c.out, n, &prepared{key: kf, effective: *d}, e); err != nil {
		os.Remove(*keyOut) // the party was not registered: its key is of no use
		return err
	}
	fmt.Fprintf(c.out, "key %s (secret: whoever holds it signs for %s)\n", *keyOut, kf.ID)
	return nil
}

// writeKeyFile creates a private key file with mode 0600; it never
// overwrites a file.
func writeKeyFile(path string, data []byte) error {
	return node.WriteNewFile(path, data, 0o600)
}
