package server

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"concord/internal/polltest"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/threshold"
)

// plebFixture is a ledger holding an open plebiscite built by
// polltest.New: parties, a territory, an armistice whose withdrawal clause
// is the precondition, a key generation among five trustees of three
// camps recorded as trustee entries, the complete manifest agreed by every
// party, the roll set and the precondition attested on the opening day.
type plebFixture struct {
	t      testing.TB
	n      *node.Node
	path   string
	pl     *polltest.Plebiscite
	voters []*plebiscite.Voter
	elec   *plebiscite.Election
}

const fixturePoll = polltest.PollID

// newPlebFixture builds the fixture with voters voters on a SQLite
// ledger in a temporary directory.
func newPlebFixture(t testing.TB, voters int) *plebFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	n, err := node.Create(ctx, path, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	pl := polltest.New(t, n, polltest.FiveTrustees, 3, voters)
	f := &plebFixture{t: t, n: n, path: path, pl: pl, voters: pl.Voters}
	poll, err := n.Poll(ctx, fixturePoll)
	if err != nil {
		t.Fatalf("Poll(%q) = %v", fixturePoll, err)
	}
	defer poll.Close()
	f.elec = pl.Open(poll)
	return f
}

// ballotJob is one leaf to generate: voter's ballot for choice, or with
// audit the spoil leaf of such a ballot.
type ballotJob struct {
	voter, choice int
	audit         bool
}

// generate encrypts the jobs' ballots on every core.
func (f *plebFixture) generate(jobs []ballotJob) [][]byte {
	f.t.Helper()
	out := make([][]byte, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				j := jobs[i]
				b, s, err := f.voters[j.voter].Cast(f.elec, []int{j.choice})
				switch {
				case err != nil:
					errs[i] = err
				case j.audit:
					out[i] = s.Audit().Bytes()
				default:
					out[i] = b.Bytes()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return out
}

// finish closes the poll: the trustees but one decrypt the tally of the
// ballot log, a trustee enters the result, and the whole record is
// verified from the ledger and the ballot log (node.Poll.Verify, which
// runs plebiscite.VerifyLedger). It returns the report.
func (f *plebFixture) finish() *plebiscite.Report {
	f.t.Helper()
	ctx := context.Background()
	poll, err := f.n.Poll(ctx, fixturePoll)
	if err != nil {
		f.t.Fatal(err)
	}
	defer poll.Close()
	agg, err := poll.Tally(ctx)
	if err != nil {
		f.t.Fatalf("Tally() = %v", err)
	}
	var shares []*threshold.DecryptionShare
	for j, tr := range f.pl.Trustees {
		if j == 3 {
			continue // romania-b is absent
		}
		d, err := tr.DecryptShare(agg.Sums)
		if err != nil {
			f.t.Fatal(err)
		}
		shares = append(shares, d)
		f.pl.Trustee(j, "1926-10-04", ledger.StepDecryption, d.Bytes())
	}
	res, err := plebiscite.Decrypt(f.elec, agg, shares)
	if err != nil {
		f.t.Fatalf("Decrypt() = %v", err)
	}
	body, err := poll.ResultBody(ctx, res)
	if err != nil {
		f.t.Fatal(err)
	}
	leaf := f.pl.Leaf("sweden", "1926-10-05", &ledger.Entry{Kind: ledger.KindResult, Refs: []ledger.Hash{f.pl.Agreement}, Result: body})
	if _, _, err := poll.AppendResult(ctx, leaf); err != nil {
		f.t.Fatalf("AppendResult() = %v", err)
	}
	rep, err := poll.Verify(ctx)
	if err != nil {
		f.t.Fatalf("Verify() = %v", err)
	}
	return rep
}
