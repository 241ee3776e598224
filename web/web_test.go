package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"concord/web/internal/wasmbuild"
)

func get(t *testing.T, path string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	return w.Result()
}

func TestHandlerServesPages(t *testing.T) {
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", `<html lang="en">`},
		{"/index.html", "text/html; charset=utf-8", "explorer.js"},
		{"/booth.html", "text/html; charset=utf-8", "booth.js"},
		{"/track.html", "text/html; charset=utf-8", "track.js"},
		{"/result.html", "text/html; charset=utf-8", "result.js"},
		{"/explorer.js", "text/javascript; charset=utf-8", "verifyCheckpoint"},
		{"/style.css", "text/css; charset=utf-8", ":focus-visible"},
		{"/i18n/ro.json", "application/json", "Cabina de vot"},
		{"/booth.wasm", "application/wasm", "\x00asm"},
	} {
		res := get(t, c.path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", c.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s: Content-Type %q; want %q", c.path, got, c.ctype)
		}
		if !bytes.Contains(body, []byte(c.contains)) {
			t.Errorf("GET %s: body does not contain %q", c.path, c.contains)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("ETag") == "" {
			t.Errorf("GET %s: missing nosniff or ETag: %v", c.path, res.Header)
		}
	}
	if csp := get(t, "/booth.html").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'wasm-unsafe-eval'") || strings.Contains(csp, "'unsafe-inline'") {
		t.Errorf("booth CSP = %q; want wasm-unsafe-eval and no unsafe-inline", csp)
	}
}

func TestHandlerErrors(t *testing.T) {
	for _, p := range []string{"/nope.html", "/static/index.html", "/i18n/", "/i18n/xx.json", "/../web.go"} {
		if res := get(t, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", p, res.StatusCode)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/index.html", strings.NewReader("x"))
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /index.html = %d (Allow %q); want 405 with Allow: GET, HEAD", w.Code, w.Header().Get("Allow"))
	}
}

func TestHandlerGzipAndETag(t *testing.T) {
	plain := get(t, "/booth.wasm")
	want, _ := io.ReadAll(plain.Body)
	res := get(t, "/booth.wasm", "Accept-Encoding", "br, gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /booth.wasm with Accept-Encoding gzip: Content-Encoding %q; want gzip", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gunzip(GET /booth.wasm) differs from the plain body (err %v)", err)
	}
	if res.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Errorf("gzip and plain bodies share the ETag %s", res.Header.Get("ETag"))
	}
	if r := get(t, "/booth.wasm", "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	if r := get(t, "/index.html", "If-None-Match", get(t, "/index.html").Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
		t.Errorf("GET /index.html with its ETag = %d; want 304", r.StatusCode)
	}
}

var (
	dataI18n   = regexp.MustCompile(`data-i18n="([^"]+)"`)
	dataAttr   = regexp.MustCompile(`data-i18n-attr="([^"]+)"`)
	jsT        = regexp.MustCompile(`\bt\("([^"]+)"`)
	jsKeyLit   = regexp.MustCompile(`"((?:col|result|checkpoint|booth|track)\.[A-Za-z]+)"`)
	jsPrefix   = regexp.MustCompile(`t\(\s*"([a-z]+\.)"\s*\+`)
	jsPrefix2  = regexp.MustCompile("t\\(`([a-z]+)\\.\\$\\{")
	placeholds = regexp.MustCompile(`\{(\w+)\}`)
	fileName   = regexp.MustCompile(`\.(wasm|js|html|json|css)$`)
)

func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(Static(), "i18n/"+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("i18n/%s.json: %v", lang, err)
	}
	return m
}

// TestCatalogues checks that every message key the pages use is in every
// catalogue, that the catalogues have the same keys and placeholders, and
// that each HTML fallback equals the English message (SPEC §19.3).
func TestCatalogues(t *testing.T) {
	en := catalogue(t, "en")
	used := map[string]bool{}
	prefixes := map[string]bool{}
	files, _ := fs.Glob(Static(), "*.*")
	for _, f := range files {
		b, _ := fs.ReadFile(Static(), f)
		s := string(b)
		switch filepath.Ext(f) {
		case ".html":
			for _, m := range regexp.MustCompile(`data-i18n="([^"]+)"[^>]*>([^<]*)<`).FindAllStringSubmatch(s, -1) {
				if m[2] != "" && en[m[1]] != m[2] {
					t.Errorf("%s: fallback text of %s is %q; the English catalogue has %q", f, m[1], m[2], en[m[1]])
				}
			}
			for _, m := range dataI18n.FindAllStringSubmatch(s, -1) {
				used[m[1]] = true
			}
			for _, m := range dataAttr.FindAllStringSubmatch(s, -1) {
				for _, pair := range strings.Split(m[1], ";") {
					_, k, _ := strings.Cut(pair, ":")
					used[k] = true
				}
			}
		case ".js":
			for _, re := range []*regexp.Regexp{jsT, jsKeyLit} {
				for _, m := range re.FindAllStringSubmatch(s, -1) {
					if !strings.HasSuffix(m[1], ".") && !fileName.MatchString(m[1]) {
						used[m[1]] = true
					}
				}
			}
			for _, re := range []*regexp.Regexp{jsPrefix, jsPrefix2} {
				for _, m := range re.FindAllStringSubmatch(s, -1) {
					prefixes[strings.TrimSuffix(m[1], ".")+"."] = true
				}
			}
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d message keys in the pages; the scan is broken", len(used))
	}
	for p := range prefixes {
		if !slices.ContainsFunc(keys(en), func(k string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("no message with the prefix %q used by the scripts", p)
		}
	}
	for _, lang := range []string{"en", "ro", "ru"} {
		c := catalogue(t, lang)
		for k := range used {
			if c[k] == "" {
				t.Errorf("i18n/%s.json lacks %q", lang, k)
			}
		}
		if got, want := keys(c), keys(en); !slices.Equal(got, want) {
			t.Errorf("i18n/%s.json has keys %d; en has %d; they must be the same set", lang, len(got), len(want))
		}
		for k, v := range c {
			if got, want := places(v), places(en[k]); !slices.Equal(got, want) {
				t.Errorf("i18n/%s.json %q has placeholders %v; English has %v", lang, k, got, want)
			}
		}
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func places(s string) []string {
	var out []string
	for _, m := range placeholds.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// TestPagesAccessible checks the static markup (SPEC §19.3): a lang
// attribute, a title, a skip link, the language selector, and a <label
// for> for every input, select and textarea.
func TestPagesAccessible(t *testing.T) {
	pages, _ := fs.Glob(Static(), "*.html")
	if len(pages) != 4 {
		t.Fatalf("pages = %v; want 4", pages)
	}
	idRe := regexp.MustCompile(`<(input|select|textarea)\b[^>]*\bid="([^"]+)"`)
	ctrlRe := regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	for _, p := range pages {
		b, _ := fs.ReadFile(Static(), p)
		s := string(b)
		for _, want := range []string{`<html lang="en">`, `<title data-i18n=`, `class="skip" href="#main"`, `<main id="main">`, `<label for="lang"`, `<meta name="viewport"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %s", p, want)
			}
		}
		if n, m := len(ctrlRe.FindAllString(s, -1)), len(idRe.FindAllString(s, -1)); n != m {
			t.Errorf("%s: %d form controls, %d with an id; every control needs an id and a label", p, n, m)
		}
		for _, m := range idRe.FindAllStringSubmatch(s, -1) {
			if !strings.Contains(s, `<label for="`+m[2]+`"`) {
				t.Errorf("%s: %s#%s has no <label for=%q>", p, m[1], m[2], m[2])
			}
		}
		if strings.Contains(s, "<script>") || strings.Contains(s, " style=") || strings.Contains(s, " onclick=") {
			t.Errorf("%s has inline script or style, which the CSP forbids", p)
		}
	}
}

// TestWasmUpToDate rebuilds the booth's module and checks that the
// committed web/static files are the same bytes (SPEC §19.6). Run "go
// generate ./web" when it fails.
func TestWasmUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the WebAssembly module")
	}
	recorded, err := fs.ReadFile(Static(), wasmbuild.Toolchain)
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(recorded)); v != runtime.Version() {
		t.Skipf("web/static/booth.wasm was built by %s; this toolchain is %s, which builds other bytes", v, runtime.Version())
	}
	dir := t.TempDir()
	if err := wasmbuild.Build(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{wasmbuild.Module, wasmbuild.Support, wasmbuild.Toolchain} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := fs.ReadFile(Static(), f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("web/static/%s is stale (%d bytes committed, %d rebuilt): run go generate ./web", f, len(committed), len(got))
		}
	}
}

// TestContrast checks that the style sheet's text colours meet WCAG 2.1 AA
// (contrast ratio at least 4.5:1) on the backgrounds they are used on
// (SPEC §19.3).
func TestContrast(t *testing.T) {
	css, err := fs.ReadFile(Static(), "style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-f]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	pairs := [][2]string{
		{"fg", "bg"}, {"fg", "panel"}, {"muted", "bg"}, {"muted", "panel"}, {"accent", "bg"}, {"accent", "panel"},
		{"ok-fg", "ok-bg"}, {"bad-fg", "bad-bg"}, {"warn-fg", "warn-bg"}, {"info-fg", "info-bg"},
		{"grey-fg", "grey-bg"}, {"purple-fg", "purple-bg"}, {"fg", "info-bg"},
	}
	for _, p := range pairs {
		fg, bg := vars[p[0]], vars[p[1]]
		if fg == "" || bg == "" {
			t.Errorf("style.css lacks --%s or --%s", p[0], p[1])
			continue
		}
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("contrast(--%s %s, --%s %s) = %.2f; want at least 4.5", p[0], fg, p[1], bg, r)
		}
	}
	if r := contrast("#000000", "#ffffff"); math.Abs(r-21) > 1e-9 {
		t.Fatalf("contrast(black, white) = %v; want 21 (WCAG 2.1)", r)
	}
	if r := contrast("#ffffff", "#0b5cad"); r < 4.5 { // button text
		t.Errorf("button contrast = %.2f; want at least 4.5", r)
	}
}

// contrast is the WCAG 2.1 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hexColour string) float64 {
	var rgb [3]float64
	for i := range rgb {
		var v int
		fmt.Sscanf(hexColour[1+2*i:3+2*i], "%02x", &v)
		c := float64(v) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}
