package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"concord/ledger"
)

// fakePlebiscites is a Plebiscites that records ballots without checking
// their cryptography: enough to test the routes.
type fakePlebiscites struct {
	mu      sync.Mutex
	ballots [][]byte
	tallied bool
}

func (f *fakePlebiscites) List(ctx context.Context) ([]PlebisciteInfo, error) {
	return []PlebisciteInfo{{ID: "silesia", Question: "Which state?", Ballots: int64(len(f.ballots))}}, nil
}

func (f *fakePlebiscites) check(id string) error {
	if id != "silesia" {
		return fmt.Errorf("plebiscite %q: %w", id, ErrNotFound)
	}
	return nil
}

func (f *fakePlebiscites) Manifest(ctx context.Context, id string) ([]byte, error) {
	if err := f.check(id); err != nil {
		return nil, err
	}
	return []byte(`{"v":1,"id":"silesia"}`), nil
}

func (f *fakePlebiscites) Cast(ctx context.Context, id string, ballot []byte) (*Receipt, error) {
	if err := f.check(id); err != nil {
		return nil, err
	}
	if bytes.Contains(ballot, []byte("bad")) {
		return nil, &InvalidError{Rule: "14.6", Err: errors.New("bit proof of option 0 fails")}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := ledger.Hash(sha256.Sum256(ballot))
	for _, b := range f.ballots {
		if bytes.Equal(b, ballot) {
			return nil, fmt.Errorf("ballot %v: %w: already recorded", code, ErrConflict)
		}
	}
	f.ballots = append(f.ballots, ballot)
	return &Receipt{TrackingCode: code, ShortCode: "AAAA-BBBB-CCCC-DDDD", Index: int64(len(f.ballots) - 1)}, nil
}

func (f *fakePlebiscites) Lookup(ctx context.Context, id, code string) (*Tracked, error) {
	if err := f.check(id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.ballots {
		if h := ledger.Hash(sha256.Sum256(b)); h.String() == code {
			return &Tracked{TrackingCode: h, Index: int64(i), Kind: "ballot"}, nil
		}
	}
	return nil, fmt.Errorf("tracking code %s: %w", code, ErrNotFound)
}

func (f *fakePlebiscites) Result(ctx context.Context, id string) ([]byte, error) {
	if err := f.check(id); err != nil {
		return nil, err
	}
	if !f.tallied {
		return nil, fmt.Errorf("%w: not tallied yet", ErrConflict)
	}
	return []byte(`{"v":1,"counts":[1,0]}`), nil
}

// fakeBallot has the layout of SPEC §14.2 up to the credential.
func fakeBallot(cred byte, extra string) []byte {
	b := make([]byte, 65)
	b[0] = 1
	for i := 33; i < 65; i++ {
		b[i] = cred
	}
	return append(b, extra...)
}

func TestPlebisciteRoutes(t *testing.T) {
	now := time.Unix(1e9, 0)
	f := &fakePlebiscites{}
	ts, _ := newTestServer(t, newNode(t), Options{Plebiscites: f, PerCredential: Rate{PerSecond: 1, Burst: 2}, now: func() time.Time { return now }})
	base := ts.URL + "/api/v1/plebiscites"

	var list struct{ Plebiscites []PlebisciteInfo }
	getJSON(t, base, 200, &list)
	if len(list.Plebiscites) != 1 || list.Plebiscites[0].ID != "silesia" {
		t.Errorf("list = %+v", list)
	}
	if _, b := get(t, base+"/silesia/manifest"); string(b) != `{"v":1,"id":"silesia"}` {
		t.Errorf("manifest = %s", b)
	}
	resp, b := post(t, ts.Client(), base+"/silesia/ballots", "application/octet-stream", fakeBallot(1, "vote"))
	if resp.StatusCode != 201 {
		t.Fatalf("cast = %d %s; want 201", resp.StatusCode, b)
	}
	var rc Receipt
	if err := json.Unmarshal(b, &rc); err != nil || rc.Index != 0 {
		t.Fatalf("receipt %s: %v", b, err)
	}
	var tr Tracked
	getJSON(t, base+"/silesia/tracking/"+rc.TrackingCode.String(), 200, &tr)
	if tr.Index != 0 || tr.TrackingCode != rc.TrackingCode {
		t.Errorf("lookup = %+v", tr)
	}

	for _, tc := range []struct {
		name, method, path, ct string
		body                   []byte
		code                   int
		rule                   string
	}{
		{"duplicate", "POST", "/silesia/ballots", "application/octet-stream", fakeBallot(1, "vote"), 409, ""},
		{"credential limited", "POST", "/silesia/ballots", "application/octet-stream", fakeBallot(1, "again"), 429, ""},
		{"invalid", "POST", "/silesia/ballots", "application/octet-stream", fakeBallot(2, "bad"), 422, "14.6"},
		{"too short", "POST", "/silesia/ballots", "application/octet-stream", []byte{1, 2, 3}, 400, "14.2"},
		{"wrong type", "POST", "/silesia/ballots", "application/json", fakeBallot(3, ""), 415, "18.3"},
		{"oversized", "POST", "/silesia/ballots", "application/octet-stream", fakeBallot(4, strings.Repeat("x", MaxBallotBody)), 413, "18.3"},
		{"unknown plebiscite", "POST", "/danzig/ballots", "application/octet-stream", fakeBallot(5, ""), 404, ""},
		{"bad id", "GET", "/Danzig/manifest", "", nil, 400, ""},
		{"unknown code", "GET", "/silesia/tracking/" + strings.Repeat("0", 64), "", nil, 404, ""},
		{"bad code", "GET", "/silesia/tracking/xyz", "", nil, 400, ""},
		{"not tallied", "GET", "/silesia/result", "", nil, 409, ""},
	} {
		var resp *http.Response
		var b []byte
		if tc.method == "POST" {
			resp, b = post(t, ts.Client(), base+tc.path, tc.ct, tc.body)
		} else {
			resp, b = get(t, base+tc.path)
		}
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %s %s = %d %s; want %d", tc.name, tc.method, tc.path, resp.StatusCode, b, tc.code)
			continue
		}
		if e := errorBody(t, b); e.Rule != tc.rule {
			t.Errorf("%s: rule %q; want %q", tc.name, e.Rule, tc.rule)
		}
		if tc.code == 429 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", tc.name)
		}
	}
	f.tallied = true
	if resp, b := get(t, base+"/silesia/result"); resp.StatusCode != 200 || string(b) != `{"v":1,"counts":[1,0]}` {
		t.Errorf("result = %d %s", resp.StatusCode, b)
	}
	if len(f.ballots) != 1 {
		t.Errorf("%d ballots recorded; want 1", len(f.ballots))
	}
}

func TestNoPlebisciteService(t *testing.T) {
	ts, _ := newTestServer(t, newNode(t), Options{})
	for _, path := range []string{"/api/v1/plebiscites", "/api/v1/plebiscites/silesia/manifest", "/api/v1/plebiscites/silesia/result",
		"/api/v1/plebiscites/silesia/tracking/AAAA-BBBB-CCCC-DDDD"} {
		resp, b := get(t, ts.URL+path)
		if resp.StatusCode != 404 || errorBody(t, b).Error != "no plebiscite service configured" {
			t.Errorf("GET %s = %d %s; want 404 no plebiscite service configured", path, resp.StatusCode, b)
		}
	}
	resp, b := post(t, ts.Client(), ts.URL+"/api/v1/plebiscites/silesia/ballots", "application/octet-stream", fakeBallot(1, ""))
	if resp.StatusCode != 404 {
		t.Errorf("cast without service = %d %s; want 404", resp.StatusCode, b)
	}
}

func TestValidCode(t *testing.T) {
	for code, want := range map[string]bool{
		strings.Repeat("a", 64): true,
		"MZXW-6YTB-OI2D-EMZT":   true,
		"MZXW6YTBOI2DEMZT":      false,
		"mzxw-6ytb-oi2d-emzt":   false,
		"MZXW-6YTB-OI2D-EMZ1":   false,
		strings.Repeat("A", 64): false,
		"MZXW-6YTB-OI2D-EMZT-":  false,
		"":                      false,
	} {
		if got := validCode(code); got != want {
			t.Errorf("validCode(%q) = %v; want %v", code, got, want)
		}
	}
}
