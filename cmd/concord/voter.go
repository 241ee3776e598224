package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"concord/plebiscite"
)

// VoterCommand implements "concord voter new": generate a voter's
// credential file (SPEC §20.2, §14.1).
type VoterCommand struct{ out io.Writer }

// Run creates the credential.
func (c *VoterCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "new" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return c.runNew(args)
		}
		return usagef("voter", "expected 'concord voter new --out FILE'")
	}
	return c.runNew(args[1:])
}

func (c *VoterCommand) runNew(args []string) error {
	fset := flag.NewFlagSet("voter new", flag.ContinueOnError)
	out := fset.String("out", "", "write the new credential to `FILE` (mode 0600; must not exist)")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("voter", "unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef("voter", "missing --out FILE")
	}
	if err := mustNotExist(*out, "credential file"); err != nil {
		return err
	}
	v := plebiscite.NewVoter()
	if err := writeKeyFile(*out, marshalCredential(v)); err != nil {
		return err
	}
	cred := v.Credential()
	fmt.Fprintf(c.out, "credential %x\nsecret %s (whoever holds it votes with this credential)\n", cred[:], *out)
	return nil
}

// RollCommand implements "concord roll add|build": the electoral roll file
// of SPEC §13.4, from credential files or public credentials in hex.
type RollCommand struct{ out io.Writer }

// Run dispatches the roll subcommands.
func (c *RollCommand) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "publish" {
		return c.publish(ctx, args[1:])
	}
	if len(args) == 0 || (args[0] != "add" && args[0] != "build") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return subcommandHelp(c.out, "roll", [][2]string{
				{"build", "write a roll file of credentials"},
				{"add", "add credentials to a roll file"},
				{"publish", "give a plebiscite's poll its roll file"},
			})
		}
		return usagef("roll", "expected 'concord roll add', 'concord roll build' or 'concord roll publish'")
	}
	return c.run(args[0], args[1:])
}

func (c *RollCommand) run(sub string, args []string) error {
	fset := flag.NewFlagSet("roll "+sub, flag.ContinueOnError)
	path := fset.String("roll", "roll.bin", "the roll `FILE` (add: extended, or created if missing; build: replaced)")
	authority := fset.String("authority", "", "print the manifest's roll member for the roll authority `PARTY`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("roll", "name the credentials: credential files or 64-hex-digit public credentials")
	}
	var keys []plebiscite.Credential
	if sub == "add" {
		b, err := os.ReadFile(*path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return err
		default:
			r, err := plebiscite.ParseRoll(b)
			if err != nil {
				return withHint(fmt.Errorf("roll %s: %w", *path, err), "rebuild it with 'concord roll build --roll %s ...'", *path)
			}
			keys = rollKeys(r)
		}
	}
	for _, a := range pos {
		k, err := credentialArg(a)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	r, err := plebiscite.NewRoll(keys)
	if err != nil {
		return withHint(err, "list each credential once")
	}
	if err := os.WriteFile(*path, r.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "roll %s: %d credentials, root %v\n", *path, r.Len(), r.Root())
	if *authority != "" {
		fmt.Fprintf(c.out, "\"roll\": {\"authority\": %q, \"count\": %d, \"root\": \"%v\"}\n", *authority, r.Len(), r.Root())
	}
	return nil
}

// publish sets the roll of a plebiscite's poll (SPEC §20.5): it must
// match the manifest's roll reference.
func (c *RollCommand) publish(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("roll publish", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fset)
	path := fset.String("roll", "roll.bin", "the roll `FILE`")
	id := fset.String("plebiscite", "", "the plebiscite `ID`")
	pos, err := parseFlags(fset, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("roll", "unexpected argument %q", pos[0])
	}
	b, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	n, p, err := openPoll(ctx, *ledgerPath, *id)
	if err != nil {
		return err
	}
	defer n.Close()
	defer p.Close()
	if err := p.SetRoll(ctx, b); err != nil {
		return withHint(fmt.Errorf("roll %s: %w", *path, err), "publish the roll file whose root the manifest names")
	}
	m := p.Manifest()
	fmt.Fprintf(c.out, "published roll %s for plebiscite %s: %d credentials, root %v\n", *path, m.ID, m.Roll.Count, m.Roll.Root)
	return nil
}

// rollKeys returns the credentials of a roll, in roll order.
func rollKeys(r *plebiscite.Roll) []plebiscite.Credential {
	b := r.Bytes()
	out := make([]plebiscite.Credential, r.Len())
	for i := range out {
		copy(out[i][:], b[i*plebiscite.CredentialSize:])
	}
	return out
}

// credentialArg reads a public credential: 64 hex digits, or a credential
// file whose public credential is taken.
func credentialArg(a string) (plebiscite.Credential, error) {
	var c plebiscite.Credential
	if len(a) == 2*len(c) && !fileExists(a) {
		b, err := hex.DecodeString(strings.ToLower(a))
		if err == nil {
			copy(c[:], b)
			return c, nil
		}
	}
	v, err := readCredential(a)
	if err != nil {
		return c, withHint(err, "give a credential file from 'concord voter new' or 64 hex digits")
	}
	return v.Credential(), nil
}
