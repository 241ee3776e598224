package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"concord/ledger"
	"concord/verify"
)

// TestLoad has 50 concurrent clients append 2,000 distinct valid entries
// (200 with -short) while others read checkpoints, then checks that every
// acknowledged entry is in the log exactly once, at its index, and that
// the log verifies offline with package verify.
func TestLoad(t *testing.T) {
	const clients = 50
	perClient := 40
	if testing.Short() {
		perClient = 4
	}
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{PerAddress: Rate{PerSecond: -1}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}, Timeout: time.Minute}
	defer client.CloseIdleConnections()

	// Each client registers its party, then records proclamations: entries
	// that the append rules check against the party's registration.
	work := make([][][]byte, clients)
	for c := range clients {
		k := partyKey(t, 1000+c)
		work[c] = append(work[c], partyLeaf(t, 1000+c))
		for j := 1; j < perClient; j++ {
			work[c] = append(work[c], signLeaf(t, k, &ledger.Entry{Kind: ledger.KindAct, Effective: day(t, "1918-04-09"),
				Act: &ledger.Act{Act: ledger.Proclamation, Text: fmt.Sprintf("proclamation %d of client %d", j, c)}}))
		}
	}

	type ack struct {
		index int64
		hash  ledger.Hash
	}
	acks := make(chan ack, clients*perClient)
	errs := make(chan error, clients)
	var checkpoints [][]byte
	var cpMu sync.Mutex
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 { // readers: checkpoints while the log grows
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := client.Get(ts.URL + "/checkpoint")
				if err != nil {
					errs <- err
					return
				}
				var b []byte
				b, err = readAll(resp)
				if err != nil || resp.StatusCode != 200 {
					errs <- fmt.Errorf("GET /checkpoint = %d %s %v", resp.StatusCode, b, err)
					return
				}
				cpMu.Lock()
				checkpoints = append(checkpoints, b)
				cpMu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for _, leaf := range work[c] {
				a, err := appendWithRetry(client, ts.URL, leaf)
				if err != nil {
					errs <- fmt.Errorf("client %d: %v", c, err)
					return
				}
				acks <- a
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	readers.Wait()
	close(acks)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	total := clients * perClient
	t.Logf("%d appends from %d clients in %v (%.0f/s), %d checkpoints read", total, clients, elapsed, float64(total)/elapsed.Seconds(), len(checkpoints))
	leaves, err := n.Leaves(t.Context(), 0, n.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != total {
		t.Fatalf("log has %d entries; want %d", len(leaves), total)
	}
	seen := make(map[int64]bool)
	hashes := make(map[ledger.Hash]bool)
	for a := range acks {
		if seen[a.index] || hashes[a.hash] {
			t.Fatalf("entry %d (%v) acknowledged twice", a.index, a.hash)
		}
		seen[a.index], hashes[a.hash] = true, true
		if ledger.LeafHash(leaves[a.index]) != a.hash {
			t.Fatalf("acknowledged entry %v is not at its index %d", a.hash, a.index)
		}
	}
	if len(seen) != total {
		t.Fatalf("%d entries acknowledged; want %d", len(seen), total)
	}
	for _, w := range work {
		for _, leaf := range w {
			if !hashes[ledger.LeafHash(leaf)] {
				t.Fatalf("entry %v never acknowledged", ledger.LeafHash(leaf))
			}
		}
	}
	final, err := n.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkpoints = append(checkpoints, final)
	rep, err := verify.Ledger(leaves, checkpoints, n.Verifier())
	if err != nil {
		t.Fatalf("verify.Ledger: %v", err)
	}
	if rep.Entries != int64(total) || rep.Kinds[ledger.KindParty] != clients || len(rep.World.Acts) != total-clients {
		t.Errorf("report: %d entries, %d parties, %d acts; want %d, %d, %d", rep.Entries, rep.Kinds[ledger.KindParty], len(rep.World.Acts), total, clients, total-clients)
	}
}

// appendWithRetry posts an entry, retrying on 503 and 429 after their
// Retry-After.
func appendWithRetry(c *http.Client, base string, leaf []byte) (struct {
	index int64
	hash  ledger.Hash
}, error) {
	var out struct {
		index int64
		hash  ledger.Hash
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.Post(base+"/api/v1/entries", "application/json", bytesReader(leaf))
		if err != nil {
			return out, err
		}
		b, err := readAll(resp)
		if err != nil {
			return out, err
		}
		switch {
		case resp.StatusCode == http.StatusCreated:
			var a appended
			if err := json.Unmarshal(b, &a); err != nil {
				return out, err
			}
			out.index, out.hash = a.Index, a.Hash
			return out, nil
		case (resp.StatusCode == 503 || resp.StatusCode == 429) && attempt < 20:
			time.Sleep(50 * time.Millisecond)
		default:
			return out, fmt.Errorf("POST = %d %s", resp.StatusCode, b)
		}
	}
}

// BenchmarkAppendHTTP measures one append through POST /api/v1/entries
// on loopback, including signing-free decoding, the rules and the commit.
func BenchmarkAppendHTTP(b *testing.B) {
	n := newNode(b)
	ts, _ := newTestServer(b, n, Options{PerAddress: Rate{PerSecond: -1}})
	leaves := make([][]byte, 0, 1024)
	for i := range cap(leaves) {
		leaves = append(leaves, partyLeaf(b, i))
	}
	i := 0
	for b.Loop() {
		if i == len(leaves) {
			b.StopTimer()
			leaves = append(leaves, partyLeaf(b, len(leaves)))
			b.StartTimer()
		}
		if _, err := appendWithRetry(ts.Client(), ts.URL, leaves[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// memBallots is a Plebiscites keeping ballots in memory, refusing
// duplicates: enough to test that the server loses and duplicates none.
type memBallots struct {
	fakePlebiscites
	mu    sync.Mutex
	codes map[ledger.Hash]int64
	log   [][]byte
}

func (m *memBallots) Cast(ctx context.Context, id string, ballot []byte) (*Receipt, error) {
	code := ledger.Hash(sha256.Sum256(ballot))
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.codes[code]; ok {
		return nil, fmt.Errorf("%w: ballot already recorded", ErrConflict)
	}
	m.codes[code] = int64(len(m.log))
	m.log = append(m.log, ballot)
	return &Receipt{TrackingCode: code, Index: int64(len(m.log) - 1)}, nil
}

// TestBallotLoad casts 10,000 ballots (1,000 with -short) from 50
// concurrent clients through a server whose back-pressure limit is small,
// so that clients must retry on 503: every acknowledged ballot must be
// recorded exactly once, at its index, and none lost. TestIngestLoad does
// the same with the real poll service (Polls), and verifies the record.
func TestBallotLoad(t *testing.T) {
	const clients = 50
	total := 10000
	if testing.Short() {
		total = 1000
	}
	m := &memBallots{codes: make(map[ledger.Hash]int64)}
	ts, _ := newTestServer(t, newNode(t), Options{Plebiscites: m, PerAddress: Rate{PerSecond: -1}, MaxPendingAppends: 4, RetryAfter: time.Millisecond})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	url := ts.URL + "/api/v1/plebiscites/silesia/ballots"

	acks := make(chan Receipt, total)
	errs := make(chan error, clients)
	var pushbacks atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < total; i += clients {
				ballot := make([]byte, 65+4)
				ballot[0] = 1
				binary.BigEndian.PutUint32(ballot[33:], uint32(i)) // a distinct credential
				binary.BigEndian.PutUint32(ballot[65:], uint32(i))
				for attempt := 0; ; attempt++ {
					resp, err := client.Post(url, "application/octet-stream", bytesReader(ballot))
					if err != nil {
						errs <- err
						return
					}
					b, err := readAll(resp)
					if err != nil {
						errs <- err
						return
					}
					if resp.StatusCode == http.StatusServiceUnavailable && attempt < 1000 {
						pushbacks.Add(1)
						time.Sleep(time.Millisecond)
						continue
					}
					var rc Receipt
					if resp.StatusCode != 201 || json.Unmarshal(b, &rc) != nil {
						errs <- fmt.Errorf("ballot %d: POST = %d %s", i, resp.StatusCode, b)
						return
					}
					acks <- rc
					break
				}
			}
		})
	}
	wg.Wait()
	close(acks)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := make(map[int64]bool)
	for rc := range acks {
		if seen[rc.Index] {
			t.Fatalf("index %d acknowledged twice", rc.Index)
		}
		seen[rc.Index] = true
		if ledger.Hash(sha256.Sum256(m.log[rc.Index])) != rc.TrackingCode {
			t.Fatalf("ballot %v is not at its index %d", rc.TrackingCode, rc.Index)
		}
	}
	if len(seen) != total || len(m.log) != total {
		t.Fatalf("%d ballots acknowledged, %d recorded; want %d", len(seen), len(m.log), total)
	}
	t.Logf("%d ballots, %d pushbacks retried", total, pushbacks.Load())
}
