package plebiscite

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"concord/elgamal"
	"concord/zkp"
)

// Leaf type bytes of the plebiscite log (SPEC §14.8).
const (
	leafBallot = 1
	leafSpoil  = 2
)

// Labels of SPEC §14.3 and §14.4, each ending in a zero byte.
const (
	labelBit    = "concord/plebiscite/bit/v1\x00"
	labelRange  = "concord/plebiscite/range/v1\x00"
	labelBallot = "concord/plebiscite/ballot/v1\x00"
)

// SignatureSize is the size of a ballot signature.
const SignatureSize = 64

// Option is one option's encrypted value and its bit proof (SPEC §14.2).
type Option struct {
	Ct    *elgamal.Ciphertext
	Proof *zkp.BitProof
}

// Ballot is a signed encrypted ballot (SPEC §14.2). A ballot from
// ParseBallot or Cast keeps its encoding: treat it as read-only.
type Ballot struct {
	Manifest   Hash
	Credential Credential
	Options    []Option
	Range      *zkp.RangeProof
	Sig        [SignatureSize]byte

	raw []byte // the encoding, kept by ParseBallot and Cast
}

// ErrMalformed is wrapped by every decoding error of a ballot or a leaf.
var ErrMalformed = errors.New("malformed ballot")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// body returns BODY of SPEC §14.2: everything but the signature.
func (b *Ballot) body() []byte {
	rp := b.Range.Bytes()
	out := make([]byte, 0, 66+len(b.Options)*(elgamal.CiphertextSize+zkp.BitProofSize)+2+len(rp)+SignatureSize)
	out = append(out, leafBallot)
	out = append(out, b.Manifest[:]...)
	out = append(out, b.Credential[:]...)
	out = append(out, byte(len(b.Options)))
	for _, o := range b.Options {
		out = o.Ct.AppendBytes(out)
		out = append(out, o.Proof.Bytes()...)
	}
	out = binary.BigEndian.AppendUint16(out, uint16(len(rp)))
	return append(out, rp...)
}

// signedMessage returns the message of SPEC §14.4.
func signedMessage(body []byte) []byte {
	return append([]byte(labelBallot), body...)
}

// Bytes returns the canonical encoding BALLOT of SPEC §14.2.
func (b *Ballot) Bytes() []byte {
	return slices.Clone(b.bytes())
}

// bytes returns the encoding, computing it once.
func (b *Ballot) bytes() []byte {
	if b.raw == nil {
		b.raw = append(b.body(), b.Sig[:]...)
	}
	return b.raw
}

// ParseBallot decodes a ballot strictly (SPEC §14.2). It checks no proof and
// no signature: see VerifyBallot.
func ParseBallot(in []byte) (*Ballot, error) {
	const head = 1 + 32 + CredentialSize + 1
	if len(in) < head {
		return nil, malformed("%d bytes, shorter than the header", len(in))
	}
	if in[0] != leafBallot {
		return nil, malformed("version %d; want %d", in[0], leafBallot)
	}
	b := new(Ballot)
	copy(b.Manifest[:], in[1:33])
	copy(b.Credential[:], in[33:65])
	n := int(in[65])
	if n == 0 || n > MaxOptions {
		return nil, malformed("%d options; want 1 to %d", n, MaxOptions)
	}
	per := elgamal.CiphertextSize + zkp.BitProofSize
	off := head
	if len(in) < off+n*per+2 {
		return nil, malformed("%d bytes, too short for %d options", len(in), n)
	}
	b.Options = make([]Option, n)
	for i := range b.Options {
		ct, err := elgamal.ParseCiphertext(in[off : off+elgamal.CiphertextSize])
		if err != nil {
			return nil, malformed("option %d: %v", i, err)
		}
		off += elgamal.CiphertextSize
		p, err := zkp.ParseBitProof(in[off : off+zkp.BitProofSize])
		if err != nil {
			return nil, malformed("option %d: bit proof: %v", i, err)
		}
		off += zkp.BitProofSize
		b.Options[i] = Option{Ct: ct, Proof: p}
	}
	rl := int(binary.BigEndian.Uint16(in[off:]))
	off += 2
	if len(in) != off+rl+SignatureSize {
		return nil, malformed("%d bytes; want %d for a range proof of %d bytes", len(in), off+rl+SignatureSize, rl)
	}
	rp, err := zkp.ParseRangeProof(in[off : off+rl])
	if err != nil {
		return nil, malformed("range proof: %v", err)
	}
	b.Range = rp
	copy(b.Sig[:], in[off+rl:])
	b.raw = slices.Clone(in)
	return b, nil
}

// TrackingCode is the SHA-256 hash of a ballot's bytes (SPEC §14.5).
type TrackingCode = Hash

// TrackingCode returns the ballot's tracking code (SPEC §14.5).
func (b *Ballot) TrackingCode() TrackingCode {
	return sha256.Sum256(b.bytes())
}

// ShortCode returns the short human form of a tracking code: its first 10
// bytes in base32, four groups of four characters (SPEC §14.5).
func ShortCode(t TrackingCode) string {
	s := base32.StdEncoding.EncodeToString(t[:10])
	return strings.Join([]string{s[0:4], s[4:8], s[8:12], s[12:16]}, "-")
}

// bitContext returns ctx_bit(i) of SPEC §14.3.
func bitContext(mh Hash, c Credential, i int) []byte {
	b := make([]byte, 0, len(labelBit)+65)
	b = append(b, labelBit...)
	b = append(b, mh[:]...)
	b = append(b, c[:]...)
	return append(b, byte(i))
}

// rangeContext returns ctx_range of SPEC §14.3.
func rangeContext(mh Hash, c Credential) []byte {
	b := make([]byte, 0, len(labelRange)+64)
	b = append(b, labelRange...)
	b = append(b, mh[:]...)
	return append(b, c[:]...)
}

// sum returns the homomorphic sum of the option ciphertexts.
func (b *Ballot) sum() *elgamal.Ciphertext {
	s := elgamal.NewCiphertext()
	for _, o := range b.Options {
		s.Add(s, o.Ct)
	}
	return s
}
