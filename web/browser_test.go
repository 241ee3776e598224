package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"concord/plebiscite"
	"concord/tlog"
	"concord/web/booth"
)

// Browser tests (SPEC §19.7) drive headless Chromium with chromedp against
// a real server on loopback. They need CONCORD_TEST_CHROMIUM, the path of
// the browser; without it they are skipped, except under CI=true, where
// they fail.

// browser starts Chromium and returns a chromedp context for one tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CONCORD_TEST_CHROMIUM")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CONCORD_TEST_CHROMIUM is not set under CI=true: .ci/run must install Chromium and set it")
		}
		t.Skip("set CONCORD_TEST_CHROMIUM=/usr/bin/chromium to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a timeout
		t.Fatalf("starting %s: %v", path, err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return tctx
}

// screenshot writes a full-page PNG to $CONCORD_TEST_ARTIFACTS (or a
// temporary directory) and logs its path.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("CONCORD_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

func attr(t *testing.T, ctx context.Context, css, name string) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, css, err)
	}
	return a.Value
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		screenshot(t, ctx, strings.ReplaceAll(t.Name(), "/", "-")+"-failure")
		t.Fatalf("%s: %v", what, err)
	}
}

// TestBrowserExplorer: the explorer at 1918-05-10 shows Rumania's
// evacuation obligation overdue, and the page verified the checkpoint.
func TestBrowserExplorer(t *testing.T) {
	ctx := browser(t)
	site := newTestSite(t)
	do(t, ctx, "loading the explorer",
		chromedp.Navigate(site.URL+"/?at=1918-05-10&lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-status[data-verified]`)))
	row := `tr[data-clause="evacuate-bessarabia"]`
	if got := attr(t, ctx, row, "data-obligor"); got != "romania" {
		t.Errorf("obligor of evacuate-bessarabia = %q; want romania", got)
	}
	if got := attr(t, ctx, row+` [data-state]`, "data-state"); got != "overdue" {
		t.Errorf("state of evacuate-bessarabia at 1918-05-10 = %q; want overdue", got)
	}
	if got := text(t, ctx, row+` [data-state]`); got != "overdue" {
		t.Errorf("label of evacuate-bessarabia at 1918-05-10 = %q; want overdue", got)
	}
	if got := text(t, ctx, "#verify-status"); !strings.HasPrefix(got, "verified: root matches") {
		t.Errorf("checkpoint status = %q; want verified: root matches", got)
	}
	if got := attr(t, ctx, "#verify-status", "data-verified"); got != "true" {
		t.Errorf("data-verified = %q; want true", got)
	}
	if cp := text(t, ctx, "#checkpoint"); strings.Contains(cp, "INVALID") {
		t.Errorf("checkpoint panel = %q; want the log signature valid", cp)
	} else if !strings.Contains(cp, "valid (Ed25519") {
		t.Logf("log signature not checked in this browser: %q", cp)
	}
	if got := attr(t, ctx, `path[data-sector="rostov"]`, "class"); got != "sector disputed" {
		t.Errorf("class of the Rostov sector = %q; want sector disputed", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#at"))); err != nil || got != "1918-05-10" {
		t.Errorf("date input = %q, %v; want 1918-05-10", got, err)
	}
	screenshot(t, ctx, "explorer-1918-05-10")
	checkJSHashes(t, ctx)

	// The date control and the timeline buttons change the world shown.
	do(t, ctx, "choosing 1917-12-15",
		chromedp.Click(chromedp.CSS(`#dates button[data-date="1917-12-15"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dates button[data-date="1917-12-15"][aria-pressed="true"]`)))
	if got := text(t, ctx, "#obligations"); got != "None recorded as of this date." {
		t.Errorf("obligations at 1917-12-15 = %q; want none", got)
	}

	// Romanian and Russian catalogues.
	for _, c := range []struct{ lang, want string }{{"ro", "depășit"}, {"ru", "просрочено"}} {
		do(t, ctx, "loading the explorer in "+c.lang,
			chromedp.Navigate(site.URL+"/?at=1918-05-10&lang="+c.lang),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
		if got := text(t, ctx, row+` [data-state]`); got != c.want {
			t.Errorf("label in %s = %q; want %q", c.lang, got, c.want)
		}
		if got := attr(t, ctx, "html", "lang"); got != c.lang {
			t.Errorf("html lang = %q; want %q", got, c.lang)
		}
	}
	screenshot(t, ctx, "explorer-ru")
}

// TestBrowserExplorerDetectsTampering: entries that do not hash to the
// checkpoint's root are reported, not verified.
func TestBrowserExplorerDetectsTampering(t *testing.T) {
	ctx := browser(t)
	site := newTestSite(t)
	site.mu.Lock()
	site.tamper = true
	site.mu.Unlock()
	do(t, ctx, "loading the explorer",
		chromedp.Navigate(site.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#verify-status[data-verified]`)))
	if got := attr(t, ctx, "#verify-status", "data-verified"); got != "false" {
		t.Errorf("data-verified with a tampered entry = %q; want false", got)
	}
	if got := text(t, ctx, "#verify-status"); !strings.HasPrefix(got, "NOT verified: the entries give root") {
		t.Errorf("status with a tampered entry = %q; want NOT verified", got)
	}
}

// openBooth loads the booth and gives it voter i's credential, pasted or
// as a file chosen with the file input.
func openBooth(t *testing.T, ctx context.Context, site *testSite, voter int, asFile bool) {
	t.Helper()
	cred := booth.MarshalCredential(site.Pleb.voters[voter])
	give := chromedp.SetValue(chromedp.CSS("#cred-text"), string(cred))
	if asFile {
		p := filepath.Join(t.TempDir(), "voter.cred")
		if err := os.WriteFile(p, cred, 0o600); err != nil {
			t.Fatal(err)
		}
		give = chromedp.SetUploadFiles(chromedp.CSS("#cred-file"), []string{p})
	}
	do(t, ctx, "loading the booth",
		chromedp.Navigate(site.URL+"/booth.html?lang=en&id="+testPlebisciteID),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#opt-1`)),
		give)
}

// TestBrowserCast: a voter casts a ballot with the keyboard alone; the
// server receives only the encrypted ballot, and its tracking code is on
// the log.
func TestBrowserCast(t *testing.T) {
	ctx := browser(t)
	site := newTestSite(t)
	openBooth(t, ctx, site, 0, false)
	do(t, ctx, "choosing and encrypting with the keyboard",
		chromedp.Focus(chromedp.CSS("#opt-1")),
		chromedp.KeyEvent(" "),
		chromedp.Focus(chromedp.CSS("#encrypt")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#review")))
	pending := text(t, ctx, "#pending-code")
	t.Logf("encrypting in the browser (WebAssembly) took %s ms", attr(t, ctx, "#review", "data-encrypt-ms"))
	screenshot(t, ctx, "booth-encrypted")
	if n := len(site.Posts()); n != 0 {
		t.Fatalf("the server received %d requests before the ballot was cast; want 0", n)
	}
	do(t, ctx, "casting",
		chromedp.Focus(chromedp.CSS("#cast")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#cast-result")))
	screenshot(t, ctx, "booth-cast")
	short, full := text(t, ctx, "#tracking-code"), text(t, ctx, "#tracking-full")
	if short != pending {
		t.Errorf("tracking code after casting = %q; before = %q", short, pending)
	}
	if got := text(t, ctx, "#receipt-check"); !strings.Contains(got, "same tracking code") {
		t.Errorf("receipt check = %q; want the same tracking code", got)
	}

	posts := site.Posts()
	if len(posts) != 1 {
		t.Fatalf("server received %d POSTs; want 1", len(posts))
	}
	p := posts[0]
	if p.Path != "/api/v1/plebiscites/"+testPlebisciteID+"/ballots" || p.ContentType != "application/octet-stream" {
		t.Errorf("POST %s (%s); want the ballots route with application/octet-stream", p.Path, p.ContentType)
	}
	assertCiphertextOnly(t, site, p.Body, full)

	do(t, ctx, "following the tracking link",
		chromedp.Click(chromedp.CSS("#track-link")),
		chromedp.WaitVisible(chromedp.CSS("#track-found")))
	if got := text(t, ctx, "#found-code"); got != full {
		t.Errorf("track page shows %q; want %q", got, full)
	}
	screenshot(t, ctx, "track")

	// The result page, once tallied.
	counts := site.Pleb.tally(t)
	if counts[1] != 1 {
		t.Fatalf("tally = %v; want the one vote for option 1", counts)
	}
	do(t, ctx, "loading the result",
		chromedp.Navigate(site.URL+"/result.html?lang=en&id="+testPlebisciteID),
		chromedp.WaitVisible(chromedp.CSS("svg.chart rect.bar.winner")))
	if got := text(t, ctx, "#result .status"); got != "Decision: Kingdom of Romania has an absolute majority." {
		t.Errorf("result page says %q", got)
	}
	screenshot(t, ctx, "result")
}

// assertCiphertextOnly checks that the body the server received is
// exactly one encrypted ballot (SPEC §14.2) and nothing else: no JSON, no
// plaintext choice, no opening.
func assertCiphertextOnly(t *testing.T, site *testSite, body []byte, tracking string) {
	t.Helper()
	b, err := plebiscite.ParseBallot(body)
	if err != nil {
		t.Fatalf("ParseBallot(posted body) = %v; want an encrypted ballot and nothing else", err)
	}
	if got := b.TrackingCode().String(); got != tracking {
		t.Errorf("tracking code of the posted ballot = %s; the page shows %s", got, tracking)
	}
	if err := site.Pleb.e.VerifyBallot(b); err != nil {
		t.Errorf("VerifyBallot(posted ballot) = %v", err)
	}
	if body[0] != 1 {
		t.Errorf("posted body starts with %q; want the ballot version byte 1", body[0])
	}
	for _, plain := range append([]string{"choice", "opening", "randomness", "audit"}, site.Pleb.e.Manifest.Options...) {
		if strings.Contains(string(body), plain) {
			t.Errorf("posted ballot contains the plaintext %q", plain)
		}
	}
}

// TestBrowserAudit: an audited ballot verifies in the page, is spoiled
// (never sent as a vote), and its published audit checks on the server.
func TestBrowserAudit(t *testing.T) {
	ctx := browser(t)
	site := newTestSite(t)
	openBooth(t, ctx, site, 1, true)
	do(t, ctx, "encrypting and auditing",
		chromedp.Click(chromedp.CSS("#opt-2")),
		chromedp.Click(chromedp.CSS("#encrypt")),
		chromedp.WaitVisible(chromedp.CSS("#review")),
		chromedp.Click(chromedp.CSS("#audit")),
		chromedp.WaitVisible(chromedp.CSS("#audit-result")))
	screenshot(t, ctx, "booth-audit")
	if got := attr(t, ctx, "#audit-status", "data-passed"); got != "true" {
		t.Fatalf("audit data-passed = %q (%s); want true", got, text(t, ctx, "#audit-status"))
	}
	if got := text(t, ctx, "#audit-status"); !strings.HasPrefix(got, "Check passed") {
		t.Errorf("audit status = %q; want Check passed", got)
	}
	if got := text(t, ctx, "#audit-choice"); !strings.Contains(got, "Independence") {
		t.Errorf("audit choice = %q; want Independence", got)
	}
	if n := len(site.Posts()); n != 0 {
		t.Fatalf("the server received %d requests for an audited ballot; want 0", n)
	}
	if vis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("review").hidden`)); err != nil || vis {
		t.Errorf("the spoiled ballot can still be cast (review visible = %v, %v)", vis, err)
	}
	do(t, ctx, "publishing the audit",
		chromedp.Click(chromedp.CSS("#publish-audit")),
		chromedp.WaitVisible(chromedp.CSS("#booth-status.success")))
	posts := site.Posts()
	if len(posts) != 1 {
		t.Fatalf("server received %d POSTs; want the published audit", len(posts))
	}
	s, err := plebiscite.ParseSpoil(posts[0].Body)
	if err != nil {
		t.Fatalf("ParseSpoil(published audit) = %v", err)
	}
	if err := plebiscite.VerifyAudit(site.Pleb.e, s.Ballot, s.Opening); err != nil {
		t.Errorf("VerifyAudit(published audit) = %v", err)
	}
	if got := s.Opening.Choices(); len(got) != 1 || got[0] != 2 {
		t.Errorf("audited choices = %v; want [2]", got)
	}
}

// checkJSHashes compares the page's plain-JavaScript SHA-256 (the fallback
// where WebCrypto is missing) and its RFC 6962 root with Go's.
func checkJSHashes(t *testing.T, ctx context.Context) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`import("/merkle.js").then(async (m) => {
		const enc = (n) => Uint8Array.from({length: n}, (_, i) => (i * 7 + 3) & 255);
		const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
		const out = [0, 3, 55, 56, 63, 64, 1000].map((n) => hex(m.sha256Fallback(enc(n))));
		const leaves = await Promise.all([0, 1, 2, 3, 4].map((n) => m.leafHash(enc(n))));
		out.push(hex(await m.merkleRoot(leaves)));
		return out;
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating merkle.js: %v", err)
	}
	enc := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 3)
		}
		return b
	}
	var want []string
	for _, n := range []int{0, 3, 55, 56, 63, 64, 1000} {
		h := sha256.Sum256(enc(n))
		want = append(want, hex.EncodeToString(h[:]))
	}
	var leaves [][]byte
	for n := range 5 {
		leaves = append(leaves, enc(n))
	}
	root := tlog.RootOf(leaves)
	want = append(want, hex.EncodeToString(root[:]))
	if !slices.Equal(got, want) {
		t.Errorf("merkle.js hashes = %v; want %v", got, want)
	}
}

// TestBrowserCastRefused: a credential that is not on the roll encrypts on
// the device, but the server refuses the ballot and the page says so.
func TestBrowserCastRefused(t *testing.T) {
	ctx := browser(t)
	site := newTestSite(t)
	stranger := booth.MarshalCredential(plebiscite.NewVoter())
	do(t, ctx, "casting with a credential not on the roll",
		chromedp.Navigate(site.URL+"/booth.html?lang=en&id="+testPlebisciteID),
		chromedp.WaitVisible(chromedp.CSS(`#opt-0`)),
		chromedp.SetValue(chromedp.CSS("#cred-text"), string(stranger)),
		chromedp.Click(chromedp.CSS("#opt-0")),
		chromedp.Click(chromedp.CSS("#encrypt")),
		chromedp.WaitVisible(chromedp.CSS("#review")),
		chromedp.Click(chromedp.CSS("#cast")),
		chromedp.WaitVisible(chromedp.CSS("#booth-status.error")))
	if got := text(t, ctx, "#booth-status"); !strings.Contains(got, "The server refused the ballot") || !strings.Contains(got, "not on the roll") {
		t.Errorf("status = %q; want the server's refusal naming the roll", got)
	}
	if vis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("cast-result").hidden`)); err != nil || vis {
		t.Errorf("cast result shown for a refused ballot (%v, %v)", vis, err)
	}
	site.Pleb.mu.Lock()
	n := len(site.Pleb.leaves)
	site.Pleb.mu.Unlock()
	if n != 0 {
		t.Errorf("%d leaves recorded; want 0", n)
	}
}
