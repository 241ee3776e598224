package tlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Key type bytes of C2SP signed-note and tlog-cosignature (SPEC §5.6).
const (
	algEd25519      = 0x01
	algCosigV1      = 0x04
	cosigTimeSize   = 8
	cosigSigSize    = cosigTimeSize + ed25519.SignatureSize
	keyHashHexChars = 8
)

// GenerateLogKey generates a log key pair for origin (SPEC §5.6): a
// sumdb/note Ed25519 signer key, to be kept secret, and its verifier key.
func GenerateLogKey(origin string) (skey, vkey string, err error) {
	if err := CheckOrigin(origin); err != nil {
		return "", "", err
	}
	return note.GenerateKey(rand.Reader, origin)
}

// NewLogSigner parses a log signer key (SPEC §5.6).
func NewLogSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSuffix(skey, "\n"))
	if err != nil {
		return nil, fmt.Errorf("tlog: parsing log signer key: %v", err)
	}
	return s, nil
}

// NewLogVerifier parses a log verifier key (SPEC §5.6).
func NewLogVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSuffix(vkey, "\n"))
	if err != nil {
		return nil, fmt.Errorf("tlog: parsing log verifier key %q: %v", vkey, err)
	}
	return v, nil
}

// GenerateWitnessKey generates a C2SP tlog-cosignature cosignature/v1
// Ed25519 key pair named name (SPEC §5.6): the signer key
// "PRIVATE+KEY+<name>+<keyhash>+<base64(0x04 ‖ seed)>" and the verifier key
// "<name>+<keyhash>+<base64(0x04 ‖ public key)>".
func GenerateWitnessKey(name string) (skey, vkey string, err error) {
	if err := CheckOrigin(name); err != nil {
		return "", "", fmt.Errorf("tlog: witness name: %v", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	h := keyHash(name, algCosigV1, pub)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(append([]byte{algCosigV1}, priv.Seed()...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(append([]byte{algCosigV1}, pub...)))
	return skey, vkey, nil
}

// NewWitnessSigner parses a witness signer key and returns a note.Signer
// producing cosignature/v1 signatures (SPEC §5.8). It produces the same
// bytes as github.com/transparency-dev/formats/note.NewSignerForCosignatureV1
// (checked against a vector made with it). That package is not imported
// because it requires filippo.io/mldsa and golang.org/x/crypto, which
// Concord's go.mod does not have; the Ed25519 cosignature is 20 lines.
func NewWitnessSigner(skey string) (note.Signer, error) {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(skey, "\n"), "PRIVATE+KEY+")
	if !ok {
		return nil, fmt.Errorf("tlog: witness signer key must start with PRIVATE+KEY+")
	}
	name, _, key, err := parseKey(rest, ed25519.SeedSize, func(_ byte, seed []byte) []byte {
		return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	})
	if err != nil {
		return nil, fmt.Errorf("tlog: parsing witness signer key: %v", err)
	}
	priv := ed25519.NewKeyFromSeed(key)
	pub := priv.Public().(ed25519.PublicKey)
	return &cosigSigner{
		name: name,
		hash: keyHash(name, algCosigV1, pub),
		key:  priv,
		now:  time.Now,
	}, nil
}

// WitnessVerifierKey returns the verifier key
// "<name>+<keyhash>+<base64(0x04 ‖ public key)>" of a witness signer key
// (SPEC §5.6).
func WitnessVerifierKey(skey string) (string, error) {
	s, err := NewWitnessSigner(skey)
	if err != nil {
		return "", err
	}
	cs := s.(*cosigSigner)
	pub := cs.key.Public().(ed25519.PublicKey)
	return fmt.Sprintf("%s+%08x+%s", cs.name, cs.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosigV1}, pub...))), nil
}

// NewWitnessVerifier parses a witness verifier key and returns a
// note.Verifier of cosignature/v1 signatures (SPEC §5.8), equivalent to
// github.com/transparency-dev/formats/note.NewVerifierForCosignatureV1.
func NewWitnessVerifier(vkey string) (note.Verifier, error) {
	name, _, key, err := parseKey(strings.TrimSuffix(vkey, "\n"), ed25519.PublicKeySize, func(_ byte, pub []byte) []byte { return pub })
	if err != nil {
		return nil, fmt.Errorf("tlog: parsing witness verifier key %q: %v", vkey, err)
	}
	return &cosigVerifier{name: name, hash: keyHash(name, algCosigV1, key), key: ed25519.PublicKey(key)}, nil
}

// parseKey parses "<name>+<keyhash hex>+<base64(alg ‖ key)>" with alg 0x01
// or 0x04 and a key of keyLen bytes. The key hash must match the one
// computed over pub(alg, key) with that alg.
func parseKey(s string, keyLen int, pub func(alg byte, key []byte) []byte) (name string, alg byte, key []byte, err error) {
	name, rest, _ := strings.Cut(s, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	if err := CheckOrigin(name); err != nil {
		return "", 0, nil, fmt.Errorf("bad key name: %v", err)
	}
	if len(hash16) != keyHashHexChars || strings.ToLower(hash16) != hash16 {
		return "", 0, nil, fmt.Errorf("key hash %q is not 8 lowercase hex digits", hash16)
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return "", 0, nil, fmt.Errorf("key hash %q is not 8 lowercase hex digits", hash16)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || base64.StdEncoding.EncodeToString(raw) != key64 {
		return "", 0, nil, fmt.Errorf("key is not canonical base64")
	}
	if len(raw) != 1+keyLen {
		return "", 0, nil, fmt.Errorf("key is %d bytes; want %d", len(raw), 1+keyLen)
	}
	alg, key = raw[0], raw[1:]
	if alg != algEd25519 && alg != algCosigV1 {
		return "", 0, nil, fmt.Errorf("key type 0x%02x; want 0x04 (cosignature/v1) or 0x01 (Ed25519)", alg)
	}
	if want := keyHash(name, alg, pub(alg, key)); uint32(h) != want {
		return "", 0, nil, fmt.Errorf("key hash %s does not match the key (want %08x)", hash16, want)
	}
	return name, alg, key, nil
}

// keyHash is the C2SP signed-note key ID: SHA-256(name ‖ "\n" ‖ alg ‖ pub)[0:4].
func keyHash(name string, alg byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', alg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// cosigMessage is the cosignature/v1 signed message of SPEC §5.8.
func cosigMessage(t uint64, body []byte) ([]byte, error) {
	if bytes.Count(body, []byte("\n")) < 3 {
		return nil, fmt.Errorf("tlog: cosigned note has fewer than three lines")
	}
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n", t)
	return append(m, body...), nil
}

type cosigSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	now  func() time.Time // time.Now; tests replace it
}

func (s *cosigSigner) Name() string    { return s.name }
func (s *cosigSigner) KeyHash() uint32 { return s.hash }

// Sign returns u64be(T) ‖ Ed25519(message) as in SPEC §5.8.
func (s *cosigSigner) Sign(body []byte) ([]byte, error) {
	t := uint64(s.now().Unix())
	m, err := cosigMessage(t, body)
	if err != nil {
		return nil, err
	}
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, cosigSigSize), t)
	return append(sig, ed25519.Sign(s.key, m)...), nil
}

type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }

func (v *cosigVerifier) Verify(body, sig []byte) bool {
	if len(sig) != cosigSigSize {
		return false
	}
	m, err := cosigMessage(binary.BigEndian.Uint64(sig), body)
	if err != nil {
		return false
	}
	return ed25519.Verify(v.key, m, sig[cosigTimeSize:])
}

// CosignatureTime returns the time T a witness put in its cosignature
// (SPEC §5.8): the signature bytes after the 4-byte key hash start with T.
func CosignatureTime(sig note.Signature) (time.Time, error) {
	raw, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(raw) != 4+cosigSigSize {
		return time.Time{}, fmt.Errorf("tlog: %q is not a cosignature/v1 signature", sig.Name)
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw[4:])), 0), nil
}
