package ledger

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxEntrySize is the largest canonical signed entry, in bytes (SPEC §3.1):
// 65,535, the most a C2SP tlog-tiles entry bundle can frame with its uint16
// length. The signed envelope adds exactly signedOverhead bytes to the
// canonical entry, so a canonical entry is at most
// MaxEntrySize-signedOverhead bytes.
const MaxEntrySize = 1<<16 - 1

// signedOverhead is len(`{"entry":`) + len(`,"sig":"`) + 88 + len(`"}`).
const signedOverhead = 9 + 8 + 88 + 2

// SigningLabel is the domain-separation label that starts every signing
// message (SPEC §3.3).
const SigningLabel = "concord/v1/entry"

// ErrBadSignature is returned by Signed.Verify when the signature does not
// verify.
var ErrBadSignature = errors.New("signature does not verify")

// marshal returns the canonical JSON profile of SPEC §1.4 for v: the
// encoding/json encoding with HTML escaping off and no trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// EncodeEntry returns the canonical encoding of e (SPEC §3.1) after
// checking it with Validate.
func EncodeEntry(e *Entry) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := marshal(e)
	if err != nil {
		return nil, &FormatError{Msg: err.Error()}
	}
	if len(b) > MaxEntrySize-signedOverhead {
		return nil, bad("", "encodes to %d bytes; the limit is %d (SPEC §3.1)", len(b), MaxEntrySize-signedOverhead)
	}
	return b, nil
}

// envelope returns the canonical encoding of a signed entry given the
// canonical encoding of its entry (SPEC §3.3): {"entry":E,"sig":"B64"}.
func envelope(entry, sig []byte) []byte {
	b := make([]byte, 0, len(entry)+signedOverhead)
	b = append(b, `{"entry":`...)
	b = append(b, entry...)
	b = append(b, `,"sig":"`...)
	b = base64.StdEncoding.AppendEncode(b, sig)
	return append(b, `"}`...)
}

// Encode returns the canonical encoding of s (SPEC §3.3), the bytes of its
// log leaf, after checking the entry with Validate and the signature
// length. It does not verify the signature.
func Encode(s *Signed) ([]byte, error) {
	if len(s.Sig) != ed25519.SignatureSize {
		return nil, bad("sig", "is %d bytes; an Ed25519 signature is 64 bytes", len(s.Sig))
	}
	e, err := EncodeEntry(&s.Entry)
	if err != nil {
		return nil, err
	}
	return envelope(e, s.Sig), nil
}

// strict decodes b into v by the procedure of SPEC §1.5: at most max
// bytes, valid UTF-8, one JSON value with no unknown members and nothing
// after it; then encode, which validates v before encoding it, must give
// back exactly b.
func strict(b []byte, max int, v any, encode func() ([]byte, error)) error {
	if len(b) > max {
		return bad("", "is %d bytes; the limit is %d bytes (SPEC §3.1)", len(b), max)
	}
	if !utf8.Valid(b) {
		return bad("", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bad("", "%v", err)
	}
	if off := dec.InputOffset(); off != int64(len(b)) {
		return bad("", "unexpected data at offset %d after the JSON value", off)
	}
	c, err := encode()
	if err != nil {
		return err
	}
	if !bytes.Equal(b, c) {
		i := 0
		for i < len(b) && i < len(c) && b[i] == c[i] {
			i++
		}
		return bad("", "not in canonical form (SPEC §1.4): first difference at offset %d, near %q; canonical form has %q",
			i, excerpt(b, i), excerpt(c, i))
	}
	return nil
}

func excerpt(b []byte, i int) string {
	return string(b[i:min(len(b), i+16)])
}

// DecodeEntry decodes a canonical entry strictly (SPEC §3.1) and checks it
// with Validate. Errors are *FormatError.
func DecodeEntry(b []byte) (*Entry, error) {
	e := new(Entry)
	err := strict(b, MaxEntrySize-signedOverhead, e, func() ([]byte, error) { return EncodeEntry(e) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Decode decodes a canonical signed entry strictly (SPEC §3.3) and checks
// its entry with Validate. It does not verify the signature: that needs
// the author's key, see Signed.Verify and Checker.Check. Errors are
// *FormatError.
func Decode(b []byte) (*Signed, error) {
	s := new(Signed)
	if err := strict(b, MaxEntrySize, s, func() ([]byte, error) { return Encode(s) }); err != nil {
		return nil, err
	}
	return s, nil
}

// SigningMessage returns the message an author signs for e (SPEC §3.3):
// the ASCII label "concord/v1/entry", one line feed (0x0A), then the
// canonical encoding of e.
func SigningMessage(e *Entry) ([]byte, error) {
	b, err := EncodeEntry(e)
	if err != nil {
		return nil, err
	}
	return signingMessage(b), nil
}

func signingMessage(entry []byte) []byte {
	m := make([]byte, 0, len(SigningLabel)+1+len(entry))
	m = append(m, SigningLabel...)
	m = append(m, '\n')
	return append(m, entry...)
}

// Sign signs e with priv (SPEC §3.3). The returned Signed holds a shallow
// copy of e. For a party registration, priv must belong to the key being
// registered.
func Sign(e *Entry, priv ed25519.PrivateKey) (*Signed, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("bad private key: %d bytes; want %d", len(priv), ed25519.PrivateKeySize)
	}
	b, err := EncodeEntry(e)
	if err != nil {
		return nil, err
	}
	if e.Kind == KindParty && !bytes.Equal(e.Party.Key, priv[32:]) {
		return nil, errors.New("cannot sign party registration: party.key is not the public key of the signing key")
	}
	return &Signed{Entry: *e, Sig: ed25519.Sign(priv, signingMessage(b))}, nil
}

// Verify checks the signature of s under pub (SPEC §3.3). It returns
// ErrBadSignature if it does not verify.
func (s *Signed) Verify(pub ed25519.PublicKey) error {
	_, err := s.verify(pub)
	return err
}

// verify checks the signature and returns the canonical leaf.
func (s *Signed) verify(pub ed25519.PublicKey) ([]byte, error) {
	if len(s.Sig) != ed25519.SignatureSize {
		return nil, bad("sig", "is %d bytes; an Ed25519 signature is 64 bytes", len(s.Sig))
	}
	e, err := EncodeEntry(&s.Entry)
	if err != nil {
		return nil, err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, signingMessage(e), s.Sig) {
		return nil, ErrBadSignature
	}
	return envelope(e, s.Sig), nil
}

// Hash returns the entry hash of s (SPEC §3.3): LeafHash of its canonical
// encoding.
func (s *Signed) Hash() (Hash, error) {
	b, err := Encode(s)
	if err != nil {
		return Hash{}, err
	}
	return LeafHash(b), nil
}
