// Command wasm is the voting booth's WebAssembly module (docs/SPEC.md,
// Section 19.5.5): built with GOOS=js GOARCH=wasm, it exposes the booth
// package (the project's own plebiscite, elgamal and zkp code) to the
// page's JavaScript as the global functions concordManifestInfo,
// concordCast and concordVerifyAudit.
//
// Build it with "go generate ./web", which writes web/static/booth.wasm.
package main
