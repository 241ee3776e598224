package plebiscite

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/zkp"
)

// Voter holds a voter's credential: an Ed25519 key pair (SPEC §14.1).
type Voter struct {
	priv ed25519.PrivateKey
}

// NewVoter generates a credential from crypto/rand.
func NewVoter() *Voter {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("plebiscite: crypto/rand failed: " + err.Error())
	}
	return &Voter{priv: priv}
}

// VoterFromSeed restores a credential from its 32-byte RFC 8032 seed.
func VoterFromSeed(seed []byte) (*Voter, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("credential seed has %d bytes; want %d", len(seed), ed25519.SeedSize)
	}
	return &Voter{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the credential's 32-byte seed, to be kept secret.
func (v *Voter) Seed() []byte { return v.priv.Seed() }

// Credential returns the credential public key, which the roll lists.
func (v *Voter) Credential() Credential {
	return Credential(v.priv.Public().(ed25519.PublicKey))
}

// Opening is what a Benaloh audit reveals (SPEC §14.7): the value v_i of
// every option and its encryption randomness r_i.
type Opening struct {
	Values     []uint8
	Randomness []*ristretto255.Scalar
}

// Secrets are what the voter's device keeps of a ballot it made: the
// ballot's opening. Reveal it only to audit a ballot that is not cast.
type Secrets struct {
	Ballot  *Ballot
	opening Opening
}

// ErrChoice is wrapped by errors about a voter's choices.
var ErrChoice = errors.New("invalid choice")

// values turns a list of selected options into v_i, checking the selection
// rule of the manifest.
func values(m *Manifest, choices []int) ([]uint8, error) {
	v := make([]uint8, len(m.Options))
	for _, c := range choices {
		if c < 0 || c >= len(v) {
			return nil, fmt.Errorf("%w: option %d does not exist (0 to %d)", ErrChoice, c, len(v)-1)
		}
		if v[c] == 1 {
			return nil, fmt.Errorf("%w: option %d selected twice", ErrChoice, c)
		}
		v[c] = 1
	}
	if len(choices) < m.Min || len(choices) > m.Max {
		return nil, fmt.Errorf("%w: %d options selected; the manifest allows %d to %d", ErrChoice, len(choices), m.Min, m.Max)
	}
	return v, nil
}

// Cast encrypts the voter's choices (indices of the selected options) for
// the election, proves the ballot well formed and signs it (SPEC §14.2 to
// §14.4). Casting is posting the ballot to the log; before that, the voter
// may audit it instead (Secrets.Audit), and then must cast a new one.
func (v *Voter) Cast(e *Election, choices []int) (*Ballot, *Secrets, error) {
	vals, err := values(e.Manifest, choices)
	if err != nil {
		return nil, nil, err
	}
	b := &Ballot{Manifest: e.Hash, Credential: v.Credential(), Options: make([]Option, len(vals))}
	op := Opening{Values: vals, Randomness: make([]*ristretto255.Scalar, len(vals))}
	rsum := ristretto255.NewScalar()
	var total uint64
	for i, x := range vals {
		ct, r := elgamal.Encrypt(e.Key, uint64(x))
		p := zkp.ProveBit(bitContext(e.Hash, b.Credential, i), e.Key, ct, uint64(x), r)
		b.Options[i] = Option{Ct: ct, Proof: p}
		op.Randomness[i] = r
		rsum.Add(rsum, r)
		total += uint64(x)
	}
	rp, err := zkp.ProveRange(rangeContext(e.Hash, b.Credential), e.Key, b.sum(), total, rsum, uint64(e.Manifest.Min), uint64(e.Manifest.Max))
	if err != nil {
		return nil, nil, fmt.Errorf("range proof: %w", err)
	}
	b.Range = rp
	body := b.body()
	copy(b.Sig[:], ed25519.Sign(v.priv, signedMessage(body)))
	b.raw = append(body, b.Sig[:]...)
	return b, &Secrets{Ballot: b, opening: op}, nil
}

// Audit reveals the opening of the ballot for a Benaloh challenge (SPEC
// §14.7). The ballot is spoiled: it must never be cast.
func (s *Secrets) Audit() *Spoil {
	return &Spoil{Ballot: s.Ballot, Opening: s.opening}
}

// Spoil is a published Benaloh audit: a ballot and its opening
// (SPEC §14.7). A spoiled ballot is never counted.
type Spoil struct {
	Ballot  *Ballot
	Opening Opening
}

// ErrAudit means an audited ballot does not encrypt the revealed choices.
var ErrAudit = errors.New("audit fails")

// VerifyAudit checks that ballot encrypts the values of the opening under
// the election key (SPEC §14.7): the check a voter's second device makes.
func VerifyAudit(e *Election, b *Ballot, op Opening) error {
	if b.Manifest != e.Hash {
		return fmt.Errorf("%w: %w", ErrAudit, ErrWrongManifest)
	}
	n := len(e.Manifest.Options)
	if len(b.Options) != n || len(op.Values) != n || len(op.Randomness) != n {
		return fmt.Errorf("%w: opening of %d values and %d scalars for a ballot of %d options; want %d", ErrAudit, len(op.Values), len(op.Randomness), len(b.Options), n)
	}
	total := 0
	for i, x := range op.Values {
		if x > 1 {
			return fmt.Errorf("%w: option %d: value %d is not 0 or 1", ErrAudit, i, x)
		}
		total += int(x)
		if !elgamal.VerifyEncryption(e.Key, b.Options[i].Ct, uint64(x), op.Randomness[i]) {
			return fmt.Errorf("%w: option %d does not encrypt %d with the revealed randomness", ErrAudit, i, x)
		}
	}
	if total < e.Manifest.Min || total > e.Manifest.Max {
		return fmt.Errorf("%w: %d options selected; the manifest allows %d to %d", ErrAudit, total, e.Manifest.Min, e.Manifest.Max)
	}
	return nil
}

// Choices returns the indices of the options the opening selects.
func (op Opening) Choices() []int {
	var out []int
	for i, x := range op.Values {
		if x == 1 {
			out = append(out, i)
		}
	}
	return out
}

// Bytes returns the spoil leaf of SPEC §14.7.
func (s *Spoil) Bytes() []byte {
	bb := s.Ballot.Bytes()
	out := make([]byte, 0, 5+len(bb)+len(s.Opening.Values)*33)
	out = append(out, leafSpoil)
	out = binary.BigEndian.AppendUint32(out, uint32(len(bb)))
	out = append(out, bb...)
	for i, x := range s.Opening.Values {
		out = append(out, x)
		out = append(out, s.Opening.Randomness[i].Bytes()...)
	}
	return out
}

// ParseSpoil decodes a spoil leaf strictly (SPEC §14.7). It does not check
// the opening: see VerifyAudit.
func ParseSpoil(in []byte) (*Spoil, error) {
	if len(in) < 5 || in[0] != leafSpoil {
		return nil, malformed("spoil leaf must start with %d and a length", leafSpoil)
	}
	bl := int(binary.BigEndian.Uint32(in[1:5]))
	if bl > len(in)-5 {
		return nil, malformed("spoil leaf: ballot length %d exceeds the leaf", bl)
	}
	b, err := ParseBallot(in[5 : 5+bl])
	if err != nil {
		return nil, fmt.Errorf("spoil leaf: %w", err)
	}
	rest := in[5+bl:]
	n := len(b.Options)
	if len(rest) != n*33 {
		return nil, malformed("spoil leaf: opening of %d bytes; want %d", len(rest), n*33)
	}
	op := Opening{Values: make([]uint8, n), Randomness: make([]*ristretto255.Scalar, n)}
	for i := range n {
		op.Values[i] = rest[i*33]
		if op.Values[i] > 1 {
			return nil, malformed("spoil leaf: option %d value %d is not 0 or 1", i, op.Values[i])
		}
		r, err := ristretto255.ScalarFromCanonicalBytes(rest[i*33+1 : i*33+33])
		if err != nil {
			return nil, malformed("spoil leaf: option %d randomness: %v", i, err)
		}
		op.Randomness[i] = r
	}
	return &Spoil{Ballot: b, Opening: op}, nil
}
