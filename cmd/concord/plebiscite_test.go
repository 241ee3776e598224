package main

import (
	"database/sql"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestPlebisciteTamper runs the scripts of testdata/plebiscite, which
// tamper with plebiscite files. Besides the commands of TestScript they may
// use:
//
//	flipbyte FILE OFFSET      flip the low bit of byte OFFSET of FILE
//	flipleaf DB INDEX OFFSET  flip the low bit of byte OFFSET of leaf INDEX
//	                          stored in the SQLite log file DB
//	sqlexec DB SQL            run a statement on the SQLite file DB
func TestPlebisciteTamper(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/plebiscite",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"replace":  cmdReplace,
			"truncate": cmdTruncate,
			"flipbyte": cmdFlipByte,
			"flipleaf": cmdFlipLeaf,
			"sqlexec":  cmdSQLExec,
		},
	})
}

func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	if off < 0 || off >= len(b) {
		ts.Fatalf("flipbyte: offset %d outside %s of %d bytes", off, args[0], len(b))
	}
	b[off] ^= 1
	ts.Check(os.WriteFile(path, b, 0o644))
}

func cmdFlipLeaf(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: flipleaf DB INDEX OFFSET")
	}
	idx, err := strconv.Atoi(args[1])
	ts.Check(err)
	off, err := strconv.Atoi(args[2])
	ts.Check(err)
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	ts.Check(err)
	defer db.Close()
	var leaf []byte
	ts.Check(db.QueryRow(`SELECT leaf FROM leaves WHERE idx = ?`, idx).Scan(&leaf))
	if off < 0 || off >= len(leaf) {
		ts.Fatalf("flipleaf: offset %d outside leaf %d of %d bytes", off, idx, len(leaf))
	}
	leaf[off] ^= 1
	_, err = db.Exec(`UPDATE leaves SET leaf = ? WHERE idx = ?`, leaf, idx)
	ts.Check(err)
}

func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sqlexec DB SQL")
	}
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	ts.Check(err)
	defer db.Close()
	_, err = db.Exec(args[1])
	ts.Check(err)
}
