package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"concord/internal/polltest"
	"concord/node"
	"concord/plebiscite"
	"concord/server"
	"concord/tlog"
	"concord/web/booth"
)

// realPoll is a ledger holding an open plebiscite served by the real poll
// adapter (server.NewPolls over node polls, SPEC §17b, §18.10), built by
// polltest.New as server/pollfixture_test.go but smaller: three trustees
// of three camps with threshold 2, a key generation recorded as trustee
// entries, the complete manifest signed by every party, the roll of the
// voters set and the precondition attested on the opening day.
type realPoll struct {
	t      testing.TB
	n      *node.Node
	voters []*plebiscite.Voter
	elec   *plebiscite.Election

	URL string
	postLog
}

const realPollID = polltest.PollID

// newRealPoll builds the ledger with nVoters voters and serves it with
// server.New, the real poll adapter and web.Handler on loopback,
// recording every POST body.
func newRealPoll(t testing.TB, nVoters int) *realPoll {
	t.Helper()
	ctx := context.Background()
	n, err := node.Create(ctx, filepath.Join(t.TempDir(), "ledger.db"), "concord.example/realpoll")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	pl := polltest.New(t, n, polltest.ThreeTrustees, 2, nVoters)
	f := &realPoll{t: t, n: n, voters: pl.Voters}
	poll, err := n.Poll(ctx, realPollID)
	if err != nil {
		t.Fatalf("Poll(%q) = %v", realPollID, err)
	}
	defer poll.Close()
	f.elec = pl.Open(poll)
	if _, err := n.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	// The server as 'concord serve' wires it (cmd/concord/serve.go).
	polls := server.NewPolls(n, server.PollsOptions{})
	t.Cleanup(func() { polls.Close() })
	srv := testServer(t, n, polls)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.record(w, r) {
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close) // registered last: the server stops before the polls close
	f.URL = ts.URL
	return f
}

// lookup finds code on the real ballot log twice, through node.Poll.Lookup
// and through the server's tracking route, and verifies each inclusion
// proof against the poll's signed checkpoint (SPEC §17b.6). It returns
// the node's answer.
func (f *realPoll) lookup(t *testing.T, code plebiscite.TrackingCode) *node.Inclusion {
	t.Helper()
	ctx := context.Background()
	poll, err := f.n.Poll(ctx, realPollID)
	if err != nil {
		t.Fatal(err)
	}
	defer poll.Close()
	in, err := poll.Lookup(ctx, code)
	if err != nil {
		t.Fatalf("Poll.Lookup(%v) = %v; want the ballot on the log", code, err)
	}
	cp, err := tlog.VerifyCheckpoint(in.Checkpoint, poll.Origin(), poll.Verifier())
	if err != nil {
		t.Fatalf("VerifyCheckpoint(poll checkpoint) = %v", err)
	}
	if err := tlog.VerifyInclusion(in.Proof, cp.Size, cp.Root, in.Index, tlog.LeafHash(in.Leaf)); err != nil {
		t.Errorf("VerifyInclusion(leaf %d in tree %d) = %v", in.Index, cp.Size, err)
	}

	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(f.URL + "/api/v1/plebiscites/" + realPollID + "/tracking/" + plebiscite.ShortCode(code))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr server.Tracked
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tr) != nil {
		t.Fatalf("GET tracking/%s = %d; want 200 with the tracked ballot", plebiscite.ShortCode(code), resp.StatusCode)
	}
	if tr.TrackingCode != code || tr.Index != in.Index {
		t.Errorf("GET tracking/%s = code %v index %d; want %v index %d", plebiscite.ShortCode(code), tr.TrackingCode, tr.Index, code, in.Index)
	}
	scp, err := tlog.VerifyCheckpoint([]byte(tr.Checkpoint), poll.Origin(), poll.Verifier())
	if err != nil {
		t.Fatalf("VerifyCheckpoint(served checkpoint) = %v", err)
	}
	if err := tlog.VerifyInclusion(tr.Proof, scp.Size, scp.Root, tr.Index, tlog.LeafHash(in.Leaf)); err != nil {
		t.Errorf("VerifyInclusion(served proof, leaf %d in tree %d) = %v", tr.Index, scp.Size, err)
	}
	return in
}

// TestBrowserRealPoll: through the booth page, against the real server and
// the real poll, a voter loads a credential file, chooses, encrypts and
// casts; the server receives exactly one encrypted ballot and nothing in
// clear; its tracking code is on the real ballot log with an inclusion
// proof that verifies against the poll's signed checkpoint, and the track
// page finds it. Another voter audits a ballot in the page: the check
// passes, and the published audit is a spoil leaf on the log.
func TestBrowserRealPoll(t *testing.T) {
	ctx := browser(t)
	f := newRealPoll(t, 4)

	credPath := filepath.Join(t.TempDir(), "voter.cred")
	if err := os.WriteFile(credPath, booth.MarshalCredential(f.voters[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "loading the booth with a credential file, choosing and encrypting",
		chromedp.Navigate(f.URL+"/booth.html?lang=en&id="+realPollID),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#opt-1`)),
		chromedp.SetUploadFiles(chromedp.CSS("#cred-file"), []string{credPath}),
		chromedp.Click(chromedp.CSS("#opt-1")),
		chromedp.Click(chromedp.CSS("#encrypt")),
		chromedp.WaitVisible(chromedp.CSS("#review")))
	pending := text(t, ctx, "#pending-code")
	screenshot(t, ctx, "realpoll-booth-encrypted")
	if n := len(f.Posts()); n != 0 {
		t.Fatalf("the server received %d POSTs before the ballot was cast; want 0", n)
	}
	do(t, ctx, "casting",
		chromedp.Click(chromedp.CSS("#cast")),
		chromedp.WaitVisible(chromedp.CSS("#cast-result")))
	screenshot(t, ctx, "realpoll-booth-cast")
	short, full := text(t, ctx, "#tracking-code"), text(t, ctx, "#tracking-full")
	if short != pending {
		t.Errorf("tracking code after casting = %q; before = %q", short, pending)
	}
	if got := text(t, ctx, "#receipt-check"); !strings.Contains(got, "same tracking code") {
		t.Errorf("receipt check = %q; want the same tracking code", got)
	}

	// The server received only the ballot.
	posts := f.Posts()
	if len(posts) != 1 {
		t.Fatalf("server received %d POSTs; want 1", len(posts))
	}
	p := posts[0]
	if p.Path != "/api/v1/plebiscites/"+realPollID+"/ballots" || p.ContentType != "application/octet-stream" {
		t.Errorf("POST %s (%s); want the ballots route with application/octet-stream", p.Path, p.ContentType)
	}
	b, err := plebiscite.ParseBallot(p.Body)
	if err != nil {
		t.Fatalf("ParseBallot(posted body) = %v; want an encrypted ballot and nothing else", err)
	}
	if l, err := plebiscite.ParseLeaf(p.Body); err != nil || l.Spoil != nil || l.Ballot == nil {
		t.Errorf("ParseLeaf(posted body) = %+v, %v; want a ballot leaf, not a spoil", l, err)
	}
	if !bytes.Equal(b.Bytes(), p.Body) {
		t.Errorf("posted body is not the canonical encoding of its ballot")
	}
	if err := f.elec.VerifyBallot(b); err != nil {
		t.Errorf("VerifyBallot(posted ballot) = %v", err)
	}
	if p.Body[0] != 1 {
		t.Errorf("posted body starts with %q; want the ballot version byte 1, not JSON or text", p.Body[0])
	}
	for _, plain := range append([]string{"choice", "opening", "randomness", "audit"}, f.elec.Manifest.Options...) {
		if strings.Contains(string(p.Body), plain) {
			t.Errorf("posted ballot contains the plaintext %q", plain)
		}
	}
	code := b.TrackingCode()
	if code.String() != full || plebiscite.ShortCode(code) != short {
		t.Errorf("tracking code of the posted ballot = %s (%s); the page shows %s (%s)", code, plebiscite.ShortCode(code), full, short)
	}

	// The tracking code is on the real ballot log.
	in := f.lookup(t, code)
	if in.Spoil || in.Superseded || !bytes.Equal(in.Leaf, p.Body) {
		t.Errorf("Poll.Lookup(%s) = spoil %v superseded %v, leaf equal %v; want the posted ballot, counted",
			short, in.Spoil, in.Superseded, bytes.Equal(in.Leaf, p.Body))
	}
	do(t, ctx, "following the tracking link",
		chromedp.Click(chromedp.CSS("#track-link")),
		chromedp.WaitVisible(chromedp.CSS("#track-found")))
	if got := text(t, ctx, "#found-code"); got != full {
		t.Errorf("track page shows %q; want %q", got, full)
	}
	screenshot(t, ctx, "realpoll-track")

	// Another voter audits a ballot: the page checks it, and the published
	// audit is a spoil leaf on the real log.
	do(t, ctx, "auditing a ballot",
		chromedp.Navigate(f.URL+"/booth.html?lang=en&id="+realPollID),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#opt-2`)),
		chromedp.SetValue(chromedp.CSS("#cred-text"), string(booth.MarshalCredential(f.voters[1]))),
		chromedp.Click(chromedp.CSS("#opt-2")),
		chromedp.Click(chromedp.CSS("#encrypt")),
		chromedp.WaitVisible(chromedp.CSS("#review")),
		chromedp.Click(chromedp.CSS("#audit")),
		chromedp.WaitVisible(chromedp.CSS("#audit-result")))
	screenshot(t, ctx, "realpoll-booth-audit")
	if got := attr(t, ctx, "#audit-status", "data-passed"); got != "true" {
		t.Fatalf("audit data-passed = %q (%s); want true", got, text(t, ctx, "#audit-status"))
	}
	if got := text(t, ctx, "#audit-status"); !strings.HasPrefix(got, "Check passed") {
		t.Errorf("audit status = %q; want Check passed", got)
	}
	if got := text(t, ctx, "#audit-choice"); !strings.Contains(got, "Independence") {
		t.Errorf("audit choice = %q; want Independence", got)
	}
	if n := len(f.Posts()); n != 1 {
		t.Fatalf("the server received %d POSTs after the audit; want still 1 (an audited ballot is not sent)", n)
	}
	do(t, ctx, "publishing the audit",
		chromedp.Click(chromedp.CSS("#publish-audit")),
		chromedp.WaitVisible(chromedp.CSS("#booth-status.success")))
	posts = f.Posts()
	if len(posts) != 2 {
		t.Fatalf("server received %d POSTs; want the ballot and the published audit", len(posts))
	}
	s, err := plebiscite.ParseSpoil(posts[1].Body)
	if err != nil {
		t.Fatalf("ParseSpoil(published audit) = %v", err)
	}
	if err := plebiscite.VerifyAudit(f.elec, s.Ballot, s.Opening); err != nil {
		t.Errorf("VerifyAudit(published audit) = %v", err)
	}
	if got := s.Opening.Choices(); len(got) != 1 || got[0] != 2 {
		t.Errorf("audited choices = %v; want [2]", got)
	}
	if in := f.lookup(t, s.Ballot.TrackingCode()); !in.Spoil {
		t.Errorf("Poll.Lookup(audited ballot) spoil = false; want the spoil leaf")
	}
}
