// Package web implements Concord's web explorer and voting booth as
// specified in docs/SPEC.md, Section 19: static pages, scripts,
// message catalogues and the booth's WebAssembly module, embedded in the
// binary and served by Handler.
//
// The pages talk only to the JSON API under /api/v1/ and to the log's
// C2SP tlog-tiles endpoints (/checkpoint, /tile/…); the server mounts
// Handler at "/" beside them. The WebAssembly module (web/static/booth.wasm)
// is built from concord/web/wasm by "go generate ./web" and committed; a
// test fails when it is stale.
package web

//go:generate go run ./internal/wasmgen static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// Static returns the embedded files, rooted at the site root: "index.html",
// "booth.wasm", "i18n/en.json" and so on.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// asset is one embedded file ready to serve.
type asset struct {
	data  []byte
	gz    []byte // gzip of data when it is worth it, else nil
	etag  string
	ctype string
}

var assets = sync.OnceValue(loadAssets)

// loadAssets reads and prepares every embedded file once.
func loadAssets() map[string]*asset {
	m := map[string]*asset{}
	fsys := Static()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		a := &asset{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: contentType(p)}
		if len(data) > 1024 && compressible(a.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(data)
			zw.Close()
			if buf.Len() < len(data)*9/10 {
				a.gz = buf.Bytes()
			}
		}
		m["/"+p] = a
		return nil
	})
	if err != nil {
		panic("web: reading the embedded files: " + err.Error())
	}
	return m
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".wasm":
		return "application/wasm"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".json":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || ctype == "application/wasm" || ctype == "application/json"
}

// csp is the pages' Content-Security-Policy (SPEC §19.1): everything from
// the same origin, no inline script or style, and WebAssembly compilation
// allowed for the booth's module.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the embedded explorer and booth (SPEC §19.1): GET and
// HEAD only, "/" is index.html, every other path names an embedded file
// exactly; anything else is 404. Responses carry an ETag, revalidate on
// each use, and are gzip-compressed for clients that accept it.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/" {
		p = "/index.html"
	}
	a, ok := assets()[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(a.ctype, "text/html") {
		h.Set("Content-Security-Policy", csp)
	}
	data, etag := a.data, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			data, etag = a.gz, strings.TrimSuffix(etag, `"`)+`-gz"`
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
