package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"concord/plebiscite"
	"concord/tlog"
)

// newPollServer serves the fixture's ledger with its polls.
func newPollServer(t testing.TB, f *plebFixture, opts Options) (string, *Polls) {
	t.Helper()
	polls := NewPolls(f.n, PollsOptions{})
	t.Cleanup(func() { polls.Close() })
	opts.Plebiscites = polls
	ts, _ := newTestServer(t, f.n, opts)
	return ts.URL + "/api/v1/plebiscites/", polls
}

func flipByte(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

// TestPollsRoutes drives the real poll through the plebiscite routes:
// casting, each kind of refusal with its status and rule, look-ups by the
// full and the short code, and the result once tallied.
func TestPollsRoutes(t *testing.T) {
	f := newPlebFixture(t, 4)
	base, _ := newPollServer(t, f, Options{PerAddress: Rate{PerSecond: -1}})
	c := &http.Client{Timeout: time.Minute}
	leaves := f.generate([]ballotJob{{0, 0, false}, {1, 1, false}, {2, 2, true}, {2, 1, false}})
	ballotURL := base + fixturePoll + "/ballots"

	var list struct{ Plebiscites []PlebisciteInfo }
	getJSON(t, base[:len(base)-1], 200, &list)
	if len(list.Plebiscites) != 1 || list.Plebiscites[0].ID != fixturePoll || list.Plebiscites[0].Opens != "1926-10-01" || list.Plebiscites[0].Tallied {
		t.Fatalf("GET /api/v1/plebiscites = %+v; want the one open plebiscite", list.Plebiscites)
	}
	_, man := get(t, base+fixturePoll+"/manifest")
	if mh := plebiscite.HashManifestBytes(man); mh != list.Plebiscites[0].ManifestHash {
		t.Errorf("manifest hash %v; the list says %v", mh, list.Plebiscites[0].ManifestHash)
	}

	var receipts []Receipt
	for i, l := range leaves {
		resp, b := post(t, c, ballotURL, "application/octet-stream", l)
		var rc Receipt
		if resp.StatusCode != 201 || json.Unmarshal(b, &rc) != nil {
			t.Fatalf("POST leaf %d = %d %s; want 201", i, resp.StatusCode, b)
		}
		if rc.Index != int64(i) || rc.Checkpoint == "" {
			t.Errorf("receipt %d = %+v; want index %d and a checkpoint", i, rc, i)
		}
		cp, err := tlog.VerifyCheckpoint([]byte(rc.Checkpoint), testOrigin+"/poll/"+fixturePoll, pollVerifier(t, f))
		if err != nil || cp.Size <= rc.Index {
			t.Errorf("receipt %d checkpoint: %v (size %d)", i, err, cp.Size)
		}
		receipts = append(receipts, rc)
	}

	offRoll := func() []byte {
		b, _, err := plebiscite.NewVoter().Cast(f.elec, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}()
	spoiledCast := f.generate([]ballotJob{{3, 0, false}})[0]
	for _, tc := range []struct {
		name  string
		leaf  []byte
		code  int
		rule  string
		plebi string
	}{
		{"replay", leaves[0], 409, "15.1", fixturePoll},
		{"bad signature", flipByte(leaves[1], len(leaves[1])-1), 422, "14.6", fixturePoll},
		{"not on the roll", offRoll, 422, "14.6", fixturePoll},
		{"trailing byte", append(bytes.Clone(leaves[1]), 0), 400, "14.2", fixturePoll},
		{"unknown plebiscite", spoiledCast, 404, "4.14", "silesia-1921"},
	} {
		resp, b := post(t, c, base+tc.plebi+"/ballots", "application/octet-stream", tc.leaf)
		e := errorBody(t, b)
		if resp.StatusCode != tc.code || e.Rule != tc.rule {
			t.Errorf("POST %s = %d rule %q (%s); want %d rule %q", tc.name, resp.StatusCode, e.Rule, e.Error, tc.code, tc.rule)
		}
	}
	// Casting the ballot that voter 2 audited is refused.
	sp, err := plebiscite.ParseLeaf(leaves[2])
	if err != nil {
		t.Fatal(err)
	}
	resp, b := post(t, c, ballotURL, "application/octet-stream", sp.Spoil.Ballot.Bytes())
	if e := errorBody(t, b); resp.StatusCode != 409 || e.Rule != "14.7" {
		t.Errorf("POST audited ballot = %d %s; want 409 rule 14.7", resp.StatusCode, b)
	}

	// Look-ups: full code, short code, spoil, unknown.
	var tr Tracked
	getJSON(t, base+fixturePoll+"/tracking/"+receipts[1].TrackingCode.String(), 200, &tr)
	if tr.Index != 1 || tr.Kind != "ballot" || tr.Counted != nil || len(tr.Proof) == 0 {
		t.Errorf("lookup of ballot 1 = %+v; want index 1, a ballot, counted unknown while open", tr)
	}
	getJSON(t, base+fixturePoll+"/tracking/"+receipts[3].ShortCode, 200, &tr)
	if tr.Index != 3 || tr.TrackingCode != receipts[3].TrackingCode {
		t.Errorf("lookup of short code %s = %+v; want index 3", receipts[3].ShortCode, tr)
	}
	getJSON(t, base+fixturePoll+"/tracking/"+receipts[2].ShortCode, 200, &tr)
	if tr.Kind != "spoil" || tr.Counted == nil || *tr.Counted {
		t.Errorf("lookup of the audited ballot = %+v; want a spoil, not counted", tr)
	}
	resp, b = get(t, base+fixturePoll+"/tracking/AAAA-AAAA-AAAA-AAAA")
	if resp.StatusCode != 404 {
		t.Errorf("lookup of an unknown short code = %d %s; want 404", resp.StatusCode, b)
	}
	resp, b = get(t, base+fixturePoll+"/result")
	if resp.StatusCode != 409 {
		t.Errorf("GET result while open = %d %s; want 409", resp.StatusCode, b)
	}

	rep := f.finish()
	if rep.Counted != 3 || rep.Spoiled != 1 {
		t.Errorf("report: %d counted, %d spoiled; want 3, 1", rep.Counted, rep.Spoiled)
	}
	resp, b = get(t, base+fixturePoll+"/result")
	if resp.StatusCode != 200 {
		t.Fatalf("GET result = %d %s; want 200", resp.StatusCode, b)
	}
	res, err := plebiscite.ParseResult(b)
	if err != nil || !slices.Equal(res.Counts, []uint64{1, 2, 0}) {
		t.Errorf("GET result = %s (%v); want counts [1 2 0]", b, err)
	}
	getJSON(t, base+fixturePoll+"/tracking/"+receipts[1].TrackingCode.String(), 200, &tr)
	if tr.Counted == nil || !*tr.Counted {
		t.Errorf("lookup of ballot 1 after the close = %+v; want counted", tr)
	}
	resp, b = post(t, c, ballotURL, "application/octet-stream", spoiledCast)
	if e := errorBody(t, b); resp.StatusCode != 409 || e.Rule != "17b.4" {
		t.Errorf("POST after the close = %d %s; want 409 rule 17b.4", resp.StatusCode, b)
	}
	getJSON(t, base[:len(base)-1], 200, &list)
	if !list.Plebiscites[0].Tallied || list.Plebiscites[0].Ballots != 4 {
		t.Errorf("GET /api/v1/plebiscites after the result = %+v; want tallied with 4 ballots", list.Plebiscites)
	}
}

func pollVerifier(t testing.TB, f *plebFixture) interface {
	Name() string
	KeyHash() uint32
	Verify(msg, sig []byte) bool
} {
	t.Helper()
	p, err := f.n.Poll(context.Background(), fixturePoll)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	return p.Verifier()
}

// loadPlan is the work of the load test: for each client, the leaves it
// sends in order, and what the final tally must be.
type loadPlan struct {
	clients [][]int // indices into leaves
	leaves  [][]byte
	want    []uint64 // counts of the final choices
	revotes int
	audits  int
}

// loadChoice is voter i's final choice.
func loadChoice(i int) int { return (i*7 + i/3) % 3 }

// newLoadPlan plans one final ballot per voter; every 20th voter first
// casts a ballot for another option (a re-vote), every 100th first audits
// one. A voter's leaves go through the same client, in order.
func newLoadPlan(f *plebFixture, clients int) *loadPlan {
	var jobs []ballotJob
	p := &loadPlan{clients: make([][]int, clients), want: make([]uint64, 3)}
	for v := range f.voters {
		c := v % clients
		ch := loadChoice(v)
		if v%100 == 7 {
			p.clients[c] = append(p.clients[c], len(jobs))
			jobs = append(jobs, ballotJob{v, (ch + 2) % 3, true})
			p.audits++
		}
		if v%20 == 3 {
			p.clients[c] = append(p.clients[c], len(jobs))
			jobs = append(jobs, ballotJob{v, (ch + 1) % 3, false})
			p.revotes++
		}
		p.clients[c] = append(p.clients[c], len(jobs))
		jobs = append(jobs, ballotJob{v, ch, false})
		p.want[ch]++
	}
	p.leaves = f.generate(jobs)
	return p
}

// TestIngestLoad is SPEC §18.10 under load with the real poll: 10,000
// voters (1,000 with -short), their ballots, re-votes and audits encrypted
// before the clock starts, are cast over loopback by 50 concurrent
// clients, which also replay acknowledged ballots. Every acknowledged leaf
// must be on the ballot log exactly once at its index, none lost, none
// duplicated; then the trustees tally and decrypt, and the record
// verifies with the counts the plan gives.
func TestIngestLoad(t *testing.T) {
	const clients = 50
	voters := 10000
	if testing.Short() {
		voters = 1000
	}
	t0 := time.Now()
	f := newPlebFixture(t, voters)
	plan := newLoadPlan(f, clients)
	t.Logf("%d voters, %d leaves (%d re-votes, %d audits) generated in %v", voters, len(plan.leaves), plan.revotes, plan.audits, time.Since(t0).Round(time.Millisecond))
	base, polls := newPollServer(t, f, Options{PerAddress: Rate{PerSecond: -1}})
	url := base + fixturePoll + "/ballots"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}, Timeout: 2 * time.Minute}
	defer client.CloseIdleConnections()

	acks := make([]Receipt, len(plan.leaves))
	acked := make([]bool, len(plan.leaves))
	var pushbacks, replays atomic.Int64
	errs := make(chan error, clients)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for k, li := range plan.clients[c] {
				rc, code, body, err := castWithRetry(client, url, plan.leaves[li], &pushbacks)
				if err != nil || code != 201 {
					errs <- fmt.Errorf("client %d leaf %d: %d %s %v", c, li, code, body, err)
					return
				}
				acks[li], acked[li] = rc, true
				if k%25 == 24 { // replay an acknowledged leaf: 409, nothing appended
					_, code, body, err := castWithRetry(client, url, plan.leaves[plan.clients[c][k-10]], &pushbacks)
					if err != nil || code != 409 || !bytes.Contains(body, []byte(`"rule":"15.1"`)) {
						errs <- fmt.Errorf("client %d replay: %d %s %v; want 409 rule 15.1", c, code, body, err)
						return
					}
					replays.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sp, err := polls.poll(t.Context(), fixturePoll)
	if err != nil {
		t.Fatal(err)
	}
	commits, ballots, _, largest := sp.b.stats.snapshot()
	t.Logf("%d leaves from %d clients in %v: %.0f ballots/s; %d commits (mean batch %.1f, largest %d), %d replays refused, %d pushbacks retried",
		len(plan.leaves), clients, elapsed.Round(time.Millisecond), float64(len(plan.leaves))/elapsed.Seconds(),
		commits, float64(ballots)/float64(max(commits, 1)), largest, replays.Load(), pushbacks.Load())

	// Every acknowledged leaf exactly once, at its index; nothing else.
	size, err := sp.p.Size(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(plan.leaves)) {
		t.Fatalf("ballot log has %d leaves; want %d", size, len(plan.leaves))
	}
	logLeaves, err := sp.p.Leaves(t.Context(), 0, size)
	if err != nil {
		t.Fatal(err)
	}
	at := make(map[int64]int)
	for li, rc := range acks {
		if !acked[li] {
			t.Fatalf("leaf %d never acknowledged", li)
		}
		if prev, dup := at[rc.Index]; dup {
			t.Fatalf("leaves %d and %d both acknowledged at index %d", prev, li, rc.Index)
		}
		at[rc.Index] = li
		if !bytes.Equal(logLeaves[rc.Index], plan.leaves[li]) {
			t.Fatalf("leaf %d acknowledged at index %d is not there", li, rc.Index)
		}
		if code, _ := leafCode(plan.leaves[li]); code != rc.TrackingCode || rc.ShortCode != plebiscite.ShortCode(code) {
			t.Fatalf("leaf %d: receipt tracking code %v; want %v", li, rc.TrackingCode, code)
		}
	}

	t1 := time.Now()
	rep := f.finish()
	if !slices.Equal(rep.Counts, plan.want) || rep.Counted != voters || rep.Superseded != plan.revotes || rep.Spoiled != plan.audits {
		t.Errorf("report: counts %v, %d counted, %d superseded, %d spoiled; want %v, %d, %d, %d",
			rep.Counts, rep.Counted, rep.Superseded, rep.Spoiled, plan.want, voters, plan.revotes, plan.audits)
	}
	t.Logf("tally, decryption, result and verification of the record in %v", time.Since(t1).Round(time.Millisecond))
	// The served result is the one in the ledger.
	var res struct{ Counts []uint64 }
	getJSON(t, base+fixturePoll+"/result", 200, &res)
	if !slices.Equal(res.Counts, plan.want) {
		t.Errorf("GET result counts %v; want %v", res.Counts, plan.want)
	}
}

// castWithRetry posts a leaf, retrying after 503 and 429. It returns the
// receipt of a 201, and the final status and body.
func castWithRetry(c *http.Client, url string, leaf []byte, pushbacks *atomic.Int64) (Receipt, int, []byte, error) {
	var rc Receipt
	for attempt := 0; ; attempt++ {
		resp, err := c.Post(url, "application/octet-stream", bytes.NewReader(leaf))
		if err != nil {
			return rc, 0, nil, err
		}
		b, err := readAll(resp)
		if err != nil {
			return rc, 0, nil, err
		}
		if (resp.StatusCode == 503 || resp.StatusCode == 429) && attempt < 2000 {
			pushbacks.Add(1)
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if resp.StatusCode == 201 {
			err = json.Unmarshal(b, &rc)
		}
		return rc, resp.StatusCode, b, err
	}
}
