package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/note"

	"concord/tlog"
)

// maxProofLines is the most consistency-proof lines an add-checkpoint
// request may carry (C2SP tlog-witness).
const maxProofLines = 63

// addCheckpointRequest is a parsed C2SP tlog-witness add-checkpoint body.
type addCheckpointRequest struct {
	old        int64
	proof      []tlog.Hash
	checkpoint []byte
}

// ParseAddCheckpoint parses the body of a C2SP tlog-witness add-checkpoint
// request (SPEC §18.6): "old <size>\n", at most 63 base64 proof lines, an
// empty line, then the signed checkpoint.
func ParseAddCheckpoint(body []byte) (old int64, proof []tlog.Hash, checkpoint []byte, err error) {
	req, err := parseAddCheckpoint(body)
	if err != nil {
		return 0, nil, nil, err
	}
	return req.old, req.proof, req.checkpoint, nil
}

func parseAddCheckpoint(body []byte) (*addCheckpointRequest, error) {
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok || !bytes.HasPrefix(line, []byte("old ")) {
		return nil, badRequest("add-checkpoint body must start with an \"old <size>\" line")
	}
	num := string(line[len("old "):])
	old, err := strconv.ParseInt(num, 10, 64)
	if err != nil || old < 0 || strconv.FormatInt(old, 10) != num {
		return nil, badRequest("bad old size %q: want a decimal number without leading zeros", num)
	}
	req := &addCheckpointRequest{old: old, proof: []tlog.Hash{}}
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return nil, badRequest("add-checkpoint body has no empty line before the checkpoint")
		}
		if len(line) == 0 {
			break
		}
		if len(req.proof) == maxProofLines {
			return nil, badRequest("more than %d consistency proof lines", maxProofLines)
		}
		var h tlog.Hash
		b, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(b) != len(h) {
			return nil, badRequest("consistency proof line %d is not the base64 of a 32-byte hash", len(req.proof)+1)
		}
		copy(h[:], b)
		req.proof = append(req.proof, h)
	}
	req.checkpoint = rest
	return req, nil
}

// logVerifier returns the key of the log of origin that the witness
// trusts: the served log's or one of Options.WitnessLogs.
func (s *Server) logVerifier(origin string) note.Verifier {
	if origin == s.n.Origin() {
		return s.n.Verifier()
	}
	for _, v := range s.opts.WitnessLogs {
		if v.Name() == origin {
			return v
		}
	}
	return nil
}

// addCheckpoint implements POST /add-checkpoint of C2SP tlog-witness
// (SPEC §18.6) with the statuses that protocol requires.
func (s *Server) addCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Witness == nil {
		return notFound("no witness configured on this server")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWitnessBody))
	if err != nil {
		return err
	}
	req, err := parseAddCheckpoint(body)
	if err != nil {
		return err
	}
	first, _, _ := bytes.Cut(req.checkpoint, []byte("\n"))
	origin := string(first)
	v := s.logVerifier(origin)
	if v == nil {
		return notFound("unknown log origin %q", origin)
	}
	cp, err := tlog.VerifyCheckpoint(req.checkpoint, origin, v)
	if err != nil {
		return &apiError{Code: http.StatusForbidden, Msg: "checkpoint carries no valid signature of the log's key: " + err.Error()}
	}
	if req.old > cp.Size {
		return badRequest("old size %d is larger than the checkpoint's size %d", req.old, cp.Size)
	}
	if req.old == 0 && len(req.proof) != 0 {
		return badRequest("the consistency proof must be empty when the old size is 0")
	}
	s.witness.Lock()
	defer s.witness.Unlock()
	latest, _, seen := s.opts.Witness.Latest(origin)
	if !seen {
		latest = 0
	}
	if req.old != latest {
		w.Header().Set("Content-Type", "text/x.tlog.size")
		w.WriteHeader(http.StatusConflict)
		_, err := fmt.Fprintf(w, "%d\n", latest)
		return err
	}
	line, err := s.opts.Witness.Cosign(req.checkpoint, req.proof, v)
	switch {
	case errors.Is(err, tlog.ErrFork) && cp.Size == latest:
		return &apiError{Code: http.StatusConflict, Msg: err.Error()}
	case errors.Is(err, tlog.ErrFork):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: err.Error()}
	case errors.Is(err, tlog.ErrRollback):
		return &apiError{Code: http.StatusConflict, Msg: err.Error()}
	case errors.Is(err, tlog.ErrUnknownLog):
		return &apiError{Code: http.StatusForbidden, Msg: err.Error()}
	case err != nil:
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write(line)
	return err
}
