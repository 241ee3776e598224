package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"concord": main,
	})
}

// TestScript runs the CLI scripts in testdata/script. Besides the usual
// testscript commands they may use:
//
//	replace FILE OLD NEW   replace every OLD by NEW in FILE (and FILE-wal
//	                       if it exists); OLD must occur; Go escapes
//	                       (\n, \x00) are allowed
//	truncate FILE N        cut FILE to its first N bytes
//	bigfile FILE N         write N bytes of 'a' to FILE
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"replace":  cmdReplace,
			"truncate": cmdTruncate,
			"bigfile":  cmdBigfile,
		},
	})
}

func unquote(ts *testscript.TestScript, s string) []byte {
	u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
	ts.Check(err)
	return []byte(u)
}

func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	old, repl := unquote(ts, args[1]), unquote(ts, args[2])
	found := 0
	for _, name := range []string{args[0], args[0] + "-wal"} {
		path := ts.MkAbs(name)
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) && name != args[0] {
			continue
		}
		ts.Check(err)
		found += bytes.Count(b, old)
		ts.Check(os.WriteFile(path, bytes.ReplaceAll(b, old, repl), 0o644))
	}
	if found == 0 {
		ts.Fatalf("replace: %q not found in %s", old, args[0])
	}
}

func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: truncate FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.Truncate(ts.MkAbs(args[0]), int64(n)))
}

func cmdBigfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), bytes.Repeat([]byte("a"), n), 0o644))
}
