package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"concord/node"
	"concord/server"
	"concord/tlog"
	"concord/web"
)

// ServeCommand implements "concord serve": the HTTP API, the tlog-tiles
// layout of the log, the web pages and, with --witness-key, a
// tlog-witness endpoint (SPEC §18.9).
type ServeCommand struct {
	out io.Writer
	log io.Writer // request logs; nil: os.Stderr

	// ready, if set, receives the listening address once the server
	// accepts connections (tests).
	ready func(addr string)
}

// Run serves until ctx is cancelled or SIGTERM arrives, then shuts down
// gracefully.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	ledgerPath := ledgerFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	public := fs.Bool("public", false, "allow listening on a non-loopback address")
	logKeyFile := fs.String("log-key", "", "the log's private key `FILE` of a postgres:// ledger that several servers share (default: $CONCORD_LOG_KEY; a SQLite ledger's key is beside it)")
	witnessKey := fs.String("witness-key", "", "serve POST /add-checkpoint (C2SP tlog-witness) as the witness whose private key is in `FILE`")
	witnessState := fs.String("witness-state", "", "the witness's state `FILE` (default: the --witness-key file + .state)")
	var cosigners, witnessLogs listFlag
	fs.Var(&cosigners, "witness-vkey", "accept cosignatures by the witness with this verifier `KEY` (or key file) at POST /api/v1/cosignatures (repeatable)")
	fs.Var(&witnessLogs, "witness-log", "with --witness-key, also cosign the log with this verifier `KEY` (or key file) (repeatable)")
	logJSON := fs.Bool("log-json", false, "write request logs as JSON")
	rate := fs.Float64("rate", 100, "requests per second allowed per client address (0: unlimited)")
	burst := fs.Int("burst", 200, "burst of requests allowed per client address")
	ballotRate := fs.Float64("ballot-rate", 1, "ballots per second allowed per credential (0: unlimited)")
	batch := fs.Int("batch", 256, "append at most `N` ballots of a plebiscite in one transaction (group commit)")
	batchWait := fs.Duration("batch-wait", 2*time.Millisecond, "let a ballot wait at most `D` for others to join its transaction")
	pos, err := parseFlags(fs, c.out, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve", "unexpected argument %q", pos[0])
	}
	if err := checkLoopback(*addr, *public); err != nil {
		return err
	}
	if *batch < 1 || *batchWait < 0 {
		return usagef("serve", "--batch must be at least 1 and --batch-wait not negative")
	}
	opts := server.Options{
		PerAddress:    server.Rate{PerSecond: orOff(*rate), Burst: *burst},
		PerCredential: server.Rate{PerSecond: orOff(*ballotRate), Burst: 5},
	}
	for _, k := range cosigners {
		v, err := readVerifier(k, tlog.NewWitnessVerifier)
		if err != nil {
			return usage(fmt.Errorf("--witness-vkey %s: %w", k, err), "give a witness verifier key or a file holding one ('concord witness init' prints it)")
		}
		opts.CosignerKeys = append(opts.CosignerKeys, v)
	}
	for _, k := range witnessLogs {
		v, err := readVerifier(k, tlog.NewLogVerifier)
		if err != nil {
			return usage(fmt.Errorf("--witness-log %s: %w", k, err), "give a log verifier key or a file holding one (LEDGER.logkey.pub)")
		}
		opts.WitnessLogs = append(opts.WitnessLogs, v)
	}
	if *witnessKey != "" {
		skey, err := readFirstLine(*witnessKey)
		if err != nil {
			return withHint(err, "create a witness key with 'concord witness init --name NAME --key-out %s'", *witnessKey)
		}
		state := *witnessState
		if state == "" {
			state = *witnessKey + ".state"
		}
		if opts.Witness, err = tlog.OpenWitness(skey, state); err != nil {
			return err
		}
	} else if len(witnessLogs) > 0 || *witnessState != "" {
		return usagef("serve", "--witness-log and --witness-state need --witness-key")
	}
	logOut := c.log
	if logOut == nil {
		logOut = os.Stderr
	}
	if *logJSON {
		opts.Logger = slog.New(slog.NewJSONHandler(logOut, nil))
	} else {
		opts.Logger = slog.New(slog.NewTextHandler(logOut, nil))
	}

	var n *node.Node
	if *logKeyFile != "" {
		n, err = node.OpenWith(ctx, *ledgerPath, node.Options{LogKey: *logKeyFile})
		if err != nil {
			return withHint(fmt.Errorf("opening ledger %s: %w", node.Redact(*ledgerPath), err), "give the log key file written by 'concord init --log-key'")
		}
	} else if n, err = openNode(ctx, *ledgerPath); err != nil {
		return err
	}
	defer n.Close()
	opts.LogKey = n.VerifierKey()
	// Every plebiscite of the ledger, its ballots group-committed
	// (SPEC §18.10). Deferred after n.Close: the polls close first.
	pollOpt := node.PollOptions{}
	if node.IsURL(*ledgerPath) {
		pollOpt.URL = *ledgerPath
	}
	wait := *batchWait
	if wait == 0 {
		wait = -1 // BatchOptions: zero is the default, negative no wait
	}
	polls := server.NewPolls(n, server.PollsOptions{Poll: pollOpt, Batch: server.BatchOptions{MaxBatch: *batch, MaxWait: wait}})
	defer polls.Close()
	opts.Plebiscites = polls
	handler := server.New(n, opts)
	handler.Handle("GET /", web.Handler()) // the explorer and the booth (SPEC §19)
	srv := server.HTTPServer(*addr, handler)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(c.out, "serving ledger %s (log %s, %d entries) on http://%s\n", *ledgerPath, n.Origin(), n.Size(), ln.Addr())
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(c.out, "server stopped")
	return nil
}

// orOff maps a zero rate (the flags' "unlimited") to a negative one
// (server.Rate's "disabled"); zero there means "default".
func orOff(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}

// checkLoopback refuses a listening address that is not loopback unless
// public is set (SPEC §18.4).
func checkLoopback(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("serve", "bad --addr %q: %v", addr, err)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usage(fmt.Errorf("--addr %s is not a loopback address", addr), "serve on 127.0.0.1 or [::1], or add --public to listen on "+strings.TrimSuffix(addr, ":")+" for everyone")
}

// readVerifier parses a verifier key given as text or as a file holding
// it on its first line.
func readVerifier(s string, parse func(string) (note.Verifier, error)) (note.Verifier, error) {
	if fileExists(s) {
		line, err := readFirstLine(s)
		if err != nil {
			return nil, err
		}
		s = line
	}
	return parse(s)
}
