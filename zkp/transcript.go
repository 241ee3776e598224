// Package zkp implements the non-interactive zero-knowledge proofs of the
// plebiscite (Schnorr, Chaum-Pedersen DLEQ, disjunctive 0/1 and range
// proofs on exponential ElGamal ciphertexts) and their Fiat-Shamir
// transcript, as specified in docs/SPEC.md, Section 11
// (docs/SPEC.md).
//
// Every proof follows the strong Fiat-Shamir rule: its challenge hashes a
// domain label, the caller's context (the manifest hash and anything else
// that must be bound), every public value of the statement including the
// bases, and the prover's commitments. Proofs are stored in commitment form
// so that many can be verified at once with a random linear combination
// ([Batch], [VerifyBitBatchVarTime]).
package zkp

import (
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"concord/ristretto255"
)

// Scalar and Element are the ristretto255 types.
type (
	Scalar  = ristretto255.Scalar
	Element = ristretto255.Element
)

// transcriptDomain opens every transcript (SPEC §11.1).
const transcriptDomain = "concord/zkp/transcript/v1"

// Record type bytes of SPEC §11.1.
const (
	recordAppend    = 0x01
	recordChallenge = 0x02
)

// Transcript is a Fiat-Shamir transcript (SPEC §11.1): a byte string T built
// from length-prefixed records and hashed with SHA-512 to derive challenges.
// Records are gathered in buf and written to the hash in one call when a
// challenge is drawn: the hash sees the same bytes as record by record,
// without a call through the hash interface for every few bytes.
type Transcript struct {
	h   hash.Hash
	buf []byte
	arr [512]byte // buf's first backing array: one allocation per transcript
}

// NewTranscript starts a transcript for the protocol named label:
// T = LP("concord/zkp/transcript/v1") || LP(label).
func NewTranscript(label string) *Transcript {
	t := &Transcript{h: sha512.New()}
	t.buf = appendOpening(t.arr[:0], label)
	return t
}

// Append adds the record 0x01 || LP(label) || LP(b) to the transcript.
func (t *Transcript) Append(label string, b []byte) {
	t.buf = appendRecord(t.buf, label, b)
}

// AppendElement appends the 32-byte encoding of e under label.
func (t *Transcript) AppendElement(label string, e *Element) {
	var buf [ristretto255.ElementSize]byte
	t.Append(label, e.AppendBytes(buf[:0]))
}

// AppendScalar appends the 32-byte encoding of s under label.
func (t *Transcript) AppendScalar(label string, s *Scalar) {
	t.Append(label, s.Bytes())
}

// AppendUint64 appends the 8-byte big-endian encoding of n under label.
func (t *Transcript) AppendUint64(label string, n uint64) {
	t.buf = appendUint64Record(t.buf, label, n)
}

// Challenge appends the record 0x02 || LP(label) and returns SHA-512(T)
// reduced modulo the group order. The record stays in the transcript, so
// later challenges depend on earlier ones.
func (t *Transcript) Challenge(label string) *Scalar {
	t.h.Write(appendChallengeRecord(t.buf, label))
	t.buf = t.buf[:0]
	var buf [sha512.Size]byte
	return challengeScalar(t.h.Sum(buf[:0]))
}

// The encodings of SPEC §11.1, appended to a byte slice: Transcript gathers
// its records with them, and the batch verifier builds a whole transcript
// with them in a buffer on its stack (oneChallenge).

// appendLP appends LP(b): the 8-byte big-endian length of b, then b.
func appendLP[T string | []byte](buf []byte, b T) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(b)))
	return append(buf, b...)
}

// appendOpening appends LP("concord/zkp/transcript/v1") || LP(label), the
// bytes a transcript starts with.
func appendOpening(buf []byte, label string) []byte {
	return appendLP(appendLP(buf, transcriptDomain), label)
}

// appendRecord appends the record 0x01 || LP(label) || LP(b).
func appendRecord(buf []byte, label string, b []byte) []byte {
	return appendLP(appendLP(append(buf, recordAppend), label), b)
}

// appendUint64Record appends the record of n's 8-byte big-endian encoding.
func appendUint64Record(buf []byte, label string, n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return appendRecord(buf, label, b[:])
}

// appendChallengeRecord appends the record 0x02 || LP(label).
func appendChallengeRecord(buf []byte, label string) []byte {
	return appendLP(append(buf, recordChallenge), label)
}

// challengeScalar reduces a SHA-512 output modulo the group order.
func challengeScalar(d []byte) *Scalar {
	c, err := ristretto255.NewScalar().SetUniformBytes(d)
	if err != nil {
		panic(err) // unreachable: SHA-512 output is 64 bytes
	}
	return c
}

// oneChallenge returns the challenge of a transcript T whose records are
// in buf (from appendOpening and appendRecord) and whose only challenge is
// labelled label: what [Transcript.Challenge] returns for the same T. The
// verifier computes thousands of challenges per batch; this one allocates
// nothing but the scalar when buf is on the caller's stack.
func oneChallenge(buf []byte, label string) *Scalar {
	d := sha512.Sum512(appendChallengeRecord(buf, label))
	return challengeScalar(d[:])
}
