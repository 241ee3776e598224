// Package wasmbuild builds the voting booth's WebAssembly module and copies
// Go's JavaScript support file beside it, reproducibly, as specified in
// docs/SPEC.md, Section 19.6. "go generate ./web" and the test that
// checks the committed module is up to date both call Build.
package wasmbuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Files written by Build into its output directory.
const (
	Module    = "booth.wasm"      // the compiled concord/web/wasm
	Support   = "wasm_exec.js"    // $GOROOT/lib/wasm/wasm_exec.js
	Toolchain = "booth.toolchain" // the Go version that built Module, one line
)

// Package is the import path of the module's main package.
const Package = "concord/web/wasm"

// Build compiles Package for GOOS=js GOARCH=wasm into dir/booth.wasm with
// flags that make the output depend only on the source and the toolchain
// (SPEC §19.6), copies wasm_exec.js from the toolchain, and records the
// toolchain's version. It runs the go command found on PATH.
func Build(ctx context.Context, dir string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building %s needs the go command on PATH: %w", Module, err)
	}
	version, err := goEnv(ctx, gobin, "GOVERSION")
	if err != nil {
		return err
	}
	if version != runtime.Version() {
		return fmt.Errorf("go on PATH is %s but this program was built with %s; run it with the same toolchain", version, runtime.Version())
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w",
		"-o", filepath.Join(dir, Module), Package)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWASM=", "GOFLAGS=", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("GOOS=js GOARCH=wasm go build %s: %v\n%s", Package, err, stderr.Bytes())
	}
	if err := os.Chmod(filepath.Join(dir, Module), 0o644); err != nil {
		return err
	}
	goroot, err := goEnv(ctx, gobin, "GOROOT")
	if err != nil {
		return err
	}
	js, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", Support))
	if err != nil {
		return fmt.Errorf("reading the toolchain's %s (Go 1.24 or later keeps it in $GOROOT/lib/wasm): %w", Support, err)
	}
	if err := os.WriteFile(filepath.Join(dir, Support), js, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, Toolchain), []byte(version+"\n"), 0o644)
}

func goEnv(ctx context.Context, gobin, name string) (string, error) {
	out, err := exec.CommandContext(ctx, gobin, "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}
