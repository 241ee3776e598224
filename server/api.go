package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"concord/calendar"
	"concord/ledger"
	"concord/tlog"
)

// readBody checks the request's media type and reads at most limit bytes
// of its body (SPEC §18.3): 415 for another media type, 413 over the
// limit, 400 for an empty body.
func readBody(w http.ResponseWriter, r *http.Request, mediaType string, limit int64) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaType {
		if ct == "" {
			ct = "none"
		}
		return nil, &apiError{Code: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("content type %s is not accepted here", ct), Hint: "send Content-Type: " + mediaType, Rule: "18.3"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, badRequest("empty request body")
	}
	return body, nil
}

// appended is the body of a 201 answer to POST /api/v1/entries.
type appended struct {
	Index      int64          `json:"index"`
	Hash       ledger.Hash    `json:"hash"`
	Checkpoint *checkpointDoc `json:"checkpoint,omitempty"`
}

// appendEntry implements POST /api/v1/entries (SPEC §18.2).
func (s *Server) appendEntry(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, "application/json", MaxEntryBody)
	if err != nil {
		return err
	}
	if _, err := ledger.Decode(body); err != nil {
		if !json.Valid(body) {
			return &apiError{Code: http.StatusBadRequest, Msg: "malformed JSON: the body is not a JSON value", Rule: "3.1", Hint: "send the canonical encoding of a signed entry (SPEC §3.3)"}
		}
		return err
	}
	h := ledger.LeafHash(body)
	if rec, ok := s.n.Lookup(h); ok {
		return duplicate(rec)
	}
	release, err := s.acquire()
	if err != nil {
		return err
	}
	start := s.opts.now()
	rec, err := s.n.Append(r.Context(), body)
	release()
	if err != nil {
		var re *ledger.RuleError
		if errors.As(err, &re) {
			if prev, ok := s.n.Lookup(h); ok {
				return duplicate(prev) // the same entry was appended meanwhile
			}
			s.metrics.refusal(re.Rule)
		}
		return err
	}
	s.metrics.appended(s.opts.now().Sub(start))
	out := appended{Index: rec.Index, Hash: rec.Hash}
	if r.URL.Query().Get("checkpoint") == "1" {
		if out.Checkpoint, err = s.latestCheckpoint(r); err != nil {
			return err
		}
	}
	w.Header().Set("Location", "/api/v1/entries/"+rec.Hash.String())
	return writeJSON(w, http.StatusCreated, out)
}

func duplicate(rec *ledger.Record) error {
	i := rec.Index
	return &apiError{Code: http.StatusConflict, Msg: fmt.Sprintf("entry %s is already in the log at index %d", rec.Hash, rec.Index), Rule: "4.3", Index: &i, Hash: rec.Hash}
}

// entryRecord is an entry as the API returns it: Signed holds the exact
// canonical leaf bytes.
type entryRecord struct {
	Index  int64           `json:"index"`
	Hash   ledger.Hash     `json:"hash"`
	Signed json.RawMessage `json:"signed"`
}

// listEntries implements GET /api/v1/entries?start=&end= (SPEC §18.2).
func (s *Server) listEntries(w http.ResponseWriter, r *http.Request) error {
	size := s.n.Size()
	q := r.URL.Query()
	start, err := intParam(q.Get("start"), "start", 0)
	if err != nil {
		return err
	}
	end, err := intParam(q.Get("end"), "end", min(start+DefaultPage, size))
	if err != nil {
		return err
	}
	if start > size {
		return badRequest("start %d is beyond the log's %d entries", start, size)
	}
	if end < start {
		return badRequest("end %d is before start %d", end, start)
	}
	end = min(end, start+MaxPage, size)
	leaves, err := s.n.Leaves(r.Context(), start, end)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	out := struct {
		Start   int64         `json:"start"`
		End     int64         `json:"end"`
		Size    int64         `json:"size"`
		Entries []entryRecord `json:"entries"`
	}{start, end, size, make([]entryRecord, len(leaves))}
	for i, leaf := range leaves {
		out.Entries[i] = entryRecord{Index: start + int64(i), Hash: ledger.LeafHash(leaf), Signed: leaf}
	}
	return writeJSON(w, http.StatusOK, out)
}

// intParam parses a non-negative decimal query parameter; def if absent.
func intParam(v, name string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("parameter %s=%q is not a non-negative integer", name, v)
	}
	return n, nil
}

// record finds the record named by the {hash} path value.
func (s *Server) record(r *http.Request) (*ledger.Record, error) {
	h, err := ledger.ParseHash(r.PathValue("hash"))
	if err != nil {
		return nil, &apiError{Code: http.StatusBadRequest, Msg: err.Error(), Rule: "1.3"}
	}
	rec, ok := s.n.Lookup(h)
	if !ok {
		return nil, notFound("no entry %s in the log", h)
	}
	return rec, nil
}

// getEntry implements GET /api/v1/entries/{hash}.
func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.record(r)
	if err != nil {
		return err
	}
	leaves, err := s.n.Leaves(r.Context(), rec.Index, rec.Index+1)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeJSON(w, http.StatusOK, entryRecord{Index: rec.Index, Hash: rec.Hash, Signed: leaves[0]})
}

// inclusionProof implements GET /api/v1/entries/{hash}/proof?size=.
func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.record(r)
	if err != nil {
		return err
	}
	out := struct {
		Index      int64          `json:"index"`
		Hash       ledger.Hash    `json:"hash"`
		Size       int64          `json:"size"`
		Proof      []tlog.Hash    `json:"proof"`
		Checkpoint *checkpointDoc `json:"checkpoint,omitempty"`
	}{Index: rec.Index, Hash: rec.Hash}
	if v := r.URL.Query().Get("size"); v != "" {
		if out.Size, err = intParam(v, "size", 0); err != nil {
			return err
		}
		if out.Size <= rec.Index || out.Size > s.n.Size() {
			return badRequest("size %d does not contain entry %d (the log has %d entries)", out.Size, rec.Index, s.n.Size())
		}
		if cp, err := s.n.CheckpointAt(r.Context(), out.Size); err == nil {
			out.Checkpoint, _ = parseCheckpoint(cp)
		}
	} else {
		if out.Checkpoint, err = s.latestCheckpoint(r); err != nil {
			return err
		}
		out.Size = out.Checkpoint.Size
	}
	if out.Proof, err = s.n.ProveInclusion(r.Context(), rec.Index, out.Size); err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeJSON(w, http.StatusOK, out)
}

// consistencyProof implements GET /api/v1/consistency?old=&new=.
func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("old") == "" {
		return badRequest("parameter old is required")
	}
	size := s.n.Size()
	oldSize, err := intParam(q.Get("old"), "old", 0)
	if err != nil {
		return err
	}
	newSize, err := intParam(q.Get("new"), "new", size)
	if err != nil {
		return err
	}
	if oldSize > newSize || newSize > size {
		return badRequest("cannot prove size %d consistent with size %d: want old ≤ new ≤ %d (the log's size)", oldSize, newSize, size)
	}
	proof, err := s.n.ProveConsistency(r.Context(), oldSize, newSize)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeJSON(w, http.StatusOK, struct {
		Old   int64       `json:"old"`
		New   int64       `json:"new"`
		Proof []tlog.Hash `json:"proof"`
	}{oldSize, newSize, proof})
}

// checkpointDoc is a checkpoint in API responses (SPEC §18.2).
type checkpointDoc struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   tlog.Hash `json:"root"`
	Note   string    `json:"note"`
	LogKey string    `json:"log_key,omitempty"`
}

// parseCheckpoint reads the body of a checkpoint the node signed.
func parseCheckpoint(signed []byte) (*checkpointDoc, error) {
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return nil, fmt.Errorf("stored checkpoint is not a signed note")
	}
	origin, size, root, err := tlog.ParseCheckpointText(signed[:i+1])
	if err != nil {
		return nil, err
	}
	return &checkpointDoc{Origin: origin, Size: size, Root: root, Note: string(signed)}, nil
}

// latestCheckpoint signs, if the log grew, and returns the checkpoint of
// the log's current size with its cosignatures.
func (s *Server) latestCheckpoint(r *http.Request) (*checkpointDoc, error) {
	cp, err := s.n.Checkpoint(r.Context())
	if err != nil {
		return nil, ctxErr(r.Context(), err)
	}
	doc, err := parseCheckpoint(cp)
	if err != nil {
		return nil, err
	}
	doc.LogKey = s.opts.LogKey
	return doc, nil
}

// apiCheckpoint implements GET /api/v1/checkpoint.
func (s *Server) apiCheckpoint(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.latestCheckpoint(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	return writeJSON(w, http.StatusOK, doc)
}

// addCosignature implements POST /api/v1/cosignatures (SPEC §18.6).
func (s *Server) addCosignature(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, "application/json", MaxCosignatureBody)
	if err != nil {
		return err
	}
	var req struct {
		Size        *int64 `json:"size"`
		Cosignature string `json:"cosignature"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return badRequest("malformed cosignature request: want {\"size\": N, \"cosignature\": \"— name base64\\n\"}")
	}
	if req.Size == nil || *req.Size < 0 || req.Cosignature == "" {
		return badRequest("cosignature request needs size and cosignature")
	}
	if len(s.opts.CosignerKeys) == 0 {
		return &apiError{Code: http.StatusForbidden, Msg: "this server accepts no cosignatures: no witness keys configured", Hint: "start concord serve with --witness-vkey"}
	}
	line := []byte(req.Cosignature)
	if line[len(line)-1] != '\n' {
		line = append(line, '\n')
	}
	if _, err := s.n.CheckpointAt(r.Context(), *req.Size); err != nil {
		if errors.Is(err, tlog.ErrNotFound) {
			return notFound("no stored checkpoint of size %d", *req.Size)
		}
		return ctxErr(r.Context(), err)
	}
	var stored int
	var last error
	for _, v := range s.opts.CosignerKeys {
		if err := s.n.AddCosignature(r.Context(), *req.Size, line, v); err != nil {
			last = err
		} else {
			stored++
		}
	}
	if stored == 0 {
		return &apiError{Code: http.StatusForbidden, Msg: fmt.Sprintf("no configured witness key verifies this cosignature on checkpoint %d (%v)", *req.Size, last), Rule: "5.8"}
	}
	cp, err := s.n.CheckpointAt(r.Context(), *req.Size)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	doc, err := parseCheckpoint(cp)
	if err != nil {
		return err
	}
	doc.LogKey = s.opts.LogKey
	return writeJSON(w, http.StatusOK, doc)
}

// world implements GET /api/v1/world?at=YYYY-MM-DD.
func (s *Server) world(w http.ResponseWriter, r *http.Request) error {
	var at calendar.Date
	if v := r.URL.Query().Get("at"); v != "" {
		d, err := calendar.ParseDate(v)
		if err != nil {
			return &apiError{Code: http.StatusBadRequest, Msg: err.Error(), Rule: "2.1", Hint: "give at=YYYY-MM-DD"}
		}
		at = d
	} else {
		dates, err := s.dates(r)
		if err != nil {
			return err
		}
		if len(dates) == 0 {
			return notFound("the log is empty: there is no latest date; give at=YYYY-MM-DD")
		}
		at = dates[len(dates)-1].Date
	}
	world, err := s.n.Status(r.Context(), at)
	if err != nil {
		return ctxErr(r.Context(), err)
	}
	return writeJSON(w, http.StatusOK, world)
}

// dateCount is one date of the timeline.
type dateCount struct {
	Date    calendar.Date `json:"date"`
	Entries int           `json:"entries"`
}

// dates returns the distinct effective dates of the log, ascending.
func (s *Server) dates(r *http.Request) ([]dateCount, error) {
	recs, err := s.n.Records(r.Context())
	if err != nil {
		return nil, ctxErr(r.Context(), err)
	}
	counts := make(map[calendar.Date]int)
	for _, rec := range recs {
		counts[rec.Signed.Entry.Effective]++
	}
	out := make([]dateCount, 0, len(counts))
	for d, n := range counts {
		out = append(out, dateCount{d, n})
	}
	slices.SortFunc(out, func(a, b dateCount) int {
		switch {
		case a.Date.Before(b.Date):
			return -1
		case b.Date.Before(a.Date):
			return 1
		}
		return 0
	})
	return out, nil
}

// timeline implements GET /api/v1/timeline.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) error {
	dates, err := s.dates(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		Size  int64       `json:"size"`
		Dates []dateCount `json:"dates"`
	}{s.n.Size(), dates})
}
