package tlog

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	flog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxOriginLen is the longest origin accepted (SPEC §5.5).
const maxOriginLen = 255

// maxSignatures bounds the signature lines of a checkpoint note (SPEC §5.5).
const maxSignatures = 100

// Checkpoint is a verified checkpoint (SPEC §5.5).
type Checkpoint struct {
	Origin string
	Size   int64
	Root   Hash
	// Witnesses names the witnesses whose cosignatures verified, in the
	// order of their signature lines.
	Witnesses []string
}

// CheckOrigin reports whether origin is a valid log origin (SPEC §5.5):
// non-empty, at most 255 bytes of UTF-8, without spaces or '+'.
func CheckOrigin(origin string) error {
	switch {
	case origin == "":
		return fmt.Errorf("tlog: empty log origin")
	case len(origin) > maxOriginLen:
		return fmt.Errorf("tlog: log origin is %d bytes; at most %d allowed", len(origin), maxOriginLen)
	case !utf8.ValidString(origin):
		return fmt.Errorf("tlog: log origin %q is not UTF-8", origin)
	case strings.IndexFunc(origin, unicode.IsSpace) >= 0 || strings.Contains(origin, "+"):
		return fmt.Errorf("tlog: log origin %q contains a space or '+'", origin)
	}
	return nil
}

// FormatCheckpointText returns the checkpoint body of SPEC §5.5: origin,
// decimal size and base64 root, each followed by a newline.
func FormatCheckpointText(origin string, size int64, root Hash) []byte {
	return flog.Checkpoint{Origin: origin, Size: uint64(size), Hash: root[:]}.Marshal()
}

// ParseCheckpointText parses a checkpoint body strictly (SPEC §5.5): it must
// be exactly three lines and re-encode to the same bytes, so leading zeros,
// non-canonical base64, extension lines and trailing bytes are rejected.
func ParseCheckpointText(text []byte) (origin string, size int64, root Hash, err error) {
	var c flog.Checkpoint
	rest, err := c.Unmarshal(text)
	if err != nil {
		return "", 0, Hash{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if len(rest) != 0 {
		return "", 0, Hash{}, fmt.Errorf("%w: unexpected extension lines after the root hash", ErrBadCheckpoint)
	}
	if err := CheckOrigin(c.Origin); err != nil {
		return "", 0, Hash{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if c.Size > 1<<63-1 {
		return "", 0, Hash{}, fmt.Errorf("%w: size %d too large", ErrBadCheckpoint, c.Size)
	}
	if len(c.Hash) != tlog.HashSize {
		return "", 0, Hash{}, fmt.Errorf("%w: root hash is %d bytes; want %d", ErrBadCheckpoint, len(c.Hash), tlog.HashSize)
	}
	copy(root[:], c.Hash)
	if !bytes.Equal(c.Marshal(), text) {
		return "", 0, Hash{}, fmt.Errorf("%w: body is not in canonical form", ErrBadCheckpoint)
	}
	return c.Origin, int64(c.Size), root, nil
}

// VerifyCheckpoint verifies a signed checkpoint note as in SPEC §5.5: it
// must carry a valid signature of logVerifier, have a canonical body and
// the expected origin. Cosignatures by witnesses are verified if present
// (an invalid one fails the whole note) and their names returned; deciding
// how many are required is the caller's policy.
func VerifyCheckpoint(signedNote []byte, origin string, logVerifier note.Verifier, witnesses ...note.Verifier) (*Checkpoint, error) {
	if n := bytes.Count(signedNote, []byte("\n— ")); n > maxSignatures {
		return nil, fmt.Errorf("%w: %d signatures; at most %d allowed", ErrBadCheckpoint, n, maxSignatures)
	}
	_, _, n, err := flog.ParseCheckpoint(signedNote, origin, logVerifier, witnesses...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	o, size, root, err := ParseCheckpointText([]byte(n.Text))
	if err != nil {
		return nil, err
	}
	if o != origin {
		return nil, fmt.Errorf("%w: origin %q; want %q", ErrBadCheckpoint, o, origin)
	}
	c := &Checkpoint{Origin: o, Size: size, Root: root}
	for _, s := range n.Sigs {
		for _, w := range witnesses {
			if s.Name == w.Name() && s.Hash == w.KeyHash() {
				c.Witnesses = append(c.Witnesses, s.Name)
				break
			}
		}
	}
	return c, nil
}

// VerifyInclusion checks that proof shows the leaf with leaf hash leafHash
// at index in the tree of treeSize leaves with root hash root (SPEC §5.3).
func VerifyInclusion(proof []Hash, treeSize int64, root Hash, index int64, leafHash Hash) error {
	if index < 0 || index >= treeSize {
		return fmt.Errorf("%w: leaf %d is not in a tree of size %d", ErrInvalidProof, index, treeSize)
	}
	if err := tlog.CheckRecord(proof, treeSize, root, index, leafHash); err != nil {
		return fmt.Errorf("%w: leaf %d in tree of size %d: %v", ErrInvalidProof, index, treeSize, err)
	}
	return nil
}

// VerifyConsistency checks that proof shows the tree of oldSize leaves with
// root oldRoot to be a prefix of the tree of newSize leaves with root
// newRoot (SPEC §5.4).
func VerifyConsistency(proof []Hash, newSize int64, newRoot Hash, oldSize int64, oldRoot Hash) error {
	switch {
	case oldSize < 0 || oldSize > newSize:
		return fmt.Errorf("%w: cannot prove size %d consistent with size %d", ErrInvalidProof, oldSize, newSize)
	case oldSize == 0 || oldSize == newSize:
		if len(proof) != 0 {
			return fmt.Errorf("%w: consistency proof from size %d to %d must be empty", ErrInvalidProof, oldSize, newSize)
		}
		if oldSize == 0 && oldRoot != EmptyRoot {
			return fmt.Errorf("%w: root of the empty tree is %v; want %v", ErrInvalidProof, oldRoot, EmptyRoot)
		}
		if oldSize == newSize && oldRoot != newRoot {
			return fmt.Errorf("%w: two roots for size %d: %v and %v", ErrInvalidProof, oldSize, oldRoot, newRoot)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newSize, newRoot, oldSize, oldRoot); err != nil {
		return fmt.Errorf("%w: size %d to %d: %v", ErrInvalidProof, oldSize, newSize, err)
	}
	return nil
}

// noteBody returns the text of a signed note: everything up to and
// including the newline before the blank line that starts the signatures.
func noteBody(signedNote []byte) ([]byte, error) {
	i := bytes.Index(signedNote, []byte("\n\n"))
	if i < 0 {
		return nil, fmt.Errorf("%w: no signature block", ErrBadCheckpoint)
	}
	return signedNote[:i+1], nil
}
