package tlog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// witnessStateVersion is the version of the witness state file (SPEC §5.9).
const witnessStateVersion = 1

// Witness cosigns checkpoints of logs it has verified to be append-only
// (SPEC §5.9). It keeps, per log origin, the last checkpoint it cosigned in
// a JSON state file. It is safe for concurrent use within one process; two
// processes must not share a state file.
type Witness struct {
	mu     sync.Mutex
	signer note.Signer
	path   string
	state  witnessState
}

type witnessState struct {
	Version int                    `json:"version"`
	Logs    map[string]*witnessLog `json:"logs"`
}

type witnessLog struct {
	LogKey     string `json:"log_key"` // "<name>+<keyhash hex>" of the log key
	Size       int64  `json:"size"`
	Root       string `json:"root"`       // base64 root hash
	Checkpoint string `json:"checkpoint"` // checkpoint body last cosigned
}

// OpenWitness returns a witness signing with the witness signer key skey
// (SPEC §5.6) and keeping its state in statePath, which is created on the
// first cosignature if missing.
func OpenWitness(skey, statePath string) (*Witness, error) {
	s, err := NewWitnessSigner(skey)
	if err != nil {
		return nil, err
	}
	w := &Witness{signer: s, path: statePath, state: witnessState{Version: witnessStateVersion, Logs: map[string]*witnessLog{}}}
	data, err := os.ReadFile(statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return w, nil
	} else if err != nil {
		return nil, fmt.Errorf("tlog: reading witness state: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w.state); err != nil || dec.More() {
		return nil, fmt.Errorf("tlog: witness state %s is corrupt: %v", statePath, err)
	}
	if w.state.Version != witnessStateVersion {
		return nil, fmt.Errorf("tlog: witness state %s has version %d; this program supports %d", statePath, w.state.Version, witnessStateVersion)
	}
	if w.state.Logs == nil {
		w.state.Logs = map[string]*witnessLog{}
	}
	for origin, l := range w.state.Logs {
		if _, err := l.root(); err != nil || l.Size < 0 {
			return nil, fmt.Errorf("tlog: witness state %s: log %q: bad size or root", statePath, origin)
		}
	}
	return w, nil
}

func (l *witnessLog) root() (Hash, error) {
	var h Hash
	b, err := base64.StdEncoding.Strict().DecodeString(l.Root)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("bad root %q", l.Root)
	}
	copy(h[:], b)
	return h, nil
}

// Name returns the witness's key name.
func (w *Witness) Name() string { return w.signer.Name() }

// Latest returns the size and root of the last checkpoint of origin the
// witness cosigned; ok is false if it never cosigned one.
func (w *Witness) Latest(origin string) (size int64, root Hash, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.state.Logs[origin]
	if l == nil {
		return 0, Hash{}, false
	}
	root, _ = l.root()
	return l.Size, root, true
}

// Cosign applies the witness rules of SPEC §5.9 to checkpoint, a signed
// note of the log whose key is logVerifier, with proof a consistency proof
// from the last size the witness cosigned for that origin (see Latest). It
// returns the cosignature line ("— <name> <base64>\n") once the new state
// is durably recorded. A fork fails with ErrFork, an older tree with
// ErrRollback, a known origin under another key with ErrUnknownLog.
func (w *Witness) Cosign(checkpoint []byte, proof []Hash, logVerifier note.Verifier) ([]byte, error) {
	body, err := noteBody(checkpoint)
	if err != nil {
		return nil, err
	}
	origin, _, _, err := ParseCheckpointText(body)
	if err != nil {
		return nil, err
	}
	c, err := VerifyCheckpoint(checkpoint, origin, logVerifier)
	if err != nil {
		return nil, err
	}
	logKey := fmt.Sprintf("%s+%08x", logVerifier.Name(), logVerifier.KeyHash())

	w.mu.Lock()
	defer w.mu.Unlock()
	if old := w.state.Logs[origin]; old != nil {
		if err := checkAgainst(old, c, logKey, proof); err != nil {
			return nil, err
		}
	}
	signed, err := note.Sign(&note.Note{Text: string(body)}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("tlog: cosigning: %w", err)
	}
	line := signed[len(body)+1:]
	prev := w.state.Logs[origin]
	w.state.Logs[origin] = &witnessLog{LogKey: logKey, Size: c.Size, Root: c.Root.String(), Checkpoint: string(body)}
	if err := w.save(); err != nil {
		w.state.Logs[origin] = prev
		return nil, err
	}
	return line, nil
}

// checkAgainst applies steps 1 and 3 to 5 of SPEC §5.9.
func checkAgainst(old *witnessLog, c *Checkpoint, logKey string, proof []Hash) error {
	if old.LogKey != logKey {
		return fmt.Errorf("%w: %s was cosigned under log key %s, not %s", ErrUnknownLog, c.Origin, old.LogKey, logKey)
	}
	oldRoot, err := old.root()
	if err != nil {
		return err
	}
	switch {
	case c.Size < old.Size:
		return fmt.Errorf("%w: %s: offered size %d (root %v) but size %d (root %v) was already cosigned",
			ErrRollback, c.Origin, c.Size, c.Root, old.Size, oldRoot)
	case c.Size == old.Size && c.Root != oldRoot:
		return fmt.Errorf("%w: %s has two roots for size %d: cosigned %v, now offered %v",
			ErrFork, c.Origin, c.Size, oldRoot, c.Root)
	}
	if err := VerifyConsistency(proof, c.Size, c.Root, old.Size, oldRoot); err != nil {
		return fmt.Errorf("%w: %s: size %d (root %v) is not an extension of cosigned size %d (root %v): %v",
			ErrFork, c.Origin, c.Size, c.Root, old.Size, oldRoot, err)
	}
	return nil
}

// save writes the state file atomically: temporary file, fsync, rename,
// fsync of the directory (SPEC §5.9 step 6).
func (w *Witness) save() error {
	data, err := json.MarshalIndent(&w.state, "", "\t")
	if err != nil {
		return err
	}
	dir := filepath.Dir(w.path)
	f, err := os.CreateTemp(dir, filepath.Base(w.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("tlog: saving witness state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, w.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tlog: saving witness state: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("tlog: saving witness state: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("tlog: saving witness state: fsync %s: %w", dir, err)
	}
	return nil
}
