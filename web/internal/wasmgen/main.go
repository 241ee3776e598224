// Command wasmgen writes the voting booth's WebAssembly module, Go's
// wasm_exec.js and the toolchain version into web/static (docs/SPEC.md,
// Section 19.6). It is run by "go generate ./web" from the web directory.
package main

import (
	"context"
	"fmt"
	"os"

	"concord/web/internal/wasmbuild"
)

func main() {
	dir := "static"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := wasmbuild.Build(context.Background(), dir); err != nil {
		fmt.Fprintln(os.Stderr, "wasmgen:", err)
		os.Exit(1)
	}
	st, err := os.Stat(dir + "/" + wasmbuild.Module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmgen:", err)
		os.Exit(1)
	}
	fmt.Printf("wasmgen: wrote %s/%s (%d bytes)\n", dir, wasmbuild.Module, st.Size())
}
