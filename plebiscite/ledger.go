package plebiscite

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"concord/ledger"
	"concord/ristretto255"
	"concord/threshold"
)

// The plebiscite rules of the ledger's append rules (SPEC §4.14-§4.16) are
// installed in every ledger.Checker of a program that links this package.
func init() { ledger.RegisterPlebiscite(ledgerRules{}) }

// Holder returns the party that would hold the territory if option i won
// (SPEC §13.2), or "" if the manifest names none.
func (m *Manifest) Holder(i int) ledger.PartyID {
	if i < 0 || i >= len(m.Holders) {
		return ""
	}
	return m.Holders[i]
}

// Info returns what the ledger's append rules use of a manifest
// (SPEC §4.14).
func (m *Manifest) Info() (*ledger.ManifestInfo, error) {
	h, err := m.Hash()
	if err != nil {
		return nil, err
	}
	d, err := m.Draft().Hash()
	if err != nil {
		return nil, err
	}
	info := &ledger.ManifestInfo{ID: m.ID, Territory: m.Territory, Hash: h, Draft: d, Complete: m.Complete(),
		Opens: m.Opens, Closes: m.Closes, Threshold: m.Threshold, Options: len(m.Options)}
	add := func(list *[]ledger.PartyID, id ledger.PartyID) {
		if id != "" && !slices.Contains(*list, id) {
			*list = append(*list, id)
		}
	}
	for _, t := range m.Trustees {
		info.Trustees = append(info.Trustees, t.ID)
		add(&info.Named, t.ID)
		add(&info.Signers, t.ID)
	}
	add(&info.Named, m.Roll.Authority)
	add(&info.Signers, m.Roll.Authority)
	for _, h := range m.Holders {
		add(&info.Named, h)
		add(&info.Signers, h)
	}
	for _, o := range m.Observers {
		add(&info.Named, o)
	}
	for _, p := range m.Preconditions {
		for _, a := range p.Attesters {
			add(&info.Named, a)
		}
		info.Preconditions = append(info.Preconditions, ledger.PreconditionRef{Instrument: p.Instrument, Clause: p.Clause})
	}
	return info, nil
}

type ledgerRules struct{}

func (ledgerRules) Manifest(raw []byte) (*ledger.ManifestInfo, error) {
	m, err := ParseManifest(raw)
	if err != nil {
		return nil, err
	}
	return m.Info()
}

func (ledgerRules) TrusteeMessage(step ledger.TrusteeStep, data []byte) (from, to int, err error) {
	switch step {
	case ledger.StepKeys:
		_, err := parseEncryptionKey(data)
		return 0, 0, err
	case ledger.StepCommitment:
		c, err := threshold.ParseCommitment(data)
		if err != nil {
			return 0, 0, err
		}
		return c.Dealer, 0, nil
	case ledger.StepShare:
		s, err := threshold.ParseEncryptedShare(data)
		if err != nil {
			return 0, 0, err
		}
		return s.Dealer, s.Recipient, nil
	case ledger.StepComplaint:
		c, err := threshold.ParseComplaint(data)
		if err != nil {
			return 0, 0, err
		}
		return c.Accuser, c.Accused, nil
	case ledger.StepDecryption:
		d, err := threshold.ParseDecryptionShare(data)
		if err != nil {
			return 0, 0, err
		}
		return d.Trustee, 0, nil
	}
	return 0, 0, fmt.Errorf("unknown step %q", step)
}

func (ledgerRules) Result(raw []byte) (*ledger.ResultInfo, error) {
	r, err := ParseResult(raw)
	if err != nil {
		return nil, err
	}
	shares, err := r.shares()
	if err != nil {
		return nil, err
	}
	info := &ledger.ResultInfo{Manifest: r.Manifest, Options: len(r.Counts)}
	for i, s := range shares {
		info.Shares = append(info.Shares, ledger.ResultShare{Trustee: s.Trustee, Bytes: r.Shares[i]})
	}
	return info, nil
}

func (ledgerRules) Keys(raw []byte, msgs []ledger.TrusteeMessage) error {
	m, err := ParseManifest(raw)
	if err != nil {
		return err
	}
	board, err := boardOf(m, msgs)
	if err != nil {
		return err
	}
	return m.checkKeys(board)
}

// parseEncryptionKey decodes the data of a keys message: the trustee's
// 32-byte encryption key E_i (SPEC §12.2), not the identity.
func parseEncryptionKey(b []byte) (*ristretto255.Element, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("encryption key of %d bytes; want 32", len(b))
	}
	if err := checkElement("encryption key", b); err != nil {
		return nil, err
	}
	return ristretto255.NewElement().SetCanonicalBytes(b)
}

// boardOf assembles the key generation board of SPEC §12 from trustee
// messages in log order (SPEC §16.5).
func boardOf(m *Manifest, msgs []ledger.TrusteeMessage) (*threshold.Board, error) {
	n := len(m.Trustees)
	b := &threshold.Board{Keys: make([]*ristretto255.Element, n)}
	for _, msg := range msgs {
		if msg.Trustee < 1 || msg.Trustee > n {
			return nil, fmt.Errorf("message from trustee %d of %d", msg.Trustee, n)
		}
		switch msg.Step {
		case ledger.StepKeys:
			k, err := parseEncryptionKey(msg.Data)
			if err != nil {
				return nil, err
			}
			b.Keys[msg.Trustee-1] = k
		case ledger.StepCommitment:
			c, err := threshold.ParseCommitment(msg.Data)
			if err != nil {
				return nil, err
			}
			b.Commitments = append(b.Commitments, c)
		case ledger.StepShare:
			s, err := threshold.ParseEncryptedShare(msg.Data)
			if err != nil {
				return nil, err
			}
			b.Shares = append(b.Shares, s)
		case ledger.StepComplaint:
			c, err := threshold.ParseComplaint(msg.Data)
			if err != nil {
				return nil, err
			}
			b.Complaints = append(b.Complaints, c)
		}
	}
	for j, k := range b.Keys {
		if k == nil {
			return nil, fmt.Errorf("trustee %d (%s) has recorded no encryption key", j+1, m.Trustees[j].ID)
		}
	}
	return b, nil
}

// checkKeys checks that a complete manifest's keys are those the board
// gives (SPEC §16.2 step 3).
func (m *Manifest) checkKeys(b *threshold.Board) error {
	if !m.Complete() {
		return manifestErr("not complete")
	}
	e, err := NewElection(m, nil)
	if err != nil {
		return err
	}
	return e.checkBoard(b)
}

// ErrLedger is wrapped by errors about the plebiscite's entries in the
// ledger (SPEC §16.5).
var ErrLedger = errors.New("plebiscite record in the ledger is inconsistent")

// TrusteeRecords returns the key generation board and the decryption
// shares recorded in the ledger for the plebiscite of manifest m: the
// trustee entries whose plebiscite is m's draft hash, in log order
// (SPEC §16.5). records are assumed admitted by the append rules.
func TrusteeRecords(records []ledger.Record, m *Manifest) (*threshold.Board, []*threshold.DecryptionShare, error) {
	draft, err := m.Draft().Hash()
	if err != nil {
		return nil, nil, err
	}
	var msgs []ledger.TrusteeMessage
	var shares []*threshold.DecryptionShare
	for _, r := range records {
		e := &r.Signed.Entry
		if e.Kind != ledger.KindTrustee || e.Trustee.Plebiscite != draft {
			continue
		}
		idx := slices.IndexFunc(m.Trustees, func(t Trustee) bool { return t.ID == e.Author }) + 1
		if idx == 0 {
			return nil, nil, fmt.Errorf("%w: entry %d is by %q, not a trustee", ErrLedger, r.Index, e.Author)
		}
		if e.Trustee.Step == ledger.StepDecryption {
			d, err := threshold.ParseDecryptionShare(e.Trustee.Data)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: entry %d: %v", ErrLedger, r.Index, err)
			}
			shares = append(shares, d)
			continue
		}
		msgs = append(msgs, ledger.TrusteeMessage{Trustee: idx, Step: e.Trustee.Step, Data: e.Trustee.Data})
	}
	b, err := boardOf(m, msgs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	return b, shares, nil
}

// RecordFromLedger assembles the plebiscite record of SPEC §16.1 for the
// plebiscite-agreement proposal agreement from the ledger's records, the
// roll file and the ballot log's leaves (SPEC §16.5): the manifest from the
// agreement, the board from the trustee entries and, if a result entry
// names the agreement, its result, after checking that the result entry's
// log size and root are those of leaves. Without a result entry, Result is
// nil.
func RecordFromLedger(records []ledger.Record, agreement Hash, roll []byte, leaves [][]byte) (*Record, error) {
	l, err := ledgerPlebiscite(records, agreement)
	if err != nil {
		return nil, err
	}
	return l.record(roll, leaves)
}

// record returns the record of the plebiscite with the roll and the ballot
// log's leaves, after checking them against the result entry if any.
func (l *ledgerPoll) record(roll []byte, leaves [][]byte) (*Record, error) {
	rec := &Record{Manifest: l.manifest, Roll: roll, Leaves: leaves, Board: l.board}
	if l.result == nil {
		return rec, nil
	}
	hashes := make([]Hash, len(leaves))
	for i, leaf := range leaves {
		hashes[i] = leafHash(leaf)
	}
	if err := l.checkLog(int64(len(leaves)), merkleRoot(hashes)); err != nil {
		return nil, err
	}
	rec.Result = l.result.Result
	return rec, nil
}

// ledgerPoll is what the ledger holds of one plebiscite (SPEC §16.5): the
// agreement's manifest, the key generation board of the trustee entries
// and the result entry naming the agreement, if any.
type ledgerPoll struct {
	records  []ledger.Record
	manifest []byte
	m        *Manifest
	board    *threshold.Board
	result   *ledger.Result // nil without a result entry
}

// ledgerPlebiscite finds the plebiscite of agreement in the ledger's
// records (SPEC §16.5).
func ledgerPlebiscite(records []ledger.Record, agreement Hash) (*ledgerPoll, error) {
	var prop *ledger.Proposal
	var res *ledger.Result
	for _, r := range records {
		e := &r.Signed.Entry
		switch {
		case r.Hash == agreement && e.Kind == ledger.KindProposal:
			prop = e.Proposal
		case e.Kind == ledger.KindResult && e.Result.Agreement == agreement:
			res = e.Result
		}
	}
	if prop == nil || prop.Plebiscite == nil {
		return nil, fmt.Errorf("%w: %v is not a plebiscite agreement with a manifest", ErrLedger, agreement)
	}
	m, err := ParseManifest(prop.Plebiscite)
	if err != nil {
		return nil, err
	}
	board, _, err := TrusteeRecords(records, m)
	if err != nil {
		return nil, err
	}
	return &ledgerPoll{records: records, manifest: bytes.Clone(prop.Plebiscite), m: m, board: board, result: res}, nil
}

// checkLog checks that the result entry closes the ballot log at size
// leaves of root (SPEC §16.5).
func (l *ledgerPoll) checkLog(size int64, root Hash) error {
	res := l.result
	if res.LogSize != uint64(size) {
		return fmt.Errorf("%w: the result entry closes the ballot log at %d leaves; the log given has %d", ErrLedger, res.LogSize, size)
	}
	if root != res.LogRoot {
		return fmt.Errorf("%w: the result entry gives ballot log root %v; the leaves give %v", ErrLedger, res.LogRoot, root)
	}
	return nil
}

// checkDecision checks what SPEC §16.5 asks of a decided plebiscite beyond
// its record: a result entry, the preconditions against the ledger's
// attestations, and every decryption share of the result being the one
// recorded by its trustee.
func (l *ledgerPoll) checkDecision(agreement Hash) error {
	if l.result == nil {
		return fmt.Errorf("%w: no result entry names agreement %v", ErrLedger, agreement)
	}
	if err := l.m.CheckPreconditions(l.records); err != nil {
		return err
	}
	_, recorded, err := TrusteeRecords(l.records, l.m)
	if err != nil {
		return err
	}
	r, err := ParseResult(l.result.Result)
	if err != nil {
		return err
	}
	have := map[int][]byte{}
	for _, d := range recorded {
		have[d.Trustee] = d.Bytes()
	}
	for _, s := range r.Shares {
		d, err := threshold.ParseDecryptionShare(s)
		if err != nil {
			return err
		}
		if !bytes.Equal(have[d.Trustee], s) {
			return fmt.Errorf("%w: the result's decryption share of trustee %d is not the one recorded in the ledger", ErrLedger, d.Trustee)
		}
	}
	return nil
}

// VerifyLedger verifies the plebiscite of agreement from the ledger's
// records, the roll and the ballot log's leaves (SPEC §16.5): the record
// is assembled by RecordFromLedger and verified by VerifyRecord, the
// preconditions are checked against the ledger's attestations, and every
// decryption share of the result must be one recorded by its trustee.
// [VerifyLedgerStream] does the same in bounded memory.
func VerifyLedger(records []ledger.Record, agreement Hash, roll []byte, leaves [][]byte) (*Report, error) {
	l, err := ledgerPlebiscite(records, agreement)
	if err != nil {
		return nil, err
	}
	rec, err := l.record(roll, leaves)
	if err != nil {
		return nil, err
	}
	if err := l.checkDecision(agreement); err != nil {
		return nil, err
	}
	return VerifyRecord(rec)
}
