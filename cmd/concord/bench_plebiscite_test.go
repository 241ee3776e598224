package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBenchPlebiscite runs the plebiscite benchmark on a small poll and
// checks that it reports every measure and the right result.
func TestBenchPlebiscite(t *testing.T) {
	var out bytes.Buffer
	if err := benchPlebiscite(context.Background(), []string{"--voters", "25", "--sample", "5", "--dir", t.TempDir()}, &out); err != nil {
		t.Fatalf("benchPlebiscite(--voters 25) = %v\n%s", err, out.String())
	}
	for _, want := range []string{"encrypt a one-of-three ballot", "verify one by one", "ingest over HTTP", "tally (check and sum", "of which the node's check and sum", "of which the decryption", "verify the record from the ledger", "25 counted", "peak memory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("benchPlebiscite output lacks %q:\n%s", want, out.String())
		}
	}
	if err := benchPlebiscite(context.Background(), []string{"--voters", "0"}, &out); err == nil {
		t.Errorf("benchPlebiscite(--voters 0) = nil; want a usage error")
	}
}
