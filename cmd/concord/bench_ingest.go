package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"concord/calendar"
	"concord/internal/progress"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/server"
	"concord/threshold"
)

// benchIngest implements "concord bench ingest": it sets up a ledger with
// an open one-of-three plebiscite of N voters, encrypts one ballot per
// voter on every core, then serves the ledger in process on 127.0.0.1 and
// casts every ballot over HTTP from concurrent clients (each ballot
// verified and durable before its 201, SPEC §18.10), and reports the
// sustained rate beside the machine's limit measured in the same run: the
// rate of batched ballot verification alone on every core.
func benchIngest(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	voters := fs.Int("voters", 10_000, "cast one ballot for each of `N` voters")
	clients := fs.Int("clients", 50, "concurrent HTTP `CLIENTS`")
	ledgerArg := fs.String("ledger", "", "an empty PostgreSQL database `URL` to hold the ledger (default: a SQLite file in a temporary directory)")
	batch := fs.Int("batch", 256, "at most `N` ballots per transaction")
	wait := fs.Duration("batch-wait", 2*time.Millisecond, "let a ballot wait at most `D` for others to join its transaction")
	dir := fs.String("dir", "", "`DIR` for the temporary files (default: the system's temporary directory)")
	if _, err := parseFlags(fs, out, args); err != nil {
		return err
	}
	if *voters < 1 || *voters > plebiscite.MaxRoll || *clients < 1 || *batch < 1 {
		return usagef("bench", "--voters must be 1 to %d, --clients and --batch at least 1", plebiscite.MaxRoll)
	}
	if *ledgerArg != "" && !node.IsURL(*ledgerArg) {
		return usagef("bench", "--ledger must be a postgres:// URL of an empty database")
	}
	workers := runtime.GOMAXPROCS(0)
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s, load average %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAvg())
	tmp, err := os.MkdirTemp(*dir, "concord-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// The ledger and the plebiscite.
	w0 := time.Now()
	n, pollOpt, storage, err := benchLedger(ctx, *ledgerArg, tmp)
	if err != nil {
		return err
	}
	defer n.Close()
	pl, err := newIngestPlebiscite(ctx, n, pollOpt, *voters)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ledger on %s: %d entries (parties, key generation of %d trustees, agreement), roll of %d voters, set up in %.1fs\n",
		storage, n.Size(), len(pl.trustees), *voters, time.Since(w0).Seconds())

	// The ballots, before the clock starts.
	w0 = time.Now()
	leaves, err := pl.ballots(*voters)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "encrypt %d one-of-three ballots on %d cores: %.1fs wall\n", *voters, workers, time.Since(w0).Seconds())

	// The limit: batched verification alone on every core.
	w0 = time.Now()
	if err := verifyLeavesBatched(pl.elec, leaves, workers); err != nil {
		return err
	}
	limit := float64(len(leaves)) / time.Since(w0).Seconds()
	fmt.Fprintf(out, "limit: batched verification alone (parse, proofs, signature; chunks of 64 on %d cores): %.0f ballots/s\n", workers, limit)

	// The server, and the clients.
	wt := *wait
	if wt == 0 {
		wt = -1
	}
	url, polls, stop, err := serveBallots(n, pollOpt, server.BatchOptions{MaxBatch: *batch, MaxWait: wt}, pl.m.ID)
	if err != nil {
		return err
	}
	defer stop()
	rate, pushbacks, err := castOverHTTP(ctx, url, sliceIterator(leaves), len(leaves), *clients)
	if err != nil {
		return err
	}
	st := polls.Stats(pl.m.ID)
	fmt.Fprintf(out, "ingest over HTTP (%d clients, each ballot verified and durable before its 201): %.0f ballots/s sustained  (limit %.0f/s, ratio %.2f)\n",
		*clients, rate, limit, limit/rate)
	fmt.Fprintf(out, "  %d transactions, mean %.1f ballots, largest %d, mean %.1f ms each (verify, append, commit, checkpoint); %d answers 503 retried\n",
		st.Commits, float64(st.Ballots)/float64(max(st.Commits, 1)), st.Largest, st.Busy.Seconds()*1e3/float64(max(st.Commits, 1)), pushbacks)
	poll, err := n.PollWith(ctx, pl.m.ID, pollOpt)
	if err != nil {
		return err
	}
	defer poll.Close()
	if size, err := poll.Size(ctx); err != nil || size != int64(len(leaves)) {
		return fmt.Errorf("ballot log has %d leaves after the run (%v); want %d", size, err, len(leaves))
	}
	fmt.Fprintf(out, "ballot log: %d leaves, every ballot acknowledged once\npeak memory (VmHWM): %s\n", len(leaves), peakRSS())
	return nil
}

// benchLedger creates the bench's ledger: a SQLite file in tmp, or the
// empty PostgreSQL database url with a log key file in tmp.
func benchLedger(ctx context.Context, url, tmp string) (*node.Node, node.PollOptions, string, error) {
	const origin = "concord.example/bench-ingest"
	if url == "" {
		n, err := node.Create(ctx, filepath.Join(tmp, "ledger.db"), origin)
		return n, node.PollOptions{}, "SQLite", err
	}
	key := filepath.Join(tmp, "log.key")
	n, err := node.CreateWith(ctx, url, origin, node.Options{LogKey: key})
	return n, node.PollOptions{URL: url, LogKey: key}, "PostgreSQL", err
}

// verifyLeavesBatched parses and verifies ballots in chunks of 64, each
// chunk one batched check (Election.VerifyBallots), on workers cores.
func verifyLeavesBatched(e *plebiscite.Election, leaves [][]byte, workers int) error {
	const chunk = 64
	var next atomic.Int64
	var bad atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for lo := int(next.Add(chunk) - chunk); lo < len(leaves); lo = int(next.Add(chunk) - chunk) {
				var bs []*plebiscite.Ballot
				for _, l := range leaves[lo:min(lo+chunk, len(leaves))] {
					b, err := plebiscite.ParseBallot(l)
					if err != nil {
						bad.Store(err)
						return
					}
					bs = append(bs, b)
				}
				for _, err := range e.VerifyBallots(bs) {
					if err != nil {
						bad.Store(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err, _ := bad.Load().(error); err != nil {
		return err
	}
	return nil
}

// castOverHTTP posts the n leaves that it yields from clients concurrent
// clients, reading them as they go, retrying on 503 and 429, and returns
// the rate of acknowledgements.
func castOverHTTP(ctx context.Context, url string, it plebiscite.LeafIterator, n, clients int) (rate float64, pushbacks int64, err error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}, Timeout: 5 * time.Minute}
	defer hc.CloseIdleConnections()
	bar := progress.New("cast", int64(n))
	type ballot struct {
		i    int
		leaf []byte
	}
	ballots := make(chan ballot, 4*clients)
	var retried atomic.Int64
	errc := make(chan error, clients)
	stop := make(chan struct{})
	var once sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for b := range ballots {
				if err := postBallot(hc, url, b.leaf, &retried); err != nil {
					errc <- fmt.Errorf("ballot %d: %w", b.i, err)
					once.Do(func() { close(stop) })
					return
				}
				bar.Add(1)
			}
		})
	}
	sent := 0
	rerr := it(func(l []byte) bool {
		select {
		case ballots <- ballot{sent, l}:
			sent++
			return ctx.Err() == nil
		case <-stop:
			return false
		}
	})
	close(ballots)
	wg.Wait()
	bar.Done()
	elapsed := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return 0, 0, err
	}
	if rerr != nil {
		return 0, 0, rerr
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if sent != n {
		return 0, 0, fmt.Errorf("%d ballots to cast; want %d", sent, n)
	}
	return float64(n) / elapsed.Seconds(), retried.Load(), nil
}

// sliceIterator yields leaves in order.
func sliceIterator(leaves [][]byte) plebiscite.LeafIterator {
	return func(yield func([]byte) bool) error {
		for _, l := range leaves {
			if !yield(l) {
				break
			}
		}
		return nil
	}
}

// serveBallots serves n's ledger and the poll service on a loopback port
// without rate limits, and returns the URL that takes plebiscite id's
// ballots, the poll service, and the function that stops both (it may be
// called more than once).
func serveBallots(n *node.Node, pollOpt node.PollOptions, batch server.BatchOptions, id string) (url string, polls *server.Polls, stop func(), err error) {
	polls = server.NewPolls(n, server.PollsOptions{Poll: pollOpt, Batch: batch})
	srv := server.HTTPServer("127.0.0.1:0", server.New(n, server.Options{Plebiscites: polls,
		PerAddress: server.Rate{PerSecond: -1}, PerCredential: server.Rate{PerSecond: -1}}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		polls.Close()
		return "", nil, nil, err
	}
	go srv.Serve(ln)
	var once sync.Once
	stop = func() { once.Do(func() { srv.Close(); polls.Close() }) }
	return "http://" + ln.Addr().String() + "/api/v1/plebiscites/" + id + "/ballots", polls, stop, nil
}

// postBallot posts one leaf until it is acknowledged with 201.
func postBallot(hc *http.Client, url string, leaf []byte, retried *atomic.Int64) error {
	for attempt := 0; ; attempt++ {
		resp, err := hc.Post(url, "application/octet-stream", bytes.NewReader(leaf))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == http.StatusCreated:
			var rc server.Receipt
			return json.Unmarshal(body, &rc)
		case (resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests) && attempt < 1000:
			retried.Add(1)
			time.Sleep(5 * time.Millisecond)
		default:
			return fmt.Errorf("POST = %s: %s", resp.Status, body)
		}
	}
}

// ingestPlebiscite is an open one-of-three plebiscite in a ledger, set up
// through the append path as the parties would: five parties and three
// trustees (two camps and a neutral, threshold two), a territory, the
// draft manifest, the key generation as trustee entries, the complete
// manifest agreed by every party, the roll, and an entry on the opening
// day. Voter i's key derives from a random run key, so only the
// credentials are held in memory.
type ingestPlebiscite struct {
	n         *node.Node
	pollOpt   node.PollOptions
	runKey    [32]byte
	keys      map[ledger.PartyID]*ledger.KeyFile
	m         *plebiscite.Manifest
	elec      *plebiscite.Election
	draft     ledger.Hash
	agreement ledger.Hash
	trustees  []*threshold.Trustee
}

var ingestTrustees = []struct {
	id   ledger.PartyID
	camp string
}{{"trustee-east", "east"}, {"trustee-west", "west"}, {"trustee-north", "neutral"}}

func ingestDate(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err) // constant dates
	}
	return d
}

func (p *ingestPlebiscite) voter(i int) *plebiscite.Voter {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64(p.runKey[:], uint64(i)))
	v, err := plebiscite.VoterFromSeed(seed[:])
	if err != nil {
		panic(err) // unreachable: the seed is 32 bytes
	}
	return v
}

func (p *ingestPlebiscite) add(ctx context.Context, author ledger.PartyID, eff string, e *ledger.Entry) (ledger.Record, error) {
	leaf, err := p.leaf(author, eff, e)
	if err != nil {
		return ledger.Record{}, err
	}
	r, err := p.n.Append(ctx, leaf)
	if err != nil {
		return r, fmt.Errorf("%s by %s: %w", e.Kind, author, err)
	}
	return r, nil
}

func (p *ingestPlebiscite) leaf(author ledger.PartyID, eff string, e *ledger.Entry) ([]byte, error) {
	e.V, e.Author, e.Effective = ledger.Version, author, ingestDate(eff)
	s, err := ledger.Sign(e, p.keys[author].PrivateKey())
	if err != nil {
		return nil, err
	}
	return ledger.Encode(s)
}

func (p *ingestPlebiscite) trusteeEntry(ctx context.Context, j int, eff string, step ledger.TrusteeStep, data []byte) error {
	_, err := p.add(ctx, ingestTrustees[j].id, eff, &ledger.Entry{Kind: ledger.KindTrustee,
		Trustee: &ledger.Trustee{Plebiscite: p.draft, Step: step, Data: data}})
	return err
}

// newIngestPlebiscite sets the plebiscite up on the empty ledger n and
// opens its poll (SPEC §17b.4).
func newIngestPlebiscite(ctx context.Context, n *node.Node, pollOpt node.PollOptions, voters int) (*ingestPlebiscite, error) {
	p := &ingestPlebiscite{n: n, pollOpt: pollOpt, keys: map[ledger.PartyID]*ledger.KeyFile{}}
	rand.Read(p.runKey[:])
	type party struct {
		id   ledger.PartyID
		role ledger.Role
	}
	parties := []party{{"east", ledger.RoleState}, {"west", ledger.RoleState}, {"commission", ledger.RoleObserver}}
	for _, t := range ingestTrustees {
		parties = append(parties, party{t.id, ledger.RoleObserver})
	}
	for _, pt := range parties {
		seed := sha256.Sum256(append(p.runKey[:], pt.id...))
		k, err := ledger.NewKeyFromSeed(pt.id, seed[:])
		if err != nil {
			return nil, err
		}
		p.keys[pt.id] = k
		if _, err := p.add(ctx, pt.id, "1926-01-01", &ledger.Entry{Kind: ledger.KindParty,
			Party: &ledger.Party{ID: pt.id, Name: string(pt.id), Role: pt.role, Key: k.PublicKey()}}); err != nil {
			return nil, err
		}
	}
	if _, err := p.add(ctx, "west", "1926-01-01", &ledger.Entry{Kind: ledger.KindTerritory,
		Territory: &ledger.Territory{ID: "march", Name: "The March", Holder: "west"}}); err != nil {
		return nil, err
	}

	creds := make([]plebiscite.Credential, voters)
	parallel(voters, func(i int) { creds[i] = p.voter(i).Credential() })
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		return nil, err
	}
	m := &plebiscite.Manifest{
		V: plebiscite.ManifestVersion, ID: "march-1926", Territory: "march",
		Question: "Which state shall the March belong to?",
		Options:  []string{"East", "West", "Independence"},
		Holders:  []ledger.PartyID{"east", "west", ""},
		Min:      1, Max: 1, Outcome: plebiscite.AbsoluteMajority, Roll: roll.Ref("commission"),
		Opens: ingestDate("1926-10-01"), Closes: ingestDate("1926-10-03"), Threshold: 2,
		Observers: []ledger.PartyID{"commission"},
	}
	signers := []ledger.PartyID{"east", "west", "commission"}
	for _, t := range ingestTrustees {
		m.Trustees = append(m.Trustees, plebiscite.Trustee{ID: t.id, Camp: t.camp})
		signers = append(signers, t.id)
	}
	draftBytes, err := m.Encode()
	if err != nil {
		return nil, err
	}
	if _, err := p.add(ctx, "east", "1926-08-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in the March (draft for key generation)",
		Parties: signers, Territory: "march", Plebiscite: draftBytes}}); err != nil {
		return nil, err
	}

	// The key generation (SPEC §12, §4.15), every message in the ledger.
	p.draft = plebiscite.HashManifestBytes(draftBytes)
	params := threshold.Params{N: len(ingestTrustees), K: m.Threshold, Context: p.draft[:]}
	board := &threshold.Board{}
	p.trustees = make([]*threshold.Trustee, params.N)
	for j := range p.trustees {
		if p.trustees[j], err = threshold.NewTrustee(params, j+1); err != nil {
			return nil, err
		}
		board.Keys = append(board.Keys, p.trustees[j].PublicKey())
		if err := p.trusteeEntry(ctx, j, "1926-08-02", ledger.StepKeys, p.trustees[j].PublicKey().Bytes()); err != nil {
			return nil, err
		}
	}
	for j, tr := range p.trustees {
		c, shares, err := tr.Round1(board.Keys)
		if err != nil {
			return nil, err
		}
		board.Commitments = append(board.Commitments, c)
		board.Shares = append(board.Shares, shares...)
		if err := p.trusteeEntry(ctx, j, "1926-08-03", ledger.StepCommitment, c.Bytes()); err != nil {
			return nil, err
		}
		for _, s := range shares {
			if err := p.trusteeEntry(ctx, j, "1926-08-03", ledger.StepShare, s.Bytes()); err != nil {
				return nil, err
			}
		}
	}
	for _, tr := range p.trustees {
		if cs, err := tr.Receive(board); err != nil || len(cs) != 0 {
			return nil, fmt.Errorf("key generation: %d complaints, %v", len(cs), err)
		}
		if err := tr.Finish(board); err != nil {
			return nil, err
		}
	}
	q, err := threshold.Qualified(params, board)
	if err != nil {
		return nil, err
	}
	pk, err := threshold.PublicKeys(params, board.Commitments, q)
	if err != nil {
		return nil, err
	}
	m.Key = pk.Joint.Bytes()
	for j := range m.Trustees {
		m.Trustees[j].Key = pk.Verification[j].Bytes()
	}
	p.m = m
	full, err := m.Encode()
	if err != nil {
		return nil, err
	}
	ag, err := p.add(ctx, "east", "1926-09-01", &ledger.Entry{Kind: ledger.KindProposal, Proposal: &ledger.Proposal{
		Instrument: ledger.PlebisciteAgreement, Title: "Plebiscite in the March",
		Parties: signers, Territory: "march", Plebiscite: full}})
	if err != nil {
		return nil, err
	}
	p.agreement = ag.Hash
	for _, s := range signers {
		if _, err := p.add(ctx, s, "1926-09-02", &ledger.Entry{Kind: ledger.KindSignature, Refs: []ledger.Hash{ag.Hash},
			Signature: &ledger.Decision{Proposal: ag.Hash}}); err != nil {
			return nil, err
		}
	}
	// The ledger's clock reaches the opening day: the poll opens.
	if _, err := p.add(ctx, "commission", "1926-10-01", &ledger.Entry{Kind: ledger.KindAct,
		Act: &ledger.Act{Act: ledger.Proclamation, Text: "The poll is open."}}); err != nil {
		return nil, err
	}
	poll, err := n.PollWith(ctx, m.ID, pollOpt)
	if err != nil {
		return nil, err
	}
	defer poll.Close()
	if err := poll.SetRoll(ctx, roll.Bytes()); err != nil {
		return nil, err
	}
	if p.elec, err = poll.Election(); err != nil {
		return nil, err
	}
	return p, nil
}

// forgetRoll replaces the election by one without the roll, for the steps
// that only decrypt: the polls read the roll from the ledger's storage.
func (p *ingestPlebiscite) forgetRoll() {
	e := *p.elec
	e.Roll = nil
	p.elec = &e
}

// roll returns the roll file as a poll reads it from the ledger's storage.
func (p *ingestPlebiscite) roll(ctx context.Context) ([]byte, error) {
	poll, err := p.n.PollWith(ctx, p.m.ID, p.pollOpt)
	if err != nil {
		return nil, err
	}
	defer poll.Close()
	e, err := poll.Election()
	if err != nil {
		return nil, err
	}
	return e.Roll.Bytes(), nil
}

// ingestChoice is voter i's choice in the bench and the crash test.
func ingestChoice(i int) int { return (i*7 + i/5) % 3 }

// ballots encrypts voter i's ballot for ingestChoice(i), for i < count,
// on every core.
func (p *ingestPlebiscite) ballots(count int) ([][]byte, error) {
	leaves := make([][]byte, count)
	errs := make([]error, count)
	bar := progress.New("encrypt", int64(count))
	parallel(count, func(i int) {
		b, _, err := p.voter(i).Cast(p.elec, []int{ingestChoice(i)})
		if err != nil {
			errs[i] = err
			return
		}
		leaves[i] = b.Bytes()
		bar.Add(1)
	})
	bar.Done()
	return leaves, errors.Join(errs...)
}

// finish closes the poll (close) and verifies the record (verify).
func (p *ingestPlebiscite) finish(ctx context.Context) (*plebiscite.Report, error) {
	if _, _, err := p.close(ctx); err != nil {
		return nil, err
	}
	return p.verify(ctx)
}

// close tallies the ballot log (the trustees' check and homomorphic sum),
// has the trustees but the last enter their decryption shares, combines
// them and enters the result (SPEC §17b.7).
func (p *ingestPlebiscite) close(ctx context.Context) (*plebiscite.Aggregate, *plebiscite.Result, error) {
	agg, res, _, err := p.closeTimed(ctx)
	return agg, res, err
}

// closeTimed is close, also returning the wall time of the node's check and
// sum (Poll.Tally) and of the result entry's own full check before it is
// appended (Poll.AppendResult).
func (p *ingestPlebiscite) closeTimed(ctx context.Context) (*plebiscite.Aggregate, *plebiscite.Result, [2]time.Duration, error) {
	var took [2]time.Duration
	poll, err := p.n.PollWith(ctx, p.m.ID, p.pollOpt)
	if err != nil {
		return nil, nil, took, err
	}
	defer poll.Close()
	bar := progress.New("tally", int64(p.m.Roll.Count))
	poll.SetProgress(func(n int) { bar.Set(int64(n)) })
	w0 := time.Now()
	agg, err := poll.Tally(ctx)
	took[0] = time.Since(w0)
	bar.Done()
	if err != nil {
		return nil, nil, took, fmt.Errorf("tally: %w", err)
	}
	var shares []*threshold.DecryptionShare
	for j, tr := range p.trustees[:p.m.Threshold] {
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			return nil, nil, took, err
		}
		shares = append(shares, d)
		if err := p.trusteeEntry(ctx, j, "1926-10-04", ledger.StepDecryption, d.Bytes()); err != nil {
			return nil, nil, took, err
		}
	}
	res, err := plebiscite.Decrypt(p.elec, agg, shares)
	if err != nil {
		return nil, nil, took, err
	}
	body, err := poll.ResultBody(ctx, res)
	if err != nil {
		return nil, nil, took, err
	}
	leaf, err := p.leaf(ingestTrustees[0].id, "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{p.agreement}, Result: body})
	if err != nil {
		return nil, nil, took, err
	}
	bar = progress.New("result", int64(p.m.Roll.Count))
	poll.SetProgress(func(n int) { bar.Set(int64(n)) })
	w0 = time.Now()
	_, _, err = poll.AppendResult(ctx, leaf)
	took[1] = time.Since(w0)
	bar.Done()
	if err != nil {
		return nil, nil, took, fmt.Errorf("result: %w", err)
	}
	return agg, res, took, nil
}

// decrypt computes the decryption shares of the trustees but the last
// and combines them, as close does, without entering anything.
func (p *ingestPlebiscite) decrypt(agg *plebiscite.Aggregate) (*plebiscite.Result, error) {
	var shares []*threshold.DecryptionShare
	for _, tr := range p.trustees[:p.m.Threshold] {
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			return nil, err
		}
		shares = append(shares, d)
	}
	return plebiscite.Decrypt(p.elec, agg, shares)
}

// verify verifies the plebiscite's record from the ledger and the ballot
// log (SPEC §16.5).
func (p *ingestPlebiscite) verify(ctx context.Context) (*plebiscite.Report, error) {
	poll, err := p.n.PollWith(ctx, p.m.ID, p.pollOpt)
	if err != nil {
		return nil, err
	}
	defer poll.Close()
	bar := progress.New("verify", int64(p.m.Roll.Count))
	poll.SetProgress(func(n int) { bar.Set(int64(n)) })
	defer bar.Done()
	return poll.Verify(ctx)
}
