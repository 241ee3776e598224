package node

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := WriteNewFile(path, []byte("secret\n"), 0o600); err != nil {
		t.Fatalf("WriteNewFile(new file) = %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "secret\n" {
		t.Errorf("content = %q, %v; want %q", b, err, "secret\n")
	}
	if fi, err := os.Stat(path); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v; want 0600", fi.Mode().Perm())
	}
	if err := WriteNewFile(path, []byte("other"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteNewFile(existing file) = %v; want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "secret\n" {
		t.Errorf("existing file overwritten: %q", b)
	}
}
