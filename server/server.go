// Package server implements Concord's HTTP interface as specified in
// docs/SPEC.md (Section 18): the JSON API under /api/v1/ (described
// in docs/openapi.yaml), the C2SP tlog-tiles layout of the log, the C2SP
// tlog-witness add-checkpoint endpoint, request limits, Prometheus metrics
// and request logs.
//
// The server has no storage of its own: it serves a *node.Node, and for
// plebiscites whatever implements Plebiscites.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"concord/ledger"
	"concord/node"
	"concord/tlog"
)

// Body size limits, in bytes (SPEC §18.3).
const (
	MaxEntryBody       = ledger.MaxEntrySize
	MaxBallotBody      = 64 << 10
	MaxCosignatureBody = 16 << 10
	MaxWitnessBody     = 64 << 10
)

// Page sizes of GET /api/v1/entries (SPEC §18.2).
const (
	DefaultPage = 100
	MaxPage     = 1000
)

// ErrPushback is the back-pressure error: the node has too much work in
// progress. The server answers it with 503 and Retry-After (SPEC §18.4).
// A Plebiscites implementation may return it (wrapped) too.
var ErrPushback = errors.New("server busy: too many requests in progress, retry later")

// Rate is a token-bucket rate limit: PerSecond tokens are added each
// second up to Burst. A zero PerSecond disables the limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Options configures a server. The zero value serves the ledger with the
// default limits, logs nothing, and has no plebiscites and no witness.
type Options struct {
	// Logger receives one Info record per request; nil: no request logs.
	Logger *slog.Logger
	// Plebiscites serves the plebiscite routes; nil: they answer 404
	// "no plebiscite service configured".
	Plebiscites Plebiscites
	// LogKey is the log's verifier key text, echoed in checkpoint
	// responses; optional.
	LogKey string
	// CosignerKeys are the witnesses whose cosignatures
	// POST /api/v1/cosignatures accepts.
	CosignerKeys []note.Verifier
	// Witness, if set, serves POST /add-checkpoint (C2SP tlog-witness),
	// cosigning checkpoints of the served log and of WitnessLogs.
	Witness     *tlog.Witness
	WitnessLogs []note.Verifier
	// PerAddress limits requests per client address (default 100/s, burst
	// 200); PerCredential limits ballots per credential (default 1/s,
	// burst 5). A negative PerSecond disables the limit.
	PerAddress    Rate
	PerCredential Rate
	// MaxPendingAppends is how many appends may wait for the node at once
	// before ErrPushback (default 256).
	MaxPendingAppends int
	// RetryAfter is the Retry-After of 503 answers (default 1 s).
	RetryAfter time.Duration

	now func() time.Time // tests
}

// Server is the HTTP handler of a node.
type Server struct {
	n       *node.Node
	opts    Options
	mux     *http.ServeMux
	routes  []Route
	metrics *metrics
	addr    *limiter
	cred    *limiter
	pending chan struct{}
	witness sync.Mutex // makes a witness's check of the old size and its cosignature atomic
}

// New returns the HTTP handler serving n (SPEC §18).
func New(n *node.Node, opts Options) *Server {
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.PerAddress == (Rate{}) {
		opts.PerAddress = Rate{PerSecond: 100, Burst: 200}
	}
	if opts.PerCredential == (Rate{}) {
		opts.PerCredential = Rate{PerSecond: 1, Burst: 5}
	}
	if opts.MaxPendingAppends <= 0 {
		opts.MaxPendingAppends = 256
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Second
	}
	s := &Server{
		n:       n,
		opts:    opts,
		mux:     http.NewServeMux(),
		metrics: newMetrics(),
		addr:    newLimiter(opts.PerAddress, opts.now),
		cred:    newLimiter(opts.PerCredential, opts.now),
		pending: make(chan struct{}, opts.MaxPendingAppends),
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, &apiError{Msg: "no such route: " + r.Method + " " + r.URL.Path, Hint: "see docs/openapi.yaml"})
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handle registers an extra handler on the server's mux, such as the web
// pages' assets, outside the API's route table. pattern is a
// http.ServeMux pattern; it must not collide with a route of Routes.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Route is one route of the server: the method and http.ServeMux path
// pattern it is registered under, and the paths of docs/openapi.yaml that
// document it.
type Route struct {
	Method  string
	Pattern string
	OpenAPI []string // documented paths; empty: Pattern itself
	Name    string   // metrics label
	limited bool     // subject to the per-address rate limit
	handler func(w http.ResponseWriter, r *http.Request) error
}

// Routes returns the server's route table, from which its mux is built.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func (s *Server) routeTable() []Route {
	return []Route{
		{Method: "GET", Pattern: "/healthz", Name: "healthz", handler: s.healthz},
		{Method: "GET", Pattern: "/metrics", Name: "metrics", handler: s.serveMetrics},
		{Method: "POST", Pattern: "/api/v1/entries", Name: "append", limited: true, handler: s.appendEntry},
		{Method: "GET", Pattern: "/api/v1/entries", Name: "entries", limited: true, handler: s.listEntries},
		{Method: "GET", Pattern: "/api/v1/entries/{hash}", Name: "entry", limited: true, handler: s.getEntry},
		{Method: "GET", Pattern: "/api/v1/entries/{hash}/proof", Name: "proof", limited: true, handler: s.inclusionProof},
		{Method: "GET", Pattern: "/api/v1/consistency", Name: "consistency", limited: true, handler: s.consistencyProof},
		{Method: "GET", Pattern: "/api/v1/checkpoint", Name: "checkpoint", limited: true, handler: s.apiCheckpoint},
		{Method: "POST", Pattern: "/api/v1/cosignatures", Name: "cosignature", limited: true, handler: s.addCosignature},
		{Method: "GET", Pattern: "/api/v1/world", Name: "world", limited: true, handler: s.world},
		{Method: "GET", Pattern: "/api/v1/timeline", Name: "timeline", limited: true, handler: s.timeline},
		{Method: "GET", Pattern: "/api/v1/plebiscites", Name: "plebiscites", limited: true, handler: s.listPlebiscites},
		{Method: "GET", Pattern: "/api/v1/plebiscites/{id}/manifest", Name: "manifest", limited: true, handler: s.manifest},
		{Method: "POST", Pattern: "/api/v1/plebiscites/{id}/ballots", Name: "ballot", limited: true, handler: s.castBallot},
		{Method: "GET", Pattern: "/api/v1/plebiscites/{id}/tracking/{code}", Name: "tracking", limited: true, handler: s.lookupCode},
		{Method: "GET", Pattern: "/api/v1/plebiscites/{id}/result", Name: "result", limited: true, handler: s.result},
		{Method: "GET", Pattern: "/checkpoint", Name: "tlog-checkpoint", limited: true, handler: s.tlogCheckpoint},
		{Method: "GET", Pattern: "/tile/{path...}", OpenAPI: []string{"/tile/{L}/{N}", "/tile/entries/{N}"}, Name: "tlog-tile", limited: true, handler: s.tile},
		{Method: "POST", Pattern: "/add-checkpoint", Name: "add-checkpoint", limited: true, handler: s.addCheckpoint},
	}
}

// wrap adds to a route's handler the per-address rate limit, error
// responses, metrics and the request log.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.opts.now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		var err error
		if rt.limited {
			if wait, ok := s.addr.allow(clientAddr(r)); !ok {
				err = &apiError{Code: http.StatusTooManyRequests, Msg: "too many requests from this address", Hint: "slow down and retry after the Retry-After delay", retryAfter: wait}
			}
		}
		if err == nil {
			err = rt.handler(rec, r)
		}
		if err != nil {
			writeErr(rec, r, err, s.opts.RetryAfter)
		}
		d := s.opts.now().Sub(start)
		s.metrics.request(rt.Name, rec.code)
		if s.opts.Logger != nil {
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", rt.Name),
				slog.Int("status", rec.code),
				slog.Int64("bytes", rec.n),
				slog.Duration("duration", d),
				slog.String("remote", clientAddr(r)),
			}
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
			s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	n     int64
	wrote bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// HTTPServer returns an http.Server for h on addr with the timeouts of
// SPEC §18.4.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// acquire reserves a place for one append, or fails with ErrPushback when
// MaxPendingAppends are already waiting or running (SPEC §18.4).
func (s *Server) acquire() (release func(), err error) {
	select {
	case s.pending <- struct{}{}:
		return func() { <-s.pending }, nil
	default:
		return nil, ErrPushback
	}
}

// healthz reports that the server is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
		Size   int64  `json:"size"`
	}{"ok", s.n.Size()})
}

// ctxErr turns a cancelled request into a quiet error.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &apiError{Code: 499, Msg: "request cancelled"}
	}
	return err
}
