package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"concord/ledger"
	"concord/node"
	"concord/tlog"
)

// apiError is an error with its HTTP status and the JSON error body of
// SPEC §18.1.
type apiError struct {
	Code  int         `json:"-"`
	Msg   string      `json:"error"`
	Hint  string      `json:"hint,omitempty"`
	Rule  string      `json:"rule,omitempty"`
	Index *int64      `json:"index,omitempty"`
	Hash  ledger.Hash `json:"-"`

	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.Msg }

// body returns the JSON error body.
func (e *apiError) body() []byte {
	type wire struct {
		Error string `json:"error"`
		Hint  string `json:"hint,omitempty"`
		Rule  string `json:"rule,omitempty"`
		Index *int64 `json:"index,omitempty"`
		Hash  string `json:"hash,omitempty"`
	}
	v := wire{Error: e.Msg, Hint: e.Hint, Rule: e.Rule, Index: e.Index}
	if !e.Hash.IsZero() {
		v.Hash = e.Hash.String()
	}
	b, _ := marshal(v)
	return b
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusNotFound, Msg: fmt.Sprintf(format, args...)}
}

// classify maps an error to its HTTP status and body (SPEC §18.1).
func classify(err error, retry time.Duration) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	var fe *ledger.FormatError
	var re *ledger.RuleError
	var ie *InvalidError
	switch {
	case errors.As(err, &mbe):
		return &apiError{Code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body too large: the limit is %d bytes", mbe.Limit), Rule: "18.3"}
	case errors.Is(err, node.ErrTooLarge):
		return &apiError{Code: http.StatusRequestEntityTooLarge, Msg: err.Error(), Rule: "3.1"}
	case errors.As(err, &fe):
		return &apiError{Code: http.StatusBadRequest, Msg: err.Error(), Rule: "3.1", Hint: "send the canonical encoding of a signed entry (SPEC §3.3), as written by the concord command line"}
	case errors.As(err, &re):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: err.Error(), Rule: re.Rule}
	case errors.Is(err, ErrPushback):
		return &apiError{Code: http.StatusServiceUnavailable, Msg: err.Error(), retryAfter: retry}
	case errors.As(err, &ie):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: ie.Error(), Rule: ie.Rule}
	case errors.Is(err, ErrNotFound), errors.Is(err, tlog.ErrNotFound):
		return &apiError{Code: http.StatusNotFound, Msg: err.Error()}
	case errors.Is(err, ErrConflict), errors.Is(err, tlog.ErrDuplicate):
		return &apiError{Code: http.StatusConflict, Msg: err.Error()}
	}
	return &apiError{Code: http.StatusInternalServerError, Msg: "internal error: " + err.Error()}
}

// writeErr writes err as a JSON error response.
func writeErr(w http.ResponseWriter, r *http.Request, err error, retry time.Duration) {
	writeError(w, r, 0, classify(err, retry))
}

func writeError(w http.ResponseWriter, r *http.Request, code int, e *apiError) {
	if code == 0 {
		code = e.Code
	}
	if code == 0 {
		code = http.StatusInternalServerError
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(e.body(), '\n'))
}

// marshal encodes v as JSON without HTML escaping, so that embedded
// canonical entries keep their exact bytes.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON writes v as a JSON response with status code.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, err = w.Write(append(b, '\n'))
	return err
}

// clientAddr is the address rate limits count: the remote IP, without the
// port. Forwarding headers are not trusted (SPEC §18.4).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
