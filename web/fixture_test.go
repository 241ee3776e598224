package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"concord/calendar"
	"concord/elgamal"
	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/scenario"
	"concord/server"
	"concord/tlog"
	"concord/web"
)

// testPlebiscites is an in-memory server.Plebiscites for the browser
// tests: one plebiscite whose election key is a single trustee's ElGamal
// key, a roll of voters, and a log of the leaves cast (SPEC §14.8).
type testPlebiscites struct {
	e      *plebiscite.Election
	sk     *elgamal.Scalar
	voters []*plebiscite.Voter

	mu     sync.Mutex
	leaves [][]byte
	result []byte
}

const testPlebisciteID = "bessarabia-1926"

func newTestPlebiscites(t testing.TB, nVoters int) *testPlebiscites {
	t.Helper()
	p := &testPlebiscites{}
	creds := make([]plebiscite.Credential, nVoters)
	for i := range creds {
		v := plebiscite.NewVoter()
		p.voters = append(p.voters, v)
		creds[i] = v.Credential()
	}
	roll, err := plebiscite.NewRoll(creds)
	if err != nil {
		t.Fatal(err)
	}
	sk, pk := elgamal.GenerateKey()
	p.sk = sk
	m := &plebiscite.Manifest{
		V:         plebiscite.ManifestVersion,
		ID:        testPlebisciteID,
		Territory: "bessarabia",
		Question:  "To which state shall Bessarabia belong?",
		Options:   []string{"Union of Soviet Socialist Republics", "Kingdom of Romania", "Independence"},
		Min:       1,
		Max:       1,
		Outcome:   plebiscite.AbsoluteMajority,
		Roll:      roll.Ref("league-commission"),
		Opens:     calendar.Date{Year: 1926, Month: 10, Day: 1},
		Closes:    calendar.Date{Year: 1926, Month: 10, Day: 3},
		Trustees:  []plebiscite.Trustee{{ID: "sweden", Camp: "neutral", Key: pk.Bytes()}},
		Threshold: 1,
		Observers: []ledger.PartyID{"usa"},
		Key:       pk.Bytes(),
	}
	if p.e, err = plebiscite.NewElection(m, roll); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *testPlebiscites) check(id string) error {
	if id != testPlebisciteID {
		return fmt.Errorf("%w: no plebiscite %q", server.ErrNotFound, id)
	}
	return nil
}

func (p *testPlebiscites) List(context.Context) ([]server.PlebisciteInfo, error) {
	m := p.e.Manifest
	p.mu.Lock()
	defer p.mu.Unlock()
	return []server.PlebisciteInfo{{
		ID: m.ID, Territory: m.Territory, Question: m.Question, ManifestHash: p.e.Hash,
		Opens: m.Opens.String(), Closes: m.Closes.String(), Ballots: int64(len(p.leaves)), Tallied: p.result != nil,
	}}, nil
}

func (p *testPlebiscites) Manifest(_ context.Context, id string) ([]byte, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	return p.e.Manifest.Encode()
}

func (p *testPlebiscites) Cast(_ context.Context, id string, leaf []byte) (*server.Receipt, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	l, err := plebiscite.ParseLeaf(leaf)
	if err != nil {
		return nil, &server.InvalidError{Rule: "14.2", Err: err}
	}
	b := l.Ballot
	if l.Spoil != nil {
		b = l.Spoil.Ballot
		if err := plebiscite.VerifyAudit(p.e, b, l.Spoil.Opening); err != nil {
			return nil, &server.InvalidError{Rule: "14.7", Err: err}
		}
	}
	if err := p.e.VerifyBallot(b); err != nil {
		return nil, &server.InvalidError{Rule: "14.6", Err: err}
	}
	code := b.TrackingCode()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, old := range p.leaves {
		if bytes.Equal(old, leaf) {
			return nil, fmt.Errorf("%w: ballot already recorded", server.ErrConflict)
		}
	}
	p.leaves = append(p.leaves, bytes.Clone(leaf))
	return &server.Receipt{TrackingCode: code, ShortCode: plebiscite.ShortCode(code), Index: int64(len(p.leaves) - 1)}, nil
}

func (p *testPlebiscites) Lookup(_ context.Context, id, code string) (*server.Tracked, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, raw := range p.leaves {
		l, err := plebiscite.ParseLeaf(raw)
		if err != nil {
			return nil, err
		}
		kind, b := "ballot", l.Ballot
		if l.Spoil != nil {
			kind, b = "spoil", l.Spoil.Ballot
		}
		tc := b.TrackingCode()
		if tc.String() == code || plebiscite.ShortCode(tc) == code {
			return &server.Tracked{TrackingCode: tc, ShortCode: plebiscite.ShortCode(tc), Index: int64(i), Kind: kind}, nil
		}
	}
	return nil, fmt.Errorf("%w: tracking code %s", server.ErrNotFound, code)
}

func (p *testPlebiscites) Result(_ context.Context, id string) ([]byte, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.result == nil {
		return nil, fmt.Errorf("%w: not tallied yet", server.ErrConflict)
	}
	return p.result, nil
}

// tally decrypts the sum of the counted ballots with the single trustee's
// key and publishes a result with the counts (not the shares: the result
// page reads only counts, ballots and winner).
func (p *testPlebiscites) tally(t testing.TB) []uint64 {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var leaves []plebiscite.Leaf
	for _, raw := range p.leaves {
		l, err := plebiscite.ParseLeaf(raw)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	agg, err := plebiscite.Tally(p.e, leaves)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]uint64, len(agg.Sums))
	for i, ct := range agg.Sums {
		if counts[i], err = elgamal.Decrypt(p.sk, ct, uint64(agg.Ballots)); err != nil {
			t.Fatal(err)
		}
	}
	w := plebiscite.Winner(counts, uint64(agg.Ballots))
	r := fmt.Sprintf(`{"v":1,"manifest":"%s","ballots":%d,"counts":[`, p.e.Hash, agg.Ballots)
	for i, c := range counts {
		if i > 0 {
			r += ","
		}
		r += fmt.Sprint(c)
	}
	r += "]"
	if w != nil {
		r += fmt.Sprintf(`,"winner":%d`, *w)
	}
	p.result = []byte(r + "}")
	return counts
}

// recorded is a request body the server received.
type recorded struct {
	Method, Path, ContentType string
	Body                      []byte
}

// testSite is a real Concord server on loopback with the 1917-1926
// scenario, the test plebiscite and the web pages, recording every POST.
type testSite struct {
	URL  string
	Pleb *testPlebiscites

	postLog
	mu     sync.Mutex
	tamper bool // flip a byte of every entry bundle served
}

// postLog records the POST requests a test server receives.
type postLog struct {
	mu    sync.Mutex
	posts []recorded
}

// Posts returns the POST requests the server received.
func (l *postLog) Posts() []recorded {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]recorded(nil), l.posts...)
}

// record keeps r's body if r is a POST and leaves the body readable for
// the handler; it reports false after answering a body it could not read.
func (l *postLog) record(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	l.mu.Lock()
	l.posts = append(l.posts, recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body})
	l.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// testServer is the server as 'concord serve' wires it, without rate
// limits, serving pleb and the web pages.
func testServer(t testing.TB, n *node.Node, pleb server.Plebiscites) *server.Server {
	srv := server.New(n, server.Options{Plebiscites: pleb, LogKey: vkeyOf(t, n),
		PerCredential: server.Rate{PerSecond: -1}, PerAddress: server.Rate{PerSecond: -1}})
	srv.Handle("GET /", web.Handler())
	return srv
}

func newTestSite(t testing.TB) *testSite {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.db")
	n, err := node.Create(ctx, path, "concord.example/demo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	sc, err := scenario.Load()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := sc.Records()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range entries {
		leaf, err := ledger.Encode(s)
		if err != nil {
			t.Fatalf("scenario entry %d: %v", i, err)
		}
		if _, err := n.Append(ctx, leaf); err != nil {
			t.Fatalf("scenario entry %d: %v", i, err)
		}
	}
	if _, err := n.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	site := &testSite{Pleb: newTestPlebiscites(t, 3)}
	srv := testServer(t, n, site.Pleb)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !site.record(w, r) {
			return
		}
		site.mu.Lock()
		tamper := site.tamper
		site.mu.Unlock()
		if tamper && strings.HasPrefix(r.URL.Path, "/tile/entries/") {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			b := rec.Body.Bytes()
			if len(b) > 10 {
				b[10] ^= 1
			}
			w.WriteHeader(rec.Code)
			w.Write(b)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	site.URL = ts.URL
	return site
}

// vkeyOf returns the log's verifier key text from its key file.
func vkeyOf(t testing.TB, n *node.Node) string {
	t.Helper()
	b, err := os.ReadFile(node.PubPath(n.Path()))
	if err != nil {
		t.Fatal(err)
	}
	vkey := strings.TrimSpace(string(b))
	if _, err := tlog.NewLogVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	return vkey
}
