package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"concord/ledger"
	"concord/state"
	"concord/tlog"
)

func TestAppendAndRead(t *testing.T) {
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{})
	var hashes []ledger.Hash
	for i := range 5 {
		leaf := partyLeaf(t, i)
		url := ts.URL + "/api/v1/entries"
		if i == 4 {
			url += "?checkpoint=1"
		}
		resp, b := post(t, ts.Client(), url, "application/json", leaf)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST entry %d = %d %s; want 201", i, resp.StatusCode, b)
		}
		var a appended
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		if a.Index != int64(i) || a.Hash != ledger.LeafHash(leaf) {
			t.Fatalf("POST entry %d = index %d hash %v; want %d %v", i, a.Index, a.Hash, i, ledger.LeafHash(leaf))
		}
		if got := resp.Header.Get("Location"); got != "/api/v1/entries/"+a.Hash.String() {
			t.Errorf("Location = %q", got)
		}
		if (a.Checkpoint != nil) != (i == 4) {
			t.Errorf("entry %d: checkpoint %v; want one only with ?checkpoint=1", i, a.Checkpoint)
		}
		hashes = append(hashes, a.Hash)
	}

	// One entry, byte for byte.
	var rec entryRecord
	getJSON(t, ts.URL+"/api/v1/entries/"+hashes[2].String(), 200, &rec)
	if rec.Index != 2 || ledger.LeafHash(rec.Signed) != hashes[2] {
		t.Errorf("GET entry 2 = index %d, leaf hash %v; want 2, %v", rec.Index, ledger.LeafHash(rec.Signed), hashes[2])
	}

	// A page.
	var page struct {
		Start, End, Size int64
		Entries          []entryRecord
	}
	getJSON(t, ts.URL+"/api/v1/entries?start=1&end=4", 200, &page)
	if page.Start != 1 || page.End != 4 || page.Size != 5 || len(page.Entries) != 3 {
		t.Fatalf("page = %+v; want entries 1..3 of 5", page)
	}
	for _, e := range page.Entries {
		if ledger.LeafHash(e.Signed) != hashes[e.Index] {
			t.Errorf("page entry %d: leaf hash differs", e.Index)
		}
	}
	getJSON(t, ts.URL+"/api/v1/entries", 200, &page)
	if page.End != 5 || len(page.Entries) != 5 {
		t.Errorf("default page = %d entries up to %d; want 5", len(page.Entries), page.End)
	}

	// Checkpoint, inclusion and consistency proofs.
	var cp checkpointDoc
	getJSON(t, ts.URL+"/api/v1/checkpoint", 200, &cp)
	if _, err := tlog.VerifyCheckpoint([]byte(cp.Note), testOrigin, n.Verifier()); err != nil {
		t.Fatalf("checkpoint note: %v", err)
	}
	if cp.Size != 5 || cp.Origin != testOrigin {
		t.Fatalf("checkpoint = %+v", cp)
	}
	var proof struct {
		Index, Size int64
		Proof       []tlog.Hash
		Checkpoint  *checkpointDoc
	}
	getJSON(t, ts.URL+"/api/v1/entries/"+hashes[3].String()+"/proof", 200, &proof)
	if proof.Checkpoint == nil || proof.Size != 5 {
		t.Fatalf("proof = %+v; want size 5 with a checkpoint", proof)
	}
	if err := tlog.VerifyInclusion(proof.Proof, 5, cp.Root, 3, tlog.Hash(hashes[3])); err != nil {
		t.Errorf("inclusion proof: %v", err)
	}
	// Against an older checkpoint.
	getJSON(t, ts.URL+"/api/v1/entries/"+hashes[0].String()+"/proof?size=1", 200, &proof)
	if len(proof.Proof) != 0 || proof.Size != 1 {
		t.Errorf("proof in tree of 1 = %+v", proof)
	}
	var cons struct {
		Old, New int64
		Proof    []tlog.Hash
	}
	getJSON(t, ts.URL+"/api/v1/consistency?old=2", 200, &cons)
	root2 := tlog.RootOf(func() [][]byte {
		leaves, _ := n.Leaves(t.Context(), 0, 2)
		return leaves
	}())
	if err := tlog.VerifyConsistency(cons.Proof, 5, cp.Root, 2, root2); err != nil || cons.New != 5 {
		t.Errorf("consistency 2→%d: %v", cons.New, err)
	}

	// World and timeline.
	var w state.World
	getJSON(t, ts.URL+"/api/v1/world?at=1918-02-01", 200, &w)
	if len(w.Parties) != 4 { // p0..p4 with dates 11-07, 01-24, 03-27, 11-07, 01-24
		t.Errorf("world at 1918-02-01 has %d parties; want 4", len(w.Parties))
	}
	getJSON(t, ts.URL+"/api/v1/world", 200, &w)
	if len(w.Parties) != 5 || w.At.String() != "1918-03-27" {
		t.Errorf("world (latest) at %v has %d parties; want 1918-03-27 and 5", w.At, len(w.Parties))
	}
	var tl struct {
		Size  int64
		Dates []struct {
			Date    string
			Entries int
		}
	}
	getJSON(t, ts.URL+"/api/v1/timeline", 200, &tl)
	want := "1917-11-07:2 1918-01-24:2 1918-03-27:1"
	var got []string
	for _, d := range tl.Dates {
		got = append(got, d.Date+":"+strconv.Itoa(d.Entries))
	}
	if strings.Join(got, " ") != want {
		t.Errorf("timeline = %v; want %s", got, want)
	}

	// Health and metrics.
	var h struct {
		Status string
		Size   int64
	}
	getJSON(t, ts.URL+"/healthz", 200, &h)
	if h.Status != "ok" || h.Size != 5 {
		t.Errorf("healthz = %+v", h)
	}
	_, m := get(t, ts.URL+"/metrics")
	for _, line := range []string{
		`concord_http_requests_total{route="append",code="201"} 5`,
		"concord_appends_total 5",
		"concord_log_size 5",
		`concord_append_seconds_bucket{le="+Inf"} 5`,
		"concord_append_seconds_count 5",
		"# TYPE concord_append_seconds histogram",
	} {
		if !strings.Contains(string(m), line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, m)
		}
	}
}

func TestGetErrors(t *testing.T) {
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{})
	if _, err := n.Append(t.Context(), partyLeaf(t, 0)); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/api/v1/entries/" + missing, 404},
		{"/api/v1/entries/ABCD", 400},
		{"/api/v1/entries/" + missing + "/proof", 404},
		{"/api/v1/entries?start=-1", 400},
		{"/api/v1/entries?start=5", 400},
		{"/api/v1/entries?start=1&end=0", 400},
		{"/api/v1/consistency", 400},
		{"/api/v1/consistency?old=2&new=1", 400},
		{"/api/v1/consistency?old=0&new=9", 400},
		{"/api/v1/world?at=1918-02-30", 400},
		{"/api/v1/world?at=yesterday", 400},
		{"/api/v1/nothing", 404},
		{"/tile/0/000.p/2", 404},
		{"/tile/0/0", 400},
		{"/tile/entries/001", 404},
		{"/api/v1/plebiscites", 404},
		{"/api/v1/plebiscites/x/result", 404},
		{"/add-checkpoint", 404}, // GET: no such route
	} {
		resp, b := get(t, ts.URL+tc.path)
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s = %d %s; want %d", tc.path, resp.StatusCode, b, tc.code)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q; want application/json", tc.path, ct)
		}
		errorBody(t, b)
	}
	// The empty log has no latest date.
	ts2, _ := newTestServer(t, newNode(t), Options{})
	resp, b := get(t, ts2.URL+"/api/v1/world")
	if resp.StatusCode != 404 {
		t.Errorf("GET /api/v1/world on an empty log = %d %s; want 404", resp.StatusCode, b)
	}
	resp, b = get(t, ts2.URL+"/api/v1/entries")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"entries":[]`) {
		t.Errorf("GET /api/v1/entries on an empty log = %d %s; want 200 with no entries", resp.StatusCode, b)
	}
	resp, b = get(t, ts2.URL+"/tile/0/000.p/1")
	if resp.StatusCode != 404 {
		t.Errorf("GET a tile of an empty log = %d %s; want 404", resp.StatusCode, b)
	}
}

// TestBadInput checks that each bad entry gets its 4xx and a JSON error,
// and leaves the log unchanged.
func TestBadInput(t *testing.T) {
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{})
	good := partyLeaf(t, 0)
	if resp, b := post(t, ts.Client(), ts.URL+"/api/v1/entries", "application/json", good); resp.StatusCode != 201 {
		t.Fatalf("POST good entry = %d %s", resp.StatusCode, b)
	}
	forgedSigned, err := ledger.Decode(partyLeaf(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	forgedSigned.Sig[0] ^= 1
	forged, err := ledger.Encode(forgedSigned)
	if err != nil {
		t.Fatal(err)
	}
	k0 := partyKey(t, 0)
	unknown := ledger.Hash{1, 2, 3}
	unknownRef := signLeaf(t, k0, &ledger.Entry{Kind: ledger.KindSignature, Effective: day(t, "1918-05-07"),
		Refs: []ledger.Hash{unknown}, Signature: &ledger.Decision{Proposal: unknown}})
	notParty := signLeaf(t, partyKey(t, 7), &ledger.Entry{Kind: ledger.KindAct, Effective: day(t, "1918-05-07"),
		Act: &ledger.Act{Act: ledger.Proclamation, Text: "x"}})
	spaced := append([]byte(" "), partyLeaf(t, 2)...)
	huge := append(append([]byte(`{"entry":{"source":"`), bytes.Repeat([]byte("a"), MaxEntryBody)...), `"}}`...)

	for _, tc := range []struct {
		name, ct string
		body     []byte
		code     int
		rule     string
	}{
		{"malformed JSON", "application/json", []byte(`{"entry":`), 400, "3.1"},
		{"not an entry", "application/json", []byte(`{"x":1}`), 400, "3.1"},
		{"non-canonical", "application/json", spaced, 400, "3.1"},
		{"empty", "application/json", nil, 400, ""},
		{"forged signature", "application/json", forged, 422, "4.2"},
		{"unknown ref", "application/json", unknownRef, 422, "4.3"},
		{"unregistered author", "application/json", notParty, 422, "4.2"},
		{"duplicate", "application/json", good, 409, "4.3"},
		{"oversized", "application/json", huge, 413, "18.3"},
		{"wrong content type", "text/plain", partyLeaf(t, 3), 415, "18.3"},
		{"no content type", "", partyLeaf(t, 3), 415, "18.3"},
	} {
		resp, b := post(t, ts.Client(), ts.URL+"/api/v1/entries", tc.ct, tc.body)
		if resp.StatusCode != tc.code {
			t.Errorf("%s: POST = %d %s; want %d", tc.name, resp.StatusCode, b, tc.code)
			continue
		}
		e := errorBody(t, b)
		if e.Rule != tc.rule {
			t.Errorf("%s: rule %q; want %q (%s)", tc.name, e.Rule, tc.rule, e.Error)
		}
		if tc.name == "duplicate" && (e.Index == nil || *e.Index != 0 || e.Hash != ledger.LeafHash(good).String()) {
			t.Errorf("duplicate: body %s does not name index 0 and the hash", b)
		}
		if got := n.Size(); got != 1 {
			t.Fatalf("%s: log size %d after refusal; want 1", tc.name, got)
		}
	}
	_, m := get(t, ts.URL+"/metrics")
	for _, line := range []string{`concord_refusals_total{rule="4.2"} 2`, `concord_refusals_total{rule="4.3"} 1`} {
		if !strings.Contains(string(m), line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1e9, 0)
	n := newNode(t)
	ts, _ := newTestServer(t, n, Options{PerAddress: Rate{PerSecond: 1, Burst: 2}, now: func() time.Time { return now }})
	for i := range 2 {
		if resp, b := get(t, ts.URL+"/api/v1/timeline"); resp.StatusCode != 200 {
			t.Fatalf("request %d = %d %s; want 200", i, resp.StatusCode, b)
		}
	}
	resp, b := get(t, ts.URL+"/api/v1/timeline")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("third request = %d Retry-After %q %s; want 429 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	errorBody(t, b)
	// Health and metrics are not limited.
	if resp, _ := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz while limited = %d", resp.StatusCode)
	}
	now = now.Add(time.Second)
	if resp, b := get(t, ts.URL+"/api/v1/timeline"); resp.StatusCode != 200 {
		t.Errorf("request after a second = %d %s; want 200", resp.StatusCode, b)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(Rate{PerSecond: 2, Burst: 3}, func() time.Time { return now })
	for i := range 3 {
		if _, ok := l.allow("a"); !ok {
			t.Fatalf("allow %d = false; want true within the burst", i)
		}
	}
	wait, ok := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("allow after burst = %v, %v; want false, 500ms", wait, ok)
	}
	if _, ok := l.allow("b"); !ok {
		t.Error("another key is limited by the first")
	}
	now = now.Add(500 * time.Millisecond)
	if _, ok := l.allow("a"); !ok {
		t.Error("allow after refill = false")
	}
	off := newLimiter(Rate{PerSecond: -1}, time.Now)
	for range 1000 {
		if _, ok := off.allow("a"); !ok {
			t.Fatal("disabled limiter refused")
		}
	}
	// Sweeping drops full buckets.
	for i := range maxBuckets + 2 {
		l.allow(strconv.Itoa(i))
	}
	now = now.Add(time.Hour)
	l.allow("x")
	if len(l.buckets) > 2 {
		t.Errorf("after sweep %d buckets remain; want at most 2", len(l.buckets))
	}
}

func TestPushback(t *testing.T) {
	n := newNode(t)
	ts, s := newTestServer(t, n, Options{MaxPendingAppends: 1, RetryAfter: 3 * time.Second})
	release, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	resp, b := post(t, ts.Client(), ts.URL+"/api/v1/entries", "application/json", partyLeaf(t, 0))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("POST while busy = %d Retry-After %q %s; want 503 with Retry-After 3", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	errorBody(t, b)
	release()
	if resp, b := post(t, ts.Client(), ts.URL+"/api/v1/entries", "application/json", partyLeaf(t, 0)); resp.StatusCode != 201 {
		t.Fatalf("POST after release = %d %s; want 201", resp.StatusCode, b)
	}
}

// TestHandleExtra mounts a site at "GET /" beside the API, as concord
// serve does with the web pages.
func TestHandleExtra(t *testing.T) {
	n := newNode(t)
	s := New(n, Options{})
	s.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("page")) }))
	ts := httptest.NewServer(s)
	defer ts.Close()
	if _, b := get(t, ts.URL+"/"); string(b) != "page" {
		t.Errorf("GET / = %q; want the page", b)
	}
	var h struct{ Status string }
	getJSON(t, ts.URL+"/healthz", 200, &h)
	if resp, b := post(t, ts.Client(), ts.URL+"/nothing", "", nil); resp.StatusCode != 404 {
		t.Errorf("POST /nothing = %d %s; want 404", resp.StatusCode, b)
	}
}
