package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"testing"
)

// TestBenchIngest runs "concord bench ingest" on a small plebiscite: every
// ballot is cast over HTTP and the rate is reported beside the limit.
func TestBenchIngest(t *testing.T) {
	var out bytes.Buffer
	if err := benchIngest(context.Background(), []string{"--voters", "120", "--clients", "8"}, &out); err != nil {
		t.Fatalf("bench ingest: %v\n%s", err, out.String())
	}
	for _, re := range []string{
		`ledger on SQLite: \d+ entries`,
		`limit: batched verification alone .*: \d+ ballots/s`,
		`ingest over HTTP \(8 clients.*\): \d+ ballots/s sustained  \(limit \d+/s, ratio [\d.]+\)`,
		`ballot log: 120 leaves, every ballot acknowledged once`,
	} {
		if !regexp.MustCompile(re).Match(out.Bytes()) {
			t.Errorf("bench ingest output lacks %q:\n%s", re, out.String())
		}
	}
}

func TestBenchIngestUsage(t *testing.T) {
	for _, args := range [][]string{{"--voters", "0"}, {"--clients", "0"}, {"--ledger", "ledger.db"}} {
		var u *usageError
		if err := benchIngest(context.Background(), args, &bytes.Buffer{}); !errors.As(err, &u) {
			t.Errorf("bench ingest %q = %v; want a usage error", args, err)
		}
	}
}
