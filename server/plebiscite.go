package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"concord/ledger"
	"concord/tlog"
)

// Errors a Plebiscites implementation returns (wrapped) so that the server
// can choose the status (SPEC §18.7).
var (
	// ErrNotFound: no such plebiscite or tracking code (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the ballot is already recorded, the poll is not open,
	// or the result is not tallied yet (409).
	ErrConflict = errors.New("conflict")
)

// InvalidError is an invalid ballot (422): Rule names the SPEC subsection
// that rejects it, such as "14.6".
type InvalidError struct {
	Rule string
	Err  error
}

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// PlebisciteInfo summarises a plebiscite for GET /api/v1/plebiscites.
type PlebisciteInfo struct {
	ID           string      `json:"id"`
	Territory    string      `json:"territory,omitempty"`
	Question     string      `json:"question,omitempty"`
	ManifestHash ledger.Hash `json:"manifest_hash"`
	Opens        string      `json:"opens,omitempty"`  // YYYY-MM-DD
	Closes       string      `json:"closes,omitempty"` // YYYY-MM-DD
	Ballots      int64       `json:"ballots"`          // leaves on the plebiscite's log
	Tallied      bool        `json:"tallied"`
}

// Receipt is the answer to a cast ballot (SPEC §18.7).
type Receipt struct {
	TrackingCode ledger.Hash `json:"tracking_code"` // SHA-256 of the ballot (SPEC §14.5)
	ShortCode    string      `json:"short_code"`    // its short form
	Index        int64       `json:"index"`         // leaf index on the plebiscite's log
	Checkpoint   string      `json:"checkpoint,omitempty"`
}

// Tracked is a tracking code found on a plebiscite's log.
type Tracked struct {
	TrackingCode ledger.Hash `json:"tracking_code"`
	ShortCode    string      `json:"short_code,omitempty"`
	Index        int64       `json:"index"`
	Kind         string      `json:"kind,omitempty"`    // "ballot" or "spoil"
	Counted      *bool       `json:"counted,omitempty"` // once known (SPEC §15.1)
	Proof        []tlog.Hash `json:"proof,omitempty"`   // inclusion proof against Checkpoint
	Checkpoint   string      `json:"checkpoint,omitempty"`
}

// Plebiscites is what the server needs of the plebiscites it serves
// (SPEC §18.7). Errors wrap ErrNotFound, ErrConflict, ErrPushback or are
// an *InvalidError; any other error is a 500. Polls implements it on the
// polls of a node (SPEC §18.10).
type Plebiscites interface {
	// List returns the plebiscites served.
	List(ctx context.Context) ([]PlebisciteInfo, error)
	// Manifest returns the canonical manifest bytes (SPEC §13.6).
	Manifest(ctx context.Context, id string) ([]byte, error)
	// Cast verifies a ballot or spoil leaf (SPEC §14.6, §14.7) and appends
	// it durably to the plebiscite's log.
	Cast(ctx context.Context, id string, ballot []byte) (*Receipt, error)
	// Lookup finds a tracking code, full (64 hex digits) or short
	// (XXXX-XXXX-XXXX-XXXX), on the plebiscite's log.
	Lookup(ctx context.Context, id, code string) (*Tracked, error)
	// Result returns the canonical result JSON (SPEC §15.4).
	Result(ctx context.Context, id string) ([]byte, error)
}

func (s *Server) plebiscites() (Plebiscites, error) {
	if s.opts.Plebiscites == nil {
		return nil, &apiError{Code: http.StatusNotFound, Msg: "no plebiscite service configured"}
	}
	return s.opts.Plebiscites, nil
}

// plebisciteID checks the {id} path value (party-id syntax, SPEC §3.2).
func plebisciteID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !ledger.ValidID(id) {
		return "", badRequest("bad plebiscite id %q: want 1 to 32 characters of [a-z0-9-], starting with a letter", id)
	}
	return id, nil
}

// plebiscite returns the service and the checked {id} of a request about
// one plebiscite.
func (s *Server) plebiscite(r *http.Request) (Plebiscites, string, error) {
	p, err := s.plebiscites()
	if err != nil {
		return nil, "", err
	}
	id, err := plebisciteID(r)
	if err != nil {
		return nil, "", err
	}
	return p, id, nil
}

// listPlebiscites implements GET /api/v1/plebiscites.
func (s *Server) listPlebiscites(w http.ResponseWriter, r *http.Request) error {
	p, err := s.plebiscites()
	if err != nil {
		return err
	}
	list, err := p.List(r.Context())
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	if list == nil {
		list = []PlebisciteInfo{}
	}
	return writeJSON(w, http.StatusOK, struct {
		Plebiscites []PlebisciteInfo `json:"plebiscites"`
	}{list})
}

// writeRaw writes canonical JSON bytes as they are.
func writeRaw(w http.ResponseWriter, b []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// manifest implements GET /api/v1/plebiscites/{id}/manifest.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.plebiscite(r)
	if err != nil {
		return err
	}
	b, err := p.Manifest(r.Context(), id)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeRaw(w, b)
}

// ballotCredential returns the credential public key of a ballot (bytes
// 33 to 64 of SPEC §14.2) or of the ballot inside a spoil leaf (§14.7),
// for the per-credential rate limit; ok is false if the bytes are too
// short to hold one.
func ballotCredential(b []byte) (cred []byte, ok bool) {
	const off = 1 + 32
	switch {
	case len(b) >= off+32 && b[0] == 1:
		return b[off : off+32], true
	case len(b) >= 5+off+32 && b[0] == 2:
		return b[5+off : 5+off+32], true
	}
	return nil, false
}

// castBallot implements POST /api/v1/plebiscites/{id}/ballots.
func (s *Server) castBallot(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.plebiscite(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, "application/octet-stream", MaxBallotBody)
	if err != nil {
		return err
	}
	cred, ok := ballotCredential(body)
	if !ok {
		return &apiError{Code: http.StatusBadRequest, Msg: "malformed ballot: too short to hold a manifest hash and a credential", Rule: "14.2"}
	}
	if wait, ok := s.cred.allow(id + "/" + hex.EncodeToString(cred)); !ok {
		return &apiError{Code: http.StatusTooManyRequests, Msg: "too many ballots from this credential", Hint: "retry after the Retry-After delay", retryAfter: wait}
	}
	release, err := s.acquire()
	if err != nil {
		return err
	}
	rec, err := p.Cast(r.Context(), id, body)
	release()
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	s.metrics.ballot()
	return writeJSON(w, http.StatusCreated, rec)
}

// lookupCode implements GET /api/v1/plebiscites/{id}/tracking/{code}.
func (s *Server) lookupCode(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.plebiscite(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	if !validCode(code) {
		return badRequest("bad tracking code %q: want 64 lowercase hex digits or the short form XXXX-XXXX-XXXX-XXXX", code)
	}
	t, err := p.Lookup(r.Context(), id, code)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeJSON(w, http.StatusOK, t)
}

// validCode reports whether code is a full tracking code or a short one
// (SPEC §14.5).
func validCode(code string) bool {
	if _, err := ledger.ParseHash(code); err == nil {
		return true
	}
	if len(code) != 19 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if i%5 == 4 {
			if c != '-' {
				return false
			}
		} else if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// result implements GET /api/v1/plebiscites/{id}/result.
func (s *Server) result(w http.ResponseWriter, r *http.Request) error {
	p, id, err := s.plebiscite(r)
	if err != nil {
		return err
	}
	b, err := p.Result(r.Context(), id)
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return &apiError{Code: http.StatusConflict, Msg: fmt.Sprintf("plebiscite %s: %v", id, err), Hint: "the result is published once the trustees have decrypted the tally"}
		}
		return ctxErr(r.Context(), err)
	}
	return writeRaw(w, b)
}
