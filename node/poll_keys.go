package node

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"concord/store/postgres"
)

// pollSigner returns the signer and verifier of the ballot log's
// checkpoints: the ledger's log key under the poll's origin (SPEC §17b.1).
// The key is read from keyFile, else from the ledger's key file (SQLite)
// or the file named by CONCORD_LOG_KEY (PostgreSQL); without one the
// signer is nil (read-only).
func (n *Node) pollSigner(origin, id, keyFile string) (note.Signer, note.Verifier, error) {
	vkey, err := PollVerifierKey(n.vkey, id)
	if err != nil {
		return nil, nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, err
	}
	if keyFile == "" && !IsURL(n.path) {
		keyFile = KeyPath(n.path)
	} else if keyFile == "" {
		keyFile = os.Getenv(LogKeyEnv)
	}
	if keyFile == "" {
		return nil, verifier, nil
	}
	skey, err := readLine(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, verifier, nil
	} else if err != nil {
		return nil, nil, err
	}
	skey2, _, pub, err := renameKey(skey, origin)
	if err != nil {
		return nil, nil, err
	}
	if keyHashOf(n.Origin(), pub) != n.verifier.KeyHash() || keyHashOf(origin, pub) != verifier.KeyHash() {
		return nil, nil, fmt.Errorf("%w: %s", ErrKeyMismatch, keyFile)
	}
	signer, err := note.NewSigner(skey2)
	if err != nil {
		return nil, nil, err
	}
	return signer, verifier, nil
}

// renameKey returns the note signer and verifier keys of the same Ed25519
// key as skey under another name (SPEC §17b.1), and the public key.
func renameKey(skey, name string) (string, string, ed25519.PublicKey, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", "", nil, errors.New("log key: not a note signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", "", nil, errors.New("log key: not an Ed25519 note signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	h := fmt.Sprintf("%08x", keyHashOf(name, pub))
	pubB64 := base64.StdEncoding.EncodeToString(append([]byte{1}, pub...))
	return "PRIVATE+KEY+" + name + "+" + h + "+" + parts[4], name + "+" + h + "+" + pubB64, pub, nil
}

// keyHashOf is the note key hash of an Ed25519 key named name:
// SHA-256(name ‖ "\n" ‖ 0x01 ‖ pub)[0:4].
func keyHashOf(name string, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', 1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// PollVerifierKey returns the note verifier key of the ballot log of
// manifest id given the ledger's log verifier key (SPEC §17b.1): the same
// Ed25519 key under the poll's origin.
func PollVerifierKey(ledgerVKey, id string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(ledgerVKey), "+", 3)
	if len(parts) != 3 {
		return "", errors.New("bad log verifier key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 1 {
		return "", errors.New("bad log verifier key: want an Ed25519 note key")
	}
	name := PollOrigin(parts[0], id)
	return fmt.Sprintf("%s+%08x+%s", name, keyHashOf(name, raw[1:]), parts[2]), nil
}

// openPollPostgres opens the ballot log of id in its own schema of the
// ledger's database (SPEC §17b.3).
func openPollPostgres(ctx context.Context, url, id string) (store, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %v", err)
	}
	_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{PollSchema(id)}.Sanitize())
	conn.Close(ctx)
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return nil, fmt.Errorf("postgres: creating schema %s: %v", PollSchema(id), err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return postgres.Open(ctx, url+sep+"search_path="+PollSchema(id))
}
