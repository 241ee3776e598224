package main

import (
	"bytes"
	"database/sql"
	"strings"
	"testing"
)

// TestVerifyPollInRanges runs `concord verify` on the demo's plebiscite
// reading the ballot log 5 leaves at a time (SPEC §17b.8): the report is
// the one of whole-range reading, and a flipped bit is still caught.
func TestVerifyPollInRanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	t.Chdir(t.TempDir())
	ctx := t.Context()
	exec := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), code
	}
	if out, errOut, code := exec("demo", "--voters", "12"); code != 0 {
		t.Fatalf("concord demo = %d\n%s%s", code, out, errOut)
	}
	whole, errOut, code := exec("verify", "concord-demo.db")
	if code != 0 || !strings.Contains(whole, "plebiscite bessarabia-1927: ok") {
		t.Fatalf("concord verify = %d\n%s%s", code, whole, errOut)
	}
	old := pollLeafRange
	pollLeafRange = 5
	t.Cleanup(func() { pollLeafRange = old })
	if ranged, errOut, code := exec("verify", "concord-demo.db"); code != 0 || ranged != whole {
		t.Errorf("concord verify reading 5 leaves at a time = %d\n%s%s\nwant 0 and\n%s", code, ranged, errOut, whole)
	}

	db, err := sql.Open("sqlite", "concord-demo.db.poll-bessarabia-1927.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var leaf []byte
	if err := db.QueryRow(`SELECT leaf FROM leaves WHERE idx = 7`).Scan(&leaf); err != nil {
		t.Fatal(err)
	}
	leaf[200] ^= 1
	if _, err := db.Exec(`DELETE FROM checkpoints`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE leaves SET leaf = ? WHERE idx = 7`, leaf); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = exec("verify", "concord-demo.db")
	if want := "the result entry gives ballot log root"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("concord verify (leaf 7 altered, reading 5 leaves at a time) = %d, %q; want 1 and %q", code, errOut, want)
	}
}
