package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"concord/internal/pgtest"
	"concord/node"
	"concord/plebiscite"
	"concord/server"
)

// ballotWriter casts its ballots in order through "concord serve". It
// moves to the next ballot only once the current one is known to be on the
// log: 201, or 409 rule 15.1 for a ballot whose acknowledgement was lost
// in a crash.
type ballotWriter struct {
	leaves [][]byte
	next   int
	acked  map[int]server.Receipt // leaf → receipt of its 201
	lost   int                    // ballots found on the log by a 409: their 201 was lost
	count  *atomic.Int64
}

func (w *ballotWriter) run(ctx context.Context, t *testing.T, addr, id string) {
	url := "http://" + addr + "/api/v1/plebiscites/" + id + "/ballots"
	for w.next < len(w.leaves) && ctx.Err() == nil {
		resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(w.leaves[w.next]))
		if err != nil {
			return // the server was killed: this ballot's fate is unknown
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		switch {
		case resp.StatusCode == http.StatusCreated:
			var rc server.Receipt
			if err := json.Unmarshal(body, &rc); err != nil {
				t.Errorf("receipt %s: %v", body, err)
				return
			}
			w.acked[w.next] = rc
			w.next++
			w.count.Add(1)
		case resp.StatusCode == http.StatusConflict && bytes.Contains(body, []byte(`"rule":"15.1"`)):
			w.next++
			w.lost++
		case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
			time.Sleep(5 * time.Millisecond)
		default:
			t.Errorf("POST ballot %d: %s: %s", w.next, resp.Status, body)
			return
		}
	}
}

// crashBallots casts the plebiscite's ballots through "concord serve" from
// several writers, kills the server with SIGKILL twice while ballots are
// being cast, restarts it, casts the rest, and checks that every
// acknowledged ballot is on the ballot log exactly once at its index, that
// every ballot is there exactly once, and that the plebiscite's record
// verifies after the tally (SPEC §18.10, §17b.5).
func crashBallots(t *testing.T, bin string, env []string, ledgerArg string, pl *ingestPlebiscite, leaves [][]byte, open func() (*node.Node, error)) {
	const writers = 6
	var count atomic.Int64
	ws := make([]*ballotWriter, writers)
	for i := range ws {
		ws[i] = &ballotWriter{acked: map[int]server.Receipt{}, count: &count}
	}
	for i, l := range leaves {
		ws[i%writers].leaves = append(ws[i%writers].leaves, l)
	}
	phase := func(acks int64, kill bool) {
		srv := startServer(t, bin, env, ledgerArg)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(func() { w.run(ctx, t, srv.addr, pl.m.ID) })
		}
		if !kill {
			wg.Wait() // the writers cast every ballot left
			srv.kill()
			return
		}
		for deadline := time.Now().Add(20 * time.Second); count.Load() < acks && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond) // anywhere in a batch's life
		srv.kill()                                                  // while the writers are casting
		t.Logf("SIGKILL after %d acknowledgements", count.Load())
		wg.Wait()
	}
	total := int64(len(leaves))
	phase(total/4, true)
	if n := count.Load(); n >= total {
		t.Fatalf("all %d ballots were acknowledged before the first crash; cast more", n)
	}
	phase(total/2, true)
	phase(0, false)
	if t.Failed() {
		return
	}

	n, err := open()
	if err != nil {
		t.Fatalf("reopening the ledger after the crashes: %v", err)
	}
	defer n.Close()
	ctx := context.Background()
	poll, err := n.PollWith(ctx, pl.m.ID, pl.pollOpt)
	if err != nil {
		t.Fatal(err)
	}
	size, err := poll.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logLeaves, err := poll.Leaves(ctx, 0, size)
	poll.Close()
	if err != nil {
		t.Fatal(err)
	}
	at := map[plebiscite.TrackingCode][]int64{}
	for i, l := range logLeaves {
		b, err := plebiscite.ParseBallot(l)
		if err != nil {
			t.Fatalf("ballot log leaf %d: %v", i, err)
		}
		at[b.TrackingCode()] = append(at[b.TrackingCode()], int64(i))
	}
	acked, lost := 0, 0
	for wi, w := range ws {
		lost += w.lost
		for li, rc := range w.acked {
			if got := at[rc.TrackingCode]; len(got) != 1 || got[0] != rc.Index {
				t.Errorf("writer %d: ballot acknowledged at index %d is at %v; want exactly once at %d", wi, rc.Index, got, rc.Index)
			}
			if !bytes.Equal(logLeaves[rc.Index], w.leaves[li]) {
				t.Errorf("writer %d: leaf at index %d is not the ballot acknowledged there", wi, rc.Index)
			}
			acked++
		}
	}
	if len(logLeaves) != len(leaves) || len(at) != len(leaves) {
		t.Errorf("ballot log has %d leaves, %d distinct; want each of the %d ballots once", len(logLeaves), len(at), len(leaves))
	}
	t.Logf("%d ballots acknowledged, %d committed with their answer lost, %d on the log, over 2 crashes", acked, lost, len(logLeaves))
	if acked < len(leaves)/2 {
		t.Errorf("only %d ballots acknowledged in all; want at least half of %d for the test to mean anything", acked, len(leaves))
	}

	pl.n = n
	rep, err := pl.finish(ctx)
	if err != nil {
		t.Fatalf("tally and verification of the record after the crashes: %v", err)
	}
	want := make([]uint64, 3)
	for i := range leaves {
		want[ingestChoice(i)]++
	}
	if !slices.Equal(rep.Counts, want) || rep.Counted != len(leaves) {
		t.Errorf("report: counts %v, %d counted; want %v, %d", rep.Counts, rep.Counted, want, len(leaves))
	}
}

// TestCrashBallots kills "concord serve" with SIGKILL while ballots are
// cast over HTTP and restarts it: every acknowledged ballot survives,
// exactly once, and the record verifies; on SQLite and PostgreSQL.
func TestCrashBallots(t *testing.T) {
	bin := concordBinary(t)
	const voters = 600
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		n, err := node.Create(ctx, path, "concord.test/crash-ballots")
		if err != nil {
			t.Fatal(err)
		}
		pl, leaves := crashPlebiscite(t, n, node.PollOptions{}, voters)
		crashBallots(t, bin, nil, path, pl, leaves, func() (*node.Node, error) { return node.Open(ctx, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDatabase(t)
		key := filepath.Join(t.TempDir(), "log.key")
		n, err := node.CreateWith(ctx, url, "concord.test/crash-ballots", node.Options{LogKey: key})
		if err != nil {
			t.Fatal(err)
		}
		pl, leaves := crashPlebiscite(t, n, node.PollOptions{URL: url, LogKey: key}, voters)
		crashBallots(t, bin, []string{node.LogKeyEnv + "=" + key}, url, pl, leaves, func() (*node.Node, error) {
			return node.OpenWith(ctx, url, node.Options{LogKey: key})
		})
	})
}

// crashPlebiscite sets the plebiscite up on n, encrypts every voter's
// ballot and closes n for the server to open.
func crashPlebiscite(t *testing.T, n *node.Node, opt node.PollOptions, voters int) (*ingestPlebiscite, [][]byte) {
	t.Helper()
	pl, err := newIngestPlebiscite(context.Background(), n, opt, voters)
	if err != nil {
		n.Close()
		t.Fatal(fmt.Errorf("setting up the plebiscite: %w", err))
	}
	leaves, err := pl.ballots(voters)
	n.Close()
	if err != nil {
		t.Fatal(err)
	}
	return pl, leaves
}
