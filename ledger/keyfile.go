package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// keyFileHeader is the first line of a party key file (SPEC §3.5).
const keyFileHeader = "concord/v1/party-key"

// KeyFile is a party's secret key file (SPEC §3.5): the party id and the
// 32-byte Ed25519 seed of its signing key.
type KeyFile struct {
	ID   PartyID
	seed [ed25519.SeedSize]byte
}

// GenerateKey returns a new key file for id with a seed from crypto/rand.
func GenerateKey(id PartyID) (*KeyFile, error) {
	var seed [ed25519.SeedSize]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	return NewKeyFromSeed(id, seed[:])
}

// NewKeyFromSeed returns the key file for id holding the given 32-byte
// Ed25519 seed (RFC 8032, Section 5.1.5). Use it to rebuild a key whose
// seed is known, as in test vectors and replayed scenarios.
func NewKeyFromSeed(id PartyID, seed []byte) (*KeyFile, error) {
	if !ValidID(string(id)) {
		return nil, fmt.Errorf("bad party id %q: use 1 to 32 characters of a-z, 0-9 and -, starting with a letter", id)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("bad seed: %d bytes; want %d", len(seed), ed25519.SeedSize)
	}
	k := &KeyFile{ID: id}
	copy(k.seed[:], seed)
	return k, nil
}

// PrivateKey returns the Ed25519 private key.
func (k *KeyFile) PrivateKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(k.seed[:])
}

// PublicKey returns the Ed25519 public key, the key registered by the
// party's registration entry.
func (k *KeyFile) PublicKey() ed25519.PublicKey {
	return k.PrivateKey().Public().(ed25519.PublicKey)
}

// String describes k without its secret: the party id and public key.
func (k *KeyFile) String() string {
	return fmt.Sprintf("party key of %q, public key %x", k.ID, []byte(k.PublicKey()))
}

// Marshal returns the key file's text (SPEC §3.5): four lines, each ended
// by a line feed: "concord/v1/party-key", "id " and the party id, "public "
// and the public key in lowercase hex, "seed " and the seed in lowercase
// hex. The seed is hex-encoded in constant time.
func (k *KeyFile) Marshal() []byte {
	b := make([]byte, 0, len(keyFileHeader)+len(k.ID)+2*64+20)
	b = append(b, keyFileHeader+"\nid "...)
	b = append(b, k.ID...)
	b = append(b, "\npublic "...)
	b = appendHex(b, k.PublicKey())
	b = append(b, "\nseed "...)
	b = appendHex(b, k.seed[:])
	return append(b, '\n')
}

// appendHex appends the lowercase hex encoding of src in constant time:
// no branch or table lookup depends on the bytes.
func appendHex(dst, src []byte) []byte {
	for _, x := range src {
		dst = append(dst, hexDigit(int32(x>>4)), hexDigit(int32(x&15)))
	}
	return dst
}

// hexDigit returns '0'+n for n < 10 and 'a'+n-10 otherwise.
func hexDigit(n int32) byte {
	below10 := (n - 10) >> 31 // all ones if n < 10
	return byte(87 + n + (below10 & -39))
}

// DecodeLowerHex decodes exactly len(dst) bytes of lowercase hex from src
// in constant time, for secrets (SPEC §3.5); it reports only whether the
// whole input was valid.
func DecodeLowerHex(dst []byte, src string) bool {
	if len(src) != 2*len(dst) {
		return false
	}
	var bad int32
	nibble := func(c byte) int32 {
		d := int32(c) - '0'
		l := int32(c) - 'a'
		isDigit := ^((d | (9 - d)) >> 31)
		isLetter := ^((l | (5 - l)) >> 31)
		bad |= ^(isDigit | isLetter)
		return (isDigit & d) | (isLetter & (l + 10))
	}
	for i := range dst {
		dst[i] = byte(nibble(src[2*i])<<4 | nibble(src[2*i+1]))
	}
	return bad == 0
}

// ParseKeyFile parses a key file strictly (SPEC §3.5): the bytes must be
// exactly what Marshal produces for the id and seed they hold, and the
// public key line must match the seed.
func ParseKeyFile(b []byte) (*KeyFile, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != 5 || lines[4] != "" || lines[0] != keyFileHeader {
		return nil, errors.New("bad key file: want the four lines concord/v1/party-key, id, public and seed, each ended by a line feed")
	}
	id, ok := strings.CutPrefix(lines[1], "id ")
	if !ok {
		return nil, errors.New("bad key file: line 2 does not start with \"id \"")
	}
	seedHex, ok := strings.CutPrefix(lines[3], "seed ")
	if !ok {
		return nil, errors.New("bad key file: line 4 does not start with \"seed \"")
	}
	var seed [ed25519.SeedSize]byte
	if !DecodeLowerHex(seed[:], seedHex) {
		return nil, errors.New("bad key file: the seed is not 64 lowercase hex digits")
	}
	k, err := NewKeyFromSeed(PartyID(id), seed[:])
	if err != nil {
		return nil, fmt.Errorf("bad key file: %v", err)
	}
	if want := "public " + hex.EncodeToString(k.PublicKey()); lines[2] != want {
		return nil, fmt.Errorf("bad key file: line 3 does not hold the public key of the seed; want %q", want)
	}
	if subtle.ConstantTimeCompare(k.Marshal(), b) != 1 {
		return nil, errors.New("bad key file: not in canonical form (hex digits must be lowercase)")
	}
	return k, nil
}

// WriteKeyFile writes k to a new file at path, readable and writable by
// its owner only (mode 0600). It refuses to overwrite an existing file.
func WriteKeyFile(path string, k *KeyFile) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(k.Marshal()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
