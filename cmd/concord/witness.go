package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"concord/tlog"
)

// WitnessCommand implements "concord witness init" and "concord witness
// cosign": a witness keeps the last checkpoint it cosigned for each log
// and cosigns a newer one only if it is consistent with it, so that a log
// showing two histories is caught (SPEC §5.9, §17.7).
type WitnessCommand struct{ out io.Writer }

// Run dispatches the witness subcommands.
func (c *WitnessCommand) Run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "init":
			return c.runInit(args[1:])
		case "cosign":
			return c.runCosign(ctx, args[1:])
		case "-h", "--help":
			fmt.Fprintln(c.out, "usage: concord witness init|cosign [flags]\n\nRun 'concord witness init -h' or 'concord witness cosign -h' for their flags.")
			return nil
		}
	}
	return usagef("witness", "expected 'concord witness init' or 'concord witness cosign'")
}

func (c *WitnessCommand) runInit(args []string) error {
	fs := flag.NewFlagSet("witness init", flag.ContinueOnError)
	name := fs.String("name", "", "the witness's `NAME` (its key name, such as witness.example/observer)")
	keyOut := fs.String("key-out", "", "write the witness's private key to `FILE` (mode 0600; must not exist)")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *name == "" || *keyOut == "" {
		return usagef("witness", "concord witness init needs --name NAME and --key-out FILE")
	}
	skey, vkey, err := tlog.GenerateWitnessKey(*name)
	if err != nil {
		return err
	}
	if err := writeKeyFile(*keyOut, []byte(skey+"\n")); err != nil {
		return withHint(err, "choose another --key-out; a witness key is never overwritten")
	}
	fmt.Fprintf(c.out, "witness key %s (secret)\nwitness public key %s\n", *keyOut, vkey)
	return nil
}

func (c *WitnessCommand) runCosign(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("witness cosign", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	state := fs.String("state", "", "the witness's state `FILE` (created on first use)")
	keyPath := fs.String("key", "", "the witness's private key `FILE` (from 'concord witness init')")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *state == "" || *keyPath == "" {
		return usagef("witness", "concord witness cosign needs --state FILE and --key FILE")
	}
	skey, err := readFirstLine(*keyPath)
	if err != nil {
		return withHint(err, "create a witness key with 'concord witness init --name NAME --key-out %s'", *keyPath)
	}
	vkey, err := witnessPublicKey(skey)
	if err != nil {
		return fmt.Errorf("witness key %s: %w", *keyPath, err)
	}
	wv, err := tlog.NewWitnessVerifier(vkey)
	if err != nil {
		return err
	}
	w, err := tlog.OpenWitness(skey, *state)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *ledgerPath)
	if err != nil {
		return err
	}
	defer n.Close()
	cpNote, err := n.Checkpoint(ctx)
	if err != nil {
		return err
	}
	cp, err := tlog.VerifyCheckpoint(cpNote, n.Origin(), n.Verifier())
	if err != nil {
		return err
	}
	var proof []tlog.Hash
	oldSize, _, seen := w.Latest(cp.Origin)
	if seen && oldSize <= cp.Size {
		if proof, err = n.ProveConsistency(ctx, oldSize, cp.Size); err != nil {
			return err
		}
	}
	line, err := w.Cosign(cpNote, proof, n.Verifier())
	if errors.Is(err, tlog.ErrFork) || errors.Is(err, tlog.ErrRollback) {
		return withHint(err, "do not cosign: keep %s and this checkpoint as evidence of the log's two histories", *state)
	}
	if err != nil {
		return err
	}
	if err := n.AddCosignature(ctx, cp.Size, line, wv); err != nil {
		return err
	}
	if seen {
		fmt.Fprintf(c.out, "cosigned %s size %d (consistent with size %d cosigned before)\n", cp.Origin, cp.Size, oldSize)
	} else {
		fmt.Fprintf(c.out, "cosigned %s size %d (first checkpoint of this log seen by %s)\n", cp.Origin, cp.Size, w.Name())
	}
	out, err := n.CheckpointAt(ctx, cp.Size)
	if err != nil {
		return err
	}
	_, err = c.out.Write(out)
	return err
}

// witnessPublicKey derives the verifier key "<name>+<hash>+<base64(0x04 ‖
// public key)>" from a witness signer key (SPEC §5.6).
func witnessPublicKey(skey string) (string, error) {
	parts := strings.SplitN(strings.TrimPrefix(skey, "PRIVATE+KEY+"), "+", 3)
	if !strings.HasPrefix(skey, "PRIVATE+KEY+") || len(parts) != 3 {
		return "", errors.New("not a witness signer key (PRIVATE+KEY+NAME+HASH+KEY)")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return "", errors.New("malformed key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{raw[0]}, pub...)), nil
}
