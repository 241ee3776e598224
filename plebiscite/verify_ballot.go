package plebiscite

import (
	"errors"
	"fmt"

	"concord/elgamal"
)

// Errors of ballot validity (SPEC §14.6, §14.9). VerifyBallot wraps exactly
// one of them; test with errors.Is.
var (
	ErrWrongManifest = errors.New("ballot is for another manifest")
	ErrOptionCount   = errors.New("ballot has the wrong number of options")
	ErrNotOnRoll     = errors.New("credential is not on the roll")
	ErrBadSignature  = errors.New("bad ballot signature")
	ErrBitProof      = errors.New("bit proof fails")
	ErrRangeProof    = errors.New("range proof fails")
)

// ProofError names the option whose bit proof fails (SPEC §14.6 step 6).
type ProofError struct {
	Option int
	Err    error
}

func (e *ProofError) Error() string {
	return fmt.Sprintf("option %d: %v: %v", e.Option, ErrBitProof, e.Err)
}

func (e *ProofError) Unwrap() error { return ErrBitProof }

// Election is a complete manifest ready to receive ballots: the manifest,
// its hashes, its decoded election key and its roll (SPEC §13.3).
type Election struct {
	Manifest  *Manifest
	Hash      Hash // manifest hash (SPEC §13.7)
	DraftHash Hash // hash of the draft, the key generation's context (SPEC §13.3)
	Roll      *Roll
	Key       *elgamal.PublicKey
}

// NewElection checks that m is complete and that roll matches its roll
// reference. roll may be nil for a voter's device, which casts ballots but
// cannot verify eligibility.
func NewElection(m *Manifest, roll *Roll) (*Election, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	if !m.Complete() {
		return nil, manifestErr("not complete: the key generation has not set the election key (SPEC §13.3)")
	}
	h, err := m.Hash()
	if err != nil {
		return nil, err
	}
	dh, err := m.Draft().Hash()
	if err != nil {
		return nil, err
	}
	pk, err := elgamal.ParsePublicKey(m.Key)
	if err != nil {
		return nil, manifestErr("election key: %v", err)
	}
	if roll != nil {
		if uint64(roll.Len()) != m.Roll.Count {
			return nil, fmt.Errorf("roll file has %d credentials; the manifest says %d", roll.Len(), m.Roll.Count)
		}
		if r := roll.Root(); r != m.Roll.Root {
			return nil, fmt.Errorf("roll file root %v differs from the manifest's %v", r, m.Roll.Root)
		}
	}
	return &Election{Manifest: m, Hash: h, DraftHash: dh, Roll: roll, Key: pk}, nil
}

// VerifyBallot checks a ballot against SPEC §14.6 steps 2 to 7 and returns
// the first failure, wrapping one of the errors of §14.9. The election must
// have a roll.
func (e *Election) VerifyBallot(b *Ballot) error {
	return e.VerifyBallots([]*Ballot{b})[0]
}

// checkHeader runs SPEC §14.6 steps 2 to 5 except the signature's
// equation, which verifyProofs checks with the proofs (SPEC §11.7.3).
func (e *Election) checkHeader(b *Ballot) error {
	if b.Manifest != e.Hash {
		return fmt.Errorf("%w: ballot names %v; this plebiscite is %v", ErrWrongManifest, b.Manifest, e.Hash)
	}
	if len(b.Options) != len(e.Manifest.Options) {
		return fmt.Errorf("%w: %d; want %d", ErrOptionCount, len(b.Options), len(e.Manifest.Options))
	}
	if e.Roll == nil {
		return fmt.Errorf("%w: no roll given to check eligibility", ErrNotOnRoll)
	}
	if !e.Roll.Contains(b.Credential) {
		return fmt.Errorf("%w: credential %x", ErrNotOnRoll, b.Credential[:])
	}
	if WeakCredential(b.Credential) {
		return fmt.Errorf("%w: credential %x is a key of small order, under which anyone can sign", ErrBadSignature, b.Credential[:])
	}
	return nil
}
