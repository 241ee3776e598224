package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// runner is a subcommand.
type runner interface {
	Run(ctx context.Context, args []string) error
}

// command describes a subcommand for dispatch and help.
type command struct {
	name    string
	args    string // synopsis after the flags
	summary string
	hidden  bool
	new     func(out io.Writer) runner
}

var commands []*command

func init() {
	commands = []*command{
		{name: "init", summary: "create a new ledger", new: func(w io.Writer) runner { return &InitCommand{out: w} }},
		{name: "party", args: "new", summary: "create a party key and register the party", new: func(w io.Writer) runner { return &PartyCommand{out: w} }},
		{name: "territory", summary: "register a territory", new: func(w io.Writer) runner { return &TerritoryCommand{out: w} }},
		{name: "propose", summary: "propose an instrument (armistice, treaty, demarcation, ...)", new: func(w io.Writer) runner { return &ProposeCommand{out: w} }},
		{name: "sign", summary: "sign a proposal", new: func(w io.Writer) runner { return &DecideCommand{out: w, reject: false} }},
		{name: "reject", summary: "reject a proposal", new: func(w io.Writer) runner { return &DecideCommand{out: w, reject: true} }},
		{name: "denounce", summary: "denounce an instrument in force", new: func(w io.Writer) runner { return &DenounceCommand{out: w} }},
		{name: "attest", summary: "attest an obligation fulfilled, violated or waived", new: func(w io.Writer) runner { return &AttestCommand{out: w} }},
		{name: "act", summary: "record a unilateral act", new: func(w io.Writer) runner { return &ActCommand{out: w} }},
		{name: "recognise", summary: "recognise an act or an instrument", new: func(w io.Writer) runner { return &RecogniseCommand{out: w, recognise: true} }},
		{name: "refuse", summary: "refuse to recognise an act or an instrument", new: func(w io.Writer) runner { return &RecogniseCommand{out: w, recognise: false} }},
		{name: "accede", summary: "accede to a union", new: func(w io.Writer) runner { return &MembershipCommand{out: w, exit: false} }},
		{name: "exit", summary: "leave a union", new: func(w io.Writer) runner { return &MembershipCommand{out: w, exit: true} }},
		{name: "consent", summary: "consent to another party's accession or exit", new: func(w io.Writer) runner { return &ConsentCommand{out: w} }},
		{name: "append", args: "FILE", summary: "append a signed entry read from a file", new: func(w io.Writer) runner { return &AppendCommand{out: w} }},
		{name: "status", summary: "print the world as of a date", new: func(w io.Writer) runner { return &StatusCommand{out: w} }},
		{name: "log", summary: "list the ledger's entries, with inclusion proofs", new: func(w io.Writer) runner { return &LogCommand{out: w} }},
		{name: "checkpoint", summary: "sign and print a checkpoint of the log", new: func(w io.Writer) runner { return &CheckpointCommand{out: w} }},
		{name: "serve", summary: "serve the HTTP API and the log's tiles", new: func(w io.Writer) runner { return &ServeCommand{out: w} }},
		{name: "plebiscite", args: "draft|propose|show", summary: "draft, propose or show a plebiscite", new: func(w io.Writer) runner { return &PlebisciteCommand{out: w} }},
		{name: "trustee", args: "new|keys|commit|receive|finish|decrypt|policy", summary: "a plebiscite trustee's key and its steps", new: func(w io.Writer) runner { return &TrusteeCommand{out: w} }},
		{name: "voter", args: "new", summary: "create a voter's credential", new: func(w io.Writer) runner { return &VoterCommand{out: w} }},
		{name: "roll", args: "build|add|publish", summary: "build the electoral roll file and publish it", new: func(w io.Writer) runner { return &RollCommand{out: w} }},
		{name: "vote", summary: "cast, or audit, an encrypted ballot", new: func(w io.Writer) runner { return &VoteCommand{out: w} }},
		{name: "track", args: "CODE", summary: "look up a ballot's tracking code on the ballot log", new: func(w io.Writer) runner { return &TrackCommand{out: w} }},
		{name: "tally", summary: "sum the counted ballots of a plebiscite", new: func(w io.Writer) runner { return &TallyCommand{out: w} }},
		{name: "result", summary: "combine the trustees' decryption shares and record the result", new: func(w io.Writer) runner { return &ResultCommand{out: w} }},
		{name: "witness", args: "init|cosign", summary: "keep a witness's state and cosign checkpoints", new: func(w io.Writer) runner { return &WitnessCommand{out: w} }},
		{name: "verify", args: "[LEDGER]", summary: "verify a ledger offline, from its bytes", new: func(w io.Writer) runner { return &VerifyCommand{out: w} }},
		{name: "demo", summary: "replay the 1917-1926 scenario into concord-demo.db", new: func(w io.Writer) runner { return &DemoCommand{out: w} }},
		{name: "bench", args: "ledger|plebiscite|ingest", summary: "measure the ledger, ballot verification and ballot ingest beside the machine's limit", new: func(w io.Writer) runner { return &BenchCommand{out: w} }},
		{name: "version", summary: "print the version", new: func(w io.Writer) runner { return &VersionCommand{out: w} }},
		{name: "help", args: "[COMMAND]", summary: "print help", new: func(w io.Writer) runner { return &HelpCommand{out: w} }},
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// printUsage prints a command's synopsis and flags.
func printUsage(out io.Writer, fs *flag.FlagSet) {
	name, _, _ := strings.Cut(fs.Name(), " ")
	c := lookup(name)
	fmt.Fprintf(out, "usage: concord %s [flags]", fs.Name())
	if c != nil && c.args != "" && !strings.Contains(fs.Name(), " ") {
		fmt.Fprintf(out, " %s", c.args)
	}
	fmt.Fprintln(out)
	if c != nil {
		fmt.Fprintf(out, "\n%s.\n", strings.ToUpper(c.summary[:1])+c.summary[1:])
	}
	fmt.Fprintln(out, "\nFlags:")
	fs.SetOutput(out)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func writeHelp(w io.Writer) {
	fmt.Fprintln(w, "Concord keeps a verifiable record of accords between parties that do not trust one another.")
	fmt.Fprintln(w, "\nusage: concord <command> [flags] [arguments]\n\nCommands:")
	for _, c := range commands {
		if !c.hidden {
			fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun 'concord help <command>' for a command's flags. Try 'concord demo'.")
}

// HelpCommand implements "concord help [COMMAND]".
type HelpCommand struct{ out io.Writer }

// Run prints the list of commands, or one command's usage.
func (h *HelpCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		writeHelp(h.out)
		return nil
	}
	c := lookup(args[0])
	if c == nil || c.name == "help" {
		return usage(fmt.Errorf("unknown command %q", args[0]), "run 'concord help' for the list of commands")
	}
	return c.new(h.out).Run(ctx, append(args[1:], "-h"))
}
