package server

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"concord/ledger"
	"concord/node"
	"concord/plebiscite"
	"concord/state"
)

// PollsOptions configures Polls.
type PollsOptions struct {
	// Poll is passed to node.PollWith: a PostgreSQL ledger needs its URL
	// with the password.
	Poll node.PollOptions
	// Batch configures the group commit of each poll's ballots.
	Batch BatchOptions
}

// Polls implements Plebiscites on the polls of a node (SPEC §17b, §18.10):
// every plebiscite whose complete agreement is in the ledger is served.
// A poll is opened when first used and kept open; its ballots are
// appended through a batcher (group commit).
type Polls struct {
	n   *node.Node
	opt PollsOptions

	mu     sync.Mutex
	polls  map[string]*servedPoll
	closed bool

	wmu   sync.Mutex
	world *state.World // the ledger's world at its clock, for size wseen
	wseen int64
}

// servedPoll is one opened poll.
type servedPoll struct {
	p *node.Poll
	b *batcher

	smu   sync.Mutex
	short map[[10]byte]int64 // short code → last leaf index holding it
	sseen int64              // leaves indexed in short
}

// NewPolls returns the plebiscite service of n's ledger.
func NewPolls(n *node.Node, opt PollsOptions) *Polls {
	return &Polls{n: n, opt: opt, polls: map[string]*servedPoll{}}
}

// Close stops the batchers, after the batches in progress commit, and
// closes the polls.
func (ps *Polls) Close() error {
	ps.mu.Lock()
	ps.closed = true
	polls := ps.polls
	ps.polls = map[string]*servedPoll{}
	ps.mu.Unlock()
	var errs []error
	for _, sp := range polls {
		sp.b.close()
		errs = append(errs, sp.p.Close())
	}
	return errors.Join(errs...)
}

// poll returns the opened poll of id, opening it if needed.
func (ps *Polls) poll(ctx context.Context, id string) (*servedPoll, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.closed {
		return nil, errBatcherClosed
	}
	if sp, ok := ps.polls[id]; ok {
		return sp, nil
	}
	p, err := ps.n.PollWith(ctx, id, ps.opt.Poll)
	if err != nil {
		return nil, mapPollErr(id, err)
	}
	sp := &servedPoll{p: p, b: newBatcher(p.CastBatch, ps.opt.Batch)}
	ps.polls[id] = sp
	return sp, nil
}

// worldNow returns the ledger's world at its clock, recomputed only when
// the ledger has grown.
func (ps *Polls) worldNow(ctx context.Context) (*state.World, error) {
	ps.wmu.Lock()
	defer ps.wmu.Unlock()
	size := ps.n.Size()
	if ps.world != nil && ps.wseen == size {
		return ps.world, nil
	}
	recs, err := ps.n.Records(ctx)
	if err != nil {
		return nil, err
	}
	ps.world, ps.wseen = state.At(recs, ps.n.LedgerDate()), size
	return ps.world, nil
}

// status returns the state of plebiscite id's live agreement.
func (ps *Polls) status(ctx context.Context, id string, agreement ledger.Hash) (*state.Plebiscite, error) {
	w, err := ps.worldNow(ctx)
	if err != nil {
		return nil, err
	}
	for i := range w.Plebiscites {
		if w.Plebiscites[i].Agreement == agreement {
			return &w.Plebiscites[i], nil
		}
	}
	return nil, fmt.Errorf("plebiscite %q: %w", id, ErrNotFound)
}

// List implements Plebiscites: the plebiscites whose agreement is complete
// and unrejected (SPEC §4.14 rule 5), in ledger order.
func (ps *Polls) List(ctx context.Context) ([]PlebisciteInfo, error) {
	w, err := ps.worldNow(ctx)
	if err != nil {
		return nil, err
	}
	var out []PlebisciteInfo
	for _, pl := range w.Plebiscites {
		rec, _, err := ps.n.Agreement(pl.ID)
		if err != nil || rec.Hash != pl.Agreement {
			continue // a draft, a rejected or superseded agreement
		}
		info := PlebisciteInfo{ID: pl.ID, Territory: pl.Territory, Question: pl.Question, ManifestHash: pl.Manifest,
			Opens: pl.Opens.String(), Closes: pl.Closes.String(), Tallied: pl.Status == state.PlebisciteDecided}
		if sp, err := ps.poll(ctx, pl.ID); err == nil {
			if info.Ballots, err = sp.p.Size(ctx); err != nil {
				return nil, err
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// Manifest implements Plebiscites: the manifest bytes of the live
// agreement.
func (ps *Polls) Manifest(ctx context.Context, id string) ([]byte, error) {
	rec, _, err := ps.n.Agreement(id)
	if err != nil {
		return nil, mapPollErr(id, err)
	}
	return rec.Signed.Entry.Proposal.Plebiscite, nil
}

// Cast implements Plebiscites: the ballot joins the poll's next batch and
// is answered once that batch has committed (SPEC §18.10).
func (ps *Polls) Cast(ctx context.Context, id string, ballot []byte) (*Receipt, error) {
	sp, err := ps.poll(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := sp.b.submit(ctx, ballot)
	if err != nil {
		return nil, mapPollErr(id, err)
	}
	return &Receipt{TrackingCode: r.TrackingCode, ShortCode: plebiscite.ShortCode(r.TrackingCode),
		Index: r.Index, Checkpoint: string(r.Checkpoint)}, nil
}

// Lookup implements Plebiscites (SPEC §17b.6): the leaf of a tracking
// code, full or short, with its inclusion proof. Counted is set when it
// is known: false for a spoiled or superseded ballot, true for the others
// once the poll has closed.
func (ps *Polls) Lookup(ctx context.Context, id, code string) (*Tracked, error) {
	sp, err := ps.poll(ctx, id)
	if err != nil {
		return nil, err
	}
	tc, err := ledger.ParseHash(code)
	if err != nil {
		if tc, err = sp.fromShort(ctx, code); err != nil {
			return nil, mapPollErr(id, err)
		}
	}
	in, err := sp.p.Lookup(ctx, tc)
	if err != nil {
		return nil, mapPollErr(id, err)
	}
	t := &Tracked{TrackingCode: tc, ShortCode: plebiscite.ShortCode(tc), Index: in.Index, Kind: "ballot",
		Proof: in.Proof, Checkpoint: string(in.Checkpoint)}
	counted := false
	switch {
	case in.Spoil:
		t.Kind = "spoil"
		t.Counted = &counted
	case in.Superseded:
		t.Counted = &counted
	default:
		st, err := ps.status(ctx, id, sp.p.Agreement())
		if err == nil && st.Status != state.PlebisciteOpen && st.Status != state.PlebisciteAgreed {
			counted = true
			t.Counted = &counted
		}
	}
	return t, nil
}

// fromShort finds the full tracking code of a short one (SPEC §14.5),
// indexing the leaves appended since the last call.
func (sp *servedPoll) fromShort(ctx context.Context, code string) (plebiscite.TrackingCode, error) {
	var key [10]byte
	s := code[0:4] + code[5:9] + code[10:14] + code[15:19]
	if n, err := base32.StdEncoding.Decode(key[:], []byte(s)); err != nil || n != 10 {
		return plebiscite.TrackingCode{}, fmt.Errorf("%w: bad short code %s", node.ErrUnknownCode, code)
	}
	sp.smu.Lock()
	defer sp.smu.Unlock()
	size, err := sp.p.Size(ctx)
	if err != nil {
		return plebiscite.TrackingCode{}, err
	}
	if sp.short == nil {
		sp.short = map[[10]byte]int64{}
	}
	for sp.sseen < size {
		end := min(size, sp.sseen+4096)
		leaves, err := sp.p.Leaves(ctx, sp.sseen, end)
		if err != nil {
			return plebiscite.TrackingCode{}, err
		}
		for _, l := range leaves {
			if tc, ok := leafCode(l); ok {
				sp.short[[10]byte(tc[:10])] = sp.sseen
			}
			sp.sseen++
		}
	}
	i, ok := sp.short[key]
	if !ok {
		return plebiscite.TrackingCode{}, fmt.Errorf("%w: %s", node.ErrUnknownCode, code)
	}
	leaves, err := sp.p.Leaves(ctx, i, i+1)
	if err != nil {
		return plebiscite.TrackingCode{}, err
	}
	tc, _ := leafCode(leaves[0])
	return tc, nil
}

// leafCode returns the tracking code of a log leaf's ballot without
// decoding it (SPEC §14.5, §14.7): the hash of a ballot leaf, or of the
// ballot inside a spoil leaf.
func leafCode(l []byte) (plebiscite.TrackingCode, bool) {
	switch {
	case len(l) > 0 && l[0] == 1:
		return sha256.Sum256(l), true
	case len(l) >= 5 && l[0] == 2:
		n := binary.BigEndian.Uint32(l[1:5])
		if uint64(n) <= uint64(len(l)-5) {
			return sha256.Sum256(l[5 : 5+n]), true
		}
	}
	return plebiscite.TrackingCode{}, false
}

// Result implements Plebiscites: the result of the ledger's result entry
// for the live agreement (SPEC §15.4), or ErrConflict before it.
func (ps *Polls) Result(ctx context.Context, id string) ([]byte, error) {
	rec, _, err := ps.n.Agreement(id)
	if err != nil {
		return nil, mapPollErr(id, err)
	}
	recs, err := ps.n.Records(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if e := &recs[i].Signed.Entry; e.Kind == ledger.KindResult && e.Result.Agreement == rec.Hash {
			return e.Result.Result, nil
		}
	}
	return nil, fmt.Errorf("%w: no result entry yet", ErrConflict)
}

// mapPollErr maps the errors of node's poll to the server's (SPEC §18.10
// item 6): the status, the SPEC rule and a hint.
func mapPollErr(id string, err error) error {
	var ae *apiError
	switch {
	case err == nil, errors.As(err, &ae), errors.Is(err, ErrPushback), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, errBatcherClosed):
		return &apiError{Code: http.StatusServiceUnavailable, Msg: err.Error(), Hint: "retry in a moment", retryAfter: time.Second}
	case errors.Is(err, node.ErrNoPlebiscite):
		return &apiError{Code: http.StatusNotFound, Msg: fmt.Sprintf("plebiscite %q: %v", id, err), Rule: "4.14", Hint: "GET /api/v1/plebiscites lists the plebiscites served"}
	case errors.Is(err, node.ErrUnknownCode):
		return &apiError{Code: http.StatusNotFound, Msg: err.Error(), Hint: "check the code; a ballot is on the log once its cast was acknowledged"}
	case errors.Is(err, node.ErrPollNotOpen):
		return &apiError{Code: http.StatusConflict, Msg: err.Error(), Rule: "17b.4"}
	case errors.Is(err, node.ErrNoRoll):
		return &apiError{Code: http.StatusConflict, Msg: fmt.Sprintf("plebiscite %q: %v", id, err), Rule: "17b.2", Hint: "the roll authority must publish the electoral roll ('concord plebiscite roll')"}
	case errors.Is(err, node.ErrTooLarge):
		return &apiError{Code: http.StatusRequestEntityTooLarge, Msg: err.Error(), Rule: "14.8"}
	case !errors.Is(err, node.ErrBallotRefused):
		return err
	}
	// A refused ballot: say precisely why.
	msg := err.Error()
	switch {
	case errors.Is(err, plebiscite.ErrReplay):
		return &apiError{Code: http.StatusConflict, Msg: msg, Rule: "15.1", Hint: "this ballot is already on the log: look its tracking code up; to change your vote, cast a new ballot"}
	case errors.Is(err, node.ErrSpoiled):
		return &apiError{Code: http.StatusConflict, Msg: msg, Rule: "14.7", Hint: "an audited ballot can never be cast: encrypt your choice afresh"}
	case errors.Is(err, node.ErrAlreadyCast):
		return &apiError{Code: http.StatusConflict, Msg: msg, Rule: "14.7", Hint: "only a ballot not yet cast can be audited"}
	case errors.Is(err, plebiscite.ErrMalformed):
		return &apiError{Code: http.StatusBadRequest, Msg: msg, Rule: "14.2", Hint: "send the binary encoding of a ballot (SPEC §14.2) or of a spoil leaf (§14.7)"}
	case errors.Is(err, plebiscite.ErrWrongManifest):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: msg, Rule: "14.6", Hint: "the ballot was made for another manifest: fetch this plebiscite's manifest and encrypt again"}
	case errors.Is(err, plebiscite.ErrNotOnRoll):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: msg, Rule: "14.6", Hint: "the credential is not on this plebiscite's roll"}
	case errors.Is(err, plebiscite.ErrAudit):
		return &apiError{Code: http.StatusUnprocessableEntity, Msg: msg, Rule: "14.7"}
	}
	return &InvalidError{Rule: "14.6", Err: err}
}

// BatchStats counts the group commits of one poll's ballots.
type BatchStats struct {
	Commits int64         // transactions committed
	Ballots int64         // ballots in them
	Refused int64         // ballots refused on their own, the rest of their batch retried
	Largest int           // most ballots in one transaction
	Busy    time.Duration // time spent verifying and appending batches
}

// Stats returns the group-commit counts of poll id since it was opened.
func (ps *Polls) Stats(id string) BatchStats {
	ps.mu.Lock()
	sp := ps.polls[id]
	ps.mu.Unlock()
	if sp == nil {
		return BatchStats{}
	}
	c, b, r, l := sp.b.stats.snapshot()
	sp.b.stats.mu.Lock()
	busy := sp.b.stats.busy
	sp.b.stats.mu.Unlock()
	return BatchStats{Commits: c, Ballots: b, Refused: r, Largest: l, Busy: busy}
}
