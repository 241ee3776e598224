package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"concord/calendar"
	"concord/ledger"
	"concord/node"
)

const testOrigin = "concord.test/log"

// newNode creates an empty ledger in a temporary directory.
func newNode(t testing.TB) *node.Node {
	t.Helper()
	n, err := node.Create(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// newTestServer serves n on a loopback httptest server.
func newTestServer(t testing.TB, n *node.Node, opts Options) (*httptest.Server, *Server) {
	t.Helper()
	s := New(n, opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, s
}

// partyKey returns the deterministic key of party number i.
func partyKey(t testing.TB, i int) *ledger.KeyFile {
	t.Helper()
	seed := make([]byte, 32)
	binary.BigEndian.PutUint64(seed, uint64(i)+1)
	seed[31] = 0xc0
	k, err := ledger.NewKeyFromSeed(ledger.PartyID(fmt.Sprintf("p%d", i)), seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func day(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// signLeaf signs e by k and returns the canonical leaf.
func signLeaf(t testing.TB, k *ledger.KeyFile, e *ledger.Entry) []byte {
	t.Helper()
	e.V, e.Author = ledger.Version, k.ID
	s, err := ledger.Sign(e, k.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ledger.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// partyLeaf is the self-signed registration of party number i, effective
// on one of a few dates.
func partyLeaf(t testing.TB, i int) []byte {
	t.Helper()
	k := partyKey(t, i)
	dates := []string{"1917-11-07", "1918-01-24", "1918-03-27"}
	return signLeaf(t, k, &ledger.Entry{Kind: ledger.KindParty, Effective: day(t, dates[i%len(dates)]),
		Party: &ledger.Party{ID: k.ID, Name: fmt.Sprintf("Party %d", i), Role: ledger.RoleState, Key: k.PublicKey()}})
}

// post sends body to url with a content type and returns the status and body.
func post(t testing.TB, c *http.Client, url, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func get(t testing.TB, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// getJSON fetches url, expects status want and decodes the body into v.
func getJSON(t testing.TB, url string, want int, v any) {
	t.Helper()
	resp, b := get(t, url)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s; want %d", url, resp.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
}

// errorBody decodes a JSON error body and checks that it names the error.
func errorBody(t testing.TB, b []byte) apiErrorWire {
	t.Helper()
	var e apiErrorWire
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
		t.Fatalf("error body %q is not a JSON error {\"error\": ...}", b)
	}
	return e
}

type apiErrorWire struct {
	Error string `json:"error"`
	Hint  string `json:"hint"`
	Rule  string `json:"rule"`
	Index *int64 `json:"index"`
	Hash  string `json:"hash"`
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
