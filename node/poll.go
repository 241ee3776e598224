package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"concord/calendar"
	"concord/ledger"
	"concord/plebiscite"
	"concord/state"
	"concord/store/postgres"
	"concord/store/sqlite"
	"concord/tlog"
)

// Errors of the poll (SPEC §17b). Test with errors.Is.
var (
	// ErrNoPlebiscite: the ledger has no complete, unrejected
	// plebiscite-agreement for the manifest id.
	ErrNoPlebiscite = errors.New("no such plebiscite")
	// ErrPollNotOpen: the poll does not receive ballots (SPEC §17b.4).
	ErrPollNotOpen = errors.New("poll is not open")
	// ErrNoRoll: the poll's electoral roll file has not been set.
	ErrNoRoll = errors.New("no electoral roll for this poll; set it with SetRoll")
	// ErrBallotRefused wraps every refusal of a ballot or spoil leaf, with
	// the plebiscite error that says why (SPEC §14.9).
	ErrBallotRefused = errors.New("ballot refused")
	// ErrUnknownCode: no leaf of the ballot log has this tracking code.
	ErrUnknownCode = errors.New("no ballot with this tracking code")
)

// Poll is the ballot log of one plebiscite (SPEC §17b): a transparency log
// of its own, on the same storage as the ledger, whose checkpoints are
// signed with the ledger's log key under the origin
// "<ledger origin>/poll/<manifest id>". Its methods are safe for concurrent
// use; appends are serialized.
type Poll struct {
	n         *Node
	id        string
	agreement ledger.Hash
	manifest  *plebiscite.Manifest
	raw       []byte // canonical manifest
	store     store
	log       *tlog.Log
	verifier  note.Verifier
	rollPath  string // SQLite: the roll file; PostgreSQL: "" (roll in the meta table)
	progress  func(done int)

	mu    sync.Mutex
	elec  *plebiscite.Election // nil until the roll is known
	seen  int64                // ledger size at which status was computed
	st    *state.Plebiscite    // status at the ledger's clock, for seen
	size  int64                // leaves indexed in codes
	codes codeIndex            // where the ballot of each tracking code stands
	// last is, per roll position, the last leaf that casts a ballot of
	// that credential, or -1; nil until the first catchUp, and for good
	// if leaves were indexed before the roll was known. Lookup answers
	// "superseded" with it. Leaf indices fit in an int32 (plebiscite.MaxLeaves):
	// 4 bytes per credential.
	last []int32
	// pass is Tally's last verification of the leaves, which
	// AppendResult reuses when the result closes the log at them.
	pass *plebiscite.Pass
}

// Receipt acknowledges a durably appended ballot or spoil leaf (SPEC
// §17b.5): its index in the ballot log, the tracking code of its ballot
// and a signed checkpoint of the log that includes it.
type Receipt struct {
	Index        int64
	TrackingCode plebiscite.TrackingCode
	Spoil        bool   // the leaf is a Benaloh audit (spoil), not a cast ballot
	Checkpoint   []byte // signed checkpoint of size > Index
}

// Inclusion is the answer to a tracking-code lookup (SPEC §17b.6): the
// leaf, its index, and its inclusion proof in the tree of the checkpoint.
type Inclusion struct {
	Index      int64
	Spoil      bool // the leaf found is a spoil leaf (the ballot was audited)
	Superseded bool // a later ballot of the same credential replaces it
	Leaf       []byte
	Checkpoint []byte
	Size       int64 // tree size of Checkpoint
	Proof      []tlog.Hash
}

// PollOrigin returns the origin of the ballot log of manifest id on a
// ledger of origin ledgerOrigin (SPEC §17b.1).
func PollOrigin(ledgerOrigin, id string) string { return ledgerOrigin + "/poll/" + id }

// PollPath returns the SQLite file of the ballot log of manifest id beside
// the ledger file ledgerPath (SPEC §17b.2).
func PollPath(ledgerPath, id string) string { return ledgerPath + ".poll-" + id + ".db" }

// RollPath returns the roll file of manifest id beside the ledger file
// ledgerPath (SPEC §17b.2).
func RollPath(ledgerPath, id string) string { return ledgerPath + ".poll-" + id + ".roll" }

// PollSchema returns the PostgreSQL schema of the ballot log of manifest id
// (SPEC §17b.3).
func PollSchema(id string) string { return "concord_poll_" + strings.ReplaceAll(id, "-", "_") }

// Agreement returns the plebiscite-agreement proposal of manifest id: the
// complete, unrejected one of SPEC §4.14 rule 5.
func (n *Node) Agreement(id string) (*ledger.Record, *plebiscite.Manifest, error) {
	n.mu.Lock()
	h, ok := n.checker.LiveAgreement(id)
	var rec *ledger.Record
	if ok {
		rec, ok = n.checker.Lookup(h)
	}
	n.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("%w: the ledger has no complete plebiscite agreement for %q", ErrNoPlebiscite, id)
	}
	m, err := plebiscite.ParseManifest(rec.Signed.Entry.Proposal.Plebiscite)
	if err != nil {
		return nil, nil, err
	}
	return rec, m, nil
}

// PollOptions are the options of PollWith.
type PollOptions struct {
	// URL is the full postgres:// URL, with its password, of a PostgreSQL
	// ledger: the node keeps only the URL without its password. Ignored
	// for a SQLite ledger.
	URL string
	// LogKey is the file of the ledger's log key (SPEC §17b.1). Empty: the
	// key file beside a SQLite ledger, or the file named by CONCORD_LOG_KEY
	// for a PostgreSQL ledger. Without a key the poll is read-only.
	LogKey string
}

// Poll opens (creating it if needed) the ballot log of the plebiscite
// whose manifest id is id (SPEC §17b). The ledger must hold its complete
// plebiscite-agreement; the poll may be in any state: Cast checks that it
// is open. It is PollWith with no options.
func (n *Node) Poll(ctx context.Context, id string) (*Poll, error) {
	return n.PollWith(ctx, id, PollOptions{})
}

// PollWith is Poll with options; a PostgreSQL ledger needs opt.URL.
func (n *Node) PollWith(ctx context.Context, id string, opt PollOptions) (*Poll, error) {
	rec, m, err := n.Agreement(id)
	if err != nil {
		return nil, err
	}
	raw := rec.Signed.Entry.Proposal.Plebiscite
	origin := PollOrigin(n.Origin(), id)
	signer, verifier, err := n.pollSigner(origin, id, opt.LogKey)
	if err != nil {
		return nil, err
	}
	p := &Poll{n: n, id: id, agreement: rec.Hash, manifest: m, raw: raw, verifier: verifier, codes: newCodeIndex()}
	if IsURL(n.path) {
		if opt.URL == "" {
			return nil, errors.New("the poll of a PostgreSQL ledger needs the database URL with its password (PollOptions.URL)")
		}
		p.store, err = openPollPostgres(ctx, opt.URL, id)
	} else {
		p.rollPath = RollPath(n.path, id)
		p.store, err = sqlite.Open(PollPath(n.path, id))
	}
	if err != nil {
		return nil, err
	}
	if p.log, err = tlog.Open(ctx, p.store, origin, signer); err != nil {
		p.store.Close()
		return nil, err
	}
	// The index of tracking codes is built on the first Cast or Lookup
	// (catchUp), not here: a poll opened to tally or verify never needs
	// it, and at 3,000,000 ballots it is 90 MB.
	roll, err := p.readRoll(ctx)
	if err == nil {
		err = p.setElection(roll)
	} else if errors.Is(err, ErrNoRoll) {
		err = nil
	}
	if err != nil {
		p.store.Close()
		return nil, err
	}
	return p, nil
}

// Close closes the ballot log's storage.
func (p *Poll) Close() error { return p.store.Close() }

// ID returns the manifest id.
func (p *Poll) ID() string { return p.id }

// Agreement returns the entry hash of the plebiscite-agreement proposal.
func (p *Poll) Agreement() ledger.Hash { return p.agreement }

// Manifest returns the manifest; it must not be modified.
func (p *Poll) Manifest() *plebiscite.Manifest { return p.manifest }

// Origin returns the ballot log's origin.
func (p *Poll) Origin() string { return p.log.Origin() }

// Verifier returns the verifier of the ballot log's checkpoints
// (SPEC §17b.1).
func (p *Poll) Verifier() note.Verifier { return p.verifier }

// Election returns the election (manifest and roll), or ErrNoRoll.
func (p *Poll) Election() (*plebiscite.Election, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.elec == nil {
		return nil, ErrNoRoll
	}
	return p.elec, nil
}

// SetRoll sets the poll's electoral roll (SPEC §13.4, §17b.2): the roll
// file must match the manifest's roll reference. A roll already set must be
// the same file. The poll's election keeps roll rather than a copy
// (plebiscite.ParseRoll): the caller must not modify it afterwards.
func (p *Poll) SetRoll(ctx context.Context, roll []byte) error {
	r, err := plebiscite.ParseRoll(roll)
	if err != nil {
		return err
	}
	if _, err := plebiscite.NewElection(p.manifest, r); err != nil {
		return err
	}
	old, err := p.readRoll(ctx)
	switch {
	case err == nil && !bytes.Equal(old, roll):
		return errors.New("poll already has another roll")
	case err == nil:
	case !errors.Is(err, ErrNoRoll):
		return err
	case p.rollPath != "":
		if err := WriteNewFile(p.rollPath, roll, 0o644); err != nil {
			return err
		}
	default:
		if _, err := p.store.(*postgres.Store).SetMeta(ctx, "roll", base64.StdEncoding.EncodeToString(roll)); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setElectionLocked(roll)
}

func (p *Poll) readRoll(ctx context.Context) ([]byte, error) {
	if p.rollPath != "" {
		b, err := os.ReadFile(p.rollPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoRoll
		}
		return b, err
	}
	s, err := p.store.(*postgres.Store).Meta(ctx, "roll")
	if errors.Is(err, tlog.ErrNotFound) || err == nil && s == "" {
		return nil, ErrNoRoll
	}
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

func (p *Poll) setElection(roll []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setElectionLocked(roll)
}

func (p *Poll) setElectionLocked(roll []byte) error {
	r, err := plebiscite.ParseRoll(roll)
	if err != nil {
		return fmt.Errorf("roll: %w", err)
	}
	e, err := plebiscite.NewElection(p.manifest, r)
	if err != nil {
		return err
	}
	p.elec = e
	return nil
}

// Roll returns the roll file, or ErrNoRoll.
func (p *Poll) Roll(ctx context.Context) ([]byte, error) { return p.readRoll(ctx) }

// catchUp indexes the leaves appended since the last call, by this or
// another process. p.mu must be held or p not yet shared.
func (p *Poll) catchUp(ctx context.Context) error {
	size, err := p.store.Size(ctx)
	if err != nil {
		return err
	}
	if size > plebiscite.MaxLeaves {
		return fmt.Errorf("ballot log has %d leaves; a poll indexes at most %d (SPEC §17b.5)", size, plebiscite.MaxLeaves)
	}
	if p.last == nil && p.size == 0 && p.elec != nil {
		p.last = make([]int32, p.elec.Roll.Len())
		for i := range p.last {
			p.last[i] = -1
		}
	}
	for p.size < size {
		end := min(size, p.size+4096)
		leaves, err := p.store.ReadLeaves(ctx, p.size, end)
		if err != nil {
			return err
		}
		// The leaves were verified on their way in (SPEC §17b.5): index
		// them by their layout, without decoding them again.
		for _, l := range leaves {
			code, spoil, err := plebiscite.LeafCode(l)
			if err != nil {
				return fmt.Errorf("ballot log leaf %d: %w", p.size, err)
			}
			cred, _ := plebiscite.LeafCredential(l)
			if err := p.indexCode(ctx, code, spoil, cred, p.size); err != nil {
				return err
			}
			p.size++
		}
	}
	return nil
}

func (p *Poll) index(ctx context.Context, l plebiscite.Leaf, i int64) error {
	b := ballotOf(l)
	return p.indexCode(ctx, b.TrackingCode(), l.Spoil != nil, b.Credential, i)
}

// indexCode records that leaf i holds the ballot of code, cast or spoiled,
// under credential cred. Indexing the same leaf again changes nothing.
func (p *Poll) indexCode(ctx context.Context, code plebiscite.TrackingCode, spoil bool, cred plebiscite.Credential, i int64) error {
	if !spoil && p.last != nil {
		if ri := p.elec.Roll.Index(cred); ri >= 0 {
			p.last[ri] = max(p.last[ri], int32(i))
		}
	}
	return p.codes.set(code, spoil, int32(i), p.codeAt(ctx))
}

// LedgerDate returns the ledger's clock: the latest effective date of its
// entries (SPEC §17b.4).
func (n *Node) LedgerDate() calendar.Date {
	n.mu.Lock()
	defer n.mu.Unlock()
	var d calendar.Date
	for i := range n.records {
		if e := n.records[i].Signed.Entry.Effective; i == 0 || e.After(d) {
			d = e
		}
	}
	return d
}

// Status returns the plebiscite as the state engine sees it on the
// ledger's clock (SPEC §7.15, §17b.4).
func (p *Poll) Status(ctx context.Context) (*state.Plebiscite, error) {
	recs, err := p.n.Records(ctx)
	if err != nil {
		return nil, err
	}
	w := state.At(recs, p.n.LedgerDate())
	for i := range w.Plebiscites {
		if w.Plebiscites[i].Agreement == p.agreement {
			return &w.Plebiscites[i], nil
		}
	}
	return nil, fmt.Errorf("%w: agreement %v is not in the world", ErrNoPlebiscite, p.agreement)
}

// checkOpen refuses when the poll does not receive ballots. The status is
// recomputed only when the ledger has grown.
func (p *Poll) checkOpen(ctx context.Context) error {
	size := p.n.Size()
	p.mu.Lock()
	st := p.st
	if p.seen != size {
		st = nil
	}
	p.mu.Unlock()
	if st == nil {
		var err error
		if st, err = p.Status(ctx); err != nil {
			return err
		}
		p.mu.Lock()
		p.st, p.seen = st, size
		p.mu.Unlock()
	}
	if st.Status == state.PlebisciteOpen {
		return nil
	}
	why := ""
	for _, pc := range st.Preconditions {
		if !pc.Attested {
			why = fmt.Sprintf("; precondition %s of %s is not attested fulfilled by %v", pc.Clause, pc.Instrument, pc.Attesters)
			break
		}
	}
	return fmt.Errorf("%w: plebiscite %q is %s on the ledger's date %v (it opens %v and closes %v)%s",
		ErrPollNotOpen, p.id, st.Status, p.n.LedgerDate(), st.Opens, st.Closes, why)
}
